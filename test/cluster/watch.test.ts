// ClusterFactsWatcher: node watch → reload on address changes only, kubeconfig context switch, backoff with stale
// facts when the cluster goes away, and a stop() that leaves nothing running.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClusterFactsWatcher, ClusterLoadResult, KubeconfigSwitch } from '../../server/src/facts/cluster';
import { StandinApiServer, kubeconfigObject, writeKubeconfig } from './standin';
import { tmpDir, waitFor } from './helpers';

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

function watcher(opts: ConstructorParameters<typeof ClusterFactsWatcher>[0]): { w: ClusterFactsWatcher; changes: ClusterLoadResult[]; loads: ClusterLoadResult[] } {
  const w = new ClusterFactsWatcher({ reloadDebounceMs: 50, kubeconfigPollMs: 50, minBackoffMs: 100, maxBackoffMs: 400, ...opts });
  watchers.push(w);
  const changes: ClusterLoadResult[] = [];
  const loads: ClusterLoadResult[] = [];
  w.onChange((r) => changes.push(r));
  w.on('load', (r: ClusterLoadResult) => loads.push(r));
  return { w, changes, loads };
}

test('node watch: a new node or a changed address reloads; a heartbeat does not', async () => {
  const s = await standin();
  const kc = writeKubeconfig(tmpDir(), [{ server: s.url, auth: 'token', token: TOKEN, context: 'lab' }]);
  const { w, changes, loads } = watcher({ kubeconfigPath: kc });
  const first = await w.start();
  assert.equal(first.state, 'ok');
  assert.equal(changes.length, 1);
  await waitFor(() => s.openWatches === 1, 3000, 'the node watch');
  const watchReq = s.requests.find((q) => q.path === '/api/v1/nodes' && q.query.includes('watch=true'))!;
  assert.match(watchReq.query, new RegExp(`resourceVersion=${first.nodesResourceVersion}`));

  s.touchNode('k8s-node-1'); // kubelet status update, same addresses
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(loads.length, 1, 'heartbeats do not reload');

  s.putNode({ name: 'k8s-node-2', internal: ['192.168.0.12'] });
  await waitFor(() => changes.length === 2, 3000, 'a change after ADDED');
  assert.equal(changes[1].nodeCount, 3);

  s.putNode({ name: 'k8s-node-1', internal: ['192.168.0.11', '192.168.0.111'], podCIDRs: ['10.0.1.0/24'] });
  await waitFor(() => changes.length === 3, 3000, 'a change after MODIFIED addresses');
  assert.deepEqual(changes[2].contribution!.nodes!.find((n) => n.name === 'k8s-node-1')!.addresses.map((a) => a.address), ['192.168.0.11', '192.168.0.111']);

  s.deleteNode('k8s-node-2');
  await waitFor(() => changes.length === 4, 3000, 'a change after DELETED');
  assert.equal(changes[3].nodeCount, 2);

  await w.stop();
  await waitFor(() => s.openWatches === 0, 2000, 'the watch to close');
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
  const { w, changes } = watcher({ kubeconfigPath: file });
  const switches: KubeconfigSwitch[] = [];
  w.on('kubeconfig', (sw: KubeconfigSwitch) => switches.push(sw));
  assert.equal((await w.start()).context, 'dev');
  await new Promise((r) => setTimeout(r, 120));
  fs.writeFileSync(file, JSON.stringify({ ...obj, 'current-context': 'prod' }));
  await waitFor(() => changes.length === 2, 4000, 'the reload after the switch');
  assert.equal(changes[1].context, 'prod');
  assert.deepEqual(changes[1].contribution!.nodes!.map((n) => n.name), ['prod-1']);
  assert.deepEqual(switches, [{ context: 'prod', server: prod.url }]);
  await waitFor(() => prod.openWatches === 1 && dev.openWatches === 0, 3000, 'the node watch to move to prod').catch((e) => { throw new Error(`${e.message}: prod ${prod.openWatches} dev ${dev.openWatches} ${JSON.stringify(prod.requests.slice(-3))}`); });
  // rewriting the file without changing the selection does not reload
  const n = changes.length;
  fs.writeFileSync(file, JSON.stringify({ ...obj, 'current-context': 'prod', preferences: { colors: true } }));
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(changes.length, n);
  await w.stop();
});

test('cluster gone: backoff retries, stale facts kept (from memory and from the cache), recovery', async () => {
  const s = await standin();
  const kc = writeKubeconfig(tmpDir(), [{ server: s.url, auth: 'token', token: TOKEN, context: 'lab' }]);
  const cacheDir = path.join(tmpDir(), 'cache');
  const { w, changes, loads } = watcher({ kubeconfigPath: kc, cacheDir, watchNodes: false, resyncIntervalMs: 100 });
  const first = await w.start();
  assert.equal(first.state, 'ok');
  s.setBehavior('/api/v1/nodes', { status: 503 });
  await waitFor(() => changes.length >= 2, 3000, 'the failure to show');
  const failed = changes[1];
  assert.equal(failed.state, 'error');
  assert.equal(failed.fromCache, true);
  assert.equal(failed.nodeCount, 2);
  assert.equal(failed.contribution!.source.staleSince, first.loadedAt);
  assert.match(failed.message, /using facts read/);
  // retries back off: 100, 200, 400, 400 ms (±20%) → about 5 loads in 1.2 s, not 12
  const before = loads.length;
  await new Promise((r) => setTimeout(r, 1200));
  const retries = loads.length - before;
  assert.ok(retries >= 2 && retries <= 6, `${retries} retries`);
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

test('stop() during a slow load returns promptly and nothing is left running', async () => {
  const s = await standin();
  s.setBehavior('/api/v1/nodes', { slowMs: 30_000 });
  const kc = writeKubeconfig(tmpDir(), [{ server: s.url, auth: 'token', token: TOKEN, context: 'lab' }]);
  const { w, changes } = watcher({ kubeconfigPath: kc });
  void w.start();
  await new Promise((r) => setTimeout(r, 150));
  const t = Date.now();
  await w.stop();
  assert.ok(Date.now() - t < 500, `stop took ${Date.now() - t} ms`);
  assert.equal(changes.length, 0);
  assert.equal((await w.refresh()).state, 'error');
});

test('refresh() during a load coalesces into one more load', async () => {
  const s = await standin();
  s.setBehavior('/api/v1/nodes', { slowMs: 150 });
  const kc = writeKubeconfig(tmpDir(), [{ server: s.url, auth: 'token', token: TOKEN, context: 'lab' }]);
  const { w, loads } = watcher({ kubeconfigPath: kc, watchNodes: false });
  const p0 = w.start();
  await new Promise((r) => setTimeout(r, 20));
  const [a, b, c] = await Promise.all([w.refresh(), w.refresh(), w.refresh()]);
  await p0;
  assert.equal(loads.length, 2);
  assert.equal(a, b);
  assert.equal(b, c);
  await w.stop();
});
