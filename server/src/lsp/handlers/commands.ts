// The extension's own requests (server/src/protocol.ts): the facts behind a document, Check workspace, reading the
// cluster again, reloading everything, what the scheduler did.
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { emptyFacts, kubernetesContextOf } from '../../engine/index';
import { AnalyzerStatusRequest, CheckWorkspaceRequest, FactsRequest, RefreshClusterRequest, ReloadRequest } from '../../protocol';
import type { ServerContext } from '../serverContext';
import { guarded, invalidParams } from '../params';

export function registerCommandHandlers(ctx: ServerContext): void {
  const { connection, documents, analyzer, scopes, index, closedFiles, cluster } = ctx;
  const log = (line: string) => ctx.log(line);

  connection.onRequest(RefreshClusterRequest.type, async () => {
    const s = await cluster.refresh();
    return { state: s.state, context: s.context, message: s.message, nodeCount: s.nodeCount };
  });

  connection.onRequest(FactsRequest.type, guarded(FactsRequest.method, log, async (p: FactsRequest.Params) => {
    if (p?.uri !== undefined && p?.uri !== null && typeof p.uri !== 'string') throw invalidParams(FactsRequest.method, 'uri must be a string');
    const uri = p?.uri ?? ctx.folders[0] ?? null;
    const scope = uri ? await scopes.forUri(uri) : undefined;
    const facts = scope?.folderFacts.facts ?? emptyFacts();
    return {
      scope: scope?.key ?? null,
      proxyMode: facts.proxyMode,
      proxyModeSource: facts.proxyModeSource?.label ?? 'default',
      kubernetesVersion: kubernetesContextOf(facts).verdict.description,
      nodes: facts.nodes.map((n) => ({ name: n.name, addresses: n.addresses.map((a) => ({ address: a.address, type: a.type, source: a.source.label })) })),
      apiServers: facts.apiServers.map((a) => ({ address: a.port ? `${a.address}:${a.port}` : a.address, source: a.source.label })),
      serviceCIDRs: facts.serviceCIDRs.map((c) => c.cidr),
      podCIDRs: facts.podCIDRs.map((c) => c.cidr),
      externalIPPool: facts.externalIPPool.map((c) => c.cidr),
      sources: facts.sources,
      problems: scope?.folderFacts.problems.map((pr) => pr.message) ?? [],
    };
  }));

  connection.onRequest(CheckWorkspaceRequest.type, async (_params, token) => {
    const progress = await connection.window.createWorkDoneProgress();
    progress.begin('Kube IP Guard: checking the workspace', 0, 'finding manifests', true);
    const counts: CheckWorkspaceRequest.Result = { files: 0, errors: 0, warnings: 0, infos: 0, cancelled: false };
    try {
      const files = await index.listFiles(() => token.isCancellationRequested || progress.token.isCancellationRequested);
      for (const [i, path] of files.entries()) {
        if (token.isCancellationRequested || progress.token.isCancellationRequested) {
          counts.cancelled = true;
          break;
        }
        progress.report(Math.round((100 * i) / Math.max(1, files.length)), basename(path));
        const uri = pathToFileURL(path).toString();
        const open = documents.get(uri);
        const severities = open ? (await analyzer.current(open))?.severities : await closedFiles.check(path);
        if (!severities) continue;
        for (const sev of severities) {
          if (sev === 'error') counts.errors++;
          else if (sev === 'warning') counts.warnings++;
          else counts.infos++;
        }
        counts.files++;
        // Keep answering the editor while a large workspace is checked.
        if (i % 10 === 9) await new Promise((r) => setImmediate(r));
      }
    } finally {
      progress.done();
    }
    return counts;
  });

  connection.onRequest(AnalyzerStatusRequest.type, guarded(AnalyzerStatusRequest.method, log, async (p: AnalyzerStatusRequest.Params) => {
    if (p?.uri !== undefined && p?.uri !== null && typeof p.uri !== 'string') throw invalidParams(AnalyzerStatusRequest.method, 'uri must be a string');
    return { documents: await analyzer.status(p?.uri ?? undefined) };
  }));

  connection.onRequest(ReloadRequest.type, async () => {
    ctx.settingsChanged();
    await cluster.refresh();
    return null;
  });
}
