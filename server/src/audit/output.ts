// The audit's report as text (for a person in an outage), JSON and SARIF 2.1.0 (for scripts and code scanning).
import { LineIndex, ruleDocUrl } from '../engine/index';
import type { AuditReport } from './audit';
import { fixCommand, type KubectlTarget } from './fix';
import { objectName, objectUri, type AuditFinding } from './model';

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

function versionLine(r: AuditReport): string {
  if (r.kubernetesVersionFrom === 'as-if') return `judged as if the cluster ran Kubernetes ${r.kubernetesVersion} (it runs ${r.liveKubernetesVersion ?? 'an unknown release'})`;
  if (r.kubernetesVersionFrom === 'cluster') return `Kubernetes ${r.liveKubernetesVersion}`;
  return 'Kubernetes release unknown (GET /version did not answer)';
}

function modeLine(r: AuditReport): string {
  if (r.proxyModeFrom === 'as-if') return `judged as if kube-proxy ran in ${r.proxyMode} mode (the cluster runs ${r.liveProxyMode ?? 'an unknown mode'})`;
  if (r.proxyModeFrom === 'cluster') return `kube-proxy mode ${r.proxyMode}`;
  return `kube-proxy mode unknown: judged as ${r.proxyMode}, the worst case`;
}

export function renderText(r: AuditReport, target: KubectlTarget = {}): string {
  if (r.state === 'failed') return `kube-ip-guard audit: could not audit: ${r.message}`;
  const lines: string[] = [];
  lines.push(`kube-ip-guard audit: ${r.message}; ${modeLine(r)}; ${versionLine(r)}`);
  const { findings, fixes } = r.analysis;
  const shown = new Set<number>();
  // Errors and warnings in full, worst first; information (nothing breaks) one line each after them.
  const serious = findings.filter((f) => f.severity !== 'info');
  const infos = findings.filter((f) => f.severity === 'info');
  serious.forEach((f, i) => {
    lines.push('');
    lines.push(`${i + 1}. ${f.severity} ${f.object.kind} ${objectName(f.object)}${f.field ? ` ${f.field}` : ''}${f.value !== undefined ? ` = ${f.value}` : ''} [${f.rule}]`);
    if (f.collidesWith) lines.push(`   collides with: ${f.collidesWith}`);
    lines.push(`   why: ${f.message}`);
    if (f.fix !== undefined) {
      const fix = fixes[f.fix];
      if (shown.has(f.fix)) lines.push(`   fix: the command above (it also does this: ${fix.summary.split('; ').find((s) => f.value !== undefined && s.includes(f.value)) ?? fix.summary})`);
      else lines.push(`   fix: ${fixCommand(fix, target)}`);
      if (fix.subresource === 'status') lines.push('        (the load-balancer controller may write the address again: fix its pool first)');
      shown.add(f.fix);
    } else if (f.manualFix) lines.push(`   fix: ${f.manualFix}`);
  });
  if (infos.length) {
    lines.push('');
    lines.push('Information (no outage):');
    for (const f of infos) lines.push(`  ${f.object.kind} ${objectName(f.object)}${f.field ? ` ${f.field}` : ''}: ${f.message} [${f.rule}]`);
  }
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  lines.push('');
  lines.push(
    serious.length
      ? `${plural(serious.length, 'collision')} (${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')})${infos.length ? ` and ${infos.length} info` : ''}${count('error') ? '; the same command with --fix applies the fixes of the errors' : ''}`
      : `No collisions: no Service, pool or load-balancer address is a node's or the API server's${infos.length ? ` (${infos.length} info)` : ''}.`,
  );
  const absent = r.read.filter((x) => x.absent).map((x) => x.resource);
  if (absent.length) lines.push(`Not installed in this cluster: ${absent.join(', ')}.`);
  if (r.notRead.length) lines.push(`NOT READ (the audit is incomplete): ${r.notRead.join('; ')}.`);
  return lines.join('\n');
}

export function toJson(r: AuditReport, target: KubectlTarget): object {
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
    ...(r.kubernetesVersion ? { kubernetesVersion: r.kubernetesVersion } : {}),
    kubernetesVersionFrom: r.kubernetesVersionFrom,
    ...(r.liveKubernetesVersion ? { liveKubernetesVersion: r.liveKubernetesVersion } : {}),
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
  const lines = new LineIndex(text);
  const a = lines.position(start);
  const b = lines.position(end);
  return { startLine: a.line, startColumn: a.column, endLine: b.line, endColumn: b.column };
}
