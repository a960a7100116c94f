// The data plane read from the live cluster: kube-system DaemonSets and ConfigMaps shaped like the projects' own
// install manifests (cilium's Helm chart: DaemonSet `cilium`, ConfigMap `cilium-config` with
// `kube-proxy-replacement`; kube-router daemonset/kubeadm-kuberouter-all-features.yaml with
// `--run-service-proxy=true`; k3s ServiceLB's `svclb-<service>-<hash>` DaemonSets; kube-vip's DaemonSet with
// `svc_enable`), and `ipvs.strictARP` from the kube-proxy ConfigMap.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadClusterFacts } from '../../server/src/facts/cluster';
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
