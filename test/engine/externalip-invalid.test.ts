// externalip-invalid: what the API server rejects as not an IP, in its own words (IsValidIPForLegacyField).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, lineOf, service, spanText, summarize } from './helpers';

const DETAIL = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

describe('externalip-invalid', () => {
  const cases: [written: string, value: string, typeNote?: string][] = [
    ['1.2.3.4/32', '1.2.3.4/32'],
    ['192.168.0.0/24', '192.168.0.0/24'],
    ['fe80::1%eth0', 'fe80::1%eth0'],
    ['""', ''],
    ['" 1.2.3.4"', ' 1.2.3.4'],
    ['"1.2.3.4 "', '1.2.3.4 '],
    ['1.2.3', '1.2.3'],
    ['256.1.1.1', '256.1.1.1'],
    ['1.2.3.4.5', '1.2.3.4.5'],
    ['example.com', 'example.com'],
    ['"[fd00::1]"', '[fd00::1]'],
    ['12', '12', 'a number where a string is expected'],
    ['3232235531', '3232235531', 'a number where a string is expected'],
  ];
  cases.forEach(([written, value, typeNote], i) => {
    test(`${written} -> the API server's message, exactly one finding`, () => {
      const text = service(['192.168.0.20', written]);
      const fs = findings(text);
      assert.deepEqual(summarize(text, fs), [`externalip-invalid error ${JSON.stringify(written)}`]);
      const expected = `spec.externalIPs[1]: Invalid value: "${value}": ${DETAIL}${typeNote ? ` (${typeNote})` : ''}`;
      assert.equal(fs[0].message, expected, `case ${i}`);
    });
  });

  test('a number that spells a node address numerically does not match the node', () => {
    // 3232235531 == 192.168.0.11 as an integer: still just not an IP, never externalip-node.
    const fs = findings(service(['3232235531']));
    assert.deepEqual(fs.map((f) => f.rule), ['externalip-invalid']);
  });

  test('a null item `- ` is invalid, reported on its line', () => {
    const text = service(['192.168.0.20', '']);
    const fs = findings(text);
    assert.deepEqual(fs.map((f) => [f.rule, f.severity]), [['externalip-invalid', 'error']]);
    assert.match(fs[0].message, /^spec\.externalIPs\[1\]: Invalid value: "": must be a valid IP address/);
    assert.match(fs[0].message, /null/);
    assert.equal(lineOf(text, fs[0].span.start), 8);
  });

  test('non-scalar items: a nested list and a map', () => {
    const text = service('[[192.168.0.20], {ip: 192.168.0.21}]');
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['externalip-invalid error "[192.168.0.20]"', 'externalip-invalid error "{ip: 192.168.0.21}"']);
    assert.match(fs[0].message, /a seq where a string is expected/);
    assert.match(fs[1].message, /a map where a string is expected/);
  });

  test('unquoted `- ::` is YAML for a map {":": null}, so invalid (quote it to mean the address)', () => {
    const text = service(['::']);
    const fs = findings(text);
    assert.deepEqual(fs.map((f) => f.rule), ['externalip-invalid']);
  });

  test('near miss: valid addresses of both families are not invalid', () => {
    const text = service(['192.168.0.20', '2001:db8::1', '"10.1.2.3"', '203.0.113.255']);
    assert.deepEqual(findings(text), []);
  });

  test('the invalid rule is the only one for an invalid value (no node, special or duplicate noise)', () => {
    const text = service(['"192.168.0.11 "', '"192.168.0.11 "']);
    const fs = findings(text);
    assert.deepEqual(fs.map((f) => f.rule), ['externalip-invalid', 'externalip-invalid']);
    assert.equal(spanText(text, fs[1]), '"192.168.0.11 "');
  });

  test('externalIPs given as a scalar instead of a list is reported', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  externalIPs: 192.168.0.11\n';
    const fs = findings(text);
    assert.ok(fs.some((f) => spanText(text, f) === '192.168.0.11'), JSON.stringify(fs));
  });
});
