// ClusterSession: the connection every cluster read shares, and its --server / --tls-server-name overrides (the
// way to reach a real API server when the kubeconfig's address is the one lost).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterSession } from '../../server/src/facts/cluster/load';
import { StandinApiServer, writeKubeconfig } from './standin';
import { closedPort, tmpDir } from './helpers';

const TOKEN = 'sekret-token-XYZ';
const servers: StandinApiServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});


async function read(opts: Parameters<typeof ClusterSession.open>[0]) {
  const s = await ClusterSession.open(opts);
  try {
    return await s.readFacts();
  } finally {
    s.close();
  }
}

test('--server reaches the cluster when the context server is unreachable; the facts say where they came from', async () => {
  const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' } });
  servers.push(s);
  const dead = await closedPort();
  const kc = writeKubeconfig(tmpDir(), [{ server: `https://127.0.0.1:${dead}`, auth: 'token', token: TOKEN, context: 'lab' }]);
  const without = await read({ kubeconfigPath: kc, requestTimeoutMs: 3000 });
  assert.equal(without.state, 'unreachable', without.message);
  const r = await read({ kubeconfigPath: kc, server: s.url });
  assert.equal(r.state, 'ok', r.message);
  assert.equal(r.server, s.url);
  assert.deepEqual(r.contribution!.nodes!.map((n) => n.name), ['k8s-master-1', 'k8s-node-1']);
  assert.ok(s.requests.every((q) => q.identity === 'token:alice'), 'the context credentials are used against the override');
});

test('with --server the certificate is checked for the context host name, or for --tls-server-name', async () => {
  const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' } });
  servers.push(s);
  const dead = await closedPort();
  // The kubeconfig names the API server by a host name its certificate covers (as a VIP's DNS name would be).
  const kc = writeKubeconfig(tmpDir(), [{ server: `https://localhost:${dead}`, auth: 'token', token: TOKEN, context: 'lab' }]);
  const ok = await read({ kubeconfigPath: kc, server: s.url });
  assert.equal(ok.state, 'ok', ok.message);
  const wrong = await read({ kubeconfigPath: kc, server: s.url, tlsServerName: 'api.wrong.example' });
  assert.equal(wrong.state, 'error');
  assert.match(wrong.message, /does not match the host name/);
});

test('an override that is not an http(s) URL is an error, and never carries userinfo', async () => {
  const kc = writeKubeconfig(tmpDir(), [{ server: 'https://127.0.0.1:1', auth: 'token', token: TOKEN, context: 'lab' }]);
  const r = await read({ kubeconfigPath: kc, server: 'ftp://user:sekret-pass@127.0.0.1:6443' });
  assert.equal(r.state, 'error');
  assert.match(r.message, /is not an http\(s\) URL/);
  assert.doesNotMatch(r.message, /sekret-pass/);
});

test('with --server the context server stays an API server address: a Service that took the VIP is still found', async () => {
  const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' } });
  servers.push(s);
  // The kubeconfig's server is a VIP that is never contacted here (the override is used); it is only an address.
  const kc = writeKubeconfig(tmpDir(), [{ server: 'https://192.168.0.100:6443', auth: 'token', token: TOKEN, context: 'lab' }]);
  const r = await read({ kubeconfigPath: kc, server: s.url });
  assert.equal(r.state, 'ok', r.message);
  const api = r.contribution!.apiServers!.map((a) => `${a.address}:${a.port}`);
  assert.ok(api.includes('192.168.0.100:6443'), api.join(', '));
  assert.ok(api.includes(`127.0.0.1:${s.port}`), api.join(', '));
  assert.ok(s.requests.length > 0 && s.requests.every((q) => q.identity === 'token:alice'));
});
