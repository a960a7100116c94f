// `kube-ip-guard audit` against the stand-in API server: the culprit named with its collision and the exact patch,
// --fix, pools and load-balancer status, RBAC 403, --server when the context's server is down, 5,000 Services.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import Ajv from 'ajv-draft-04';
import sarifSchema from '@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json';
import { runCli, type CliIO } from '../../server/src/cli';
import { applyFixes, auditCluster } from '../../server/src/audit/audit';
import { analyzeLive } from '../../server/src/audit/model';
import { LIVE_KINDS, type LiveObject } from '../../server/src/audit/read';
import { mergeFacts } from '../../server/src/engine/index';
import { StandinApiServer, writeKubeconfig, type StandinOptions } from './standin';
import { applyJsonPatch, type KubeObject } from './standinObjects';
import { poolObjects, seedObjects, service } from './auditFixtures';
import { closedPort, tmpDir } from './helpers';
import { expectExit, fromExecFile } from '../childExit';

const TOKEN = 'sekret-token-AUDIT';
const servers: StandinApiServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function standin(opts: StandinOptions = {}): Promise<StandinApiServer> {
  const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' }, ...opts });
  servers.push(s);
  return s;
}

const dir = tmpDir();
let kubeconfigs = 0;
function kubeconfig(server: string): string {
  return writeKubeconfig(dir, [{ server, auth: 'token', token: TOKEN, context: 'lab' }], { file: `kubeconfig-${++kubeconfigs}` });
}

interface Captured {
  code: number;
  out: string;
  err: string;
}

async function audit(args: string[], confirm?: CliIO['confirm']): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['audit', ...args], { out: (t) => out.push(t), err: (t) => err.push(t), cwd: process.cwd(), ...(confirm ? { confirm } : {}) });
  const c = { code, out: out.join('\n'), err: err.join('\n') };
  assert.doesNotMatch(c.out + c.err, new RegExp(TOKEN), 'the token is never printed');
  return c;
}

const PATCH_INDEX_1 = `kubectl --kubeconfig KC -n default patch service busybox --type=json -p '[{"op":"test","path":"/spec/externalIPs/1","value":"192.168.0.11"},{"op":"remove","path":"/spec/externalIPs/1"}]'`;

test('a node address at index 1: exit 1, culprit and node named, a patch that removes exactly index 1', async () => {
  const s = await standin({ objects: seedObjects() });
  const kc = kubeconfig(s.url);
  const r = await audit(['--kubeconfig', kc]);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /^1\. error Service default\/busybox spec\.externalIPs\[1\] = 192\.168\.0\.11 \[externalip-node\]$/m);
  assert.match(r.out, /collides with: node k8s-node-1 \(InternalIP 192\.168\.0\.11\)/);
  assert.match(r.out, /why: 192\.168\.0\.11 is the InternalIP of node k8s-node-1: in IPVS mode/);
  assert.ok(r.out.includes(`fix: ${PATCH_INDEX_1.replace('KC', kc)}`), r.out);
  assert.doesNotMatch(r.out, /192\.168\.0\.20 \[/, 'the free address is not a finding');
  assert.match(r.err, /services: 3 read/, 'progress on stderr');
  assert.doesNotMatch(r.out, /services: 3 read/);

  // The patch, applied to a copy of the object, leaves the free address and no finding.
  const live = s.store.get('/api/v1/services', 'default', 'busybox')!;
  const json = JSON.parse(await captureJson(kc)) as { findings: { fix?: { patch: { op: string; path: string; value?: string }[] } }[] };
  const patched = applyJsonPatch(live, json.findings[0].fix!.patch) as KubeObject;
  assert.deepEqual((patched.spec as { externalIPs: string[] }).externalIPs, ['192.168.0.20']);
  const facts = mergeFacts([{ source: { kind: 'cluster', label: 'context lab' }, nodes: [{ name: 'k8s-node-1', addresses: [{ address: '192.168.0.11', type: 'InternalIP', source: { kind: 'cluster', label: 'context lab' } }] }] }]);
  const svcKind = LIVE_KINDS.find((k) => k.kind === 'Service')!;
  const asLive = (o: KubeObject) => ({ object: { ...o, apiVersion: 'v1', kind: 'Service' } as LiveObject, kind: svcKind });
  assert.equal(analyzeLive([asLive(live)], facts).findings.length, 1);
  assert.deepEqual(analyzeLive([asLive(patched)], facts).findings, []);
});

async function captureJson(kc: string): Promise<string> {
  const r = await audit(['--kubeconfig', kc, '--format', 'json']);
  return r.out;
}

test('--fix --yes applies the patch through the API (JSON patch, test op first); the audit is then clean', async () => {
  const s = await standin({ objects: seedObjects() });
  const kc = kubeconfig(s.url);
  const r = await audit(['--kubeconfig', kc, '--fix', '--yes']);
  assert.equal(r.code, 1, 'the exit status is the audit\'s');
  assert.match(r.out, /^fixed: patched Service default\/busybox: remove 192\.168\.0\.11 from spec\.externalIPs$/m);
  assert.match(r.out, /1 of 1 patch applied/);
  assert.deepEqual(s.store.patches.map((p) => [p.path, p.contentType]), [['/api/v1/namespaces/default/services/busybox', 'application/json-patch+json']]);
  assert.deepEqual(JSON.parse(s.store.patches[0].body)[0], { op: 'test', path: '/spec/externalIPs/1', value: '192.168.0.11' });
  assert.deepEqual((s.store.get('/api/v1/services', 'default', 'busybox')!.spec as { externalIPs: string[] }).externalIPs, ['192.168.0.20']);
  const again = await audit(['--kubeconfig', kc]);
  assert.equal(again.code, 0, again.out);
});

test('--fix asks first and applies nothing on "no"; without a terminal and without --yes it applies nothing', async () => {
  const s = await standin({ objects: seedObjects() });
  const kc = kubeconfig(s.url);
  const questions: string[] = [];
  const no = await audit(['--kubeconfig', kc, '--fix'], async (q) => {
    questions.push(q);
    return false;
  });
  assert.equal(no.code, 1);
  assert.match(questions[0], /^Apply 1 patch to lab \(https:\/\/127\.0\.0\.1:\d+\)\? \[y\/N\] $/);
  assert.match(no.err, /nothing applied/);
  const noTty = await audit(['--kubeconfig', kc, '--fix']);
  assert.match(noTty.err, /add --yes/);
  assert.equal(s.store.patches.length, 0);
});

test('a fix whose entry moved since the audit read it is refused by its test op (422), never removing the wrong entry', async () => {
  const s = await standin({ objects: seedObjects() });
  const kc = kubeconfig(s.url);
  const report = await auditCluster({ kubeconfigPath: kc });
  const fix = report.analysis.fixes[0];
  const first = await applyFixes({ kubeconfigPath: kc }, [fix]);
  assert.equal(first.results[0].ok, true);
  const second = await applyFixes({ kubeconfigPath: kc }, [fix]);
  assert.equal(second.results[0].ok, false);
  assert.match(second.results[0].message, /changed since it was read \(HTTP 422\)/);
  assert.deepEqual((s.store.get('/api/v1/services', 'default', 'busybox')!.spec as { externalIPs: string[] }).externalIPs, ['192.168.0.20']);
});

test('a clean cluster exits 0 and says which pool kinds it does not have', async () => {
  const objects = seedObjects();
  (objects['/api/v1/services'].items[1].spec as { externalIPs: string[] }).externalIPs = ['192.168.0.20'];
  const s = await standin({ objects });
  const r = await audit(['--kubeconfig', kubeconfig(s.url)]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /No collisions/);
  const absent = /^Not installed in this cluster: (.*)\.$/m.exec(r.out)?.[1].split(', ') ?? [];
  assert.deepEqual(absent, LIVE_KINDS.filter((k) => !k.essential && !k.builtin).map((k) => k.resource), 'every pool kind, absent here, is named');
  assert.ok(absent.includes('ipaddresspools.metallb.io') && absent.includes('configmaps kube-system/kubevip'));
  assert.doesNotMatch(r.out, /NOT READ/);
});

test('pools and load-balancer status: worst first, the status subresource patch, the pool split around the nodes', async () => {
  const s = await standin({ objects: poolObjects() });
  const kc = kubeconfig(s.url);
  const r = await audit(['--kubeconfig', kc]);
  assert.equal(r.code, 1, r.out);
  const heads = r.out.split('\n').filter((l) => /^\d+\. /.test(l));
  // The pool that holds the API server's address comes first, then the load-balancer address of a node.
  assert.match(heads[0], /^1\. error IPAddressPool metallb-system\/lan spec\.addresses\[1\] = 192\.168\.0\.8-192\.168\.0\.15 \[ippool-node\]$/);
  assert.match(heads[1], /^2\. error Service web\/ingress status\.loadBalancer\.ingress\[1\]\.ip = 192\.168\.0\.11 \[loadbalancer-ingress-node\]$/);
  assert.equal(heads.length, 2, r.out);
  assert.ok(
    r.out.includes(`-n web patch service ingress --subresource=status --type=json -p '[{"op":"test","path":"/status/loadBalancer/ingress/1/ip","value":"192.168.0.11"},{"op":"remove","path":"/status/loadBalancer/ingress/1"}]'`),
    r.out,
  );
  assert.ok(
    r.out.includes(
      `-n metallb-system patch ipaddresspools.metallb.io lan --type=json -p '[{"op":"test","path":"/spec/addresses/1","value":"192.168.0.8-192.168.0.15"},{"op":"remove","path":"/spec/addresses/1"},{"op":"add","path":"/spec/addresses/1","value":"192.168.0.8-192.168.0.9"},{"op":"add","path":"/spec/addresses/2","value":"192.168.0.12-192.168.0.15"}]'`,
    ),
    r.out,
  );
  assert.match(r.out, /collides with: the API server 192\.168\.0\.10:6443, node k8s-master-1 \(InternalIP 192\.168\.0\.10\), node k8s-node-1 \(InternalIP 192\.168\.0\.11\)\n/);
  assert.match(r.out, /collides with: node k8s-node-1 \(InternalIP 192\.168\.0\.11\)\n/);
  assert.match(r.out, /^Not installed in this cluster: (?!.*ipaddresspools).*gateways\.gateway\.networking\.k8s\.io, l2advertisements\.metallb\.io\.$/m);

  const fixed = await audit(['--kubeconfig', kc, '--fix', '--yes']);
  assert.match(fixed.out, /2 of 2 patches applied/);
  assert.deepEqual(s.store.patches.map((p) => p.path).sort(), ['/api/v1/namespaces/web/services/ingress/status', '/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools/lan']);
  assert.deepEqual((s.store.get('/apis/metallb.io/v1beta1/ipaddresspools', 'metallb-system', 'lan')!.spec as { addresses: string[] }).addresses, ['192.168.1.0/24', '192.168.0.8-192.168.0.9', '192.168.0.12-192.168.0.15']);
  assert.deepEqual((s.store.get('/api/v1/services', 'web', 'ingress')!.status as { loadBalancer: { ingress: unknown[] } }).loadBalancer.ingress, [{ ip: '192.168.0.30', ipMode: 'VIP' }]);
  assert.equal((await audit(['--kubeconfig', kc])).code, 0);
});

test('RBAC 403 on Services: what could be read is checked, the Services are named as not read, exit 2', async () => {
  const objects = poolObjects();
  objects['/apis/metallb.io/v1beta1/ipaddresspools'].items = [{ metadata: { name: 'lan', namespace: 'metallb-system' }, spec: { addresses: ['192.168.1.0/24'] } }];
  const s = await standin({ objects });
  s.setBehavior('/api/v1/services', { status: 403 });
  const r = await audit(['--kubeconfig', kubeconfig(s.url)]);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /NOT READ \(the audit is incomplete\): services: forbidden \(403\): the user may not list services in all namespaces\./);
  assert.match(r.out, /1 ipaddresspools\.metallb\.io/);
  // A pool that does collide is still reported (exit 1: a culprit was found even if the audit is incomplete).
  objects['/apis/metallb.io/v1beta1/ipaddresspools'].items[0].spec = { addresses: ['192.168.0.0/28'] };
  const s2 = await standin({ objects });
  s2.setBehavior('/api/v1/services', { status: 403 });
  const r2 = await audit(['--kubeconfig', kubeconfig(s2.url), '--format', 'json']);
  assert.equal(r2.code, 1);
  const j = JSON.parse(r2.out) as { state: string; notRead: string[]; findings: { rule: string }[] };
  assert.equal(j.state, 'partial');
  assert.deepEqual(j.findings.map((f) => f.rule), ['ippool-node']);
  assert.match(j.notRead[0], /^services: forbidden/);
});

test('a cluster that cannot be read at all exits 2 with the reason', async () => {
  const s = await standin({ objects: seedObjects() });
  s.setBehavior('/api/v1/nodes', { status: 403 });
  const r = await audit(['--kubeconfig', kubeconfig(s.url)]);
  assert.equal(r.code, 2);
  assert.match(r.out, /could not audit: user "lab-user" may not list nodes/);
});


test('the context server unreachable, --server reachable: the audit runs, and its commands carry --server', async () => {
  const s = await standin({ objects: seedObjects() });
  const kc = kubeconfig(`https://localhost:${await closedPort()}`);
  const down = await audit(['--kubeconfig', kc, '--timeout', '3000']);
  assert.equal(down.code, 2);
  assert.match(down.out, /could not audit: Cannot reach https:\/\/localhost:\d+: connection refused/);
  const r = await audit(['--kubeconfig', kc, '--server', s.url]);
  assert.equal(r.code, 1, r.out + r.err);
  assert.ok(r.out.includes(`kubectl --kubeconfig ${kc} --server ${s.url} -n default patch service busybox`), r.out);
  const fixed = await audit(['--kubeconfig', kc, '--server', s.url, '--fix', '--yes']);
  assert.match(fixed.out, /1 of 1 patch applied/);
});

test('5,000 Services over 10 pages: the one culprit is found', async () => {
  const items: KubeObject[] = [];
  for (let i = 0; i < 5000; i++) {
    const ip = `10.70.${(i >> 8) & 255}.${(i & 255) + 1}`;
    items.push(service(`ns-${i % 50}`, `svc-${String(i).padStart(4, '0')}`, { clusterIP: ip, clusterIPs: [ip], ...(i === 4321 ? { externalIPs: ['192.168.0.10'] } : i % 10 === 0 ? { externalIPs: [`198.51.100.${i % 250}`] } : {}) }));
  }
  const s = await standin({ objects: { '/api/v1/services': { kind: 'Service', items } } });
  const r = await audit(['--kubeconfig', kubeconfig(s.url), '--format', 'json']);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out) as { read: { resource: string; count: number }[]; findings: { rule: string; object: { namespace: string; name: string } }[] };
  assert.equal(j.read.find((x) => x.resource === 'services')!.count, 5000);
  assert.deepEqual(
    j.findings.filter((f) => f.rule === 'externalip-apiserver').map((f) => `${f.object.namespace}/${f.object.name}`),
    ['ns-21/svc-4321'],
  );
  const pages = s.requests.filter((q) => q.path === '/api/v1/services');
  assert.equal(pages.length, 10);
  assert.ok(pages.every((q) => /limit=500/.test(q.query)));
  assert.equal(pages.filter((q) => /continue=/.test(q.query)).length, 9);
});

test('--proxy-mode iptables judges the live objects as if: the node address becomes a warning, port 22 an error', async () => {
  const objects = seedObjects();
  const s = await standin({ objects });
  const kc = kubeconfig(s.url);
  const r = await audit(['--kubeconfig', kc, '--proxy-mode', 'iptables']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /judged as if kube-proxy ran in iptables mode \(the cluster runs ipvs\)/);
  assert.match(r.out, /^1\. warning Service default\/busybox spec\.externalIPs\[1\] = 192\.168\.0\.11 \[externalip-node\]$/m);
  (objects['/api/v1/services'].items[1].spec as { ports: unknown[] }).ports = [{ name: 'ssh', port: 22, protocol: 'TCP', targetPort: 22 }];
  const s2 = await standin({ objects });
  const r2 = await audit(['--kubeconfig', kubeconfig(s2.url), '--proxy-mode', 'iptables']);
  assert.equal(r2.code, 1, r2.out);
  assert.match(r2.out, /\[externalip-critical-port\]/);
});

test('SARIF: valid 2.1.0, each result located at k8s://namespace/Kind/name with the line in the object YAML', async () => {
  const s = await standin({ objects: poolObjects() });
  const r = await audit(['--kubeconfig', kubeconfig(s.url), '--format', 'sarif']);
  assert.equal(r.code, 1);
  const log = JSON.parse(r.out) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[] }[] }[] };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false, logger: false });
  const validate = ajv.compile(sarifSchema as object);
  assert.ok(validate(log), JSON.stringify(validate.errors?.slice(0, 3)));
  const uris = log.runs[0].results.map((x) => x.locations[0].physicalLocation.artifactLocation.uri);
  assert.deepEqual(uris, ['k8s://metallb-system/IPAddressPool/lan', 'k8s://web/Service/ingress']);
  assert.ok(log.runs[0].results.every((x) => (x.locations[0].physicalLocation.region?.startLine ?? 0) > 1));
});

test('usage errors exit 2', async () => {
  assert.equal((await audit(['--format', 'xml'])).code, 2);
  assert.equal((await audit(['--yes'])).code, 2);
  assert.equal((await audit(['--proxy-mode', 'userspace'])).code, 2);
  assert.equal((await audit(['stray'])).code, 2);
});

for (const bin of ['cli.js', 'kubectl-ip_guard.js']) {
  test(`the built ${bin}: audit against the stand-in (progress on stderr, the report on stdout)`, async () => {
    const s = await standin({ objects: seedObjects() });
    const kc = kubeconfig(s.url);
    const { execFile } = await import('node:child_process');
    const r = await new Promise<ReturnType<typeof fromExecFile>>((done) =>
      execFile(process.execPath, [`server/out/${bin}`, 'audit', '--kubeconfig', kc], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => done(fromExecFile(err, stdout, stderr))),
    );
    assert.equal(expectExit(bin, r).status, 1, r.stderr);
    assert.match(r.stdout, /^1\. error Service default\/busybox spec\.externalIPs\[1\] = 192\.168\.0\.11 \[externalip-node\]$/m);
    assert.match(r.stderr, /kube-ip-guard: services: 3 read/);
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(TOKEN));
  });
}

test('the VIP of the kubeconfig hijacked by a Service: found through --server as an API server address', async () => {
  const objects = seedObjects();
  (objects['/api/v1/services'].items[1].spec as { externalIPs: string[] }).externalIPs = ['192.168.0.100'];
  const s = await standin({ objects });
  // Never contacted: with --server only the override is; the VIP stays an API server address.
  const kc = kubeconfig('https://192.168.0.100:6443');
  const r = await audit(['--kubeconfig', kc, '--server', s.url]);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /^1\. error Service default\/busybox spec\.externalIPs\[0\] = 192\.168\.0\.100 \[externalip-apiserver\]$/m);
  assert.match(r.out, /collides with: the API server 192\.168\.0\.100:6443\n/);
});

test('a 404 on the Service list is a failure to read, never "not installed"', async () => {
  const s = await standin({});
  const r = await audit(['--kubeconfig', kubeconfig(s.url)]);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /NOT READ \(the audit is incomplete\): services: not found \(404\)\./);
  assert.doesNotMatch(r.out, /Not installed in this cluster: services/);
});

test('a Service list that fails after some pages: the pages read are checked, the rest is named as not read', async () => {
  const items: KubeObject[] = [];
  for (let i = 0; i < 1200; i++) {
    const ip = `10.70.${(i >> 8) & 255}.${(i & 255) + 1}`;
    items.push(service('apps', `svc-${String(i).padStart(4, '0')}`, { clusterIP: ip, clusterIPs: [ip], ...(i === 7 ? { externalIPs: ['192.168.0.11'] } : {}) }));
  }
  const s = await standin({ objects: { '/api/v1/services': { kind: 'Service', items } } });
  s.store.failFrom.set('/api/v1/services', { offset: 1000, status: 504 });
  const r = await audit(['--kubeconfig', kubeconfig(s.url), '--format', 'json']);
  assert.equal(r.code, 1, 'the culprit on a page that was read is reported');
  const j = JSON.parse(r.out) as { state: string; notRead: string[]; read: { resource: string; count: number; failed?: string }[]; findings: { object: { name: string } }[] };
  assert.equal(j.state, 'partial');
  assert.deepEqual(j.findings.map((f) => f.object.name), ['svc-0007']);
  assert.equal(j.read.find((x) => x.resource === 'services')!.count, 1000);
  assert.deepEqual(j.notRead, ['services: HTTP 504 (Timeout) after 1000 were read']);
});

test('information findings (nothing breaks) come after the collisions, one line each', async () => {
  const objects = seedObjects();
  // A headless Service: kube-proxy ignores its externalIPs (externalip-ignored, info).
  objects['/api/v1/services'].items.push(service('default', 'headless', { clusterIP: 'None', clusterIPs: ['None'], externalIPs: ['192.168.0.11'] }));
  const s = await standin({ objects });
  const r = await audit(['--kubeconfig', kubeconfig(s.url)]);
  assert.equal(r.code, 1);
  const lines = r.out.split('\n');
  const info = lines.indexOf('Information (no outage):');
  assert.ok(info > lines.findIndex((l) => l.startsWith('1. error Service default/busybox')), r.out);
  assert.match(lines[info + 1], /^ {2}Service default\/headless spec\.externalIPs\[0\]: .*\[externalip-ignored\]$/);
  assert.match(r.out, /^1 collision \(1 error, 0 warnings\) and 1 info; /m);
});

test('--kubernetes-version judges the live objects as if: an ipMode Proxy ingress on a node is bound on 1.29, not on the live 1.31', async () => {
  const objects = seedObjects();
  (objects['/api/v1/services'].items[1].spec as { externalIPs: string[] }).externalIPs = ['192.168.0.20'];
  objects['/api/v1/services'].items.push(service('web', 'lb', { type: 'LoadBalancer', clusterIP: '10.70.0.80', clusterIPs: ['10.70.0.80'] }, { loadBalancer: { ingress: [{ ip: '192.168.0.11', ipMode: 'Proxy' }] } }));
  const s = await standin({ objects });
  const kc = kubeconfig(s.url);
  const live = await audit(['--kubeconfig', kc]);
  assert.equal(live.code, 0, live.out);
  assert.match(live.out, /; Kubernetes v1\.31\.0$/m);
  const old = await audit(['--kubeconfig', kc, '--kubernetes-version', '1.29']);
  assert.equal(old.code, 1, old.out);
  assert.match(old.out, /judged as if the cluster ran Kubernetes 1\.29 \(it runs v1\.31\.0\)/);
  assert.match(old.out, /^1\. error Service web\/lb status\.loadBalancer\.ingress\[0\]\.ip = 192\.168\.0\.11 \[loadbalancer-ingress-node\]$/m);
  assert.equal((await audit(['--kubeconfig', kc, '--kubernetes-version', 'latest'])).code, 2);
});

test('every pool kind the engine reads is read live: a Cilium LB pool and the kube-vip ConfigMap holding node addresses', async () => {
  const objects = seedObjects();
  (objects['/api/v1/services'].items[1].spec as { externalIPs: string[] }).externalIPs = ['192.168.0.20'];
  objects['/apis/cilium.io/v2/ciliumloadbalancerippools'] = { kind: 'CiliumLoadBalancerIPPool', items: [{ metadata: { name: 'lan' }, spec: { blocks: [{ cidr: '192.168.0.8/29' }] } }] };
  objects['/api/v1/configmaps'] = { kind: 'ConfigMap', items: [{ metadata: { name: 'kubevip', namespace: 'kube-system' }, data: { 'cidr-global': '192.168.0.11/32' } }] };
  const s = await standin({ objects });
  const r = await audit(['--kubeconfig', kubeconfig(s.url), '--format', 'json']);
  assert.equal(r.code, 1, r.out);
  const j = JSON.parse(r.out) as { read: { resource: string; count: number; absent?: boolean }[]; findings: { uri: string; field: string; manualFix?: string }[] };
  assert.equal(j.read.find((x) => x.resource === 'ciliumloadbalancerippools.cilium.io')?.count, 1);
  assert.equal(j.read.find((x) => x.resource === 'configmaps kube-system/kubevip')?.count, 1);
  assert.ok(j.read.find((x) => x.resource === 'configmaps metallb-system/config')?.absent);
  const uris = j.findings.map((f) => `${f.uri} ${f.field}`);
  assert.ok(uris.includes('k8s:///CiliumLoadBalancerIPPool/lan spec.blocks[0].cidr'), uris.join('\n'));
  assert.ok(uris.includes('k8s://kube-system/ConfigMap/kubevip data.cidr-global'), uris.join('\n'));
  assert.ok(j.findings.every((f) => f.manualFix), 'no patch is guessed for these pools: the fix says what to edit');
});

// MetalLB's layer 2 mode (its config/samples L2Advertisement; the pre-0.13 ConfigMap's `protocol: layer2`) on a cluster
// whose kube-proxy runs IPVS without ipvs.strictARP: every node answers ARP for the load-balancer addresses.
test('MetalLB layer 2 with IPVS and strictARP false on the live cluster: an error with the kube-proxy fix; strictARP true: clean', async () => {
  const objects = seedObjects();
  (objects['/api/v1/services'].items[1].spec as { externalIPs: string[] }).externalIPs = ['192.168.0.20'];
  objects['/apis/metallb.io/v1beta1/l2advertisements'] = { kind: 'L2Advertisement', items: [{ metadata: { name: 'example', namespace: 'metallb-system' }, spec: { ipAddressPools: ['first-pool'] } }] };
  objects['/api/v1/configmaps'] = {
    kind: 'ConfigMap',
    items: [{ metadata: { name: 'config', namespace: 'metallb-system' }, data: { config: 'address-pools:\n- name: default\n  protocol: layer2\n  addresses:\n  - 192.168.1.240-192.168.1.250\n' } }],
  };
  const off = await standin({ objects });
  const r = await audit(['--kubeconfig', kubeconfig(off.url), '--format', 'json']);
  assert.equal(r.code, 1, r.out);
  const j = JSON.parse(r.out) as { read: { resource: string; count: number }[]; findings: { rule: string; uri: string; message: string; manualFix?: string }[] };
  assert.equal(j.read.find((x) => x.resource === 'l2advertisements.metallb.io')?.count, 1);
  assert.deepEqual(j.findings.map((f) => [f.rule, f.uri]).sort(), [
    ['metallb-l2-strictarp', 'k8s://metallb-system/ConfigMap/config'],
    ['metallb-l2-strictarp', 'k8s://metallb-system/L2Advertisement/example'],
  ]);
  assert.match(j.findings[0].message, /kube-proxy runs in IPVS mode without ipvs\.strictARP \(from context lab\)/);
  assert.ok(j.findings.every((f) => f.manualFix?.startsWith('set ipvs.strictARP: true in config.conf of the kube-system/kube-proxy ConfigMap')), JSON.stringify(j.findings));
  const text = await audit(['--kubeconfig', kubeconfig(off.url)]);
  assert.match(text.out, /error L2Advertisement metallb-system\/example \[metallb-l2-strictarp\]/);

  const on = await standin({ objects, kubeProxyStrictARP: true });
  const clean = await audit(['--kubeconfig', kubeconfig(on.url), '--format', 'json']);
  assert.equal(clean.code, 0, clean.out);
  assert.deepEqual((JSON.parse(clean.out) as { findings: unknown[] }).findings, []);
  // The same cluster in iptables mode needs no strict ARP (near miss).
  const iptables = await standin({ objects, kubeProxyMode: 'iptables' });
  assert.equal((await audit(['--kubeconfig', kubeconfig(iptables.url)])).code, 0);
});

// kube-vip in ARP mode for Services, as `kube-vip manifest daemonset --services --arp` writes it (kube-vip/website
// content/docs/installation/daemonset.md) and as the static pod of `kube-vip manifest pod` shows up in kube-system (its
// mirror pod, annotated kubernetes.io/config.mirror by the kubelet), on a cluster whose kube-proxy runs IPVS without
// ipvs.strictARP.
function kubeVip(name: string, env: Record<string, string>, mirror?: boolean): KubeObject {
  const container = { name: 'kube-vip', image: 'ghcr.io/kube-vip/kube-vip:v0.8.0', args: ['manager'], env: Object.entries(env).map(([n, value]) => ({ name: n, value })) };
  if (mirror !== undefined) {
    return { metadata: { name, namespace: 'kube-system', ...(mirror ? { annotations: { 'kubernetes.io/config.mirror': 'c0ffee', 'kubernetes.io/config.source': 'file' } } : {}) }, spec: { containers: [container], hostNetwork: true } };
  }
  return { metadata: { name, namespace: 'kube-system' }, spec: { selector: { matchLabels: { name } }, template: { metadata: { labels: { name } }, spec: { containers: [container], hostNetwork: true } } } };
}

test('kube-vip ARP for Services with IPVS and strictARP false: its DaemonSet and static pod reported with the kube-proxy fix; BGP and strictARP true: clean', async () => {
  const objects = seedObjects();
  (objects['/api/v1/services'].items[1].spec as { externalIPs: string[] }).externalIPs = ['192.168.0.20'];
  const arp = { vip_arp: 'true', vip_interface: 'ens160', svc_enable: 'true', vip_leaderelection: 'true' };
  objects['/apis/apps/v1/daemonsets'] = { kind: 'DaemonSet', items: [kubeVip('kube-vip-ds', arp), { metadata: { name: 'kube-proxy', namespace: 'kube-system' }, spec: { template: { spec: { containers: [{ name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.31.0' }] } } } }] };
  objects['/api/v1/pods'] = {
    kind: 'Pod',
    items: [
      kubeVip('kube-vip-k8s-master-1', arp, true),
      // The DaemonSet's own pod: the DaemonSet is reported, not each of its pods.
      { ...kubeVip('kube-vip-ds-x7k2p', arp, false), metadata: { name: 'kube-vip-ds-x7k2p', namespace: 'kube-system', ownerReferences: [{ kind: 'DaemonSet', name: 'kube-vip-ds' }] } },
    ],
  };
  const off = await standin({ objects });
  const r = await audit(['--kubeconfig', kubeconfig(off.url), '--format', 'json']);
  assert.equal(r.code, 1, r.out);
  const j = JSON.parse(r.out) as { read: { resource: string; count: number }[]; findings: { rule: string; uri: string; field?: string; message: string; manualFix?: string }[] };
  assert.equal(j.read.find((x) => x.resource === 'daemonsets.apps -n kube-system')?.count, 1, 'only the kube-vip DaemonSet is kept');
  assert.equal(j.read.find((x) => x.resource === 'pods -n kube-system')?.count, 1, 'only the static (mirror) pod is kept');
  assert.deepEqual(j.findings.map((f) => [f.rule, f.uri]).sort(), [
    ['kube-vip-arp-strictarp', 'k8s://kube-system/DaemonSet/kube-vip-ds'],
    ['kube-vip-arp-strictarp', 'k8s://kube-system/Pod/kube-vip-k8s-master-1'],
  ]);
  assert.match(j.findings[0].message, /announces Service addresses by ARP \(svc_enable and vip_arp\), but kube-proxy runs in IPVS mode without ipvs\.strictARP \(from context lab\)/);
  assert.ok(j.findings.every((f) => f.manualFix?.startsWith('set ipvs.strictARP: true in config.conf of the kube-system/kube-proxy ConfigMap')), JSON.stringify(j.findings));
  const text = await audit(['--kubeconfig', kubeconfig(off.url)]);
  assert.match(text.out, /error DaemonSet kube-system\/kube-vip-ds \[kube-vip-arp-strictarp\]/);

  // Near misses: strict ARP on; kube-vip in BGP mode.
  const on = await standin({ objects, kubeProxyStrictARP: true });
  assert.equal((await audit(['--kubeconfig', kubeconfig(on.url)])).code, 0);
  const bgp = seedObjects();
  (bgp['/api/v1/services'].items[1].spec as { externalIPs: string[] }).externalIPs = ['192.168.0.20'];
  bgp['/apis/apps/v1/daemonsets'] = { kind: 'DaemonSet', items: [kubeVip('kube-vip-ds', { vip_arp: 'false', bgp_enable: 'true', svc_enable: 'true' })] };
  const bgpRun = await audit(['--kubeconfig', kubeconfig((await standin({ objects: bgp })).url), '--format', 'json']);
  assert.equal(bgpRun.code, 0, bgpRun.out);
  assert.equal((JSON.parse(bgpRun.out) as { read: { resource: string; count: number }[] }).read.find((x) => x.resource === 'daemonsets.apps -n kube-system')?.count, 1);
});
