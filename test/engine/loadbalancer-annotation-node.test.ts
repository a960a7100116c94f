// loadbalancer-annotation-node: the annotations that replace spec.loadBalancerIP, asking for a node's or the API
// server's address. Service shapes from the projects' own docs: MetalLB website/content/usage/_index.md ("Requesting
// specific IPs", `metallb.io/loadBalancerIPs`), Cilium Documentation/network/lb-ipam.rst ("Requesting IPs",
// `lbipam.cilium.io/ips: "20.0.10.100,20.0.10.200"`), kube-vip docs/usage/kubernetes-services ("kube-vip.io/
// loadbalancerIPs: 10.1.2.3,fd00::100").
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, findingsOf, seedFacts, summarize } from './helpers';

function annotated(annotation: string, value: string, o: { type?: string; extra?: string[] } = {}): string {
  return [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: nginx',
    '  annotations:',
    `    ${annotation}: ${value}`,
    ...(o.extra ?? []),
    'spec:',
    '  ports:',
    '  - port: 80',
    '    targetPort: 80',
    '  selector:',
    '    app: nginx',
    `  type: ${o.type ?? 'LoadBalancer'}`,
    '',
  ].join('\n');
}

describe('loadbalancer-annotation-node', () => {
  test('MetalLB metallb.io/loadBalancerIPs with a node address: an error in IPVS mode, on the address', () => {
    const text = annotated('metallb.io/loadBalancerIPs', '192.168.0.11');
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['loadbalancer-annotation-node error "192.168.0.11"']);
    assert.equal(
      fs[0].message,
      'metadata.annotations[metallb.io/loadBalancerIPs] 192.168.0.11 is the InternalIP of node k8s-node-1 (from .kube-ip-guard.yaml): MetalLB publishes it as the ingress IP, and in IPVS mode kube-proxy binds it to kube-ipvs0 on every node, which cuts k8s-node-1 off the cluster.',
    );
    assert.deepEqual(fs[0].data.fixes, ['use-pool-address', 'disable-line']);
    assert.equal(fs[0].related.length, 1);
  });

  test('the older metallb.universe.tf key, comma-separated, quoted: only the offending address, its exact range', () => {
    const text = annotated('metallb.universe.tf/loadBalancerIPs', '"192.168.0.20, 192.168.0.10"');
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['loadbalancer-annotation-node error "192.168.0.10"']);
    assert.match(fs[0].message, /API server address/);
    assert.match(fs[0].message, /every node loses the API server/);
  });

  test('Cilium lbipam.cilium.io/ips and io.cilium/lb-ipam-ips: the second address of the list', () => {
    for (const key of ['lbipam.cilium.io/ips', 'io.cilium/lb-ipam-ips']) {
      const text = annotated(key, '"192.168.0.20,192.168.0.11"');
      const fs = findings(text);
      assert.deepEqual(summarize(text, fs), ['loadbalancer-annotation-node error "192.168.0.11"'], key);
      assert.match(fs[0].message, /Cilium LB IPAM publishes it/);
    }
  });

  test('a warning in iptables mode (ports only), an error with kube-router and Cilium kube-proxy replacement', () => {
    const text = annotated('metallb.io/loadBalancerIPs', '192.168.0.11');
    const ipt = findings(text, seedFacts({ proxyMode: 'iptables' }));
    assert.deepEqual(summarize(text, ipt), ['loadbalancer-annotation-node warning "192.168.0.11"']);
    assert.match(ipt[0].message, /80\/TCP on k8s-node-1 no longer reaches the node/);
    const kr = findings(text, seedFacts({ proxyMode: 'kube-router' }));
    assert.deepEqual(summarize(text, kr), ['loadbalancer-annotation-node error "192.168.0.11"']);
    assert.match(kr[0].message, /kube-dummy-if/);
    const cilium = findings(text, seedFacts({ proxyMode: 'cilium' }));
    assert.deepEqual(summarize(text, cilium), ['loadbalancer-annotation-node error "192.168.0.11"']);
    assert.match(cilium[0].message, /eBPF/);
  });

  test('a folded block scalar (>-) or a flow mapping: still the exact range of each offending address', () => {
    const text = ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: a', '  annotations:', '    kube-vip.io/loadbalancerIPs: >-', '      192.168.1.100,', '      192.168.0.11', 'spec:', '  type: LoadBalancer', '  ports: [{port: 80}]', '---', 'apiVersion: v1', 'kind: Service', 'metadata:', '  name: b', '  annotations: {"lbipam.cilium.io/ips": "192.168.0.10,  192.168.0.11"}', 'spec:', '  type: LoadBalancer', '  ports: [{port: 80}]', ''].join('\n');
    const fs = findingsOf('loadbalancer-annotation-node', text);
    assert.deepEqual(summarize(text, fs), ['loadbalancer-annotation-node error "192.168.0.11"', 'loadbalancer-annotation-node error "192.168.0.10"', 'loadbalancer-annotation-node error "192.168.0.11"']);
    assert.equal(text.slice(0, fs[0].span.start).split('\n').length, 8, 'on the line of the address inside the block scalar');
  });

  test('kube-vip.io/loadbalancerIPs: an error in every proxy mode, kube-vip binds it on the leader', () => {
    const text = annotated('kube-vip.io/loadbalancerIPs', '192.168.0.11,fd00::100');
    for (const mode of ['ipvs', 'iptables', 'nftables'] as const) {
      const fs = findings(text, seedFacts({ proxyMode: mode }));
      assert.deepEqual(summarize(text, fs), ['loadbalancer-annotation-node error "192.168.0.11"'], mode);
      assert.match(fs[0].message, /kube-vip adds it to the leader node's interface/);
    }
  });

  test('Helm values: service.annotations with an address annotation', () => {
    const text = 'service:\n  type: LoadBalancer\n  annotations:\n    metallb.io/loadBalancerIPs: 192.168.0.11\n';
    const fs = findings(text, seedFacts(), { helmValues: true });
    assert.deepEqual(summarize(text, fs), ['loadbalancer-annotation-node error "192.168.0.11"']);
    assert.match(fs[0].message, /^service\.annotations\[metallb\.io\/loadBalancerIPs\] 192\.168\.0\.11/);
  });

  test('near misses: a free address; a Service that is not of type LoadBalancer; another annotation', () => {
    assert.deepEqual(findings(annotated('metallb.io/loadBalancerIPs', '192.168.0.20')), []);
    assert.deepEqual(findings(annotated('metallb.io/loadBalancerIPs', '192.168.0.11', { type: 'ClusterIP' })), []);
    assert.deepEqual(findings(annotated('metallb.io/address-pool', '192.168.0.11')), []);
    assert.deepEqual(findings(annotated('lbipam.cilium.io/sharing-key', '192.168.0.11')), []);
  });

  test('configured severity: off', () => {
    const text = annotated('metallb.io/loadBalancerIPs', '192.168.0.11');
    assert.deepEqual(findingsOf('loadbalancer-annotation-node', text, seedFacts({ extra: 'rules:\n  loadbalancer-annotation-node: off' })), []);
  });
});
