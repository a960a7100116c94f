// `kube-ip-guard audit`: check the live cluster itself (server/src/audit/), print each collision with its fix, and
// with --fix apply the fixes after a confirmation.
import { resolve } from 'node:path';
import { parseKubernetesVersion, PROXY_MODES } from '../engine/index';
import { applyFixes, auditCluster, AUDIT_TOTAL_TIMEOUT_MS, fixesToApply } from '../audit/audit';
import type { KubectlTarget } from '../audit/fix';
import { renderText, toAuditSarif, toJson } from '../audit/output';
import { choiceOf, positiveNumberOf, stringOf, UsageError, type CliIO, type Command, type OptionSpecs, type Parsed } from './command';
import { FORMATS } from './output';

const USAGE = `Usage: kube-ip-guard audit [options]

Reads the live cluster of a kubeconfig context (nodes, API server addresses, kube-proxy mode, every Service and
every address pool: MetalLB, Cilium, kube-vip, OpenELB, Calico, Gateways) and prints every address that collides
with a node or the API server, worst first, each with the kubectl command that removes exactly that entry.

Options:
  --kubeconfig FILE         the kubeconfig (default: KUBECONFIG, else ~/.kube/config)
  --context NAME            the context (default: its current-context)
  --server URL              talk to this API server instead of the context's, e.g. a control-plane node's
                            own address when the kubeconfig's address is the one hijacked
  --tls-server-name NAME    check the server certificate for NAME (default with --server: the context's
                            server host name, when it is a name rather than an address)
  --proxy-mode MODE         judge the objects as if kube-proxy ran in MODE (${PROXY_MODES.join(' | ')})
  --kubernetes-version V    judge them as if the cluster ran release V (e.g. 1.36), not what GET /version says
  --timeout MS              bound for each request (default 10000); the whole read is bounded by ${AUDIT_TOTAL_TIMEOUT_MS / 1000} s
  --format FORMAT           text | json | sarif (default: text)
  --fix                     apply the fixes of the errors found, after a confirmation
  --yes                     with --fix: do not ask (for scripts)
  -h, --help                show this help

Progress goes to stderr. Exit status: 0 clean, 1 errors found, 2 the cluster (or part of it) could not be read.`;

const OPTIONS: OptionSpecs = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  server: { type: 'string' },
  'tls-server-name': { type: 'string' },
  'proxy-mode': { type: 'string' },
  'kubernetes-version': { type: 'string' },
  timeout: { type: 'string' },
  format: { type: 'string' },
  fix: { type: 'boolean' },
  yes: { type: 'boolean' },
};

async function run(args: Parsed, io: CliIO): Promise<number> {
  const v = args.values;
  if (args.positionals.length) throw new UsageError(`audit takes no arguments, got "${args.positionals[0]}"`);
  const format = choiceOf(v, 'format', FORMATS) ?? 'text';
  const proxyMode = choiceOf(v, 'proxy-mode', PROXY_MODES);
  const timeoutMs = positiveNumberOf(v, 'timeout', 'milliseconds');
  const versionText = stringOf(v, 'kubernetes-version');
  const minor = versionText !== undefined ? parseKubernetesVersion(versionText) : undefined;
  if (versionText !== undefined && minor === undefined) throw new UsageError(`--kubernetes-version: "${versionText}" is not a Kubernetes version such as 1.35`);
  const fix = v.fix === true;
  if (v.yes && !fix) throw new UsageError('--yes goes with --fix');
  if (fix && format !== 'text') throw new UsageError('--fix prints its results as text: use it without --format');
  const kubeconfig = stringOf(v, 'kubeconfig');
  const context = stringOf(v, 'context');
  const server = stringOf(v, 'server');
  const tlsServerName = stringOf(v, 'tls-server-name');
  const session = {
    ...(kubeconfig ? { kubeconfigPath: resolve(io.cwd, kubeconfig) } : {}),
    ...(context ? { context } : {}),
    ...(server ? { server } : {}),
    ...(tlsServerName ? { tlsServerName } : {}),
    ...(timeoutMs ? { requestTimeoutMs: timeoutMs } : {}),
  };
  const report = await auditCluster({ ...session, ...(proxyMode ? { proxyMode } : {}), ...(minor !== undefined ? { kubernetesVersion: { minor, text: versionText! } } : {}), progress: (line) => io.err(`kube-ip-guard: ${line}`) });
  // The printed commands reach the cluster the way the audit did.
  const target: KubectlTarget = {
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(context ? { context } : {}),
    ...(server && report.server ? { server: report.server } : {}),
    ...(tlsServerName ? { tlsServerName } : {}),
  };
  if (format === 'json') io.out(JSON.stringify(toJson(report, target), null, 2));
  else if (format === 'sarif') io.out(JSON.stringify(toAuditSarif(report, target), null, 2));
  else io.out(renderText(report, target));
  if (!fix || report.state === 'failed') return report.exitCode;

  const fixes = fixesToApply(report.analysis);
  if (fixes.length === 0) {
    io.err('kube-ip-guard: --fix: nothing to apply (no error with a safe patch)');
    return report.exitCode;
  }
  if (v.yes !== true) {
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

export const auditCommand: Command = {
  name: 'audit',
  summary: 'check the live cluster: which Service or pool holds a node\'s or the API server\'s address, and the fix',
  usage: USAGE,
  options: OPTIONS,
  run,
};
