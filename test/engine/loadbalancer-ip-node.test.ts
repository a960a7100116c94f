// loadbalancer-ip-node: spec.loadBalancerIP equal to a node's or the API server's address. kube-proxy never reads
// the field, but a load-balancer controller copies it into status, and then it is the outage: a warning.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, seedFacts, summarize } from './helpers';

function lbIPService(value: string): string {
  return ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: lb', 'spec:', '  type: LoadBalancer', `  loadBalancerIP: ${value}`, '  ports:', '  - port: 80', ''].join('\n');
}

describe('loadbalancer-ip-node', () => {
  test('a node address: a warning on the value', () => {
    const text = lbIPService('192.168.0.11');
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['loadbalancer-ip-node warning "192.168.0.11"']);
    assert.match(fs[0].message, /^spec\.loadBalancerIP 192\.168\.0\.11 is the InternalIP of node k8s-node-1/);
    assert.match(fs[0].message, /kube-proxy never reads this field/);
    assert.match(fs[0].message, /IPVS mode then binds it to kube-ipvs0 on every node/);
    assert.match(fs[0].message, /MetalLB/);
    assert.equal(fs[0].data.address, '192.168.0.11');
    assert.deepEqual(fs[0].data.fixes, ['use-pool-address', 'disable-line']);
    assert.equal(fs[0].related[0].location?.line, 4);
  });

  test('the API server address, quoted: a warning, span with the quotes, in every proxy mode', () => {
    const text = lbIPService('"192.168.0.10"');
    for (const mode of ['ipvs', 'iptables', 'nftables'] as const) {
      const fs = findings(text, seedFacts({ proxyMode: mode }));
      assert.deepEqual(summarize(text, fs), ['loadbalancer-ip-node warning "\\"192.168.0.10\\""'], mode);
      assert.match(fs[0].message, /API server address/);
    }
  });

  test('near miss: an empty string, null and a free address are silent', () => {
    for (const v of ['""', "''", '', '192.168.0.15', '192.168.0.111']) assert.deepEqual(findings(lbIPService(v)), [], JSON.stringify(v));
  });

  test('configured severity: error raises it, off silences it', () => {
    const text = lbIPService('192.168.0.11');
    assert.deepEqual(summarize(text, findings(text, seedFacts({ extra: 'rules:\n  loadbalancer-ip-node: error' }))), ['loadbalancer-ip-node error "192.168.0.11"']);
    assert.deepEqual(findings(text, seedFacts({ extra: 'rules:\n  loadbalancer-ip-node: off' })), []);
  });
});
