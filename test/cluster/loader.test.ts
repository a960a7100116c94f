// loadClusterFacts against the stand-in API server: every auth kind, pagination, partial reads and failure states.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { loadClusterFacts, ClusterLoadResult } from '../../server/src/facts/cluster';
import { StandinApiServer, writeKubeconfig, manyNodes, EXEC_FAIL_STDOUT, EXEC_FAIL_STDERR, AuthKind } from './standin';
import { tmpDir } from './helpers';

const TOKEN = 'sekret-token-XYZ';
const servers: StandinApiServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function standin(opts: Parameters<typeof StandinApiServer.start>[0] = {}): Promise<StandinApiServer> {
  const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' }, ...opts });
  servers.push(s);
  return s;
}

function kubeconfigFor(s: StandinApiServer | string, auth: AuthKind = 'token', extra: { token?: string; ca?: 'data' | 'file' | 'insecure' | 'none'; proxyUrl?: string } = {}): string {
  const server = typeof s === 'string' ? s : s.url;
  return writeKubeconfig(tmpDir(), [{ server, auth, token: extra.token ?? TOKEN, context: 'lab', ...(extra.ca ? { ca: extra.ca } : {}), ...(extra.proxyUrl ? { proxyUrl: extra.proxyUrl } : {}) }]);
}

function nodeNames(r: ClusterLoadResult): string[] {
  return (r.contribution?.nodes ?? []).map((n) => n.name);
}

function assertSeedFacts(r: ClusterLoadResult, s: StandinApiServer): void {
  assert.equal(r.state, 'ok', r.message);
  assert.equal(r.context, 'lab');
  assert.equal(r.cluster, 'lab-cluster');
  assert.equal(r.server, s.url);
  assert.deepEqual(r.missing, []);
  assert.equal(r.nodeCount, 2);
  const c = r.contribution!;
  assert.deepEqual(c.source, { kind: 'cluster', label: 'context lab' });
  assert.deepEqual(
    c.nodes!.map((n) => [n.name, n.addresses.map((a) => `${a.type}=${a.address}`)]),
    [
      ['k8s-master-1', ['InternalIP=192.168.0.10']],
      ['k8s-node-1', ['InternalIP=192.168.0.11']],
    ],
  );
  for (const n of c.nodes!) for (const a of n.addresses) assert.deepEqual(a.source, { kind: 'cluster', label: 'context lab' });
  const api = c.apiServers!.map((a) => `${a.address}:${a.port}`);
  assert.ok(api.includes('192.168.0.10:6443'), `endpoint slice address in ${api}`);
  assert.ok(api.includes(`127.0.0.1:${s.port}`), `kubeconfig server address in ${api}`);
  assert.equal(c.proxyMode?.mode, 'ipvs');
  assert.deepEqual(c.proxyMode?.source, { kind: 'cluster', label: 'context lab' });
  // GET /version (the stand-in answers v1.31.0): the release the verdicts are for.
  assert.deepEqual(c.kubernetesVersion, { minor: 31, text: 'v1.31.0', source: { kind: 'cluster', label: 'context lab' } });
  assert.deepEqual(c.podCIDRs!.map((p) => p.cidr), ['10.0.0.0/24', '10.0.1.0/24']);
  assert.deepEqual(c.serviceCIDRs!.map((p) => p.cidr), ['10.70.0.0/16']);
  assert.ok(!Number.isNaN(Date.parse(r.loadedAt)));
}

for (const auth of ['cert', 'cert-file', 'token', 'token-file', 'exec'] as const) {
  test(`loads the seed cluster with ${auth} auth`, async () => {
    const s = await standin();
    const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s, auth) });
    assertSeedFacts(r, s);
    const ids = new Set(s.requests.map((q) => q.identity));
    assert.deepEqual([...ids], [auth.startsWith('cert') ? 'cert:kube-ip-guard-test' : 'token:alice']);
  });
}

test('CA from a file and insecure-skip-tls-verify work too', async () => {
  const s = await standin();
  assertSeedFacts(await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s, 'token', { ca: 'file' }) }), s);
  assertSeedFacts(await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s, 'token', { ca: 'insecure' }) }), s);
});

test('an untrusted server certificate: error that says TLS, no facts', async () => {
  const s = await standin();
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s, 'token', { ca: 'none' }) });
  assert.equal(r.state, 'error', r.message);
  assert.match(r.message, /TLS/);
  assert.equal(s.requests.length, 0);
});

test('proxy-url: through an HTTP CONNECT proxy', async () => {
  const s = await standin();
  const tunnels: string[] = [];
  const open = new Set<net.Socket>();
  const proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    for (const sock of [client, upstream]) {
      open.add(sock);
      sock.on('close', () => open.delete(sock));
      sock.on('error', () => undefined);
    }
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  try {
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s, 'token', { proxyUrl }) });
    assertSeedFacts(r, s);
    assert.ok(tunnels.length >= 1 && tunnels.every((t) => t === `127.0.0.1:${s.port}`), tunnels.join());
  } finally {
    open.forEach((sock) => sock.destroy());
    await new Promise((r) => proxy.close(r));
  }
});

test('a server host name is resolved to API server addresses with the host kept', async () => {
  const s = await standin();
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(`https://localhost:${s.port}`) });
  assert.equal(r.state, 'ok', r.message);
  const local = r.contribution!.apiServers!.filter((a) => a.host === 'localhost');
  assert.ok(local.length >= 1);
  for (const a of local) {
    assert.ok(net.isIP(a.address), a.address);
    assert.equal(a.port, s.port);
  }
});

test('pagination: 1,200 nodes in pages of 500 with continue tokens', async () => {
  const s = await standin({ nodes: manyNodes(1200) });
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s) });
  assert.equal(r.state, 'ok', r.message);
  assert.equal(r.nodeCount, 1200);
  const names = nodeNames(r);
  assert.equal(new Set(names).size, 1200);
  const pages = s.requests.filter((q) => q.path === '/api/v1/nodes');
  assert.equal(pages.length, 3);
  assert.ok(pages.every((q) => q.query.includes('limit=500')));
  assert.equal(pages.filter((q) => q.query.includes('continue=')).length, 2);
  // every entry of both types and families
  const n7 = r.contribution!.nodes!.find((n) => n.name === 'node-00007')!;
  assert.deepEqual(n7.addresses.map((a) => a.address), ['10.0.0.7', 'fd00::7']);
  const n10 = r.contribution!.nodes!.find((n) => n.name === 'node-00010')!;
  assert.deepEqual(n10.addresses.map((a) => `${a.type}=${a.address}`), ['InternalIP=10.0.0.10', 'ExternalIP=203.0.0.10']);
  assert.equal(r.contribution!.podCIDRs!.length, 1200);
});

test('an expired continue token (410) restarts the list once', async () => {
  const s = await standin({ nodes: manyNodes(1100) });
  s.expireNextContinue = true;
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s) });
  assert.equal(r.state, 'ok', r.message);
  assert.equal(r.nodeCount, 1100);
  assert.equal(new Set(nodeNames(r)).size, 1100);
});

test('unreachable: the stand-in is stopped', async () => {
  const s = await standin();
  const kc = kubeconfigFor(s);
  await s.stop();
  const r = await loadClusterFacts({ kubeconfigPath: kc });
  assert.equal(r.state, 'unreachable', r.message);
  assert.match(r.message, /connection refused/);
  assert.equal(r.server, s.url);
  assert.equal(r.contribution, undefined);
});

test('401: invalid or expired credentials', async () => {
  const s = await standin();
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s, 'token', { token: 'not-a-valid-token' }) });
  assert.equal(r.state, 'unauthorized', r.message);
  assert.match(r.message, /expired|invalid/);
  assert.equal(r.contribution, undefined);
});

test('403 on nodes: forbidden', async () => {
  const s = await standin();
  s.setBehavior('/api/v1/nodes', { status: 403 });
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s) });
  assert.equal(r.state, 'forbidden', r.message);
  assert.match(r.message, /list nodes/);
});

test('403 on the kube-proxy ConfigMap only: partial, mode left unset', async () => {
  const s = await standin();
  s.setBehavior('/api/v1/namespaces/kube-system/configmaps/kube-proxy', { status: 403 });
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s) });
  assert.equal(r.state, 'partial', r.message);
  assert.deepEqual(r.missing, ['kube-proxy mode: configmaps forbidden']);
  assert.equal(r.contribution!.proxyMode, undefined);
  assert.equal(r.nodeCount, 2);
  assert.match(r.message, /not read: kube-proxy mode/);
});

test('403 on EndpointSlices and Endpoints: partial; the kubeconfig server is still an API server address', async () => {
  const s = await standin();
  s.setBehavior('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', { status: 403 });
  s.setBehavior('/api/v1/namespaces/default/endpoints/kubernetes', { status: 403 });
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s) });
  assert.equal(r.state, 'partial');
  assert.deepEqual(r.missing, ['API server endpoints: endpointslices forbidden']);
  assert.deepEqual(r.contribution!.apiServers!.map((a) => a.address), ['127.0.0.1']);
});

test('old cluster: no EndpointSlice API (falls back to Endpoints), no ServiceCIDR API (normal, not missing)', async () => {
  const s = await standin({ serviceCIDRs: null });
  s.setBehavior('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', { status: 404 });
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s) });
  assert.equal(r.state, 'ok', r.message);
  assert.deepEqual(r.missing, []);
  assert.deepEqual(r.contribution!.serviceCIDRs, []);
  assert.ok(r.contribution!.apiServers!.some((a) => a.address === '192.168.0.10' && a.port === 6443));
  assert.ok(s.requests.some((q) => q.path === '/apis/networking.k8s.io/v1beta1/servicecidrs'));
});

test("kube-proxy's featureGates are read from config.conf (booleans only); none means the release's defaults", async () => {
  const a = await standin({ kubeProxyFeatureGates: { AllowServiceExternalIPs: false, LoadBalancerIPMode: true } });
  const ra = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(a) });
  assert.deepEqual(ra.contribution!.kubeProxyFeatureGates, { gates: { AllowServiceExternalIPs: false, LoadBalancerIPMode: true }, source: { kind: 'cluster', label: 'context lab' } });
  const b = await standin({});
  assert.equal((await loadClusterFacts({ kubeconfigPath: kubeconfigFor(b) })).contribution!.kubeProxyFeatureGates, undefined);
});

test('kube-proxy mode: empty means iptables; no ConfigMap is missing', async () => {
  const a = await standin({ kubeProxyMode: '' });
  const ra = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(a) });
  assert.equal(ra.state, 'ok');
  assert.equal(ra.contribution!.proxyMode?.mode, 'iptables');
  const b = await standin({ kubeProxyMode: 'nftables' });
  assert.equal((await loadClusterFacts({ kubeconfigPath: kubeconfigFor(b) })).contribution!.proxyMode?.mode, 'nftables');
  const c = await standin({ kubeProxyMode: null });
  const rc = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(c) });
  assert.equal(rc.state, 'partial');
  assert.deepEqual(rc.missing, ['kube-proxy mode: configmap kube-system/kube-proxy not found']);
});

test('slow node list: timeout within the configured bound', async () => {
  const s = await standin();
  s.setBehavior('/api/v1/nodes', { slowMs: 20_000 });
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s), requestTimeoutMs: 400 });
  assert.equal(r.state, 'timeout', r.message);
  assert.match(r.message, /400 ms/);
});

test('slow ConfigMap only: partial with "timed out", within the bound', async () => {
  const s = await standin();
  // Slower than any bound; the bound is generous enough for the node list on a busy machine.
  s.setBehavior('/api/v1/namespaces/kube-system/configmaps/kube-proxy', { slowMs: 600_000 });
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s), requestTimeoutMs: 10_000 });
  assert.equal(r.state, 'partial');
  assert.deepEqual(r.missing, ['kube-proxy mode: timed out']);
});

test('the total bound ends a load whose requests are each within theirs', async () => {
  const s = await standin({ nodes: manyNodes(1100) });
  s.setBehavior('/api/v1/nodes', { slowMs: 300 });
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s), requestTimeoutMs: 5000, totalTimeoutMs: 500 });
  assert.equal(r.state, 'timeout', r.message);
});

test('the total bound hit after the nodes were read: partial, the rest "timed out"', async () => {
  const s = await standin();
  s.setBehavior('/api/v1/namespaces/kube-system/configmaps/kube-proxy', { slowMs: 600_000 });
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s), requestTimeoutMs: 60_000, totalTimeoutMs: 10_000 });
  assert.equal(r.state, 'partial', r.message);
  assert.equal(r.nodeCount, 2);
  assert.deepEqual(r.missing, ['kube-proxy mode: timed out (total bound 10000 ms)']);
});

test('a server that accepts TCP but never speaks TLS: timeout, not a hang', async () => {
  const sockets: net.Socket[] = [];
  const hole = net.createServer((sock) => sockets.push(sock));
  await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
  const port = (hole.address() as net.AddressInfo).port;
  try {
    const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(`https://127.0.0.1:${port}`), requestTimeoutMs: 400, connectTimeoutMs: 300 });
    assert.equal(r.state, 'timeout', r.message);
  } finally {
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => hole.close(r));
  }
});

test('dropped connection mid-response: unreachable, says dropped', async () => {
  const s = await standin();
  s.setBehavior('/api/v1/nodes', { drop: true });
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s) });
  assert.equal(r.state, 'unreachable', r.message);
  assert.match(r.message, /dropped/);
});

test('garbage JSON for nodes: error; for the ConfigMap: partial', async () => {
  const s = await standin();
  s.setBehavior('/api/v1/nodes', { garbage: true });
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s) });
  assert.equal(r.state, 'error', r.message);
  assert.match(r.message, /invalid node list/);
  s.setBehavior('/api/v1/nodes', undefined);
  s.setBehavior('/api/v1/namespaces/kube-system/configmaps/kube-proxy', { garbage: true });
  const r2 = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s) });
  assert.equal(r2.state, 'partial');
  assert.deepEqual(r2.missing, ['kube-proxy mode: invalid answer (not JSON)']);
});

test('a server error on nodes: error with the status', async () => {
  const s = await standin();
  s.setBehavior('/api/v1/nodes', { status: 500 });
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s) });
  assert.equal(r.state, 'error');
  assert.match(r.message, /HTTP 500/);
});

test('exec plugin failing: exec-failed, without its stdout or stderr', async () => {
  const s = await standin();
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s, 'exec-fail') });
  assert.equal(r.state, 'exec-failed', r.message);
  assert.match(r.message, /credential plugin "node" of user "lab-user" failed/);
  const all = JSON.stringify(r);
  assert.ok(!all.includes(EXEC_FAIL_STDOUT) && !all.includes(EXEC_FAIL_STDERR), all);
  assert.equal(s.requests.length, 0);
});

test('exec plugin hanging: exec-failed within the bound', async () => {
  const s = await standin();
  const dir = tmpDir();
  const kc = writeKubeconfig(dir, [{ server: s.url, auth: 'exec', context: 'lab' }]);
  fs.writeFileSync(path.join(dir, 'exec-plugin-0.js'), 'setTimeout(() => {}, 1e9);');
  const r = await loadClusterFacts({ kubeconfigPath: kc, requestTimeoutMs: 500 });
  assert.equal(r.state, 'exec-failed', r.message);
});

test('exec plugin command missing: exec-failed, says not found', async () => {
  const s = await standin();
  const dir = tmpDir();
  const kc = writeKubeconfig(dir, [{ server: s.url, auth: 'exec', context: 'lab' }]);
  const obj = JSON.parse(fs.readFileSync(kc, 'utf8'));
  obj.users[0].user.exec.command = path.join(dir, 'no-such-plugin');
  fs.writeFileSync(kc, JSON.stringify(obj));
  const r = await loadClusterFacts({ kubeconfigPath: kc });
  assert.equal(r.state, 'exec-failed');
  assert.match(r.message, /no-such-plugin.*not found/);
});

test('the caller can cancel a load', async () => {
  const s = await standin();
  s.setBehavior('/api/v1/nodes', { slowMs: 20_000 });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s), signal: ac.signal });
  assert.equal(r.state, 'error');
  assert.match(r.message, /cancelled/);
});

test('no kubeconfig, no current context, unknown context, broken file', async () => {
  const dir = tmpDir();
  const none = await loadClusterFacts({ kubeconfigPath: path.join(dir, 'missing') });
  assert.equal(none.state, 'no-kubeconfig');
  assert.match(none.message, /No kubeconfig found/);

  const s = await standin();
  const noCur = writeKubeconfig(dir, [{ server: s.url, auth: 'token', token: TOKEN, context: 'lab' }], { file: 'nocur', currentContext: null });
  assert.equal((await loadClusterFacts({ kubeconfigPath: noCur })).state, 'no-kubeconfig');
  assert.equal((await loadClusterFacts({ kubeconfigPath: noCur, context: 'lab' })).state, 'ok');
  const unknown = await loadClusterFacts({ kubeconfigPath: noCur, context: 'prod' });
  assert.equal(unknown.state, 'error');
  assert.match(unknown.message, /Context "prod" is not in the kubeconfig/);

  const broken = path.join(dir, 'broken');
  fs.writeFileSync(broken, `apiVersion: v1\nusers:\n- name: u\n  user:\n    token: ${TOKEN}\n  bad: [unclosed\n`);
  const rb = await loadClusterFacts({ kubeconfigPath: broken });
  assert.equal(rb.state, 'error');
  assert.match(rb.message, /invalid YAML at line/);
  assert.ok(!rb.message.includes(TOKEN));

  const empty = path.join(dir, 'empty');
  fs.writeFileSync(empty, '');
  assert.equal((await loadClusterFacts({ kubeconfigPath: empty })).state, 'no-kubeconfig');
});

test('log lines are single lines and name the requests', async () => {
  const s = await standin({ nodes: manyNodes(600) });
  const lines: string[] = [];
  const r = await loadClusterFacts({ kubeconfigPath: kubeconfigFor(s), log: (l) => lines.push(l) });
  assert.equal(r.state, 'ok');
  assert.ok(lines.some((l) => /nodes page 2: 100 nodes/.test(l)), lines.join('\n'));
  assert.ok(lines.every((l) => !l.includes('\n')));
});
