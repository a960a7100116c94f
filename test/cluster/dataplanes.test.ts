// The data plane read from the live cluster: kube-system DaemonSets and ConfigMaps shaped like the projects' own
// install manifests (cilium's Helm chart: DaemonSet `cilium`, ConfigMap `cilium-config` with
// `kube-proxy-replacement`; kube-router daemonset/kubeadm-kuberouter-all-features.yaml with
// `--run-service-proxy=true`; k3s ServiceLB's `svclb-<service>-<hash>` DaemonSets; kube-vip's DaemonSet with
// `svc_enable`), and `ipvs.strictARP` from the kube-proxy ConfigMap.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadClusterFacts, loadFactsCache, saveFactsCache } from '../../server/src/facts/cluster';
import { analyze, mergeFacts } from '../../server/src/engine/index';
import { StandinApiServer, writeKubeconfig } from './standin';
import type { KubeObject } from './standinObjects';
import { tmpDir } from './helpers';

const TOKEN = 'dataplane-token';
const servers: StandinApiServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

function ds(name: string, container: Record<string, unknown>): KubeObject {
  return { metadata: { name, namespace: 'kube-system', labels: { 'k8s-app': name } }, spec: { template: { spec: { containers: [container] } } } };
}

async function load(opts: { daemonsets?: KubeObject[]; configmaps?: KubeObject[]; kubeProxyMode?: string | null }) {
  const objects: Record<string, { kind: string; items: KubeObject[] }> = {};
  if (opts.daemonsets) objects['/apis/apps/v1/daemonsets'] = { kind: 'DaemonSet', items: opts.daemonsets };
  if (opts.configmaps) objects['/api/v1/configmaps'] = { kind: 'ConfigMap', items: opts.configmaps };
  const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' }, objects, ...(opts.kubeProxyMode !== undefined ? { kubeProxyMode: opts.kubeProxyMode } : {}) });
  servers.push(s);
  return loadClusterFacts({ kubeconfigPath: writeKubeconfig(tmpDir(), [{ server: s.url, auth: 'token', token: TOKEN, context: 'lab' }]) });
}

test('Cilium with kube-proxy replacement: proxy mode cilium, from cilium-config; no kube-proxy ConfigMap is not missed', async () => {
  const r = await load({
    kubeProxyMode: null,
    daemonsets: [ds('cilium', { name: 'cilium-agent', image: 'quay.io/cilium/cilium:v1.16.0' })],
    configmaps: [{ metadata: { name: 'cilium-config', namespace: 'kube-system' }, data: { 'kube-proxy-replacement': 'true', 'enable-ipv4': 'true' } }],
  });
  assert.equal(r.state, 'ok', r.message);
  assert.equal(r.contribution!.proxyMode?.mode, 'cilium');
  assert.match(r.contribution!.proxyMode!.source.label, /cilium-config kube-proxy-replacement: true/);
});

test('near miss: Cilium without kube-proxy replacement leaves kube-proxy\'s mode', async () => {
  const r = await load({
    daemonsets: [ds('cilium', { name: 'cilium-agent', image: 'quay.io/cilium/cilium:v1.16.0' })],
    configmaps: [{ metadata: { name: 'cilium-config', namespace: 'kube-system' }, data: { 'kube-proxy-replacement': 'false' } }],
  });
  assert.equal(r.state, 'ok', r.message);
  assert.equal(r.contribution!.proxyMode?.mode, 'ipvs');
  assert.doesNotMatch(r.contribution!.proxyMode!.source.label, /cilium/);
});

test('kube-router with its service proxy: proxy mode kube-router; with --run-service-proxy=false: kube-proxy decides', async () => {
  const on = await load({ daemonsets: [ds('kube-router', { name: 'kube-router', image: 'docker.io/cloudnativelabs/kube-router', args: ['--run-router=true', '--run-firewall=true', '--run-service-proxy=true'] })] });
  assert.equal(on.contribution!.proxyMode?.mode, 'kube-router');
  const off = await load({ daemonsets: [ds('kube-router', { name: 'kube-router', image: 'docker.io/cloudnativelabs/kube-router', args: ['--run-router=true', '--run-service-proxy=false'] })] });
  assert.equal(off.contribution!.proxyMode?.mode, 'ipvs');
});

test('k3s ServiceLB and kube-vip services mode are data-plane facts; strictARP comes from the kube-proxy config', async () => {
  const r = await load({
    daemonsets: [
      ds('svclb-traefik-2b7d1b6d', { name: 'lb-tcp-80', image: 'rancher/klipper-lb:v0.4.9' }),
      ds('kube-vip-ds', { name: 'kube-vip', image: 'ghcr.io/kube-vip/kube-vip:v0.8.0', env: [{ name: 'svc_enable', value: 'true' }, { name: 'vip_arp', value: 'true' }] }),
    ],
  });
  assert.equal(r.state, 'ok', r.message);
  assert.deepEqual({ ...r.contribution!.dataPlane, source: undefined }, { strictARP: false, serviceLB: true, kubeVipServices: true, source: undefined });
  const plain = await load({});
  assert.deepEqual({ ...plain.contribution!.dataPlane, source: undefined }, { strictARP: false, source: undefined });
});

// Cilium's Helm chart: the agent container `cilium-agent` with image `quay.io/cilium/cilium:v<release>@sha256:<digest>`,
// and cilium-config with `enable-node-ipam` and `default-lb-service-ipam` (lbipam by default; nodeipam or none).
const CILIUM_DIGEST = 'sha256:' + 'ab12'.repeat(16);
function ciliumDs(image: string): KubeObject {
  return ds('cilium', { name: 'cilium-agent', image });
}

test('Cilium\'s release from its image tag and node IPAM as the default: data-plane facts, each with its own source; the cache keeps them', async () => {
  const r = await load({
    kubeProxyMode: null,
    daemonsets: [ciliumDs(`quay.io/cilium/cilium:v1.19.2@${CILIUM_DIGEST}`)],
    configmaps: [{ metadata: { name: 'cilium-config', namespace: 'kube-system' }, data: { 'kube-proxy-replacement': 'true', 'enable-node-ipam': 'true', 'default-lb-service-ipam': 'nodeipam' } }],
  });
  assert.equal(r.state, 'ok', r.message);
  const dp = r.contribution!.dataPlane!;
  assert.equal(dp.ciliumVersion, '1.19.2');
  assert.equal(dp.ciliumNodeIPAMDefault, true);
  assert.equal(dp.sources?.ciliumVersion?.label, 'context lab, DaemonSet kube-system/cilium image v1.19.2');
  assert.equal(dp.sources?.ciliumNodeIPAMDefault?.label, 'context lab, cilium-config enable-node-ipam: true, default-lb-service-ipam: nodeipam');

  // The same facts path as the server and the CLI: merged, they decide the verdict on a classless Service's status.
  const facts = mergeFacts([r.contribution!]);
  const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec:\n  type: LoadBalancer\n  ports: [{port: 80, protocol: TCP}]\nstatus:\n  loadBalancer:\n    ingress: [{ip: 192.168.0.11}]\n';
  assert.deepEqual(analyze(svc, facts).findings, [], 'published by node IPAM by design, port 80 only: nothing breaks');

  const cacheDir = tmpDir();
  assert.ok(await saveFactsCache(cacheDir, r));
  const cached = await loadFactsCache(cacheDir, r.context!, r.server!);
  assert.equal(cached?.contribution?.dataPlane?.ciliumVersion, '1.19.2');
  assert.equal(cached?.contribution?.dataPlane?.ciliumNodeIPAMDefault, true);
});

test('near misses: a tag without a release (latest), node IPAM enabled but lbipam the default, node IPAM default without enable-node-ipam', async () => {
  const latest = await load({
    daemonsets: [ciliumDs('quay.io/cilium/cilium:latest')],
    configmaps: [{ metadata: { name: 'cilium-config', namespace: 'kube-system' }, data: { 'enable-node-ipam': 'true', 'default-lb-service-ipam': 'lbipam' } }],
  });
  assert.equal(latest.state, 'ok', latest.message);
  assert.equal(latest.contribution!.dataPlane?.ciliumVersion, undefined);
  assert.equal(latest.contribution!.dataPlane?.ciliumNodeIPAMDefault, undefined);
  const disabled = await load({
    daemonsets: [ciliumDs('quay.io/cilium/cilium:v1.18.6')],
    configmaps: [{ metadata: { name: 'cilium-config', namespace: 'kube-system' }, data: { 'default-lb-service-ipam': 'nodeipam' } }],
  });
  assert.equal(disabled.contribution!.dataPlane?.ciliumNodeIPAMDefault, undefined);
  assert.equal(disabled.contribution!.dataPlane?.ciliumVersion, '1.18.6');
});

// kube-router's all-features DaemonSet (daemonset/kubeadm-kuberouter-all-features.yaml: container `kube-router`, image
// docker.io/cloudnativelabs/kube-router, args `--run-service-proxy=true` ...), with a release tag and the v2.8.0 flags.
function router(image: string, args: string[]): KubeObject {
  return ds('kube-router', { name: 'kube-router', image, args: ['--run-router=true', '--run-firewall=true', '--run-service-proxy=true', ...args] });
}

test('kube-router\'s release and external IP validation from its DaemonSet: strict by default from v2.8.0, the ranges as pflag reads them; the verdict follows', async () => {
  const r = await load({ daemonsets: [router('docker.io/cloudnativelabs/kube-router:v2.8.1', ['--service-external-ip-range=203.0.113.0/24,198.51.100.0/24', '--loadbalancer-ip-range', '192.168.0.0/24'])] });
  assert.equal(r.state, 'ok', r.message);
  assert.equal(r.contribution!.proxyMode?.mode, 'kube-router');
  assert.equal(r.contribution!.proxyMode!.source.label, 'context lab, DaemonSet kube-system/kube-router (service proxy v2.8.1, strict external IP validation)');
  assert.deepEqual(r.contribution!.dataPlane?.kubeRouter, { version: '2.8.1', strict: true, externalIPRanges: ['203.0.113.0/24', '198.51.100.0/24'], loadBalancerIPRanges: ['192.168.0.0/24'], clusterIPRanges: ['10.96.0.0/12'] });
  const facts = mergeFacts([r.contribution!]);
  const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec:\n  ports: [{port: 80, protocol: TCP}]\n  externalIPs: [192.168.0.11]\n';
  assert.deepEqual(analyze(svc, facts).findings.map((f) => `${f.rule} ${f.severity}`), ['externalip-ignored info'], 'outside the externalIP ranges: kube-router drops it');

  const cacheDir = tmpDir();
  assert.ok(await saveFactsCache(cacheDir, r));
  assert.deepEqual((await loadFactsCache(cacheDir, r.context!, r.server!))?.contribution?.dataPlane?.kubeRouter, r.contribution!.dataPlane?.kubeRouter);
});

test('near misses: kube-router before v2.8.0, validation turned off, a tag without a release: the unconditional behaviour (the outage)', async () => {
  for (const [image, args] of [
    ['docker.io/cloudnativelabs/kube-router:v2.7.0', []],
    ['docker.io/cloudnativelabs/kube-router:v2.8.1', ['--strict-external-ip-validation=false']],
    ['docker.io/cloudnativelabs/kube-router', []],
  ] as const) {
    const r = await load({ daemonsets: [router(image, [...args])] });
    assert.equal(r.contribution!.dataPlane?.kubeRouter?.strict, false, image);
    const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec:\n  ports: [{port: 80, protocol: TCP}]\n  externalIPs: [192.168.0.11]\n';
    assert.deepEqual(analyze(svc, mergeFacts([r.contribution!])).findings.map((f) => `${f.rule} ${f.severity}`), ['externalip-node error'], image);
  }
  // A release that cannot be read but the flag given: the flag exists only from v2.8.0, so validation is on.
  const flagged = await load({ daemonsets: [router('registry.local/kube-router:main', ['--strict-external-ip-validation'])] });
  assert.equal(flagged.contribution!.dataPlane?.kubeRouter?.strict, true);
});
