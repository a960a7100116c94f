// "Kube IP Guard: Show analyzer status": the server's answer to `kubeIpGuard/analyzerStatus` as lines for the Kube IP
// Guard output, one per open document and one per version it counted (no vscode import: the protocol test reads the
// lines of a real answer).
import type { AnalyzerStatusRequest } from '../../server/src/protocol';

const times = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** `label`: how to name a document (VS Code: its workspace-relative path). */
export function analyzerStatusLines(result: AnalyzerStatusRequest.Result, label: (uri: string) => string = (uri) => uri): string[] {
  const lines = [`Kube IP Guard analyzer status: ${times(result.documents.length, 'open document')}`];
  for (const d of result.documents) {
    const phase = d.phase === 'running' ? `running (version ${d.running})` : d.phase;
    const last = d.lastAnalyzed === null ? 'not analysed yet' : `last analysed: version ${d.lastAnalyzed}${d.stale ? ' (stale: analysed again)' : ''}`;
    lines.push(`  ${label(d.uri)} (version ${d.version}): ${phase}; ${last}`);
    for (const v of d.versions) {
      const because = [v.rerunBecause.facts ? 'facts' : '', v.rerunBecause.otherFiles ? 'other files' : ''].filter(Boolean).join(', ');
      const rerun = v.staleReruns ? ` (${times(v.staleReruns, 'stale re-run')}: ${because})` : '';
      const worker = v.where === 'worker' || v.inWorker ? `; the worker ran ${v.inWorker}` : '';
      lines.push(`    version ${v.version}${v.where ? `, ${v.where}` : ''}: started ${v.started}${rerun}, finished ${v.finished}, cancelled ${v.cancelled}${worker}`);
    }
  }
  return lines;
}
