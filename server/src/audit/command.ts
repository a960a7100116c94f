// The `audit` subcommand: options, output (text, JSON, SARIF), and `--fix` with its confirmation.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PROXY_MODES, ruleDocUrl, type ProxyMode } from '../engine/index';
import { applyFixes, auditCluster, fixesToApply, type AuditReport } from './audit';
import { fixCommand, type KubectlTarget } from './fix';
import { objectName, objectUri, type AuditFinding } from './model';

export const AUDIT_USAGE = `Usage: kube-ip-guard audit [options]

Reads the live cluster of a kubeconfig context (nodes, API server addresses, kube-proxy mode, every Service,
MetalLB/Calico/Gateway address pools) and prints every Service address that collides with a node or the API
server, worst first, each with the kubectl command that removes exactly that entry.

Options:
  --kubeconfig FILE         the kubeconfig (default: KUBECONFIG, else ~/.kube/config)
  --context NAME            the context (default: its current-context)
  --server URL              talk to this API server instead of the context's (e.g. a control-plane node's
                            own address when the VIP in the kubeconfig is the one hijacked)
  --tls-server-name NAME    check the server certificate for NAME (default with --server: the context
                            server's host name, when it is a name)
  --proxy-mode MODE         judge the objects as if kube-proxy ran in MODE (${PROXY_MODES.join(' | ')})
  --timeout MS              bound for each request (default 10000); the whole read is bounded by 120 s
  --format FORMAT           text | json | sarif (default: text)
  --fix                     apply the fixes of the errors found, after a confirmation
  --yes                     with --fix: do not ask (for scripts)
  -h, --help                show this help

Progress goes to stderr. Exit status: 0 clean, 1 errors found, 2 the cluster (or part of it) could not be read.`;

export interface AuditIO {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  /** Ask a yes/no question; undefined when there is no one to ask (stdin is not a terminal). */
  confirm?(question: string): Promise<boolean>;
}

interface AuditArgs {
  kubeconfig?: string;
  context?: string;
  server?: string;
  tlsServerName?: string;
  proxyMode?: ProxyMode;
  timeoutMs?: number;
  format: 'text' | 'json' | 'sarif';
  fix: boolean;
  yes: boolean;
}

class UsageError extends Error {}

function parse(argv: string[]): AuditArgs | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        server: { type: 'string' },
        'tls-server-name': { type: 'string' },
        'proxy-mode': { type: 'string' },
        timeout: { type: 'string' },
        format: { type: 'string' },
        fix: { type: 'boolean' },
        yes: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, ''));
  }
  if (values.help) return 'help';
  const format = (values.format as string | undefined) ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'sarif') throw new UsageError(`--format must be text, json or sarif, not "${format}"`);
  const mode = values['proxy-mode'] as string | undefined;
  if (mode !== undefined && !(PROXY_MODES as readonly string[]).includes(mode)) throw new UsageError(`--proxy-mode must be ${PROXY_MODES.join(', ')}, not "${mode}"`);
  const timeout = values.timeout !== undefined ? Number(values.timeout) : undefined;
  if (timeout !== undefined && !(timeout > 0)) throw new UsageError('--timeout must be a positive number of milliseconds');
  if (values.yes && !values.fix) throw new UsageError('--yes goes with --fix');
  if (values.fix && format !== 'text') throw new UsageError('--fix prints its results as text: use it without --format');
  return {
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig as string } : {}),
    ...(values.context ? { context: values.context as string } : {}),
    ...(values.server ? { server: values.server as string } : {}),
    ...(values['tls-server-name'] ? { tlsServerName: values['tls-server-name'] as string } : {}),
    ...(mode ? { proxyMode: mode as ProxyMode } : {}),
    ...(timeout ? { timeoutMs: timeout } : {}),
    format,
    fix: !!values.fix,
    yes: !!values.yes,
  };
}

export async function runAudit(argv: string[], io: AuditIO): Promise<number> {
  let args: AuditArgs | 'help';
  try {
    args = parse(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`kube-ip-guard audit: ${e.message}\n\n${AUDIT_USAGE}`);
      return 2;
    }
    throw e;
  }
  if (args === 'help') {
    io.out(AUDIT_USAGE);
    return 0;
  }
  const session = {
    ...(args.kubeconfig ? { kubeconfigPath: resolve(io.cwd, args.kubeconfig) } : {}),
    ...(args.context ? { context: args.context } : {}),
    ...(args.server ? { server: args.server } : {}),
    ...(args.tlsServerName ? { tlsServerName: args.tlsServerName } : {}),
    ...(args.timeoutMs ? { requestTimeoutMs: args.timeoutMs } : {}),
  };
  const report = await auditCluster({ ...session, ...(args.proxyMode ? { proxyMode: args.proxyMode } : {}), progress: (line) => io.err(`kube-ip-guard: ${line}`) });
  const target: KubectlTarget = {
    ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}),
    ...(args.context ? { context: args.context } : {}),
    ...(args.server && report.server ? { server: report.server } : {}),
    ...(args.tlsServerName ? { tlsServerName: args.tlsServerName } : {}),
  };
  if (args.format === 'json') io.out(JSON.stringify(toJson(report, target), null, 2));
  else if (args.format === 'sarif') io.out(JSON.stringify(toAuditSarif(report, target), null, 2));
  else io.out(renderText(report, target));
  if (!args.fix || report.state === 'failed') return report.exitCode;

  const fixes = fixesToApply(report.analysis);
  if (fixes.length === 0) {
    io.err('kube-ip-guard: --fix: nothing to apply (no error with a safe patch)');
    return report.exitCode;
  }
  if (!args.yes) {
    if (!io.confirm) {
      io.err('kube-ip-guard: --fix: cannot ask for confirmation (stdin is not a terminal); add --yes to apply anyway');
      return report.exitCode;
    }
    const ok = await io.confirm(`Apply ${fixes.length} patch${fixes.length === 1 ? '' : 'es'} to ${report.context ?? 'the cluster'} (${report.server ?? ''})? [y/N] `);
    if (!ok) {
      io.err('kube-ip-guard: --fix: nothing applied');
      return report.exitCode;
    }
  }
  const { results, failure } = await applyFixes(session, fixes, (r) => io.out(`${r.ok ? 'fixed' : 'FAILED'}: ${r.message}`));
  if (failure) {
    io.err(`kube-ip-guard: --fix: ${failure}`);
    return 2;
  }
  const failed = results.filter((r) => !r.ok).length;
  io.out(`${results.length - failed} of ${results.length} patch${results.length === 1 ? '' : 'es'} applied; run the audit again to check the cluster`);
  return failed ? 2 : report.exitCode;
}

// ---- output ------------------------------------------------------------------------------------------------------

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

function modeLine(r: AuditReport): string {
  if (r.proxyModeFrom === 'as-if') return `judged as if kube-proxy ran in ${r.proxyMode} mode (the cluster runs ${r.liveProxyMode ?? 'an unknown mode'})`;
  if (r.proxyModeFrom === 'cluster') return `kube-proxy mode ${r.proxyMode}`;
  return `kube-proxy mode unknown: judged as ${r.proxyMode}, the worst case`;
}

export function renderText(r: AuditReport, target: KubectlTarget = {}): string {
  if (r.state === 'failed') return `kube-ip-guard audit: could not audit: ${r.message}`;
  const lines: string[] = [];
  lines.push(`kube-ip-guard audit: ${r.message}; ${modeLine(r)}`);
  const { findings, fixes } = r.analysis;
  const shown = new Set<number>();
  findings.forEach((f, i) => {
    lines.push('');
    lines.push(`${i + 1}. ${f.severity} ${f.object.kind} ${objectName(f.object)}${f.field ? ` ${f.field}` : ''}${f.value !== undefined ? ` = ${f.value}` : ''} [${f.rule}]`);
    if (f.collidesWith) lines.push(`   collides with: ${f.collidesWith}`);
    lines.push(`   why: ${f.message}`);
    if (f.fix !== undefined) {
      const fix = fixes[f.fix];
      if (shown.has(f.fix)) lines.push(`   fix: the command above (it also ${fix.summary.split('; ').find((s) => f.value !== undefined && s.includes(f.value)) ?? fix.summary})`);
      else lines.push(`   fix: ${fixCommand(fix, target)}`);
      if (fix.subresource === 'status') lines.push('        (the load-balancer controller may write the address again: fix its pool first)');
      shown.add(f.fix);
    } else if (f.manualFix) lines.push(`   fix: ${f.manualFix}`);
  });
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  lines.push('');
  lines.push(
    findings.length
      ? `${plural(findings.length, 'finding')} (${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${count('info')} info)${count('error') ? '; the same command with --fix applies the fixes of the errors' : ''}`
      : 'No collisions: no Service, pool or load-balancer address is a node\'s or the API server\'s.',
  );
  const absent = r.read.filter((x) => x.absent).map((x) => x.resource);
  if (absent.length) lines.push(`Not installed in this cluster: ${absent.join(', ')}.`);
  if (r.notRead.length) lines.push(`NOT READ (the audit is incomplete): ${r.notRead.join('; ')}.`);
  return lines.join('\n');
}

function toJson(r: AuditReport, target: KubectlTarget): object {
  return {
    state: r.state,
    context: r.context,
    server: r.server,
    message: r.message,
    nodes: r.nodes,
    apiServers: r.apiServers,
    proxyMode: r.proxyMode,
    proxyModeFrom: r.proxyModeFrom,
    ...(r.liveProxyMode ? { liveProxyMode: r.liveProxyMode } : {}),
    read: r.read,
    notRead: r.notRead,
    findings: r.analysis.findings.map((f) => findingJson(r, f, target)),
    exitCode: r.exitCode,
  };
}

function findingJson(r: AuditReport, f: AuditFinding, target: KubectlTarget): object {
  const fix = f.fix !== undefined ? r.analysis.fixes[f.fix] : undefined;
  return {
    rule: f.rule,
    severity: f.severity,
    object: { apiVersion: f.object.apiVersion, kind: f.object.kind, namespace: f.object.namespace ?? null, name: f.object.name },
    uri: objectUri(f.object),
    ...(f.field ? { field: f.field } : {}),
    ...(f.value !== undefined ? { value: f.value } : {}),
    ...(f.collidesWith ? { collidesWith: f.collidesWith } : {}),
    message: f.message,
    ...(fix ? { fix: { command: fixCommand(fix, target), ...(fix.subresource ? { subresource: fix.subresource } : {}), patch: fix.patch } } : {}),
    ...(f.manualFix ? { manualFix: f.manualFix } : {}),
  };
}

const SARIF_LEVEL: Record<string, string> = { error: 'error', warning: 'warning', info: 'note' };

/** SARIF 2.1.0; each result's location is the object, `k8s://<namespace>/<Kind>/<name>` (empty namespace: cluster-scoped). */
export function toAuditSarif(r: AuditReport, target: KubectlTarget = {}): object {
  const ids = [...new Set(r.analysis.findings.map((f) => f.rule))];
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'kube-ip-guard', informationUri: 'https://github.com/kube-ip-guard/kube-ip-guard', rules: ids.map((id) => ({ id, helpUri: ruleDocUrl(id) })) } },
        invocations: [{ executionSuccessful: r.state !== 'failed', ...(r.notRead.length || r.state === 'failed' ? { toolExecutionNotifications: [...(r.state === 'failed' ? [r.message] : []), ...r.notRead].map((text) => ({ level: 'error', message: { text } })) } : {}) }],
        results: r.analysis.findings.map((f) => {
          const fix = f.fix !== undefined ? r.analysis.fixes[f.fix] : undefined;
          const doc = r.analysis.documents.find((d) => objectUri(d.ref) === objectUri(f.object));
          const region = doc ? regionOf(doc.yaml, f.span.start, f.span.end) : undefined;
          return {
            ruleId: f.rule,
            ruleIndex: ids.indexOf(f.rule),
            level: SARIF_LEVEL[f.severity] ?? 'warning',
            message: { text: `${f.object.kind} ${objectName(f.object)}${f.field ? ` ${f.field}` : ''}: ${f.message}${fix ? ` Fix: ${fixCommand(fix, target)}` : f.manualFix ? ` Fix: ${f.manualFix}` : ''}` },
            locations: [
              {
                physicalLocation: { artifactLocation: { uri: objectUri(f.object) }, ...(region ? { region } : {}) },
                logicalLocations: [{ fullyQualifiedName: `${f.object.namespace ?? ''}/${f.object.kind}/${f.object.name}`, kind: 'resource' }],
              },
            ],
            ...(f.field ? { properties: { field: f.field, ...(f.value !== undefined ? { value: f.value } : {}) } } : {}),
          };
        }),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}

function regionOf(text: string, start: number, end: number): { startLine: number; startColumn: number; endLine: number; endColumn: number } {
  const pos = (o: number) => {
    const before = text.slice(0, o);
    const line = before.split('\n').length;
    return { line, column: o - (before.lastIndexOf('\n') + 1) + 1 };
  };
  const a = pos(start);
  const b = pos(end);
  return { startLine: a.line, startColumn: a.column, endLine: b.line, endColumn: b.column };
}
