// ClusterFactsWatcher: node watch → reload on address changes only, kubeconfig context switch, backoff with stale
// facts when the cluster goes away, and a stop() that leaves nothing running.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClusterFactsWatcher, ClusterLoadResult, KubeconfigSwitch } from '../../server/src/facts/cluster';
import { StandinApiServer, kubeconfigObject, writeKubeconfig } from './standin';
import { tmpDir, waitFor } from './helpers';
import { withTimeout } from '../waitFor';

const TOKEN = 'sekret-token-XYZ';
const servers: StandinApiServer[] = [];
const watchers: ClusterFactsWatcher[] = [];
after(async () => {
  await Promise.all(watchers.map((w) => w.stop()));
  await Promise.all(servers.map((s) => s.stop()));
});

async function standin(opts: Parameters<typeof StandinApiServer.start>[0] = {}): Promise<StandinApiServer> {
  const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' }, ...opts });
  servers.push(s);
  return s;
}

// Waits below are bounded generously: they only bound a hang (a busy machine may be many times slower).
const HANG = 60_000;

function watcher(opts: ConstructorParameters<typeof ClusterFactsWatcher>[0]): { w: ClusterFactsWatcher; changes: ClusterLoadResult[]; loads: ClusterLoadResult[]; logs: string[] } {
  const logs: string[] = [];
  const w = new ClusterFactsWatcher({ reloadDebounceMs: 50, kubeconfigPollMs: 50, minBackoffMs: 100, maxBackoffMs: 400, log: (l) => logs.push(l), ...opts });
  watchers.push(w);
  const changes: ClusterLoadResult[] = [];
  const loads: ClusterLoadResult[] = [];
  w.onChange((r) => changes.push(r));
  w.on('load', (r: ClusterLoadResult) => loads.push(r));
  return { w, changes, loads, logs };
}

/** Why the watcher reloaded, in order (it logs `reload: <reason>` when a trigger schedules a reload). */
const reloadReasons = (logs: string[]) => logs.filter((l) => l.includes('] reload: ')).map((l) => l.slice(l.indexOf('] reload: ') + 10));

test('node watch: a new node or a changed address reloads; a heartbeat does not', async () => {
  const s = await standin();
  const kc = writeKubeconfig(tmpDir(), [{ server: s.url, auth: 'token', token: TOKEN, context: 'lab' }]);
  const { w, changes, loads, logs } = watcher({ kubeconfigPath: kc });
  const first = await w.start();
  assert.equal(first.state, 'ok');
  assert.equal(changes.length, 1);
  await waitFor(() => s.openWatches === 1, HANG, 'the node watch');
  const watchReq = s.requests.find((q) => q.path === '/api/v1/nodes' && q.query.includes('watch=true'))!;
  assert.match(watchReq.query, new RegExp(`resourceVersion=${first.nodesResourceVersion}`));

  // A kubelet status update (same addresses), then a new node, on the same watch stream: the watcher reads them in
  // order and decides on each as it arrives, so the reload after ADDED shows whether the heartbeat scheduled one.
  s.touchNode('k8s-node-1');
  s.putNode({ name: 'k8s-node-2', internal: ['192.168.0.12'] });
  await waitFor(() => changes.length === 2, HANG, 'a change after ADDED');
  assert.deepEqual(reloadReasons(logs), ['node added'], 'heartbeats do not reload');
  assert.equal(loads.length, 2);
  assert.equal(changes[1].nodeCount, 3);

  s.putNode({ name: 'k8s-node-1', internal: ['192.168.0.11', '192.168.0.111'], podCIDRs: ['10.0.1.0/24'] });
  await waitFor(() => changes.length === 3, HANG, 'a change after MODIFIED addresses');
  assert.deepEqual(changes[2].contribution!.nodes!.find((n) => n.name === 'k8s-node-1')!.addresses.map((a) => a.address), ['192.168.0.11', '192.168.0.111']);

  s.deleteNode('k8s-node-2');
  await waitFor(() => changes.length === 4, HANG, 'a change after DELETED');
  assert.equal(changes[3].nodeCount, 2);
  assert.deepEqual(reloadReasons(logs), ['node added', 'node modified', 'node deleted']);

  await w.stop();
  await waitFor(() => s.openWatches === 0, HANG, 'the watch to close');
});

test('kubeconfig: switching current-context reloads from the other cluster and says so', async () => {
  const dev = await standin();
  const prod = await standin({ nodes: [{ name: 'prod-1', internal: ['10.1.0.1'] }] });
  const dir = tmpDir();
  const obj = kubeconfigObject(dir, [
    { server: dev.url, auth: 'token', token: TOKEN, context: 'dev' },
    { server: prod.url, auth: 'token', token: TOKEN, context: 'prod' },
  ]);
  const file = path.join(dir, 'config');
  fs.writeFileSync(file, JSON.stringify(obj));
  const { w, changes, loads, logs } = watcher({ kubeconfigPath: file });
  const switches: KubeconfigSwitch[] = [];
  w.on('kubeconfig', (sw: KubeconfigSwitch) => switches.push(sw));
  assert.equal((await w.start()).context, 'dev');
  // fs.watchFile compares each stat with the one before: a write before its first stat would go unseen, so the file
  // is written again at each poll until the switch shows (the same content: only the first write switches).
  const toProd = JSON.stringify({ ...obj, 'current-context': 'prod' });
  const switched = () => {
    if (changes.length === 2) return true;
    fs.writeFileSync(file, toProd);
    return false;
  };
  await waitFor(switched, HANG, 'the reload after the switch');
  assert.equal(changes[1].context, 'prod');
  assert.deepEqual(changes[1].contribution!.nodes!.map((n) => n.name), ['prod-1']);
  assert.deepEqual(switches, [{ context: 'prod', server: prod.url }]);
  await waitFor(() => prod.openWatches === 1 && dev.openWatches === 0, HANG, 'the node watch to move to prod').catch((e) => { throw new Error(`${e.message}: prod ${prod.openWatches} dev ${dev.openWatches} ${JSON.stringify(prod.requests.slice(-3))}`); });
  // Rewriting the file without changing the selection does not reload: the watcher reads it and says so.
  const n = loads.length;
  const reloads = reloadReasons(logs).length;
  const unchanged = () => logs.filter((l) => l.includes('kubeconfig rewritten with the same context, cluster and user: no reload')).length;
  const seen = unchanged();
  fs.writeFileSync(file, JSON.stringify({ ...obj, 'current-context': 'prod', preferences: { colors: true } }));
  await waitFor(() => unchanged() > seen, HANG, 'the watcher to read the rewritten kubeconfig', () => logs.join('\n'));
  assert.deepEqual(reloadReasons(logs).slice(reloads), [], 'no reload scheduled');
  assert.equal(loads.length, n);
  assert.deepEqual(switches, [{ context: 'prod', server: prod.url }]);
  await w.stop();
});

test('cluster gone: backoff retries, stale facts kept (from memory and from the cache), recovery', async () => {
  const s = await standin();
  const kc = writeKubeconfig(tmpDir(), [{ server: s.url, auth: 'token', token: TOKEN, context: 'lab' }]);
  const cacheDir = path.join(tmpDir(), 'cache');
  const { w, changes, logs } = watcher({ kubeconfigPath: kc, cacheDir, watchNodes: false, resyncIntervalMs: 100 });
  const first = await w.start();
  assert.equal(first.state, 'ok');
  s.setBehavior('/api/v1/nodes', { status: 503 });
  await waitFor(() => changes.length >= 2, HANG, 'the failure to show');
  const failed = changes[1];
  assert.equal(failed.state, 'error');
  assert.equal(failed.fromCache, true);
  assert.equal(failed.nodeCount, 2);
  assert.equal(failed.contribution!.source.staleSince, first.loadedAt);
  assert.match(failed.message, /using facts read/);
  // Retries back off: 100, 200, 400, 400 ms (each ±20% of jitter), the pauses the watcher chose and logged.
  const pauses = () => logs.map((l) => /load failed \(error\); retrying in (\d+) ms/.exec(l)).filter((m) => !!m).map((m) => Number(m[1]));
  await waitFor(() => pauses().length >= 4, HANG, 'four retries', () => logs.join('\n'));
  const nominal = [100, 200, 400, 400];
  pauses().slice(0, 4).forEach((p, i) => assert.ok(p >= nominal[i] * 0.8 && p <= nominal[i] * 1.2, `pause ${i + 1}: ${p}, not ${nominal[i]} ± 20%: ${pauses().join(', ')}`));
  await w.stop();

  // a new watcher (a new editor session) with the cluster still failing gets the facts from the disk cache
  const again = watcher({ kubeconfigPath: kc, cacheDir, watchNodes: false });
  const r = await again.w.start();
  assert.equal(r.state, 'error');
  assert.equal(r.fromCache, true);
  assert.equal(r.nodeCount, 2);
  s.setBehavior('/api/v1/nodes', undefined);
  const ok = await again.w.refresh();
  assert.equal(ok.state, 'ok');
  assert.equal(ok.fromCache, undefined);
  await again.w.stop();
});

test('stop() during a load that never ends aborts it; nothing is left running', async () => {
  const s = await standin();
  s.setBehavior('/api/v1/nodes', { hold: true }); // never answered unless released
  const kc = writeKubeconfig(tmpDir(), [{ server: s.url, auth: 'token', token: TOKEN, context: 'lab' }]);
  // The load's own bounds lie beyond the hang bound of this test: only an abort by stop() can end it in time.
  const { w, changes } = watcher({ kubeconfigPath: kc, requestTimeoutMs: 10 * HANG, totalTimeoutMs: 10 * HANG });
  const started = w.start();
  await waitFor(() => s.heldLists === 1, HANG, 'the node list to be under way');
  await withTimeout(w.stop(), 'stop() with a load in flight', HANG);
  await waitFor(() => s.heldRequests === 0, HANG, 'the node list request to be closed by the client');
  assert.notEqual((await withTimeout(started, 'the aborted first load', HANG)).state, 'ok');
  assert.equal(changes.length, 0);
  assert.equal((await w.refresh()).state, 'error');
});

test('refresh() during a load coalesces into one more load', async () => {
  const s = await standin();
  s.setBehavior('/api/v1/nodes', { hold: true });
  const kc = writeKubeconfig(tmpDir(), [{ server: s.url, auth: 'token', token: TOKEN, context: 'lab' }]);
  const { w, loads } = watcher({ kubeconfigPath: kc, watchNodes: false });
  const p0 = w.start();
  await waitFor(() => s.heldLists === 1, HANG, 'the first load to be under way');
  const refreshes = Promise.all([w.refresh(), w.refresh(), w.refresh()]);
  s.setBehavior('/api/v1/nodes', undefined);
  assert.equal(s.release(), 1);
  const [a, b, c] = await refreshes;
  await p0;
  assert.equal(loads.length, 2);
  assert.equal(a, b);
  assert.equal(b, c);
  await w.stop();
});
