// API server addresses that manifests declare: a kube-vip static pod or DaemonSet in control-plane mode (the shape of
// `kube-vip manifest pod --controlplane` in kube-vip docs/installation/static/index.md; the older env name
// vip_address in its DaemonSet docs), and kubeadm's ClusterConfiguration.controlPlaneEndpoint (kubeadm's
// reference config, kubeadm.k8s.io/v1beta3 and v1beta4). They count as API server addresses, in the same file and,
// through `workspaceApiServers`, in every other file, with their place in the hover and relatedInformation. The
// kube-vip chart's values (kube-vip/helm-charts charts/kube-vip/values.yaml: `config.address`, `env.cp_enable`) declare
// the same VIP, in a values file or a Flux HelmRelease.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, declaredApiServerFacts, hoverAt, readManifest } from '../../server/src/engine/index';
import { findings, lineOf, seedFacts, service, summarize } from './helpers';

const URI = 'file:///workspace/kube-vip.yaml';

function kubeVip(o: { kind?: 'Pod' | 'DaemonSet'; cp?: string; addressKey?: string; address?: string } = {}): string {
  const env = [
    ['vip_arp', '"true"'],
    ['port', '"6443"'],
    ['vip_interface', 'ens192'],
    ['vip_cidr', '"32"'],
    ['cp_enable', o.cp ?? '"true"'],
    ['cp_namespace', 'kube-system'],
    ['svc_enable', '"true"'],
    ['vip_leaderelection', '"true"'],
    [o.addressKey ?? 'address', o.address ?? '192.168.0.40'],
  ].flatMap(([n, v]) => [`    - name: ${n}`, `      value: ${v}`]);
  const container = ['  - args:', '    - manager', '    env:', ...env, '    image: ghcr.io/kube-vip/kube-vip:v0.8.0', '    name: kube-vip'];
  if ((o.kind ?? 'Pod') === 'Pod') return ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: kube-vip', '  namespace: kube-system', 'spec:', '  containers:', ...container, '  hostNetwork: true', ''].join('\n');
  return ['apiVersion: apps/v1', 'kind: DaemonSet', 'metadata:', '  name: kube-vip-ds', '  namespace: kube-system', 'spec:', '  selector:', '    matchLabels: {name: kube-vip-ds}', '  template:', '    spec:', '      containers:', ...container.map((l) => `    ${l}`), '      hostNetwork: true', ''].join('\n');
}

const kubeadm = (endpoint: string) => ['apiVersion: kubeadm.k8s.io/v1beta3', 'kind: ClusterConfiguration', 'kubernetesVersion: v1.28.0', `controlPlaneEndpoint: ${endpoint}`, 'networking:', '  podSubnet: 10.244.0.0/16', ''].join('\n');

describe('API server addresses declared in manifests', () => {
  test('kube-vip static pod with cp_enable: the VIP is an API server address for a Service in the same file', () => {
    const text = kubeVip() + '---\n' + service(['192.168.0.40']);
    const a = analyze(text, seedFacts(), { uri: URI });
    assert.deepEqual(summarize(text, a.findings), ['externalip-apiserver error "192.168.0.40"']);
    assert.match(a.findings[0].message, /192\.168\.0\.40:6443, from kube-vip Pod kube-system\/kube-vip, line 28/);
    const rel = a.findings[0].related[0];
    assert.equal(rel.location?.uri, URI);
    assert.equal(rel.location?.line, lineOf(text, text.indexOf('192.168.0.40')));
    const hover = hoverAt(a, text.lastIndexOf('192.168.0.40') + 2, seedFacts());
    assert.match(hover!.markdown, /API server 192\.168\.0\.40:6443, from kube-vip Pod kube-system\/kube-vip/);
  });

  test('a kube-vip DaemonSet with the older vip_address, in another file of the workspace', () => {
    const ds = kubeVip({ kind: 'DaemonSet', addressKey: 'vip_address' });
    const declared = declaredApiServerFacts(readManifest(ds), URI, ds);
    assert.deepEqual(declared.map((d) => [d.address, d.port, d.source.kind]), [['192.168.0.40', 6443, 'manifest']]);
    const svc = service(['192.168.0.40']);
    assert.deepEqual(summarize(svc, findings(svc)), []);
    assert.deepEqual(summarize(svc, findings(svc, seedFacts(), { workspaceApiServers: declared })), ['externalip-apiserver error "192.168.0.40"']);
  });

  test('kubeadm controlPlaneEndpoint (address:port, or an address alone for 6443)', () => {
    for (const ep of ['"192.168.0.40:6443"', '192.168.0.40']) {
      const text = kubeadm(ep) + '---\n' + service(['192.168.0.40']);
      const fs = findings(text);
      assert.deepEqual(summarize(text, fs), ['externalip-apiserver error "192.168.0.40"'], ep);
      assert.match(fs[0].message, /kubeadm ClusterConfiguration controlPlaneEndpoint/);
    }
  });

  test('near misses: cp_enable false, a hostname endpoint, a pool around a declared VIP is still caught', () => {
    const off = kubeVip({ cp: '"false"' }) + '---\n' + service(['192.168.0.40']);
    assert.deepEqual(findings(off), []);
    const host = kubeadm('k8s-api.example.com:6443') + '---\n' + service(['192.168.0.40']);
    assert.deepEqual(findings(host), []);
    const pool = kubeVip() + '---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: lan}\nspec:\n  addresses: [192.168.0.32/28]\n';
    assert.deepEqual(summarize(pool, findings(pool)), ['ippool-node error "192.168.0.32/28"']);
  });

  test('another file names the declaring file and line in the message', () => {
    const ds = kubeVip({ kind: 'DaemonSet' });
    const declared = declaredApiServerFacts(readManifest(ds), URI, ds, 'deploy/kube-vip.yaml');
    const svc = service(['192.168.0.40']);
    const fs = findings(svc, seedFacts(), { workspaceApiServers: declared });
    const line = lineOf(ds, ds.indexOf('192.168.0.40')) + 1;
    assert.ok(fs[0].message.includes(`from kube-vip DaemonSet kube-system/kube-vip-ds, deploy/kube-vip.yaml line ${line})`), fs[0].message);
    assert.equal(fs[0].related[0].location?.uri, URI);
  });

  // kube-vip/helm-charts charts/kube-vip/values.yaml, with control-plane mode turned on as its README shows.
  const chartValues = (cp: string) => ['config:', '  address: "192.168.0.40"', '', 'env:', '  vip_interface: "eth0"', '  vip_arp: "true"', '  lb_enable: "true"', '  lb_port: "6443"', '  vip_cidr: "32"', `  cp_enable: ${cp}`, '  svc_enable: "true"', '  vip_leaderelection: "true"', ''].join('\n');

  test('kube-vip chart values with env.cp_enable "true": config.address is an API server address', () => {
    const values = chartValues('"true"');
    const declared = declaredApiServerFacts(readManifest(values, { helmValues: true }), URI, values);
    assert.deepEqual(declared.map((d) => [d.address, d.port, d.source.label]), [['192.168.0.40', 6443, 'kube-vip chart values config.address, line 2']]);
    const release = ['apiVersion: helm.toolkit.fluxcd.io/v2', 'kind: HelmRelease', 'metadata:', '  name: kube-vip', '  namespace: kube-system', 'spec:', '  interval: 30m', '  chart:', '    spec:', '      chart: kube-vip', '      sourceRef: {kind: HelmRepository, name: kube-vip}', '  values:', ...values.split('\n').map((l) => (l ? `    ${l}` : l))].join('\n') + '---\n' + service(['192.168.0.40']);
    assert.deepEqual(summarize(release, findings(release)), ['externalip-apiserver error "192.168.0.40"']);
    assert.match(findings(release)[0].message, /kube-vip chart values spec\.values\.config\.address/);
  });

  test('near misses: the chart default cp_enable "false", and the same text not read as values', () => {
    const off = chartValues('"false"');
    assert.deepEqual(declaredApiServerFacts(readManifest(off, { helmValues: true }), URI, off), []);
    const on = chartValues('"true"');
    assert.deepEqual(declaredApiServerFacts(readManifest(on), URI, on), []);
  });

  // kubeadm's reference configuration (kubeadm.k8s.io/v1beta4, `kubeadm config print init-defaults`, abridged).
  test('kubeadm InitConfiguration and JoinConfiguration: the control-plane node\'s advertiseAddress and bindPort', () => {
    const init = ['apiVersion: kubeadm.k8s.io/v1beta4', 'kind: InitConfiguration', 'bootstrapTokens:', '- token: abcdef.0123456789abcdef', 'localAPIEndpoint:', '  advertiseAddress: 192.168.0.41', '  bindPort: 6443', 'nodeRegistration:', '  name: cp-1', ''].join('\n');
    const join = ['apiVersion: kubeadm.k8s.io/v1beta3', 'kind: JoinConfiguration', 'controlPlane:', '  localAPIEndpoint:', '    advertiseAddress: 192.168.0.42', '    bindPort: 7443', 'discovery:', '  bootstrapToken: {apiServerEndpoint: "192.168.0.41:6443", token: abcdef.0123456789abcdef, unsafeSkipCAVerification: true}', ''].join('\n');
    const facts = [...declaredApiServerFacts(readManifest(init), URI, init), ...declaredApiServerFacts(readManifest(join), URI, join)];
    assert.deepEqual(facts.map((f) => [f.address, f.port]), [['192.168.0.41', 6443], ['192.168.0.42', 7443]]);
    assert.match(facts[1].source.label, /^kubeadm JoinConfiguration controlPlane\.localAPIEndpoint\.advertiseAddress, line 5$/);
    const svc = service(['192.168.0.41']);
    assert.deepEqual(summarize(svc, findings(svc, seedFacts(), { workspaceApiServers: facts })), ['externalip-apiserver error "192.168.0.41"']);
    // A worker's JoinConfiguration (no controlPlane) declares no API server.
    const worker = join.replace(/controlPlane:\n  localAPIEndpoint:\n    advertiseAddress: 192.168.0.42\n    bindPort: 7443\n/, '');
    assert.deepEqual(declaredApiServerFacts(readManifest(worker), URI, worker), []);
  });

  test('kube-vip as a Deployment is read too (its kind line does not hide it)', () => {
    const ds = kubeVip({ kind: 'DaemonSet' }).replace('kind: DaemonSet', 'kind: Deployment');
    assert.deepEqual(declaredApiServerFacts(readManifest(ds), URI, ds).map((f) => f.address), ['192.168.0.40']);
  });
});
