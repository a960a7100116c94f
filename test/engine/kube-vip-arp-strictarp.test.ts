// kube-vip-arp-strictarp: kube-vip announcing Service addresses by ARP with kube-proxy IPVS and ipvs.strictARP not
// true. Shapes: kube-vip's `kube-vip manifest daemonset --services --arp` output (kube-vip/website
// content/docs/installation/daemonset.md, "Example ARP Manifest", and its BGP twin with `vip_arp: "false"`), the
// static pod of `kube-vip manifest pod` (kube-system/kube-vip), and the chart's values (kube-vip/helm-charts
// charts/kube-vip/values.yaml `env`); strictARP as kube-proxy's config.conf holds it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, lineOf, seedFacts, summarize } from './helpers';

function daemonSet(env: [string, string][], kind = 'DaemonSet', apiVersion = 'apps/v1'): string {
  const envLines = env.flatMap(([n, v]) => [`        - name: ${n}`, `          value: "${v}"`]);
  const pod = kind === 'Pod';
  const head = pod
    ? ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: kube-vip', '  namespace: kube-system', 'spec:']
    : [`apiVersion: ${apiVersion}`, `kind: ${kind}`, 'metadata:', '  name: kube-vip-ds', '  namespace: kube-system', 'spec:', '  selector:', '    matchLabels:', '      name: kube-vip-ds', '  template:', '    metadata:', '      labels:', '        name: kube-vip-ds', '    spec:'];
  const indent = pod ? '' : '    ';
  const container = [`${indent}  containers:`, `${indent}  - args:`, `${indent}    - manager`, `${indent}    env:`, ...envLines.map((l) => `${indent}${l.slice(4)}`), `${indent}    image: ghcr.io/kube-vip/kube-vip:v0.8.0`, `${indent}    name: kube-vip`, `${indent}  hostNetwork: true`];
  return [...head, ...container, ''].join('\n');
}

const ARP: [string, string][] = [['vip_arp', 'true'], ['port', '6443'], ['vip_interface', 'ens160'], ['cp_enable', 'true'], ['svc_enable', 'true'], ['address', '192.168.0.40']];
const strictOff = seedFacts({ extra: 'strictARP: false' });

describe('kube-vip-arp-strictarp', () => {
  test('the ARP DaemonSet of kube-vip\'s docs with IPVS and strictARP false: an error on vip_arp\'s value', () => {
    const text = daemonSet(ARP);
    const fs = findings(text, strictOff);
    assert.deepEqual(summarize(text, fs).filter((s) => s.startsWith('kube-vip-arp-strictarp')), ['kube-vip-arp-strictarp error "\\"true\\""']);
    const f = fs.find((x) => x.rule === 'kube-vip-arp-strictarp')!;
    assert.equal(lineOf(text, f.span.start), text.split('\n').findIndex((l) => l.includes('name: vip_arp')) + 1);
    assert.match(f.message, /^kube-vip DaemonSet kube-system\/kube-vip-ds announces Service addresses by ARP \(svc_enable and vip_arp\), but kube-proxy runs in IPVS mode without ipvs\.strictARP \(from \.kube-ip-guard\.yaml\)/);
    // MetalLB's rule is not MetalLB's to report here, and the other way round.
    assert.equal(fs.filter((x) => x.rule === 'metallb-l2-strictarp').length, 0);
  });

  test('a static pod, and Go\'s ParseBool spellings ("1", "True")', () => {
    const pod = daemonSet([['vip_arp', '1'], ['svc_enable', 'True']], 'Pod');
    assert.deepEqual(summarize(pod, findings(pod, strictOff)), ['kube-vip-arp-strictarp error "\\"1\\""']);
    assert.match(findings(pod, strictOff)[0].message, /^kube-vip Pod kube-system\/kube-vip announces/);
  });

  test('the chart\'s values: env.svc_enable and env.vip_arp, each true by the chart\'s default when unset', () => {
    const values = ['env:', '  vip_interface: ens160', '  svc_enable: "true"', ''].join('\n');
    const fs = findings(values, strictOff, { helmValues: true });
    assert.deepEqual(summarize(values, fs), ['kube-vip-arp-strictarp error "\\"true\\""']);
    assert.match(fs[0].message, /^kube-vip chart values env announces/);
    const bgp = ['env:', '  vip_arp: "false"', '  bgp_enable: "true"', '  svc_enable: "true"', ''].join('\n');
    assert.deepEqual(findings(bgp, strictOff, { helmValues: true }), []);
  });

  test('near misses: strictARP true or unknown, iptables, kube-router (sets strict ARP itself), Cilium', () => {
    const text = daemonSet(ARP);
    const only = (facts: ReturnType<typeof seedFacts>) => findings(text, facts).filter((f) => f.rule === 'kube-vip-arp-strictarp');
    assert.deepEqual(only(seedFacts({ extra: 'strictARP: true' })), []);
    assert.deepEqual(only(seedFacts()), []);
    assert.deepEqual(only(seedFacts({ proxyMode: 'iptables', extra: 'strictARP: false' })), []);
    assert.deepEqual(only(seedFacts({ proxyMode: 'kube-router', extra: 'strictARP: false' })), []);
    assert.deepEqual(only(seedFacts({ proxyMode: 'cilium', extra: 'strictARP: false' })), []);
  });

  test('near misses: BGP mode (vip_arp false), control plane only (no svc_enable), services without vip_arp', () => {
    const bgp = daemonSet([['vip_arp', 'false'], ['cp_enable', 'true'], ['svc_enable', 'true'], ['bgp_enable', 'true'], ['address', '192.168.0.40']]);
    assert.deepEqual(findings(bgp, strictOff).filter((f) => f.rule === 'kube-vip-arp-strictarp'), []);
    const cpOnly = daemonSet([['vip_arp', 'true'], ['cp_enable', 'true'], ['address', '192.168.0.40']]);
    assert.deepEqual(findings(cpOnly, strictOff).filter((f) => f.rule === 'kube-vip-arp-strictarp'), []);
    const noArp = daemonSet([['svc_enable', 'true']]);
    assert.deepEqual(findings(noArp, strictOff), []);
  });

  test('the old id still means MetalLB: turning metallb-l2-strictarp off leaves kube-vip\'s finding, and the other way round', () => {
    const text = daemonSet(ARP);
    const off = seedFacts({ extra: 'strictARP: false\nrules: {metallb-l2-strictarp: "off"}' });
    assert.equal(findings(text, off).filter((f) => f.rule === 'kube-vip-arp-strictarp').length, 1);
    const l2 = ['apiVersion: metallb.io/v1beta1', 'kind: L2Advertisement', 'metadata:', '  name: example', '  namespace: metallb-system', ''].join('\n');
    const kvOff = seedFacts({ extra: 'strictARP: false\nrules: {kube-vip-arp-strictarp: "off"}' });
    assert.deepEqual(summarize(l2, findings(l2, kvOff)), ['metallb-l2-strictarp error "L2Advertisement"']);
  });
});
