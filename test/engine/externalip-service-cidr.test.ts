// externalip-service-cidr: an externalIP inside a Service CIDR (a warning), an error when it is the kubernetes
// Service's address (10.96.0.1 in 10.96.0.0/12) or another Service's clusterIP, in this file or another.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, findingsOf, seedFacts, seedFactsWithoutClash, service, summarize, workspaceServicesOf } from './helpers';

const cidrFacts = (extra = '') => seedFacts({ extra: ['serviceCIDRs: [10.96.0.0/12]', extra].filter(Boolean).join('\n') });

describe('externalip-service-cidr', () => {
  test('inside the Service CIDR: a warning naming the range and where it was configured', () => {
    const text = service(['10.100.3.4']);
    const fs = findings(text, cidrFacts());
    assert.deepEqual(summarize(text, fs), ['externalip-service-cidr warning "10.100.3.4"']);
    assert.match(fs[0].message, /^10\.100\.3\.4 is inside the Service CIDR 10\.96\.0\.0\/12, from \.kube-ip-guard\.yaml/);
    assert.match(fs[0].message, /ClusterIP/);
    assert.equal(fs[0].data.address, '10.100.3.4');
    // relatedInformation: the config line `serviceCIDRs: [10.96.0.0/12]` (line 8).
    assert.equal(fs[0].related[0].location?.line, 8);
  });

  test('both ends of the range are inside', () => {
    for (const ip of ['10.96.0.0', '10.111.255.255']) {
      const text = service([ip]);
      assert.deepEqual(summarize(text, findings(text, cidrFacts())), [`externalip-service-cidr warning "${ip}"`], ip);
    }
  });

  test('10.96.0.1 is the kubernetes Service: an error saying so', () => {
    const text = service(['10.96.0.1']);
    const fs = findings(text, cidrFacts());
    assert.deepEqual(summarize(text, fs), ['externalip-service-cidr error "10.96.0.1"']);
    assert.match(fs[0].message, /ClusterIP of the kubernetes Service/);
    assert.match(fs[0].message, /API server/);
  });

  test("another Service's clusterIP in the same file: an error naming it, pointing at it", () => {
    const text = service(['10.96.5.5']) + '---\n' + service([], { name: 'web', spec: ['  clusterIP: 10.96.5.5'] });
    const fs = findingsOf('externalip-service-cidr', text, cidrFacts());
    assert.deepEqual(summarize(text, fs), ['externalip-service-cidr error "10.96.5.5"']);
    assert.match(fs[0].message, /ClusterIP of Service web/);
    assert.equal(fs[0].related.length, 1);
    const span = fs[0].related[0].span!;
    assert.ok(span.start > text.indexOf('---'), 'related points into the other Service');
    assert.match(fs[0].related[0].message, /web/);
  });

  test("clusterIPs (dual-stack list) counts as the other Service's address too", () => {
    const text = service(['10.96.5.5']) + '---\n' + service([], { name: 'web', spec: ['  clusterIPs: [10.96.5.5, "fd00::5"]'] });
    assert.deepEqual(summarize(text, findingsOf('externalip-service-cidr', text, cidrFacts())), ['externalip-service-cidr error "10.96.5.5"']);
  });

  test("another Service's clusterIP in another file (workspaceServices): an error with that file's location", () => {
    const other = '# web\n' + service([], { name: 'web', spec: ['  clusterIP: 10.96.5.5'] }).replace('metadata:\n', 'metadata:\n  namespace: prod\n');
    const text = service(['10.96.5.5']);
    const fs = findings(text, cidrFacts(), { workspaceServices: workspaceServicesOf('file:///workspace/web.yaml', other) });
    assert.deepEqual(summarize(text, fs), ['externalip-service-cidr error "10.96.5.5"']);
    assert.match(fs[0].message, /ClusterIP of Service prod\/web/);
    const loc = fs[0].related[0].location!;
    assert.equal(loc.uri, 'file:///workspace/web.yaml');
    // The Service's document starts on line 1 of web.yaml (after the comment).
    assert.equal(loc.line, 1);
    assert.equal(loc.character, 0);
  });

  test("near miss: a Service's own clusterIP is not another's, and a different clusterIP is only the warning", () => {
    const own = service(['10.96.5.5'], { spec: ['  clusterIP: 10.96.5.5'] });
    assert.deepEqual(summarize(own, findings(own, cidrFacts())), ['externalip-service-cidr warning "10.96.5.5"']);
    const other = service(['10.96.5.5']) + '---\n' + service([], { name: 'web', spec: ['  clusterIP: 10.96.5.6'] });
    assert.deepEqual(summarize(other, findingsOf('externalip-service-cidr', other, cidrFacts())), ['externalip-service-cidr warning "10.96.5.5"']);
  });

  test('near miss: outside the range is silent', () => {
    for (const ip of ['10.112.0.0', '10.95.255.255', '192.168.0.15']) assert.deepEqual(findings(service([ip]), cidrFacts()), [], ip);
  });

  test('near miss: no serviceCIDRs configured, nothing to check', () => {
    assert.deepEqual(findings(service(['10.96.0.1'])), []);
  });

  test('configured severity: info, off', () => {
    const text = service(['10.100.3.4']);
    assert.deepEqual(summarize(text, findings(text, cidrFacts('rules:\n  externalip-service-cidr: info'))), ['externalip-service-cidr info "10.100.3.4"']);
    assert.deepEqual(findings(text, cidrFacts('rules:\n  externalip-service-cidr: off')), []);
    // A configured severity replaces the error of the kubernetes Service too.
    const k8s = service(['10.96.0.1']);
    assert.deepEqual(summarize(k8s, findings(k8s, cidrFacts('rules:\n  externalip-service-cidr: warning'))), ['externalip-service-cidr warning "10.96.0.1"']);
  });

  test('seedFactsWithoutClash keeps the Service CIDR', () => {
    const text = service(['10.100.3.4']);
    assert.deepEqual(summarize(text, findings(text, seedFactsWithoutClash({ extra: 'serviceCIDRs: [10.96.0.0/12]' }))), ['externalip-service-cidr warning "10.100.3.4"']);
  });
});
