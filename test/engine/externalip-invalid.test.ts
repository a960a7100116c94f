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
  ];
  cases.forEach(([written, value], i) => {
    test(`${written} -> the API server's message, exactly one finding`, () => {
      const text = service(['192.168.0.20', written]);
      const fs = findings(text);
      assert.deepEqual(summarize(text, fs), [`externalip-invalid error ${JSON.stringify(written)}`]);
      const expected = `spec.externalIPs[1]: Invalid value: "${value}": ${DETAIL}`;
      assert.equal(fs[0].message, expected, `case ${i}`);
    });
  });

  // A YAML number is not a string: the API server fails to decode the Service (encoding/json) before validation
  // runs, so there is no `Invalid value:` text to mirror; the finding says what happens instead.
  for (const written of ['12', '3232235531']) {
    test(`${written} (a number) -> decoding fails before validation; no invented Invalid value text`, () => {
      const text = service(['192.168.0.20', written]);
      const fs = findings(text);
      assert.deepEqual(summarize(text, fs), [`externalip-invalid error ${JSON.stringify(written)}`]);
      assert.equal(fs[0].message, `spec.externalIPs[1] is a number, not a string: the API server cannot decode it into the string field and rejects the Service before validating it (quote it: "${written}").`);
      assert.doesNotMatch(fs[0].message, /Invalid value/);
    });
  }

  test('a number that spells a node address numerically does not match the node', () => {
    // 3232235531 == 192.168.0.11 as an integer: still just not an IP, never externalip-node.
    const fs = findings(service(['3232235531']));
    assert.deepEqual(fs.map((f) => f.rule), ['externalip-invalid']);
  });

  test('a null item `- ` is invalid, reported on its line', () => {
    const text = service(['192.168.0.20', '']);
    const fs = findings(text);
    assert.deepEqual(fs.map((f) => [f.rule, f.severity]), [['externalip-invalid', 'error']]);
    assert.equal(fs[0].message, `spec.externalIPs[1]: Invalid value: "": ${DETAIL} (null is decoded as "")`);
    assert.equal(lineOf(text, fs[0].span.start), 8);
  });

  test('non-scalar items: a nested list and a map', () => {
    const text = service('[[192.168.0.20], {ip: 192.168.0.21}]');
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['externalip-invalid error "[192.168.0.20]"', 'externalip-invalid error "{ip: 192.168.0.21}"']);
    assert.match(fs[0].message, /^spec\.externalIPs\[0\] is a list, not a string: the API server cannot decode it/);
    assert.match(fs[1].message, /^spec\.externalIPs\[1\] is a mapping, not a string/);
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
