// address-invalid: a value that must be an address and is not. Shapes: the MetalLB usage docs' Service with
// spec.loadBalancerIP (website/content/usage/_index.md), the annotations of Cilium's Documentation/network/lb-ipam.rst,
// MetalLB's IPAddressPool of config/samples (`192.168.10.0/24`, `192.168.9.1-192.168.9.5`).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, summarize } from './helpers';

function lbService(lines: string[], type = 'LoadBalancer'): string {
  return ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: nginx', ...lines.filter((l) => !l.startsWith('  spec:')), 'spec:', '  ports:', '  - port: 80', `  type: ${type}`, ...lines.filter((l) => l.startsWith('  spec:')).map((l) => l.replace('  spec:', '  ')), ''].join('\n');
}

describe('address-invalid', () => {
  test('loadBalancerIP: nil is a warning that says it is not an address', () => {
    const text = lbService(['  spec:loadBalancerIP: nil']);
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['address-invalid warning "nil"']);
    assert.equal(fs[0].message, 'spec.loadBalancerIP: "nil" is not an IP address. The API server does not check this field; a load-balancer controller that reads it rejects the value and leaves the Service without an address.');
  });

  test('a hostname and an out-of-range address in loadBalancerIP', () => {
    for (const v of ['lb.example.com', '192.168.0.300']) {
      const text = lbService([`  spec:loadBalancerIP: ${v}`]);
      assert.deepEqual(summarize(text, findings(text)), [`address-invalid warning ${JSON.stringify(v)}`], v);
    }
  });

  test('a number in loadBalancerIP is the API server\'s decoding error alone (loadbalancer-ip-noncanonical), not also a controller\'s', () => {
    const text = lbService(['  spec:loadBalancerIP: 10']);
    assert.deepEqual(summarize(text, findings(text)), ['loadbalancer-ip-noncanonical error "10"']);
  });

  test('an annotation address that is not an IP: its own range in the list', () => {
    const text = lbService(['  annotations:', '    lbipam.cilium.io/ips: "20.0.10.100,20.0.10.2OO"']);
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['address-invalid warning "20.0.10.2OO"']);
    assert.match(fs[0].message, /^metadata\.annotations\[lbipam\.cilium\.io\/ips\]: "20\.0\.10\.2OO" is not an IP address/);
  });

  test('a pool entry that is neither CIDR nor range', () => {
    const text = 'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: first-pool\n  namespace: metallb-system\nspec:\n  addresses:\n  - 192.168.10.0/24\n  - 192.168.9.1-\n';
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['address-invalid warning "192.168.9.1-"']);
    assert.match(fs[0].message, /^IPAddressPool first-pool: "192\.168\.9\.1-" is not a valid address range/);
  });

  test('near misses: an empty or null loadBalancerIP, a valid one, annotations on a ClusterIP Service, a valid pool', () => {
    for (const v of ['""', '~', '192.168.0.20', '"2001:db8::1"']) assert.deepEqual(findings(lbService([`  spec:loadBalancerIP: ${v}`])), [], v);
    assert.deepEqual(findings(lbService(['  annotations:', '    metallb.io/loadBalancerIPs: pending'], 'ClusterIP')), []);
    assert.deepEqual(findings('apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: p\nspec:\n  addresses:\n  - 192.168.10.0/24\n  - 192.168.9.1-192.168.9.5\n  - fc00:f853:0ccd:e799::/124\n'), []);
  });
});
