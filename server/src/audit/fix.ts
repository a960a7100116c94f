// The fixes of an audit: the exact kubectl command for each (to run by hand, or to paste from the editor), and
// applying the same JSON patch over the audit's own connection (credentials from the kubeconfig library; nothing
// is shelled out). The patch's `test` ops make the API server refuse it if the entry moved since it was read.
import { HttpError, requestJson } from '../facts/cluster/http';
import type { LoadEnv } from '../facts/cluster/load';
import { objectName, type AuditFix, type ObjectRef } from './model';
import { LIVE_KINDS } from './read';

/** How the commands reach the cluster: the flags the audit itself was given. */
export interface KubectlTarget {
  context?: string;
  kubeconfig?: string;
  /** When the audit used --server (the kubeconfig's address is down), kubectl needs it too. */
  server?: string;
  tlsServerName?: string;
}

/** Single-quote for POSIX shells. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function fixCommand(fix: AuditFix, target: KubectlTarget = {}): string {
  const args = ['kubectl'];
  if (target.kubeconfig) args.push('--kubeconfig', shellQuote(target.kubeconfig));
  if (target.context) args.push('--context', shellQuote(target.context));
  if (target.server) args.push('--server', shellQuote(target.server));
  if (target.tlsServerName) args.push('--tls-server-name', shellQuote(target.tlsServerName));
  if (fix.object.namespace) args.push('-n', shellQuote(fix.object.namespace));
  args.push('patch', fix.object.resource, shellQuote(fix.object.name));
  if (fix.subresource) args.push(`--subresource=${fix.subresource}`);
  args.push('--type=json', '-p', shellQuote(JSON.stringify(fix.patch)));
  return args.join(' ');
}

/** The REST path of an object (and subresource) the audit read. */
export function objectPath(ref: ObjectRef, subresource?: string): string {
  const kind = LIVE_KINDS.find((k) => k.kind === ref.kind && k.versions.some((v) => (v.group ? `${v.group}/${v.version}` : v.version) === ref.apiVersion));
  const plural = kind?.plural ?? `${ref.kind.toLowerCase()}s`;
  const base = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
  const ns = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  return `${base}${ns}/${plural}/${encodeURIComponent(ref.name)}${subresource ? `/${subresource}` : ''}`;
}

export interface FixResult {
  fix: AuditFix;
  ok: boolean;
  /** One line: "patched default/busybox", "refused: the entry changed since it was read". */
  message: string;
}

/** Apply one fix as a JSON patch (RFC 6902, application/json-patch+json); never throws. */
export async function applyFix(env: LoadEnv, fix: AuditFix): Promise<FixResult> {
  const name = `${fix.object.kind} ${objectName(fix.object)}${fix.subresource ? ` (${fix.subresource})` : ''}`;
  try {
    await requestJson(env.conn, objectPath(fix.object, fix.subresource), {
      method: 'PATCH',
      contentType: 'application/json-patch+json',
      body: JSON.stringify(fix.patch),
    });
    return { fix, ok: true, message: `patched ${name}: ${fix.summary}` };
  } catch (e) {
    return { fix, ok: false, message: `${name} not patched: ${describePatchError(e, fix)}` };
  }
}

function describePatchError(e: unknown, fix: AuditFix): string {
  if (!(e instanceof HttpError)) return 'failed';
  if (e.kind === 'status') {
    // A failed `test` op: kube-apiserver answers 422 (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go).
    if (e.status === 422 || e.status === 409) return `the object changed since it was read (HTTP ${e.status}); run the audit again`;
    if (e.status === 403) return `forbidden (403): the user may not patch ${fix.object.resource}${fix.subresource ? `/${fix.subresource}` : ''}`;
    if (e.status === 404) return 'it no longer exists (404)';
    if (e.status === 401) return 'unauthorized (401)';
    return `HTTP ${e.status}${e.reason ? ` (${e.reason})` : ''}`;
  }
  return e.message;
}
