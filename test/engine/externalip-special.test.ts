// externalip-special: unspecified, loopback, link-local and link-local multicast, in the API server's words
// (ValidateNonSpecialIP).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { factsFromConfig, findings, seedFacts, service, summarize } from './helpers';

const LOOPBACK = 'may not be in the loopback range (127.0.0.0/8, ::1/128)';
const LINK_LOCAL = 'may not be in the link-local range (169.254.0.0/16, fe80::/10)';
const MULTICAST = 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)';

describe('externalip-special', () => {
  const cases: [written: string, value: string, detail: string][] = [
    ['0.0.0.0', '0.0.0.0', 'may not be unspecified (0.0.0.0)'],
    ['"::"', '::', 'may not be unspecified (::)'],
    ['127.0.0.5', '127.0.0.5', LOOPBACK],
    ['127.0.0.1', '127.0.0.1', LOOPBACK],
    ['::1', '::1', LOOPBACK],
    ['169.254.1.1', '169.254.1.1', LINK_LOCAL],
    ['169.254.169.254', '169.254.169.254', LINK_LOCAL],
    ['fe80::1', 'fe80::1', LINK_LOCAL],
    ['febf::1', 'febf::1', LINK_LOCAL],
    ['224.0.0.251', '224.0.0.251', MULTICAST],
    ['ff02::1', 'ff02::1', MULTICAST],
  ];
  for (const [written, value, detail] of cases) {
    test(`${written}: ${detail}`, () => {
      const text = service([written]);
      const fs = findings(text);
      assert.deepEqual(summarize(text, fs), [`externalip-special error ${JSON.stringify(written)}`]);
      assert.equal(fs[0].message, `spec.externalIPs[0]: Invalid value: "${value}": ${detail}`);
      assert.deepEqual(fs[0].data.fixes, ['remove-address', 'use-pool-address', 'disable-line']);
    });
  }

  test('field path names the right index', () => {
    const text = service(['192.168.0.20', '192.168.0.21', '127.0.0.1']);
    assert.match(findings(text)[0].message, /^spec\.externalIPs\[2\]: /);
  });

  test('IPv4-mapped loopback counts as loopback on 1.35 (Go treats it as IPv4); 1.36 gives only the IPv4-mapped error', () => {
    const old = findings(service(['::ffff:127.0.0.1']), seedFacts({ extra: 'kubernetesVersion: "1.35"' }));
    assert.deepEqual(old.map((f) => f.rule), ['externalip-special']);
    assert.match(old[0].message, /loopback range/);
    const strict = findings(service(['::ffff:127.0.0.1']), seedFacts({ extra: 'kubernetesVersion: "1.36"' }));
    assert.deepEqual(strict.map((f) => [f.rule, f.message]), [['externalip-invalid', 'spec.externalIPs[0]: Invalid value: "::ffff:127.0.0.1": must not be an IPv4-mapped IPv6 address']]);
  });

  test('near misses just outside each range are silent', () => {
    const text = service(['0.0.0.1', '126.255.255.255', '128.0.0.1', '169.255.0.1', '169.253.255.255', '224.0.1.1', '223.255.255.255', 'fec0::1', 'ff05::1', '"::2"']);
    assert.deepEqual(summarize(text, findings(text)), []);
  });

  test('a special address that is also configured as a node is reported as special, not as a collision', () => {
    const facts = factsFromConfig('nodes:\n  - name: odd\n    addresses: [127.0.0.1]\napiServer: [127.0.0.1]\n');
    const text = service(['127.0.0.1']);
    const fs = findings(text, facts);
    assert.deepEqual(fs.map((f) => f.rule), ['externalip-special']);
  });
});
