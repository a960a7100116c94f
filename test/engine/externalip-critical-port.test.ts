// externalip-critical-port: in iptables/nftables mode an externalIP equal to a node's address DNATs the Service's
// ports on that node for everybody (CVE-2020-8554); when one of those ports is one the node itself serves
// (the list of server/src/engine/rules/externalip-critical-port.ts, protocol-aware) the node is cut off: an error, replacing the plain externalip-node warning.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, findingsOf, seedFacts, service, serviceOnPort, summarize } from './helpers';

const iptables = () => seedFacts({ proxyMode: 'iptables' });

describe('externalip-critical-port', () => {
  test('the seed Service on 10250/TCP in iptables mode: one error, naming the node and the kubelet', () => {
    const text = serviceOnPort(['192.168.0.11'], 10250);
    const fs = findings(text, iptables());
    assert.deepEqual(summarize(text, fs), ['externalip-critical-port error "192.168.0.11"']);
    const f = fs[0];
    assert.match(f.message, /^192\.168\.0\.11 is the address of node k8s-node-1/);
    assert.match(f.message, /10250\/TCP \(the kubelet API\)/);
    assert.match(f.message, /In iptables mode/);
    assert.match(f.message, /CVE-2020-8554/);
    assert.doesNotMatch(f.message, /kube-ipvs0/);
    assert.equal(f.data.address, '192.168.0.11');
    assert.deepEqual(f.data.fixes, ['remove-address', 'use-pool-address', 'disable-line']);
    // Points at the config line that declared the node (line 4: `addresses: [192.168.0.11]`).
    assert.equal(f.related.length, 1);
    assert.equal(f.related[0].location?.uri, 'file:///workspace/.kube-ip-guard.yaml');
    assert.equal(f.related[0].location?.line, 4);
  });

  test('protocol-aware: which port/protocol pairs are critical', () => {
    const cases: [number, string, boolean][] = [
      [22, 'TCP', true],
      [53, 'TCP', true],
      [179, 'TCP', true],
      [2379, 'TCP', true],
      [2380, 'TCP', true],
      [6443, 'TCP', true],
      [10250, 'TCP', true],
      [10256, 'TCP', true],
      [10257, 'TCP', true],
      [10259, 'TCP', true],
      [53, 'UDP', true],
      [4789, 'UDP', true],
      [8472, 'UDP', true],
      [51820, 'UDP', true],
      // Near misses: the same numbers on the other protocol, and neighbours.
      [10250, 'UDP', false],
      [4789, 'TCP', false],
      [8472, 'TCP', false],
      [51820, 'TCP', false],
      [22, 'UDP', false],
      [6443, 'UDP', false],
      [10251, 'TCP', false],
      [8888, 'TCP', false],
      [10250, 'SCTP', false],
    ];
    for (const [port, protocol, critical] of cases) {
      const text = serviceOnPort(['192.168.0.11'], port, protocol);
      const expected = critical ? ['externalip-critical-port error "192.168.0.11"'] : ['externalip-node warning "192.168.0.11"'];
      assert.deepEqual(summarize(text, findings(text, iptables())), expected, `${port}/${protocol}`);
      if (critical) assert.match(findings(text, iptables())[0].message, new RegExp(`${port}/${protocol}`), `${port}/${protocol}`);
    }
  });

  test('UDP 53 names DNS and UDP 4789 names VXLAN', () => {
    const dns = serviceOnPort(['192.168.0.11'], 53, 'UDP');
    assert.match(findingsOf('externalip-critical-port', dns, iptables())[0].message, /53\/UDP \(DNS\)/);
    const vxlan = serviceOnPort(['192.168.0.11'], 4789, 'UDP');
    assert.match(findingsOf('externalip-critical-port', vxlan, iptables())[0].message, /4789\/UDP \(VXLAN\)/);
  });

  test('nftables behaves like iptables', () => {
    const facts = seedFacts({ proxyMode: 'nftables' });
    const critical = serviceOnPort(['192.168.0.11'], 10250);
    const fs = findings(critical, facts);
    assert.deepEqual(summarize(critical, fs), ['externalip-critical-port error "192.168.0.11"']);
    assert.match(fs[0].message, /In nftables mode/);
    const plain = service(['192.168.0.11']);
    assert.deepEqual(summarize(plain, findings(plain, facts)), ['externalip-node warning "192.168.0.11"']);
  });

  test('IPVS mode: never this rule (the whole node is lost: externalip-node error)', () => {
    const text = serviceOnPort(['192.168.0.11'], 10250);
    assert.deepEqual(summarize(text, findings(text)), ['externalip-node error "192.168.0.11"']);
  });

  test('the API server host on 6443: the critical-port error replaces the externalip-apiserver warning', () => {
    const text = serviceOnPort(['192.168.0.10'], 6443);
    const fs = findings(text, iptables());
    assert.deepEqual(summarize(text, fs), ['externalip-critical-port error "192.168.0.10"']);
    assert.match(fs[0].message, /k8s-master-1/);
    assert.match(fs[0].message, /6443\/TCP \(the Kubernetes API server\)/);
    // On a harmless port it stays the API server warning.
    const harmless = service(['192.168.0.10']);
    assert.deepEqual(summarize(harmless, findings(harmless, iptables())), ['externalip-apiserver warning "192.168.0.10"']);
  });

  test('several ports: one finding, listing only the critical ones', () => {
    const text = service(['192.168.0.11'], { spec: ['  - port: 10250', '    protocol: TCP', '  - port: 53', '    protocol: UDP'] });
    const fs = findings(text, iptables());
    assert.deepEqual(summarize(text, fs), ['externalip-critical-port error "192.168.0.11"']);
    assert.match(fs[0].message, /10250\/TCP \(the kubelet API\), 53\/UDP \(DNS\)/);
    assert.doesNotMatch(fs[0].message, /8888/);
  });

  test('near miss: a critical port on an address no node owns is silent', () => {
    for (const ip of ['192.168.0.15', '192.168.0.12', '10.0.0.11']) {
      assert.deepEqual(findings(serviceOnPort([ip], 10250), iptables()), [], ip);
    }
  });

  test('a Service kube-proxy ignores: only the externalip-ignored information', () => {
    const text = serviceOnPort(['192.168.0.11'], 10250, 'TCP', { spec: ['  clusterIP: None'] });
    assert.deepEqual(summarize(text, findings(text, iptables())), ['externalip-ignored info "192.168.0.11"']);
  });

  test('configured severity: warning downgrades; off brings back the plain externalip-node warning', () => {
    const text = serviceOnPort(['192.168.0.11'], 10250);
    const warn = seedFacts({ proxyMode: 'iptables', extra: 'rules:\n  externalip-critical-port: warning' });
    assert.deepEqual(summarize(text, findings(text, warn)), ['externalip-critical-port warning "192.168.0.11"']);
    const info = seedFacts({ proxyMode: 'iptables', extra: 'rules:\n  externalip-critical-port: info' });
    assert.deepEqual(summarize(text, findings(text, info)), ['externalip-critical-port info "192.168.0.11"']);
    const off = seedFacts({ proxyMode: 'iptables', extra: 'rules:\n  externalip-critical-port: off' });
    assert.deepEqual(summarize(text, findings(text, off)), ['externalip-node warning "192.168.0.11"']);
  });
});
