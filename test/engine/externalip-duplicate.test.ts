// externalip-duplicate: the same address twice in one Service, compared as parsed addresses.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits, fixesFor } from '../../server/src/engine/index';
import { findings, findingsOf, seedFacts, service, spanText, summarize } from './helpers';

describe('externalip-duplicate', () => {
  test('the same IPv6 address spelled twice: warning on the second, related points at the first', () => {
    const text = service(['2001:db8::1', '2001:DB8:0::1']);
    const fs = findingsOf('externalip-duplicate', text);
    assert.deepEqual(summarize(text, fs), ['externalip-duplicate warning "2001:DB8:0::1"']);
    assert.equal(fs[0].message, '2001:DB8:0::1 is already listed in spec.externalIPs[0]');
    assert.equal(fs[0].related.length, 1);
    assert.equal(spanText(text, fs[0].related[0] as { span: { start: number; end: number } }), '2001:db8::1');
    assert.match(fs[0].related[0].message, /first listed here/);
  });

  test('plain and quoted spellings of one IPv4 address in a flow sequence', () => {
    const text = service('[192.168.0.20, 192.168.0.21, "192.168.0.20"]');
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['externalip-duplicate warning "\\"192.168.0.20\\""']);
    assert.equal(spanText(text, { span: fs[0].related[0].span! }), '192.168.0.20');
    assert.match(fs[0].message, /spec\.externalIPs\[0\]/);
  });

  test('three times: two findings, both pointing at the first', () => {
    const text = service(['192.168.0.20', '192.168.0.20', '192.168.0.20']);
    const fs = findings(text);
    assert.equal(fs.length, 2);
    for (const f of fs) assert.equal(f.related[0].span?.start, text.indexOf('192.168.0.20'));
  });

  test('a node address listed twice: two node errors and one duplicate', () => {
    const text = service(['192.168.0.11', '192.168.0.11']);
    assert.deepEqual(findings(text).map((f) => f.rule), ['externalip-node', 'externalip-node', 'externalip-duplicate']);
  });

  test('near misses: distinct addresses, the same address in two Services, invalid values twice', () => {
    assert.deepEqual(findings(service(['192.168.0.20', '192.168.0.21', '2001:db8::1', '2001:db8::2'])), []);
    // On different ports, so no port clash either.
    assert.deepEqual(findings(service(['192.168.0.20'], { name: 'a' }) + '---\n' + service(['192.168.0.20'], { name: 'b' }).replace('port: 8888', 'port: 9999')), []);
    const invalid = service(['"1.2.3"', '"1.2.3"']);
    assert.deepEqual(findings(invalid).map((f) => f.rule), ['externalip-invalid', 'externalip-invalid']);
  });

  test('the duplicate offers removal, which removes only the second entry', () => {
    const text = service(['192.168.0.20', '192.168.0.20', '192.168.0.21']);
    const f = findings(text)[0];
    const actions = fixesFor(text, { rule: f.rule, span: f.span, address: f.data.address, fixes: f.data.fixes }, seedFacts());
    assert.deepEqual(actions.map((a) => a.kind), ['remove-address', 'disable-line']);
    assert.equal(applyEdits(text, actions[0].edits), service(['192.168.0.20', '192.168.0.21']));
  });
});
