// externalip-noncanonical: leading zeros and IPv4-mapped IPv6 (rejected under strict validation), IPv6 not in
// RFC 5952 form (an API server warning). A warning that names the canonical form.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits, fixesFor } from '../../server/src/engine/index';
import { findings, findingsOf, seedFacts, service, summarize } from './helpers';

describe('externalip-noncanonical', () => {
  test('leading zeros: warning in the API server words, naming 192.168.0.11', () => {
    const text = service(['192.168.000.011']);
    const fs = findingsOf('externalip-noncanonical', text);
    assert.deepEqual(summarize(text, fs), ['externalip-noncanonical warning "192.168.000.011"']);
    assert.match(fs[0].message, /^spec\.externalIPs\[0\]: Invalid value: "192\.168\.000\.011": must not have leading 0s/);
    assert.match(fs[0].message, /\b192\.168\.0\.11\b/);
  });

  test('leading zeros on a non-node address: only this rule', () => {
    const text = service(['10.0.0.05']);
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['externalip-noncanonical warning "10.0.0.05"']);
    assert.match(fs[0].message, /write 10\.0\.0\.5/);
  });

  test('IPv4-mapped IPv6: must not be an IPv4-mapped IPv6 address, names 1.2.3.4', () => {
    const text = service(['::ffff:1.2.3.4']);
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['externalip-noncanonical warning "::ffff:1.2.3.4"']);
    assert.match(fs[0].message, /^spec\.externalIPs\[0\]: Invalid value: "::ffff:1\.2\.3\.4": must not be an IPv4-mapped IPv6 address/);
    assert.match(fs[0].message, /\b1\.2\.3\.4\b.*\b1\.2\.3\.4\b/);
  });

  test('2001:DB8::1: the RFC 5952 warning text with "2001:db8::1"', () => {
    const text = service(['2001:DB8::1']);
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['externalip-noncanonical warning "2001:DB8::1"']);
    assert.equal(fs[0].message, 'IPv6 address "2001:DB8::1" should be in RFC 5952 canonical format ("2001:db8::1")');
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
      assert.equal(fs[0].message, `IPv6 address "${written}" should be in RFC 5952 canonical format ("${canonical}")`);
    }
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
