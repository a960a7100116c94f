// externalip-ignored: kube-proxy never programs the external addresses of ExternalName and headless Services,
// Services labelled service.kubernetes.io/service-proxy-name, or addresses of a family not in spec.ipFamilies. A node
// address there is not an outage: one information, and no collision error.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, seedFacts, service, serviceOnPort, summarize } from './helpers';

function withLabel(text: string, key: string, value: string): string {
  return text.replace('metadata:\n', `metadata:\n  labels:\n    ${key}: ${value}\n`);
}

const cases: [string, string, RegExp][] = [
  ['ExternalName', service(['192.168.0.11'], { type: 'ExternalName', spec: ['  externalName: example.com'] }), /the Service is of type ExternalName/],
  ['headless', service(['192.168.0.11'], { spec: ['  clusterIP: None'] }), /the Service is headless \(clusterIP: None\)/],
  ['service-proxy-name label', withLabel(service(['192.168.0.11']), 'service.kubernetes.io/service-proxy-name', 'cilium'), /service\.kubernetes\.io\/service-proxy-name label/],
  ['ipFamilies [IPv6] with an IPv4 node address', service(['192.168.0.11'], { spec: ['  ipFamilies: [IPv6]'] }), /its family IPv4 is not in spec\.ipFamilies \(IPv6\)/],
];

describe('externalip-ignored', () => {
  for (const [label, text, why] of cases) {
    test(`${label}: one information on the address, no error, saying why and that it collides`, () => {
      for (const mode of ['ipvs', 'iptables', 'nftables'] as const) {
        const fs = findings(text, seedFacts({ proxyMode: mode }));
        assert.deepEqual(summarize(text, fs), ['externalip-ignored info "192.168.0.11"'], `${label} ${mode}`);
        assert.equal(fs.filter((f) => f.severity === 'error').length, 0);
        assert.match(fs[0].message, /^kube-proxy ignores 192\.168\.0\.11: /);
        assert.match(fs[0].message, why);
        assert.match(fs[0].message, /InternalIP of node k8s-node-1/);
        assert.match(fs[0].message, /harmless here/);
        assert.equal(fs[0].data.address, '192.168.0.11');
      }
    });
  }

  test('the API server address on a headless Service: information only, on a critical port too', () => {
    const text = serviceOnPort(['192.168.0.10'], 6443, 'TCP', { spec: ['  clusterIP: None'] });
    for (const mode of ['ipvs', 'iptables'] as const) {
      const fs = findings(text, seedFacts({ proxyMode: mode }));
      assert.deepEqual(summarize(text, fs), ['externalip-ignored info "192.168.0.10"'], mode);
      assert.match(fs[0].message, /API server address/);
    }
  });

  test('an ignored address no node owns: the information, without the collision sentence', () => {
    const text = service(['192.168.0.20'], { spec: ['  clusterIP: None'] });
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['externalip-ignored info "192.168.0.20"']);
    assert.doesNotMatch(fs[0].message, /harmless/);
  });

  test('dual-stack: only the address of the family not served is ignored', () => {
    const text = service(['192.168.0.11'], { spec: ['  ipFamilies: [IPv4, IPv6]'] });
    assert.deepEqual(summarize(text, findings(text)), ['externalip-node error "192.168.0.11"']);
  });

  test('near misses stay ordinary collisions: ipFamilies [IPv4], clusterIP set, other labels, type ClusterIP', () => {
    const near = [
      service(['192.168.0.11'], { spec: ['  ipFamilies: [IPv4]'] }),
      service(['192.168.0.11'], { spec: ['  clusterIP: 10.96.0.50'] }),
      withLabel(service(['192.168.0.11']), 'app.kubernetes.io/name', 'service-proxy-name'),
      withLabel(service(['192.168.0.11']), 'example.com/headless', '""'),
    ];
    for (const text of near) assert.deepEqual(summarize(text, findings(text)), ['externalip-node error "192.168.0.11"'], text);
  });

  test('configured severity: off silences it (still no error), warning raises it', () => {
    const text = service(['192.168.0.11'], { spec: ['  clusterIP: None'] });
    assert.deepEqual(findings(text, seedFacts({ extra: 'rules:\n  externalip-ignored: off' })), []);
    assert.deepEqual(summarize(text, findings(text, seedFacts({ extra: 'rules:\n  externalip-ignored: warning' }))), ['externalip-ignored warning "192.168.0.11"']);
  });
});
