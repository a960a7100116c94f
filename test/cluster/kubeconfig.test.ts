// Which kubeconfig files are in play, KUBECONFIG merging (kubectl's first-wins rules) and context switches.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kubeconfigFiles, loadClusterFacts } from '../../server/src/facts/cluster';
import { StandinApiServer, kubeconfigObject, seedNodes, writeKubeconfig } from './standin';
import { tmpDir } from './helpers';

const TOKEN = 'sekret-token-XYZ';
const servers: StandinApiServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

function withEnv<T>(vars: Record<string, string | undefined>, f: () => T | Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return Promise.resolve().then(f).finally(() => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

test('kubeconfigFiles: explicit path, else KUBECONFIG entries, else ~/.kube/config', async () => {
  const home = tmpDir();
  await withEnv({ KUBECONFIG: undefined, HOME: home, USERPROFILE: home }, () => {
    assert.deepEqual(kubeconfigFiles({}), [path.join(home, '.kube', 'config')]);
    assert.deepEqual(kubeconfigFiles({ kubeconfigPath: '/x/explicit' }), ['/x/explicit']);
    assert.deepEqual(kubeconfigFiles({ kubeconfigPath: '~/k' }), [path.join(home, 'k')]);
  });
  await withEnv({ KUBECONFIG: ['/a/one', '', '/b/two', '/a/one'].join(path.delimiter) }, () => {
    assert.deepEqual(kubeconfigFiles({}), ['/a/one', '/b/two']);
    assert.deepEqual(kubeconfigFiles({ kubeconfigPath: '/x/explicit' }), ['/x/explicit']);
  });
});

test('no kubeconfig anywhere: no-kubeconfig (and ~/.kube/config is used when present)', async () => {
  const home = tmpDir();
  await withEnv({ KUBECONFIG: undefined, HOME: home, USERPROFILE: home }, async () => {
    const r = await loadClusterFacts({});
    assert.equal(r.state, 'no-kubeconfig');
    assert.ok(r.message.includes(path.join(home, '.kube', 'config')));
    const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' } });
    servers.push(s);
    writeKubeconfig(path.join(home, '.kube'), [{ server: s.url, auth: 'token', token: TOKEN, context: 'home' }], { file: 'config' });
    const r2 = await loadClusterFacts({});
    assert.equal(r2.state, 'ok', r2.message);
    assert.equal(r2.context, 'home');
  });
});

test('KUBECONFIG with two files: merged, first wins, context switch by file edit and by option', async () => {
  const dev = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' } });
  const prod = await StandinApiServer.start({
    tokens: { 'prod-token': 'bob' },
    nodes: [...seedNodes(), { name: 'prod-node-2', internal: ['192.168.0.12'], external: ['198.51.100.12'] }],
    apiServerEndpoints: [{ address: '192.168.0.20', port: 6443 }],
  });
  servers.push(dev, prod);
  const dir = tmpDir();
  // file A: context dev (current), plus a context "shadowed" that file B also defines
  const a = kubeconfigObject(path.join(dir, 'a'), [
    { server: dev.url, auth: 'token', token: TOKEN, context: 'dev' },
    { server: dev.url, auth: 'token', token: TOKEN, context: 'shadowed' },
  ]);
  const fileA = path.join(dir, 'a', 'config');
  fs.writeFileSync(fileA, JSON.stringify(a));
  // file B: context prod, its own current-context (ignored: A's wins), and "shadowed" pointing elsewhere (ignored)
  const b = kubeconfigObject(path.join(dir, 'b'), [
    { server: prod.url, auth: 'token', token: 'prod-token', context: 'prod' },
    { server: prod.url, auth: 'token', token: 'prod-token', context: 'shadowed', cluster: 'other', user: 'other' },
  ]);
  const fileB = path.join(dir, 'b', 'config');
  fs.writeFileSync(fileB, JSON.stringify(b));
  const missing = path.join(dir, 'does-not-exist');

  await withEnv({ KUBECONFIG: [fileA, missing, fileB].join(path.delimiter) }, async () => {
    assert.deepEqual(kubeconfigFiles({}), [fileA, missing, fileB]);
    const r1 = await loadClusterFacts({});
    assert.equal(r1.state, 'ok', r1.message);
    assert.equal(r1.context, 'dev');
    assert.equal(r1.nodeCount, 2);

    const shadowed = await loadClusterFacts({ context: 'shadowed' });
    assert.equal(shadowed.server, dev.url, 'the first file defining a context wins');

    const r2 = await loadClusterFacts({ context: 'prod' });
    assert.equal(r2.state, 'ok', r2.message);
    assert.equal(r2.context, 'prod');
    assert.equal(r2.server, prod.url);
    assert.equal(r2.nodeCount, 3);
    const n2 = r2.contribution!.nodes!.find((n) => n.name === 'prod-node-2')!;
    assert.deepEqual(n2.addresses.map((x) => x.address), ['192.168.0.12', '198.51.100.12']);
    assert.ok(r2.contribution!.apiServers!.some((x) => x.address === '192.168.0.20'));
    assert.deepEqual(r2.contribution!.source, { kind: 'cluster', label: 'context prod' });

    // `kubectl config use-context prod` writes current-context into the first file
    fs.writeFileSync(fileA, JSON.stringify({ ...a, 'current-context': 'prod' }));
    const r3 = await loadClusterFacts({});
    assert.equal(r3.context, 'prod');
    assert.equal(r3.nodeCount, 3);
  });
});
