// Helm values files: the keys charts commonly turn into Service addresses (service.externalIPs,
// service.loadBalancerIP, controller.service.externalIPs, ...) are checked as addresses, with each rule's normal
// severity, when the text is read with `helmValues: true`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, seedFacts, summarize } from './helpers';

const VALUES = [
  'replicaCount: 2',
  'service:',
  '  type: ClusterIP',
  '  externalIPs: [192.168.0.11]',
  'controller:',
  '  service:',
  '    loadBalancerIP: 192.168.0.10',
  '',
].join('\n');

describe('helm values', () => {
  test('service.externalIPs and controller.service.loadBalancerIP: the rules at their normal severity', () => {
    const fs = findings(VALUES, seedFacts(), { helmValues: true });
    assert.deepEqual(summarize(VALUES, fs), ['externalip-node error "192.168.0.11"', 'loadbalancer-ip-node warning "192.168.0.10"']);
    assert.match(fs[0].message, /k8s-node-1/);
    assert.match(fs[1].message, /API server address/);
  });

  test('the messages name the values path, not a manifest field', () => {
    const fs = findings(VALUES, seedFacts(), { helmValues: true });
    assert.match(fs[0].message, /service\.externalIPs/);
    assert.match(fs[1].message, /controller\.service\.loadBalancerIP/);
    assert.doesNotMatch(fs[1].message, /spec\.loadBalancerIP/);
  });

  test('without helmValues the same text is not a manifest: nothing', () => {
    assert.deepEqual(findings(VALUES), []);
    assert.deepEqual(findings(VALUES, seedFacts({ proxyMode: 'iptables' }), { helmValues: false }), []);
  });

  test('controller.service.externalIPs (ingress-nginx) in block style', () => {
    const text = 'controller:\n  service:\n    externalIPs:\n      - 192.168.0.20\n      - 192.168.0.11\n';
    assert.deepEqual(summarize(text, findings(text, seedFacts(), { helmValues: true })), ['externalip-node error "192.168.0.11"']);
  });

  test('iptables mode: the values Service has no ports, still a warning', () => {
    const text = 'service:\n  externalIPs: [192.168.0.11]\n';
    assert.deepEqual(summarize(text, findings(text, seedFacts({ proxyMode: 'iptables' }), { helmValues: true })), ['externalip-node warning "192.168.0.11"']);
  });

  test('near miss: keys outside a "service" path are ignored', () => {
    const text = 'foo:\n  externalIPs: [192.168.0.11]\n  loadBalancerIP: 192.168.0.10\nexternalIPs: [192.168.0.11]\nloadBalancerIP: 192.168.0.11\n';
    assert.deepEqual(findings(text, seedFacts(), { helmValues: true }), []);
  });

  test('near miss: free addresses and an empty loadBalancerIP under service are silent', () => {
    const text = 'service:\n  externalIPs: [192.168.0.20]\n  loadBalancerIP: ""\n';
    assert.deepEqual(findings(text, seedFacts(), { helmValues: true }), []);
  });

  test('configured severity applies to values too', () => {
    const fs = findings(VALUES, seedFacts({ extra: 'rules:\n  externalip-node: warning\n  loadbalancer-ip-node: off' }), { helmValues: true });
    assert.deepEqual(summarize(VALUES, fs), ['externalip-node warning "192.168.0.11"']);
  });
});

describe('values files with a top-level kind', () => {
  test('a chart option `kind: DaemonSet` does not make the values file skipped', () => {
    const text = 'kind: DaemonSet\nservice:\n  externalIPs: [192.168.0.11]\n';
    assert.deepEqual(findings(text, seedFacts(), { helmValues: true }).map((f) => f.rule), ['externalip-node']);
  });
});
