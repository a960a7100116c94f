// Nothing the loader produces (results, messages, `missing`, log lines, the cache, watcher events) may contain a
// credential: bearer tokens, token-file contents, exec plugin output, client keys, basic-auth passwords.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClusterFactsWatcher, loadClusterFacts, saveFactsCache, ClusterLoadResult } from '../../server/src/facts/cluster';
import { StandinApiServer, kubeconfigObject, standinCerts, writeKubeconfig, EXEC_FAIL_STDERR, EXEC_FAIL_STDOUT } from './standin';
import { readTree, tmpDir, waitFor } from './helpers';

const TOKEN = 'sekret-token-XYZ';
const EXEC_TOKEN = 'sekret-exec-token-XYZ';
const servers: StandinApiServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

test('no credential reaches any result, message, log line or cache file', async () => {
  const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice', [EXEC_TOKEN]: 'exec-user' } });
  servers.push(s);
  const produced: string[] = [];
  const log = (line: string) => produced.push(line);
  const cacheDir = path.join(tmpDir(), 'cache');
  const results: ClusterLoadResult[] = [];
  const run = async (kubeconfigPath: string, extra: { context?: string; requestTimeoutMs?: number } = {}) => {
    const r = await loadClusterFacts({ kubeconfigPath, log, ...extra });
    results.push(r);
    await saveFactsCache(cacheDir, r);
    return r;
  };
  const dir = tmpDir();
  let n = 0;
  const kc = (entries: Parameters<typeof writeKubeconfig>[1]) => writeKubeconfig(path.join(dir, String(n++)), entries);

  assert.equal((await run(kc([{ server: s.url, auth: 'token', token: TOKEN }]))).state, 'ok');
  assert.equal((await run(kc([{ server: s.url, auth: 'token-file', token: TOKEN }]))).state, 'ok');
  assert.equal((await run(kc([{ server: s.url, auth: 'exec', token: EXEC_TOKEN, context: 'exec' }]))).state, 'ok');
  assert.equal((await run(kc([{ server: s.url, auth: 'cert', context: 'cert' }]))).state, 'ok');
  assert.equal((await run(kc([{ server: s.url, auth: 'token', token: 'sekret-wrong-token-XYZ', context: 'wrong' }]))).state, 'unauthorized');
  assert.equal((await run(kc([{ server: s.url, auth: 'exec-fail', context: 'execfail' }]))).state, 'exec-failed');
  // userinfo in the server URL
  const withUserinfo = s.url.replace('https://', 'https://admin:sekret-pass-XYZ@');
  const ru = await run(kc([{ server: withUserinfo, auth: 'token', token: TOKEN, context: 'userinfo' }]));
  assert.equal(ru.state, 'ok', ru.message);
  assert.equal(ru.server, s.url);
  // an exec plugin with a secret in its env: also must not stay in our process.env (a library bug we undo)
  const envDir = path.join(dir, 'env');
  const envObj = kubeconfigObject(envDir, [{ server: s.url, auth: 'exec', token: EXEC_TOKEN, context: 'env' }]);
  ((envObj.users as { user: { exec: Record<string, unknown> } }[])[0].user.exec).env = [{ name: 'KIPG_TEST_SECRET', value: 'sekret-env-XYZ' }];
  fs.writeFileSync(path.join(envDir, 'kubeconfig'), JSON.stringify(envObj));
  assert.equal((await run(path.join(envDir, 'kubeconfig'))).state, 'ok');
  assert.equal(process.env.KIPG_TEST_SECRET, undefined);
  // failures with the token in play
  for (const [p, b] of [
    ['/api/v1/nodes', { drop: true }],
    ['/api/v1/nodes', { garbage: true }],
    ['/api/v1/nodes', { status: 403 }],
    ['/api/v1/namespaces/kube-system/configmaps/kube-proxy', { status: 403 }],
  ] as const) {
    s.setBehavior(p, b);
    await run(kc([{ server: s.url, auth: 'token', token: TOKEN, context: 'fail' }]));
    s.setBehavior(p, undefined);
  }
  s.setBehavior('/api/v1/nodes', { slowMs: 5000 });
  assert.equal((await run(kc([{ server: s.url, auth: 'token', token: TOKEN, context: 'slow' }]), { requestTimeoutMs: 200 })).state, 'timeout');
  s.setBehavior('/api/v1/nodes', undefined);
  // a broken kubeconfig whose broken line holds the token
  const broken = path.join(dir, 'broken');
  fs.writeFileSync(broken, `apiVersion: v1\nusers:\n- name: u\n  user: {token: ${TOKEN}\n`);
  assert.equal((await run(broken)).state, 'error');
  // the watcher: its events and log lines too
  const events: unknown[] = [];
  const w = new ClusterFactsWatcher({ kubeconfigPath: kc([{ server: s.url, auth: 'exec', token: EXEC_TOKEN, context: 'watch' }]), log, cacheDir, reloadDebounceMs: 50 });
  w.on('change', (r) => events.push(r));
  w.on('load', (r) => events.push(r));
  await w.start();
  s.putNode({ name: 'new-node', internal: ['192.168.0.99'] });
  // The node watch's event reloads: wait for that reload's change, so its lines are in what is searched.
  await waitFor(() => events.some((r) => (r as ClusterLoadResult).nodeCount === 3), 60_000, 'the reload after the new node');
  await w.stop();

  const haystack = [JSON.stringify(results), JSON.stringify(events), produced.join('\n'), readTree(cacheDir)].join('\n');
  assert.ok(produced.length > 20 && results.length >= 14 && events.length >= 2);
  assert.ok(readTree(cacheDir).length > 100, 'the cache was written');
  const forbidden = [TOKEN, EXEC_TOKEN, 'sekret', EXEC_FAIL_STDOUT, EXEC_FAIL_STDERR, 'PRIVATE KEY', 'Bearer ', 'sekret-pass-XYZ'];
  const key = standinCerts().clientKey;
  for (const line of key.split('\n')) if (line.length > 20 && !line.startsWith('-----')) forbidden.push(line.slice(0, 40));
  forbidden.push(Buffer.from(key).toString('base64').slice(0, 40));
  for (const f of forbidden) assert.ok(!haystack.toLowerCase().includes(f.toLowerCase()), `found ${JSON.stringify(f.slice(0, 12))}… in the loader's output`);
});
