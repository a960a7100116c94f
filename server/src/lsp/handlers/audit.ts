// "Kube IP Guard: Audit cluster": the live cluster of the configured context, checked by the same audit as
// `kube-ip-guard audit` (server/src/audit/), returned as one read-only document per offending object with its
// findings; and applying one of its fixes, which the client confirms with the user first.
import { LineIndex, ruleDocUrl } from '../../engine/index';
import { applyFixes, auditCluster, type AuditReport } from '../../audit/audit';
import { fixCommand, type KubectlTarget } from '../../audit/fix';
import { objectUri, type AuditFix } from '../../audit/model';
import { ApplyAuditFixRequest, AuditClusterRequest, AuditProgressNotification } from '../../protocol';
import type { ServerContext } from '../serverContext';

/** The fixes of recent audits, by id; only these can be applied (the client names one, never sends a patch). */
const MAX_KEPT_AUDITS = 5;

export function toAuditResult(report: AuditReport, auditId: number, target: KubectlTarget = {}): AuditClusterRequest.Result {
  const { documents, findings, fixes } = report.analysis;
  const docsByUri = new Map(documents.map((d) => [objectUri(d.ref), d]));
  const byObject = new Map<string, AuditClusterRequest.LiveDocument>();
  const lines = new Map<string, LineIndex>();
  for (const f of findings) {
    const uri = objectUri(f.object);
    let doc = byObject.get(uri);
    if (!doc) {
      const d = docsByUri.get(uri);
      if (!d) continue;
      doc = { object: uri, kind: d.ref.kind, ...(d.ref.namespace ? { namespace: d.ref.namespace } : {}), name: d.ref.name, yaml: d.yaml, findings: [] };
      byObject.set(uri, doc);
      lines.set(uri, new LineIndex(d.yaml));
    }
    const li = lines.get(uri)!;
    const a = li.position(f.span.start);
    const b = li.position(f.span.end);
    doc.findings.push({
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      range: { start: { line: a.line - 1, character: a.column - 1 }, end: { line: b.line - 1, character: b.column - 1 } },
      ...(f.field ? { field: f.field } : {}),
      ...(f.value !== undefined ? { value: f.value } : {}),
      ...(f.collidesWith ? { collidesWith: f.collidesWith } : {}),
      ...(f.fix !== undefined ? { fix: f.fix } : {}),
      ...(f.manualFix ? { manualFix: f.manualFix } : {}),
      href: ruleDocUrl(f.rule),
    });
  }
  return {
    auditId,
    state: report.state,
    ...(report.context ? { context: report.context } : {}),
    ...(report.server ? { server: report.server } : {}),
    message: report.message,
    notRead: report.notRead,
    proxyMode: report.proxyMode,
    documents: [...byObject.values()],
    fixes: fixes.map((x: AuditFix) => ({ command: fixCommand(x, target), summary: x.summary, object: objectUri(x.object) })),
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
  };
}

export function registerAuditHandlers(ctx: ServerContext): void {
  const { connection } = ctx;
  const kept = new Map<number, { fixes: AuditFix[]; target: Awaited<ReturnType<ServerContext['clusterTarget']>> }>();
  let nextId = 1;

  connection.onRequest(AuditClusterRequest.type, async (params, token) => {
    const target = await ctx.clusterTarget();
    const ctl = new AbortController();
    const sub = token.onCancellationRequested(() => ctl.abort());
    try {
      const report = await auditCluster({
        ...target,
        ...(params?.proxyMode ? { proxyMode: params.proxyMode } : {}),
        signal: ctl.signal,
        progress: (message) => void connection.sendNotification(AuditProgressNotification.type, { message }).catch(() => undefined),
      });
      ctx.log(`Kube IP Guard: audit: ${report.state}: ${report.message}${report.notRead.length ? ` (not read: ${report.notRead.join('; ')})` : ''}`);
      // The commands to copy reach the cluster the way the audit did.
      const kubectl: KubectlTarget = { ...(target.kubeconfigPath ? { kubeconfig: target.kubeconfigPath } : {}), ...(report.context ? { context: report.context } : {}) };
      if (report.state === 'failed') return toAuditResult(report, 0, kubectl);
      const id = nextId++;
      kept.set(id, { fixes: report.analysis.fixes, target });
      for (const k of kept.keys()) if (kept.size > MAX_KEPT_AUDITS) kept.delete(k);
      return toAuditResult(report, id, kubectl);
    } finally {
      sub.dispose();
    }
  });

  connection.onRequest(ApplyAuditFixRequest.type, async (params) => {
    const audit = kept.get(params.auditId);
    const fix = audit?.fixes[params.fix];
    if (!audit || !fix) return { ok: false, message: 'That audit is no longer known: run the audit again' };
    const { results, failure } = await applyFixes(audit.target, [fix]);
    if (failure) return { ok: false, message: failure };
    return { ok: results[0].ok, message: results[0].message };
  });
}
