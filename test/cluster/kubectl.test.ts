// The stand-in checked against the real kubectl: kubectl and our loader must see the same cluster. Skipped (with a
// message) when kubectl is not on PATH; CI installs it (Debian package kubernetes-client).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadClusterFacts } from '../../server/src/facts/cluster';
import { auditCluster } from '../../server/src/audit/audit';
import { fixCommand } from '../../server/src/audit/fix';
import { parse as parseYaml } from 'yaml';
import { poolObjects, service } from './auditFixtures';
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

test('kubectl get svc -A -o json lists the same Services, spec and status, as the audit read (600, paginated)', { skip }, async () => {
  const objects = poolObjects();
  const items = objects['/api/v1/services'].items;
  for (let i = 0; i < 600; i++) items.push(service(`team-${i % 7}`, `svc-${i}`, { clusterIP: `10.70.9.${i % 250}`, ...(i % 3 === 0 ? { externalIPs: [`198.51.100.${i % 250}`] } : {}) }));
  const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' }, objects });
  servers.push(s);
  const kc = writeKubeconfig(tmpDir(), [{ server: s.url, auth: 'token', token: TOKEN, context: 'lab' }]);
  const out = JSON.parse(await run(kc, ['get', 'svc', '-A', '-o', 'json', '--chunk-size', '250'])) as { items: { metadata: { namespace: string; name: string }; spec: unknown; status: unknown }[] };
  const report = await auditCluster({ kubeconfigPath: kc });
  const ours = report.analysis.documents.filter((d) => d.ref.kind === 'Service').map((d) => parseYaml(d.yaml) as { metadata: { namespace: string; name: string }; spec: unknown; status: unknown });
  const key = (o: { metadata: { namespace: string; name: string } }) => `${o.metadata.namespace}/${o.metadata.name}`;
  assert.equal(out.items.length, items.length);
  assert.deepEqual(ours.map(key).sort(), out.items.map(key).sort());
  const theirs = new Map(out.items.map((o) => [key(o), o]));
  for (const o of ours) {
    assert.deepEqual(o.spec, theirs.get(key(o))!.spec, key(o));
    assert.deepEqual(o.status, theirs.get(key(o))!.status, key(o));
  }
});

test('the fix commands the audit prints run as they are with kubectl, and leave a clean cluster', { skip }, async () => {
  const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' }, objects: poolObjects() });
  servers.push(s);
  const kc = writeKubeconfig(tmpDir(), [{ server: s.url, auth: 'token', token: TOKEN, context: 'lab' }]);
  const before = await auditCluster({ kubeconfigPath: kc });
  assert.equal(before.exitCode, 1);
  assert.equal(before.analysis.fixes.length, 2);
  for (const fix of before.analysis.fixes) {
    const cmd = fixCommand(fix, { kubeconfig: kc });
    // As a person would paste it into a shell (the kubectl found on PATH).
    await new Promise<void>((resolve, reject) =>
      execFile('/bin/sh', ['-c', cmd], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, PATH: `${path.dirname(kubectl!)}${path.delimiter}${process.env.PATH ?? ''}`, KUBECACHEDIR: path.join(tmpDir(), 'kubectl-cache') } }, (err, _o, stderr) =>
        err ? reject(new Error(`${cmd} failed: ${stderr.slice(0, 500)}`)) : resolve(),
      ),
    );
  }
  assert.deepEqual(
    s.store.patches.map((p) => [p.path, p.contentType]).sort(),
    [
      ['/api/v1/namespaces/web/services/ingress/status', 'application/json-patch+json'],
      ['/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools/lan', 'application/json-patch+json'],
    ],
  );
  const after_ = await auditCluster({ kubeconfigPath: kc });
  assert.equal(after_.exitCode, 0, after_.analysis.findings.map((f) => f.message).join('\n'));
});
