// The stand-in checked against the real kubectl: kubectl and our loader must see the same cluster. Skipped (with a
// message) when kubectl is not on PATH; CI installs it (Debian package kubernetes-client).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadClusterFacts } from '../../server/src/facts/cluster';
import { StandinApiServer, manyNodes, writeKubeconfig, AuthKind } from './standin';
import { tmpDir } from './helpers';

const TOKEN = 'sekret-token-XYZ';

function findKubectl(): string | undefined {
  const names = process.platform === 'win32' ? ['kubectl.exe', 'kubectl'] : ['kubectl'];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const n of names) {
      const p = path.join(dir, n);
      try {
        fs.accessSync(p, fs.constants.X_OK);
        if (fs.statSync(p).isFile()) return p;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

const kubectl = findKubectl();
const skip = kubectl ? false : 'kubectl is not on PATH (install the Debian package kubernetes-client); skipping the kubectl cross-check';
if (!kubectl) console.log(`# ${skip}`);

const servers: StandinApiServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

/** Run kubectl asynchronously (the stand-in lives in this process: a sync spawn would block it). */
function run(kubeconfig: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      kubectl!,
      ['--kubeconfig', kubeconfig, '--cache-dir', path.join(tmpDir(), 'kubectl-cache'), '--request-timeout', '20s', ...args],
      { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 60_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`kubectl ${args.join(' ')} failed: ${stderr.slice(0, 500)}`)) : resolve(stdout)),
    );
  });
}

for (const [auth, count] of [
  ['cert', 2],
  ['token', 1200],
  ['exec', 2],
] as [AuthKind, number][]) {
  test(`kubectl and the loader list the same nodes (${auth}, ${count} nodes)`, { skip }, async () => {
    const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' }, ...(count > 2 ? { nodes: manyNodes(count) } : {}) });
    servers.push(s);
    const kc = writeKubeconfig(tmpDir(), [{ server: s.url, auth, token: TOKEN, context: 'lab' }]);
    const out = JSON.parse(await run(kc, ['get', 'nodes', '-o', 'json'])) as { items: { metadata: { name: string }; status: { addresses: { type: string; address: string }[] } }[] };
    const r = await loadClusterFacts({ kubeconfigPath: kc });
    assert.equal(r.state, 'ok', r.message);
    const theirs = out.items.map((i) => i.metadata.name).sort();
    const ours = (r.contribution?.nodes ?? []).map((n) => n.name).sort();
    assert.equal(theirs.length, count);
    assert.deepEqual(ours, theirs);
    // same addresses, every InternalIP/ExternalIP entry
    const addr = new Map(out.items.map((i) => [i.metadata.name, i.status.addresses.filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address)]));
    for (const n of r.contribution!.nodes!) assert.deepEqual(n.addresses.map((a) => a.address), addr.get(n.name));
  });
}

test('kubectl reads the same kube-proxy mode and API server endpoints', { skip }, async () => {
  const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' } });
  servers.push(s);
  const kc = writeKubeconfig(tmpDir(), [{ server: s.url, auth: 'token', token: TOKEN, context: 'lab' }]);
  const conf = await run(kc, ['-n', 'kube-system', 'get', 'configmap', 'kube-proxy', '-o', 'jsonpath={.data.config\\.conf}']);
  const slices = JSON.parse(await run(kc, ['-n', 'default', 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=kubernetes', '-o', 'json'])) as {
    items: { endpoints: { addresses: string[] }[]; ports: { port: number }[] }[];
  };
  const r = await loadClusterFacts({ kubeconfigPath: kc });
  assert.match(conf, /^mode: "ipvs"$/m);
  assert.equal(r.contribution!.proxyMode?.mode, 'ipvs');
  const theirs = slices.items.flatMap((sl) => sl.endpoints.flatMap((e) => e.addresses.map((a) => `${a}:${sl.ports[0].port}`)));
  assert.deepEqual(theirs, ['192.168.0.10:6443']);
  for (const t of theirs) assert.ok(r.contribution!.apiServers!.some((a) => `${a.address}:${a.port}` === t));
});
