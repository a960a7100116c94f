// Exactly one analysis per (uri, version), counted: `kubeIpGuard/analyzerStatus` says how many analyses of each open
// document's versions the scheduler started, finished, abandoned and re-ran because their result went stale, and how
// many the analysis worker ran by its own count. A storm of hovers, code actions, pulled diagnostics and a Check
// workspace while a large document (the worker's) and a small one (the main thread's) are analyzed must start none of
// its own; an edit starts one analysis of the new version and none of the old; a change of the facts or of another
// file one re-run each; only a newer version cancels one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalyzerStatusRequest } from '../../server/src/protocol';
import { IN_WORKER_FROM } from '../../server/src/lsp/documentAnalyzer';
import { AnalysisCounts, VERSIONS_KEPT } from '../../server/src/lsp/analysisCounts';
import { analyzerStatusLines } from '../../client/src/analyzerStatus';
import { VSCODE } from './clients';
import { fileUri, inTempWorkspace, type LspTestClient } from './lspClient';
import { services } from './manyServices';
import { waitFor } from '../waitFor';

const CONFIG = 'nodes:\n  - name: k8s-node-1\n    addresses: [192.168.0.11]\nproxyMode: ipvs\n';
/** The same cluster with a second node on an address each document uses (and no edit of theirs suppresses). */
const CONFIG_2 = 'nodes:\n  - name: k8s-node-1\n    addresses: [192.168.0.11]\n  - name: k8s-node-2\n    addresses: [10.0.0.5, 10.250.0.1]\nproxyMode: ipvs\n';
const SMALL = 'apiVersion: v1\nkind: Service\nmetadata: {name: small}\nspec:\n  externalIPs:\n  - 192.168.0.11\n  - 10.250.0.1\n  ports: [{port: 443}]\n';
/** Appended to the line of 192.168.0.11: the next version's finding there is suppressed (its Services unchanged). */
const SUPPRESS = '  # kube-ip-guard-disable-line externalip-node';

type Counts = AnalyzerStatusRequest.VersionCounts;
const once = (version: number, where: AnalyzerStatusRequest.Where, inWorker: number): Counts => ({ version, where, started: 1, finished: 1, cancelled: 0, staleReruns: 0, rerunBecause: { facts: 0, otherFiles: 0 }, inWorker });

async function statusOf(client: LspTestClient, uri: string): Promise<AnalyzerStatusRequest.DocumentStatus> {
  const documents = await client.analyzerStatus(uri);
  assert.equal(documents.length, 1, `one document in the status of ${uri}`);
  return documents[0];
}

const hasNode = (node: string) => (d: { message: string }[]) => d.some((x) => x.message.includes(node));

test('one analysis per (uri, version) under a storm of requests, one per edit, one re-run per change of the facts or of another file, cancelled only by a newer version; the worker counts the same', async () => {
  const big = services(12_000);
  assert.ok(big.length >= IN_WORKER_FROM && big.length > 1024 * 1024, 'analyzed in the worker, one job at a time');
  assert.ok(SMALL.length < IN_WORKER_FROM, 'analyzed on the main thread');
  await inTempWorkspace('kig-status-', VSCODE, { '.kube-ip-guard.yaml': CONFIG, 'big.yaml': big, 'small.yaml': SMALL }, async (client, dir) => {
    assert.ok(client.pulls, 'the VS Code profile pulls diagnostics');
    const bigUri = fileUri(join(dir, 'big.yaml'));
    const smallUri = fileUri(join(dir, 'small.yaml'));
    const uris = [bigUri, smallUri];
    // The files are on disk as opened: once the index has read them, opening them changes no other file's Services.
    await waitFor('the workspace index', () => client.logs.some((l) => l.includes('workspace index: 2 manifest files read')), 120_000, () => client.describeProcess());

    const bigLines = big.split('\n');
    const collision = bigLines.length - 3;
    assert.match(bigLines[collision], /192\.168\.0\.11/);
    const at = (line: number, character: number) => ({ start: { line, character }, end: { line, character } });
    const storm = (): Promise<unknown>[] => [
      client.hover(bigUri, 6, 17),
      client.codeActions(bigUri, at(collision, 17), []),
      client.pull(bigUri),
      client.hover(smallUri, 5, 4),
      client.codeActions(smallUri, at(5, 4), []),
      client.pull(smallUri),
    ];

    // 1. Both opened, and the storm sent at once, with a Check workspace: each request joins the analysis in flight.
    client.open(bigUri, big);
    client.open(smallUri, SMALL);
    const answers = storm();
    const checked = client.conn.sendRequest('kubeIpGuard/checkWorkspace', {}) as Promise<{ files: number; errors: number }>;
    let status = await statusOf(client, bigUri);
    assert.equal(status.versions[0]?.finished, 0, `the large document's analysis is still running when the storm is in: ${JSON.stringify(status)}`);
    // More of it while that analysis runs: a round each time the server has answered the status after the last one.
    let rounds = 1;
    while (status.versions[0]?.finished === 0 && rounds < 50) {
      answers.push(...storm());
      rounds++;
      status = await statusOf(client, bigUri);
    }
    assert.ok(hasNode('k8s-node-1')(await client.diagnostics(bigUri, hasNode('k8s-node-1'), 180_000)));
    assert.ok(hasNode('k8s-node-1')(await client.diagnostics(smallUri, hasNode('k8s-node-1'))));
    const results = await Promise.all(answers);
    const workspace = await checked;
    let [b, s] = await client.settled(uris);
    assert.equal(b.lastAnalyzed, 1);
    assert.deepEqual(b.versions, [once(1, 'worker', 1)], `after ${rounds} rounds of 6 requests and a Check workspace`);
    assert.deepEqual(s.versions, [once(1, 'main thread', 0)]);
    // And the storm was answered from those analyses.
    assert.equal(workspace.files, 2, 'Check workspace read both open documents');
    assert.equal(workspace.errors, 2, JSON.stringify(workspace));
    const fixes = results[1] as { title: string }[];
    assert.ok(fixes.some((a) => a.title.startsWith('Remove')), `a quick fix on the collision answered during the analysis: ${JSON.stringify(fixes.map((a) => a.title))}`);

    // 2. An edit of each (a suppression comment: its Services, and so the other file's, unchanged): version 2 is
    //    analyzed once; version 1 not again.
    client.change(bigUri, big.replace(/192\.168\.0\.11\]/, `192.168.0.11]${SUPPRESS}`));
    client.change(smallUri, SMALL.replace('- 192.168.0.11', `- 192.168.0.11${SUPPRESS}`));
    const edited = storm();
    assert.ok(!hasNode('k8s-node-1')(await client.diagnostics(bigUri, (d) => !hasNode('k8s-node-1')(d), 180_000)));
    assert.ok(!hasNode('k8s-node-1')(await client.diagnostics(smallUri, (d) => !hasNode('k8s-node-1')(d))));
    await Promise.all(edited);
    [b, s] = await client.settled(uris);
    assert.equal(b.lastAnalyzed, 2);
    assert.deepEqual(b.versions, [once(2, 'worker', 1), once(1, 'worker', 1)]);
    assert.deepEqual(s.versions, [once(2, 'main thread', 0), once(1, 'main thread', 0)]);

    // 3. The facts change on disk: each document's version 2 runs once more, counted as a stale re-run for the facts.
    writeFileSync(join(dir, '.kube-ip-guard.yaml'), CONFIG_2);
    client.didChangeWatchedFiles([{ uri: fileUri(join(dir, '.kube-ip-guard.yaml')), type: 2 }]);
    assert.ok(hasNode('k8s-node-2')(await client.diagnostics(bigUri, hasNode('k8s-node-2'), 180_000)));
    assert.ok(hasNode('k8s-node-2')(await client.diagnostics(smallUri, hasNode('k8s-node-2'))));
    [b, s] = await client.settled(uris);
    const rerun = (where: AnalyzerStatusRequest.Where, inWorker: number): Counts => ({ version: 2, where, started: 2, finished: 2, cancelled: 0, staleReruns: 1, rerunBecause: { facts: 1, otherFiles: 0 }, inWorker });
    assert.deepEqual(b.versions, [rerun('worker', 2), once(1, 'worker', 1)]);
    assert.deepEqual(s.versions, [rerun('main thread', 0), once(1, 'main thread', 0)]);
    // As "Show analyzer status" writes it in the output.
    const lines = analyzerStatusLines({ documents: [b, s] }, (uri) => uri.slice(uri.lastIndexOf('/') + 1));
    assert.deepEqual(lines, [
      'Kube IP Guard analyzer status: 2 open documents',
      '  big.yaml (version 2): idle; last analysed: version 2',
      '    version 2, worker: started 2 (1 stale re-run: facts), finished 2, cancelled 0; the worker ran 2',
      '    version 1, worker: started 1, finished 1, cancelled 0; the worker ran 1',
      '  small.yaml (version 2): idle; last analysed: version 2',
      '    version 2, main thread: started 2 (1 stale re-run: facts), finished 2, cancelled 0',
      '    version 1, main thread: started 1, finished 1, cancelled 0',
    ]);

    // 4. Another file's Services change (the small one now claims the large one's svc-7 address and port): the large
    //    document's version 2 re-runs once more, as stale for other files; the small one's version 3 is analysed once.
    client.change(smallUri, 'apiVersion: v1\nkind: Service\nmetadata: {name: small}\nspec:\n  externalIPs: [10.0.0.7]\n  ports: [{port: 80}]\n');
    const clash = (d: { code?: unknown; message: string }[]) => d.some((x) => x.code === 'externalip-port-clash' && x.message.includes('small'));
    assert.ok(clash(await client.diagnostics(bigUri, clash, 180_000)));
    [b, s] = await client.settled(uris);
    assert.deepEqual(b.versions, [{ ...rerun('worker', 3), started: 3, finished: 3, staleReruns: 2, rerunBecause: { facts: 1, otherFiles: 1 } }, once(1, 'worker', 1)]);
    assert.deepEqual(s.versions, [once(3, 'main thread', 0), rerun('main thread', 0), once(1, 'main thread', 0)]);

    // 5. Only a newer version cancels: version 3 of the large document is running (a hover started it) when
    //    version 4 arrives; 3 is abandoned, 4 analysed once.
    const v3 = client.change(bigUri, `${big}# three\n`);
    void client.hover(bigUri, 6, 17);
    status = await statusOf(client, bigUri);
    assert.deepEqual([status.running, status.versions[0]?.version, status.versions[0]?.finished], [v3, v3, 0], JSON.stringify(status));
    client.change(bigUri, `${big}# four\n`);
    const v4 = await client.pullReport(bigUri);
    assert.match(v4.resultId ?? '', /^4\./);
    [b] = await client.settled(uris);
    const [four, three] = b.versions;
    assert.deepEqual(four, once(4, 'worker', 1));
    // Whether the worker had begun reading it when it was superseded depends on the timing: at most once.
    assert.deepEqual([three.version, three.started, three.finished, three.cancelled, three.staleReruns], [3, 1, 0, 1, 0], JSON.stringify(three));
    assert.ok(three.inWorker <= 1, `the worker ran version 3 at most once: ${three.inWorker}`);
    assert.deepEqual(b.versions.map((v) => v.version), [4, 3, 2, 1], 'the last four versions');

    // Closed: not listed, and its counts forgotten: opened again, its version 1 counts from nothing.
    client.close(smallUri);
    assert.deepEqual((await client.analyzerStatus()).map((d) => d.uri), [bigUri]);
    client.open(smallUri, SMALL);
    assert.ok(hasNode('k8s-node-2')(await client.diagnostics(smallUri, hasNode('k8s-node-2'))));
    [, s] = await client.settled(uris);
    assert.deepEqual(s.versions, [once(1, 'main thread', 0)]);
  });
});

test('the counts keep the last few versions of a document, and only open documents are counted', () => {
  const counts = new AnalysisCounts();
  for (let v = 1; v <= VERSIONS_KEPT + 3; v++) counts.started('file:///a.yaml', v, true, []).ended(true, 'main thread');
  const kept = counts.of('file:///a.yaml');
  assert.deepEqual(kept.map((c) => c.version), Array.from({ length: VERSIONS_KEPT }, (_, i) => VERSIONS_KEPT + 3 - i));
  // A version analysed again without its result having gone stale is a second analysis, not a re-run.
  counts.started('file:///a.yaml', VERSIONS_KEPT + 3, true, []).ended(false);
  const none = { facts: 0, otherFiles: 0 };
  assert.deepEqual(counts.of('file:///a.yaml')[0], { version: VERSIONS_KEPT + 3, where: 'main thread', started: 2, finished: 1, cancelled: 1, staleReruns: 0, rerunBecause: none, inWorker: 0 });
  // A re-run for both reasons at once counts once, under both.
  counts.started('file:///a.yaml', VERSIONS_KEPT + 3, true, ['facts', 'otherFiles', 'facts']).ended(true);
  assert.deepEqual(counts.of('file:///a.yaml')[0], { version: VERSIONS_KEPT + 3, where: 'main thread', started: 3, finished: 2, cancelled: 1, staleReruns: 1, rerunBecause: { facts: 1, otherFiles: 1 }, inWorker: 0 });
  counts.started('file:///closed.yaml', 0, false, []).ended(true, 'main thread');
  assert.deepEqual(counts.of('file:///closed.yaml'), []);
  // A version only the worker analysed is listed too.
  assert.deepEqual(counts.of('file:///b.yaml', new Map([[3, 1]])), [{ version: 3, started: 0, finished: 0, cancelled: 0, staleReruns: 0, rerunBecause: none, inWorker: 1 }]);
  counts.forget('file:///a.yaml');
  assert.deepEqual(counts.of('file:///a.yaml'), []);
});
