// externalip-deprecated: any use of spec.externalIPs (deprecated from Kubernetes 1.36, KEP-5707; rejected by the
// DenyServiceExternalIPs admission plugin). Information, off by default.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, seedFacts, service, summarize } from './helpers';

// Several Services in one stream share no address here, but turn the clash rule off anyway to look at this rule alone.
const on = (severity = 'info') => seedFacts({ extra: `rules:\n  externalip-deprecated: ${severity}\n  externalip-port-clash: off` });

describe('externalip-deprecated', () => {
  test('off by default: a Service with free externalIPs is silent', () => {
    assert.deepEqual(findings(service(['192.168.0.20', '192.168.0.21'])), []);
  });

  test('turned on: one information per Service, on its first address, whatever the addresses', () => {
    const text = service(['192.168.0.20', '192.168.0.21'], { name: 'a' }) + '---\n' + service(['192.168.0.22'], { name: 'b' });
    const fs = findings(text, on());
    assert.deepEqual(summarize(text, fs), ['externalip-deprecated info "192.168.0.20"', 'externalip-deprecated info "192.168.0.22"']);
    assert.match(fs[0].message, /deprecated/);
    assert.match(fs[0].message, /1\.36/);
    assert.match(fs[0].message, /KEP-5707/);
    assert.match(fs[0].message, /DenyServiceExternalIPs/);
    assert.match(fs[0].message, /Use of external IPs is denied by admission control/);
  });

  test('turned on, next to a collision: both findings', () => {
    const text = service(['192.168.0.11']);
    assert.deepEqual(summarize(text, findings(text, on())), ['externalip-node error "192.168.0.11"', 'externalip-deprecated info "192.168.0.11"']);
  });

  test('near miss: a Service without externalIPs, or with an empty list, is silent', () => {
    const none = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  type: LoadBalancer\n  loadBalancerIP: 192.168.0.20\n';
    assert.deepEqual(findings(none, on()), []);
    assert.deepEqual(findings(service('[]'), on()), []);
  });

  test('configured as warning', () => {
    const text = service(['192.168.0.20']);
    assert.deepEqual(summarize(text, findings(text, on('warning'))), ['externalip-deprecated warning "192.168.0.20"']);
    assert.deepEqual(findings(text, seedFacts({ extra: 'rules:\n  externalip-deprecated: off' })), []);
  });
});
