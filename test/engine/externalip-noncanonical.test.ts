// externalip-noncanonical: the API server's warnings about an externalIP's spelling, in its words and with its
// field path, release by release (pkg/api/service/warnings.go before 1.33; apimachinery pkg/util/validation/ip.go
// GetWarningsForIP at v0.33.0-v0.35.7 and v0.36.3). No warning for a value, or a Service, the API rejects.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits, fixesFor } from '../../server/src/engine/index';
import { findings, findingsOf, seedFacts, service, summarize } from './helpers';

const at = (v: string) => seedFacts({ extra: `kubernetesVersion: "${v}"` });

describe('externalip-noncanonical', () => {
  test('leading zeros on 1.32: the netip error, as pkg/api/service/warnings.go words it', () => {
    const text = service(['192.168.000.011']);
    const fs = findingsOf('externalip-noncanonical', text, at('1.32'));
    assert.deepEqual(summarize(text, fs), ['externalip-noncanonical warning "192.168.000.011"']);
    assert.equal(fs[0].message, 'spec.externalIPs[0]: IP address was accepted, but will be invalid in a future Kubernetes release: ParseAddr("192.168.000.011"): IPv4 field has octet with leading zero');
  });

  test('leading zeros on 1.35: non-standard, will be considered invalid, use the canonical form', () => {
    const text = service(['10.0.0.05']);
    const fs = findings(text, at('1.35'));
    assert.deepEqual(summarize(text, fs), ['externalip-noncanonical warning "10.0.0.05"']);
    assert.equal(fs[0].message, 'spec.externalIPs[0]: non-standard IP address "10.0.0.05" will be considered invalid in a future Kubernetes release: use "10.0.0.5"');
  });

  test('leading zeros on 1.36: rejected (externalip-invalid), never also a warning', () => {
    const text = service(['10.0.0.05']);
    assert.deepEqual(summarize(text, findings(text, at('1.36'))), ['externalip-invalid error "10.0.0.05"']);
  });

  test('IPv4-mapped IPv6: no warning on 1.32 (netip accepts it as written), non-standard on 1.35', () => {
    const text = service(['::ffff:1.2.3.4']);
    assert.deepEqual(findings(text, at('1.32')), []);
    const fs = findings(text, at('1.35'));
    assert.equal(fs[0].message, 'spec.externalIPs[0]: non-standard IP address "::ffff:1.2.3.4" will be considered invalid in a future Kubernetes release: use "1.2.3.4"');
  });

  test('2001:DB8::1: the RFC 5952 warning with the field path, worded per release', () => {
    const text = service(['2001:DB8::1']);
    assert.equal(findings(text, at('1.32'))[0].message, 'spec.externalIPs[0]: IPv6 address "2001:DB8::1" is not in RFC 5952 canonical format ("2001:db8::1"), which may cause controller apply-loops');
    for (const v of ['1.35', '1.36']) {
      const fs = findings(text, at(v));
      assert.deepEqual(summarize(text, fs), ['externalip-noncanonical warning "2001:DB8::1"'], v);
      assert.equal(fs[0].message, 'spec.externalIPs[0]: IPv6 address "2001:DB8::1" should be in RFC 5952 canonical format ("2001:db8::1")', v);
    }
  });

  test('other non-RFC 5952 spellings name their canonical form', () => {
    const expected: [string, string][] = [
      ['2001:0db8::1', '2001:db8::1'],
      ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8::0:1', '2001:db8::1'],
    ];
    for (const [written, canonical] of expected) {
      const fs = findings(service([written]));
      assert.equal(fs.length, 1, written);
      assert.equal(fs[0].message, `spec.externalIPs[0]: IPv6 address "${written}" should be in RFC 5952 canonical format ("${canonical}")`);
    }
  });

  test('a Service the API rejects gets no warning at all, even for its valid entries', () => {
    const text = service(['2001:DB8::1', '127.0.0.1']);
    assert.deepEqual(summarize(text, findings(text, at('1.35'))), ['externalip-special error "127.0.0.1"']);
  });

  test('near miss: canonical addresses are silent', () => {
    const text = service(['192.168.0.20', '2001:db8::1', '"2001:db8::1:0:0:1"', '10.0.0.100', 'fd00::b']);
    assert.deepEqual(findings(text), []);
  });

  test('the preferred fix writes the canonical form and the warning goes away', () => {
    const text = service(['2001:DB8::1']);
    const f = findings(text)[0];
    const actions = fixesFor(text, { rule: f.rule, span: f.span, address: f.data.address, fixes: f.data.fixes }, seedFacts());
    assert.deepEqual(actions.map((a) => [a.kind, a.isPreferred]), [['canonicalize', true], ['disable-line', false]]);
    assert.equal(actions[0].title, 'Write 2001:db8::1');
    const after = applyEdits(text, actions[0].edits);
    assert.equal(after, service(['2001:db8::1']));
    assert.deepEqual(findings(after), []);
  });
});
