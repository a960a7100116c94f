// What `kube-ip-guard audit` reads from a live cluster, besides the facts `loadClusterFacts` reads: every Service
// (spec and status, all namespaces) and every object that hands out Service addresses, each list paginated with
// limit/continue like kubectl. A list the cluster does not serve (404: the CRD is not installed) is normal and
// silent; a list RBAC forbids, or that times out, is named in `missing`.
import { HttpError, getJson } from '../facts/cluster/http';
import type { LoadEnv } from '../facts/cluster/load';
import { POOL_KINDS, type PoolKind } from '../engine/pools';

const PAGE_SIZE = 500;
const MAX_PAGES = 2_000;

/** A live object as the API server returned it (kind and apiVersion filled in from its list). */
export interface LiveObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** A list of objects the engine reads, by REST path; the first version the cluster serves is used. */
export interface LiveKind {
  kind: string;
  /** The resource as kubectl names it (`ipaddresspools.metallb.io`), for messages and fix commands. */
  resource: string;
  namespaced: boolean;
  /** Group/version candidates, preferred first; '' group = the core API. */
  versions: { group: string; version: string }[];
  plural: string;
  /** True for Services: not reading them means the audit did not happen. */
  essential?: boolean;
  /** One object of a fixed name (a ConfigMap pool), read with a GET instead of a list. */
  only?: { namespace: string; name: string };
  /** Listed in this namespace only, not across all of them. */
  namespace?: string;
  /** A kind every cluster serves (apps/v1, core): a 404 reads as nothing there, never as "not installed". */
  builtin?: boolean;
  /** Which of the listed objects the engine is given (the others are dropped as they are read). */
  keep?: (o: LiveObject) => boolean;
}

function liveKindOf(p: PoolKind): LiveKind {
  const plural = `${p.kind.toLowerCase()}s`;
  const versions = p.groups.flatMap((group) => p.versions.map((version) => ({ group, version })));
  if (p.namespace && p.name) {
    return { kind: p.kind, resource: `${plural} ${p.namespace}/${p.name}`, namespaced: true, versions, plural, only: { namespace: p.namespace, name: p.name } };
  }
  return { kind: p.kind, resource: p.groups[0] ? `${plural}.${p.groups[0]}` : plural, namespaced: true, versions, plural };
}

/** A pod template (or pod spec) with a container configured by kube-vip's env (pkg/kubevip/config_envvar.go). */
function configuresKubeVip(o: LiveObject): boolean {
  const spec = (o.kind === 'Pod' ? o.spec : (o.spec as { template?: { spec?: unknown } } | undefined)?.template?.spec) as { containers?: unknown } | undefined;
  const containers = Array.isArray(spec?.containers) ? (spec.containers as { env?: unknown }[]) : [];
  return containers.some((c) => Array.isArray(c?.env) && (c.env as { name?: unknown }[]).some((e) => e?.name === 'svc_enable' || e?.name === 'vip_arp'));
}

/**
 * The Service list, every address pool kind the engine reads (server/src/engine/pools.ts `POOL_KINDS`), MetalLB's
 * L2Advertisements (metallb/metallb api/v1beta1/l2advertisement_types.go), whose layer 2 mode with IPVS needs
 * kube-proxy's strictARP (metallb-l2-strictarp; the pre-0.13 ConfigMap says `protocol: layer2` itself), and kube-vip
 * in kube-system, as a DaemonSet or a static pod (its mirror pod, annotated `kubernetes.io/config.mirror` by the
 * kubelet; a DaemonSet's own pods would repeat the DaemonSet), whose ARP mode for Services needs it too
 * (kube-vip-arp-strictarp).
 */
export const LIVE_KINDS: readonly LiveKind[] = [
  { kind: 'Service', resource: 'services', namespaced: true, versions: [{ group: '', version: 'v1' }], plural: 'services', essential: true },
  ...POOL_KINDS.map(liveKindOf),
  { kind: 'L2Advertisement', resource: 'l2advertisements.metallb.io', namespaced: true, versions: [{ group: 'metallb.io', version: 'v1beta1' }], plural: 'l2advertisements' },
  { kind: 'DaemonSet', resource: 'daemonsets.apps -n kube-system', namespaced: true, versions: [{ group: 'apps', version: 'v1' }], plural: 'daemonsets', namespace: 'kube-system', builtin: true, keep: configuresKubeVip },
  {
    kind: 'Pod',
    resource: 'pods -n kube-system',
    namespaced: true,
    versions: [{ group: '', version: 'v1' }],
    plural: 'pods',
    namespace: 'kube-system',
    builtin: true,
    keep: (o) => typeof (o.metadata.annotations as Record<string, unknown> | undefined)?.['kubernetes.io/config.mirror'] === 'string' && configuresKubeVip(o),
  },
];

export interface ListOutcome {
  kind: LiveKind;
  objects: LiveObject[];
  /** Not served by this cluster (the CRD is absent). */
  absent?: boolean;
  /** Why the list could not be read ("services forbidden (403)", "timed out"). */
  failed?: string;
  /** The apiVersion that was read. */
  apiVersion?: string;
}

export interface ListProgress {
  (kind: LiveKind, count: number): void;
}

function listPath(k: LiveKind, v: { group: string; version: string }): string {
  const base = v.group ? `/apis/${v.group}/${v.version}` : `/api/${v.version}`;
  if (k.only) return `${base}/namespaces/${encodeURIComponent(k.only.namespace)}/${k.plural}/${encodeURIComponent(k.only.name)}`;
  return k.namespace ? `${base}/namespaces/${encodeURIComponent(k.namespace)}/${k.plural}` : `${base}/${k.plural}`;
}

/** The one object of a fixed-name kind; 404 throws like a missing list. */
async function getOne(env: LoadEnv, path: string, apiVersion: string, kind: string, out: LiveObject[]): Promise<void> {
  const r = await getJson(env.conn, path);
  env.log(`GET ${path}: ${r.ms} ms`);
  const item = r.body as Record<string, unknown>;
  if (item && typeof item === 'object' && typeof (item.metadata as { name?: unknown } | undefined)?.name === 'string') out.push(asShown(item, apiVersion, kind));
}

/** Every object of one kind, all namespaces, paginated; never throws. */
export async function listKind(env: LoadEnv, k: LiveKind, progress?: ListProgress): Promise<ListOutcome> {
  let lastNotFound = false;
  for (const v of k.versions) {
    const apiVersion = v.group ? `${v.group}/${v.version}` : v.version;
    const read: LiveObject[] = [];
    try {
      if (k.only) await getOne(env, listPath(k, v), apiVersion, k.kind, read);
      else await listAll(env, listPath(k, v), apiVersion, k.kind, read, (n) => progress?.(k, n), k.keep);
      return { kind: k, objects: read, apiVersion };
    } catch (e) {
      if (read.length === 0 && e instanceof HttpError && e.kind === 'status' && e.status === 404) {
        lastNotFound = true;
        continue;
      }
      // The pages read before the failure are still checked (a half-down cluster answers some of them).
      const partial = read.length ? ` after ${read.length} were read` : '';
      return { kind: k, objects: read, apiVersion, failed: `${describeListError(e, k.resource, !k.namespace)}${partial}` };
    }
  }
  if (lastNotFound && k.builtin) return { kind: k, objects: [] };
  // Every cluster serves Services: a 404 there is a proxy or a wrong --server path, not an absent CRD.
  if (lastNotFound && !k.essential) return { kind: k, objects: [], absent: true };
  return { kind: k, objects: [], failed: `${k.resource}: ${lastNotFound ? 'not found (404)' : 'no version served'}` };
}

export function describeListError(e: unknown, resource: string, allNamespaces = true): string {
  if (!(e instanceof HttpError)) return `${resource}: failed`;
  switch (e.kind) {
    case 'status':
      if (e.status === 403) return `${resource}: forbidden (403): the user may not list ${resource}${allNamespaces ? ' in all namespaces' : ''}`;
      if (e.status === 401) return `${resource}: unauthorized (401)`;
      return `${resource}: HTTP ${e.status}${e.reason ? ` (${e.reason})` : ''}`;
    case 'timeout':
    case 'connect-timeout':
      return `${resource}: timed out`;
    case 'aborted':
      return `${resource}: cancelled (total time bound)`;
    case 'dropped':
      return `${resource}: connection dropped`;
    case 'parse':
      return `${resource}: invalid answer (${e.message})`;
    default:
      return `${resource}: ${e.message}`;
  }
}

/** Appends every object to `out` page by page (so a failure keeps the pages read before it). */
async function listAll(env: LoadEnv, path: string, apiVersion: string, kind: string, out: LiveObject[], progress: (n: number) => void, keep?: (o: LiveObject) => boolean): Promise<void> {
  let cont: string | undefined;
  let restarted = false;
  let pages = 0;
  for (;;) {
    const url = `${path}?limit=${PAGE_SIZE}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
    let body: unknown;
    try {
      const r = await getJson(env.conn, url);
      body = r.body;
      env.log(`GET ${path} page ${pages + 1}: ${r.ms} ms`);
    } catch (e) {
      // 410 Gone: the continue token expired. Start over once, like kubectl.
      if (cont && !restarted && e instanceof HttpError && e.kind === 'status' && e.status === 410) {
        restarted = true;
        cont = undefined;
        out.length = 0;
        pages = 0;
        continue;
      }
      throw e;
    }
    const list = body as { items?: unknown; metadata?: { continue?: unknown } };
    if (!list || typeof list !== 'object' || !Array.isArray(list.items)) throw new HttpError('parse', `not a ${kind}List`);
    for (const item of list.items as Record<string, unknown>[]) {
      const meta = item?.metadata as { name?: unknown } | undefined;
      if (!item || typeof item !== 'object' || typeof meta?.name !== 'string') continue;
      const shown = asShown(item, apiVersion, kind);
      if (!keep || keep(shown)) out.push(shown);
    }
    pages++;
    progress(out.length);
    const next = list.metadata?.continue;
    if (typeof next !== 'string' || next === '') break;
    if (next === cont || pages >= MAX_PAGES) throw new HttpError('parse', 'the pagination does not end');
    cont = next;
  }
}

/**
 * The object as `kubectl get -o yaml` shows it: kind and apiVersion set (list items may omit them), without
 * managedFields (kubectl hides them unless --show-managed-fields).
 */
export function asShown(item: Record<string, unknown>, apiVersion: string, kind: string): LiveObject {
  const metadata = { ...(item.metadata as Record<string, unknown>) };
  delete metadata.managedFields;
  return { ...item, apiVersion, kind, metadata } as LiveObject;
}
