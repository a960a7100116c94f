// externalip-pod-cidr: an externalIP inside a pod CIDR shadows a pod's address: a warning.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, seedFacts, service, summarize } from './helpers';

const podFacts = (extra = '') => seedFacts({ extra: ['podCIDRs: [10.244.0.0/16]', extra].filter(Boolean).join('\n') });

describe('externalip-pod-cidr', () => {
  test('inside the pod CIDR: a warning naming the range', () => {
    const text = service(['10.244.1.7']);
    const fs = findings(text, podFacts());
    assert.deepEqual(summarize(text, fs), ['externalip-pod-cidr warning "10.244.1.7"']);
    assert.match(fs[0].message, /^10\.244\.1\.7 is inside the pod CIDR 10\.244\.0\.0\/16 \(from \.kube-ip-guard\.yaml\)/);
    assert.match(fs[0].message, /pod/);
    assert.equal(fs[0].data.address, '10.244.1.7');
    assert.equal(fs[0].related[0].location?.line, 8);
  });

  test('edges of the range are inside', () => {
    for (const ip of ['10.244.0.0', '10.244.255.255']) {
      const text = service([ip]);
      assert.deepEqual(summarize(text, findings(text, podFacts())), [`externalip-pod-cidr warning "${ip}"`], ip);
    }
  });

  test('near miss: just outside, and no pod CIDR configured', () => {
    for (const ip of ['10.245.0.0', '10.243.255.255']) assert.deepEqual(findings(service([ip]), podFacts()), [], ip);
    assert.deepEqual(findings(service(['10.244.1.7'])), []);
  });

  test('near miss: a Service kube-proxy ignores is not checked (only externalip-ignored)', () => {
    const text = service(['10.244.1.7'], { spec: ['  clusterIP: None'] });
    assert.deepEqual(summarize(text, findings(text, podFacts())), ['externalip-ignored info "10.244.1.7"']);
  });

  test('configured severity: error, off', () => {
    const text = service(['10.244.1.7']);
    assert.deepEqual(summarize(text, findings(text, podFacts('rules:\n  externalip-pod-cidr: error'))), ['externalip-pod-cidr error "10.244.1.7"']);
    assert.deepEqual(findings(text, podFacts('rules:\n  externalip-pod-cidr: off')), []);
  });
});
