// Exactly what Kubernetes does, release by release: rows taken from Kubernetes' own test tables, each run at 1.32,
// 1.35 and 1.36 through spec.externalIPs (verdict, severity, the API's exact words), plus the parser edge cases of
// k8s.io/utils ParseIPSloppy and the kube-proxy model. Every table says the upstream file and the tag it was read at.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, parseConfig, behaviourAt, BEHAVIOUR_ROWS, goQuote, hoverAt, parseAddrNetip, parseIP, parseIPSloppy, parseKubernetesVersion, versionVerdict, type Finding } from '../../server/src/engine/index';
import { factsFromConfig, findings, seedConfigText, seedFacts, service } from './helpers';

const VERSIONS = ['1.32', '1.35', '1.36'] as const;
type Version = (typeof VERSIONS)[number];
const at = (v: string) => seedFacts({ extra: `kubernetesVersion: "${v}"` });

const DETAIL = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const invalid = (path: string, v: string, detail = DETAIL) => `${path}: Invalid value: ${goQuote(v)}: ${detail}`;

/** The findings on the entry that holds `value` (the only entry), as [rule, severity, message]. */
function verdicts(value: string, version: string, extra: { spec?: string[]; type?: string } = {}): [string, string, string][] {
  const text = service([JSON.stringify(value)], extra);
  return findings(text, at(version)).map((f: Finding) => [f.rule, f.severity, f.message]);
}

// What a row expects at one release: nothing, an API rejection (rule + words), or a warning (words).
type Expect = { ok: true } | { error: 'externalip-invalid' | 'externalip-special'; words: string } | { warning: string };

function check(value: string, version: Version, want: Expect) {
  const got = verdicts(value, version);
  if ('ok' in want) assert.deepEqual(got, [], `${value} @ ${version}`);
  else if ('error' in want) assert.deepEqual(got, [[want.error, 'error', want.words]], `${value} @ ${version}`);
  else assert.deepEqual(got, [['externalip-noncanonical', 'warning', want.warning]], `${value} @ ${version}`);
}

const P = 'spec.externalIPs[0]';
const future = (v: string, c: string) => `${P}: non-standard IP address ${goQuote(v)} will be considered invalid in a future Kubernetes release: use ${goQuote(c)}`;
const netipWarn = (v: string, err: string) => `${P}: IP address was accepted, but will be invalid in a future Kubernetes release: ParseAddr(${goQuote(v)}): ${err}`;
const rfcOld = (v: string, c: string) => `${P}: IPv6 address ${goQuote(v)} is not in RFC 5952 canonical format (${goQuote(c)}), which may cause controller apply-loops`;
const rfcNew = (v: string, c: string) => `${P}: IPv6 address ${goQuote(v)} should be in RFC 5952 canonical format (${goQuote(c)})`;

describe('TestIsValidIP rows through spec.externalIPs (apimachinery pkg/util/validation/ip_test.go @ v0.36.3; legacyErr = 1.33-1.35, legacyStrictErr = 1.36; 1.32 = validation.go IsValidIP @ v0.32.13)', () => {
  // [name, value, 1.32, 1.35, 1.36]; "GOOD VALUES" pass IsValidIPForLegacyField, then ValidateNonSpecialIP and the
  // warnings of GetWarningsForService apply (pkg/apis/core/validation/validation.go, pkg/api/service/warnings.go).
  const rows: [string, string, Expect, Expect, Expect][] = [
    ['ipv4', '1.2.3.4', { ok: true }, { ok: true }, { ok: true }],
    ['ipv4, all zeros', '0.0.0.0', ...Array(3).fill({ error: 'externalip-special', words: invalid(P, '0.0.0.0', 'may not be unspecified (0.0.0.0)') })] as [string, string, Expect, Expect, Expect],
    ['ipv4, max', '255.255.255.255', { ok: true }, { ok: true }, { ok: true }],
    ['ipv6', '1234::abcd', { ok: true }, { ok: true }, { ok: true }],
    ['ipv6, all zeros, collapsed', '::', ...Array(3).fill({ error: 'externalip-special', words: invalid(P, '::', 'may not be unspecified (::)') })] as [string, string, Expect, Expect, Expect],
    ['ipv6, max', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', { ok: true }, { ok: true }, { ok: true }],
    ['ipv6, all zeros, expanded (non-canonical)', '0:0:0:0:0:0:0:0', ...Array(3).fill({ error: 'externalip-special', words: invalid(P, '0:0:0:0:0:0:0:0', 'may not be unspecified (0:0:0:0:0:0:0:0)') })] as [string, string, Expect, Expect, Expect],
    ['ipv6, leading 0s (non-canonical)', '0001:002:03:4::', { warning: rfcOld('0001:002:03:4::', '1:2:3:4::') }, { warning: rfcNew('0001:002:03:4::', '1:2:3:4::') }, { warning: rfcNew('0001:002:03:4::', '1:2:3:4::') }],
    ['ipv6, capital letters (non-canonical)', '1234::ABCD', { warning: rfcOld('1234::ABCD', '1234::abcd') }, { warning: rfcNew('1234::ABCD', '1234::abcd') }, { warning: rfcNew('1234::ABCD', '1234::abcd') }],
    ['ipv4 with leading 0s', '1.1.1.01', { warning: netipWarn('1.1.1.01', 'IPv4 field has octet with leading zero') }, { warning: future('1.1.1.01', '1.1.1.1') }, { error: 'externalip-invalid', words: invalid(P, '1.1.1.01', 'must not have leading 0s') }],
    ['ipv4-in-ipv6 value', '::ffff:1.1.1.1', { ok: true }, { warning: future('::ffff:1.1.1.1', '1.1.1.1') }, { error: 'externalip-invalid', words: invalid(P, '::ffff:1.1.1.1', 'must not be an IPv4-mapped IPv6 address') }],
  ];
  for (const bad of ['', 'aaaaaaa', 'myhost.mydomain', '1.2.3.0/24', '1.2.3.400', '-1.0.0.0', '2001:db8::10005', '1.2.3.4:80', '[2001:db8::1]', '[2001:db8::1]:80', 'example.com:80', '1234::abcd%eth0', '169.254.0.0%eth0']) {
    const e: Expect = { error: 'externalip-invalid', words: invalid(P, bad) };
    rows.push([`bad: ${JSON.stringify(bad)}`, bad, e, e, e]);
  }
  for (const [name, value, v132, v135, v136] of rows) {
    test(`${name}: ${JSON.stringify(value)}`, () => {
      check(value, '1.32', v132);
      check(value, '1.35', v135);
      check(value, '1.36', v136);
    });
  }
});

describe('TestGetWarningsForIP rows through spec.loadBalancerIP (ip_test.go @ v0.35.7 and v0.36.3; pkg/api/service/warnings_test.go Test_getWarningsForIP for 1.32)', () => {
  const lb = (value: string, version: string) => {
    const text = service([], { type: 'LoadBalancer', spec: [`  loadBalancerIP: ${JSON.stringify(value)}`] }).replace('  externalIPs:\n', '');
    return findings(text, at(version)).filter((f) => f.rule === 'loadbalancer-ip-noncanonical').map((f) => f.message);
  };
  const L = 'spec.loadBalancerIP';
  const rows: [string, Record<Version, string[]>][] = [
    ['192.12.2.2', { '1.32': [], '1.35': [], '1.36': [] }],
    ['2001:db8::2', { '1.32': [], '1.35': [], '1.36': [] }],
    ['192.012.2.2', {
      '1.32': [`${L}: IP address was accepted, but will be invalid in a future Kubernetes release: ParseAddr("192.012.2.2"): IPv4 field has octet with leading zero`],
      '1.35': [`${L}: non-standard IP address "192.012.2.2" will be considered invalid in a future Kubernetes release: use "192.12.2.2"`],
      '1.36': [`${L}: non-standard IP address "192.012.2.2" is invalid: use "192.12.2.2"`],
    }],
    ['::ffff:192.12.2.2', {
      '1.32': [],
      '1.35': [`${L}: non-standard IP address "::ffff:192.12.2.2" will be considered invalid in a future Kubernetes release: use "192.12.2.2"`],
      '1.36': [`${L}: non-standard IP address "::ffff:192.12.2.2" is invalid: use "192.12.2.2"`],
    }],
    ['2001:db8:0:0::2', {
      '1.32': [`${L}: IPv6 address "2001:db8:0:0::2" is not in RFC 5952 canonical format ("2001:db8::2"), which may cause controller apply-loops`],
      '1.35': [`${L}: IPv6 address "2001:db8:0:0::2" should be in RFC 5952 canonical format ("2001:db8::2")`],
      '1.36': [`${L}: IPv6 address "2001:db8:0:0::2" should be in RFC 5952 canonical format ("2001:db8::2")`],
    }],
    // Never validated: before 1.33 any non-empty value went through netip.ParseAddr; from 1.33 GetWarningsForIP says
    // nothing for a value ParseIPSloppy refuses.
    ['not-an-ip', { '1.32': [`${L}: IP address was accepted, but will be invalid in a future Kubernetes release: ParseAddr("not-an-ip"): unable to parse IP`], '1.35': [], '1.36': [] }],
  ];
  for (const [value, want] of rows) {
    test(JSON.stringify(value), () => {
      for (const v of VERSIONS) assert.deepEqual(lb(value, v), want[v], `${value} @ ${v}`);
    });
  }

  test('a loadBalancerIP that is a number fails decoding: an error, no invented Invalid value text', () => {
    const text = service([], { type: 'LoadBalancer', spec: ['  loadBalancerIP: 10'] }).replace('  externalIPs:\n', '');
    const fs = findings(text, at('1.35')).filter((f) => f.rule === 'loadbalancer-ip-noncanonical');
    assert.deepEqual(fs.map((f) => [f.severity, f.message]), [['error', 'spec.loadBalancerIP is a number, not a string: the API server cannot decode it into the string field and rejects the Service before validating it (quote it: "10").']]);
  });
});

describe('GetWarningsForService "Service with all IPs fields with errors" (pkg/api/service/warnings_test.go, 1.27-1.32)', () => {
  const text = service(['"2001:db8:1:0::2"', '"10.012.2.2"'], { spec: ['  loadBalancerIP: "10.001.1.1"'] });
  const warningsAt = (v: string) => findings(text, at(v)).filter((f) => f.severity === 'warning' && /noncanonical/.test(f.rule)).map((f) => f.message);

  test('1.32: the three externalIPs/loadBalancerIP warnings, word for word', () => {
    assert.deepEqual(warningsAt('1.32'), [
      'spec.externalIPs[0]: IPv6 address "2001:db8:1:0::2" is not in RFC 5952 canonical format ("2001:db8:1::2"), which may cause controller apply-loops',
      'spec.externalIPs[1]: IP address was accepted, but will be invalid in a future Kubernetes release: ParseAddr("10.012.2.2"): IPv4 field has octet with leading zero',
      'spec.loadBalancerIP: IP address was accepted, but will be invalid in a future Kubernetes release: ParseAddr("10.001.1.1"): IPv4 field has octet with leading zero',
    ]);
  });

  test('1.35: the same values in the 1.33 wording', () => {
    assert.deepEqual(warningsAt('1.35'), [
      'spec.externalIPs[0]: IPv6 address "2001:db8:1:0::2" should be in RFC 5952 canonical format ("2001:db8:1::2")',
      'spec.externalIPs[1]: non-standard IP address "10.012.2.2" will be considered invalid in a future Kubernetes release: use "10.12.2.2"',
      'spec.loadBalancerIP: non-standard IP address "10.001.1.1" will be considered invalid in a future Kubernetes release: use "10.1.1.1"',
    ]);
  });

  test('1.36: externalIPs[1] is rejected, so the Service gets no warnings at all', () => {
    assert.deepEqual(warningsAt('1.36'), []);
    assert.deepEqual(findings(text, at('1.36')).map((f) => [f.rule, f.message]), [['externalip-invalid', 'spec.externalIPs[1]: Invalid value: "10.012.2.2": must not have leading 0s']]);
  });
});

describe('TestValidateServiceCreate externalIPs cases (pkg/apis/core/validation/validation_test.go, "invalid publicIPs ..." rows)', () => {
  const rows: [string, string, string][] = [
    ['invalid publicIPs localhost', '127.0.0.1', invalid(P, '127.0.0.1', 'may not be in the loopback range (127.0.0.0/8, ::1/128)')],
    ['invalid publicIPs unspecified', '0.0.0.0', invalid(P, '0.0.0.0', 'may not be unspecified (0.0.0.0)')],
    ['invalid publicIPs host', 'myhost.mydomain', invalid(P, 'myhost.mydomain')],
  ];
  for (const [name, value, words] of rows) {
    test(`${name}: one error at every release`, () => {
      for (const v of VERSIONS) {
        const got = verdicts(value, v);
        assert.equal(got.length, 1, `${value} @ ${v}`);
        assert.deepEqual(got[0].slice(1), ['error', words], `${value} @ ${v}`);
      }
    });
  }

  test('ValidateNonSpecialIP ranges, and its Go quirk: any ffX2:: is link-local multicast', () => {
    const cases: [string, string][] = [
      ['169.254.169.254', 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'],
      ['fe80::1', 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'],
      ['224.0.0.251', 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'],
      ['ff12::1', 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'],
      ['::1', 'may not be in the loopback range (127.0.0.0/8, ::1/128)'],
    ];
    for (const [value, detail] of cases) for (const v of VERSIONS) assert.deepEqual(verdicts(value, v), [['externalip-special', 'error', invalid(P, value, detail)]], `${value} @ ${v}`);
  });
});

describe('ParseIPSloppy edge cases (k8s.io/utils internal/third_party/forked/golang/net/ip.go, parse.go dtoi/xtoi; ip_test.go parseIPTests)', () => {
  test('parseIPTests: accepted spellings and the bytes they denote', () => {
    const ok: [string, string][] = [
      ['127.0.1.2', '127.0.1.2'], ['127.001.002.003', '127.1.2.3'], ['127.007.008.009', '127.7.8.9'], ['127.010.020.030', '127.10.20.30'],
      ['::ffff:127.1.2.3', '127.1.2.3'], ['::ffff:127.001.002.003', '127.1.2.3'], ['::ffff:7f01:0203', '127.1.2.3'],
      ['0:0:0:0:0000:ffff:127.1.2.3', '127.1.2.3'], ['0:0:0:0:000000:ffff:127.1.2.3', '127.1.2.3'], ['0:0:0:0::ffff:127.1.2.3', '127.1.2.3'],
      ['2001:4860:0:2001::68', '2001:4860:0:2001::68'], ['2001:4860:0000:2001:0000:0000:0000:0068', '2001:4860:0:2001::68'],
    ];
    for (const [text, key] of ok) {
      const p = parseIP(text);
      assert.ok(p.ok, text);
      assert.equal(p.ok && p.ip.key, key, text);
    }
    for (const bad of ['-0.0.0.0', '0.-1.0.0', '0.0.-2.0', '0.0.0.-3', '127.0.0.256', 'abc', '123:', 'fe80::1%lo0', 'fe80::1%911', '', 'a1:a2:a3:a4::b1:b2:b3:b4', '1.2..4']) {
      assert.equal(parseIPSloppy(bad), undefined, bad);
    }
  });

  test('value-bounded, not digit-bounded: 0192.168.0.11, 192.168.0.0011, 000000192.168.0.11, 2001:00db8::1', () => {
    assert.equal((parseIP('0192.168.0.11') as { ip: { key: string } }).ip.key, '192.168.0.11');
    assert.equal((parseIP('192.168.0.0011') as { ip: { key: string } }).ip.key, '192.168.0.11');
    assert.equal((parseIP('000000192.168.0.11') as { ip: { key: string } }).ip.key, '192.168.0.11');
    assert.equal((parseIP('2001:00db8::1') as { ip: { key: string } }).ip.key, '2001:db8::1');
    assert.equal((parseIP('0000000000000000192.168.0.11') as { ip: { key: string } }).ip.key, '192.168.0.11');
    // dtoi stops at 0xFFFFFF while reading, so a value over 255 fails however it is padded.
    for (const bad of ['0256.1.1.1', '16777216.1.1.1', '2001:10000::1', '2001:000010000::1']) assert.equal(parseIPSloppy(bad), undefined, bad);
  });

  test('netip.ParseAddr words (Go src/net/netip/netip.go), as the 1.27-1.32 warnings quote them', () => {
    const cases: [string, string][] = [
      ['192.012.2.2', 'ParseAddr("192.012.2.2"): IPv4 field has octet with leading zero'],
      ['2001:00db8::1', 'ParseAddr("2001:00db8::1"): each group must have 4 or less digits (at "00db8::1")'],
      ['::ffff:01.2.3.4', 'ParseAddr("::ffff:01.2.3.4"): IPv4 field has octet with leading zero'],
      ['1.2.3', 'ParseAddr("1.2.3"): IPv4 address too short'],
      ['1.2.3.4.5', 'ParseAddr("1.2.3.4.5"): IPv4 address too long'],
      ['1..2.3', 'ParseAddr("1..2.3"): IPv4 field must have at least one digit (at ".2.3")'],
      ['1:2', 'ParseAddr("1:2"): address string too short'],
      ['1::2::3', 'ParseAddr("1::2::3"): multiple :: in address (at ":3")'],
      ['host', 'ParseAddr("host"): unable to parse IP'],
    ];
    for (const [text, error] of cases) assert.deepEqual(parseAddrNetip(text), { ok: false, error }, text);
    const ok = parseAddrNetip('fe80::1%eth0');
    assert.ok(ok.ok && ok.text === 'fe80::1%eth0');
  });

  test("values are quoted as Go's %q quotes them (strconv.Quote), as the API server's messages do", () => {
    assert.equal(goQuote('a"b\\c\n\u001b\u202eé\u00a0 x'), '"a\\"b\\\\c\\n\\x1b\\u202eé\\u00a0 x"');
    assert.equal(goQuote('1.2.3.4'), '"1.2.3.4"');
  });

  test('0192.168.0.11 with a node at 192.168.0.11: externalip-node (error) at 1.35, an API rejection at 1.36', () => {
    assert.deepEqual(verdicts('0192.168.0.11', '1.35').map((v) => [v[0], v[1]]), [['externalip-node', 'error'], ['externalip-noncanonical', 'warning']]);
    assert.match(verdicts('0192.168.0.11', '1.35')[0][2], /^0192\.168\.0\.11 is the InternalIP of node k8s-node-1: in IPVS mode kube-proxy binds it to kube-ipvs0 on every node/);
    assert.deepEqual(verdicts('0192.168.0.11', '1.36'), [['externalip-invalid', 'error', invalid(P, '0192.168.0.11', 'must not have leading 0s')]]);
    assert.deepEqual(verdicts('0192.168.0.11', '1.32').map((v) => v[0]), ['externalip-node', 'externalip-noncanonical']);
  });

  test('the same spellings in status.loadBalancer.ingress[].ip collide on 1.35 (kube-proxy programs 192.168.0.11), are rejected on 1.36', () => {
    for (const spelling of ['0192.168.0.11', '192.168.0.0011', '000000192.168.0.11', '::ffff:192.168.0.11']) {
      const text = `apiVersion: v1\nkind: Service\nmetadata: {name: lb}\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\nstatus:\n  loadBalancer:\n    ingress:\n    - ip: "${spelling}"\n`;
      assert.deepEqual(findings(text, at('1.35')).map((f) => f.rule), ['loadbalancer-ingress-node'], spelling);
      const strict = findings(text, at('1.36'));
      assert.deepEqual(strict.map((f) => f.rule), ['loadbalancer-ingress-invalid'], spelling);
      assert.match(strict[0].message, /^status\.loadBalancer\.ingress\[0\]\.ip: Invalid value: /);
    }
  });
});

describe('the kube-proxy model (cmd/kube-proxy/app/server.go label selector; pkg/proxy/service.go; pkg/proxy/util IsVIPMode)', () => {
  const label = (text: string, key: string, value: string) => text.replace('metadata:\n', `metadata:\n  labels:\n    ${key}: ${value}\n`);

  test('a Service labelled service.kubernetes.io/headless (any value) is never programmed: no collision, information only', () => {
    for (const value of ['""', 'yes', '"true"']) {
      const text = label(service(['192.168.0.11']), 'service.kubernetes.io/headless', value);
      for (const v of VERSIONS) {
        const fs = findings(text, at(v));
        assert.deepEqual(fs.map((f) => [f.rule, f.severity]), [['externalip-ignored', 'info']], `${value} @ ${v}`);
        assert.match(fs[0].message, /service\.kubernetes\.io\/headless label/);
      }
    }
  });

  test('an IPv6 externalIP on an IPv4-only Service without ipFamilies (clusterIP 10.96.0.50) is never programmed', () => {
    const facts = factsFromConfig(seedConfigText({ nodes: '  - name: k8s-node-6\n    addresses: [192.168.0.11, "2001:db8::11"]' }) + 'kubernetesVersion: "1.35"\n');
    const text = service(['"2001:db8::11"'], { spec: ['  clusterIP: 10.96.0.50'] });
    const fs = findings(text, facts);
    assert.deepEqual(fs.map((f) => f.rule), ['externalip-ignored']);
    assert.match(fs[0].message, /it is IPv6 and the Service is IPv4 only \(the API server sets ipFamilies from clusterIP 10\.96\.0\.50\)/);
    // Near misses: with a dual-stack policy, or no ClusterIP at all, the family depends on the cluster: a collision.
    for (const spec of [['  clusterIP: 10.96.0.50', '  ipFamilyPolicy: PreferDualStack'], []]) {
      assert.deepEqual(findings(service(['"2001:db8::11"'], { spec }), facts).map((f) => f.rule), ['externalip-node'], spec.join(' '));
    }
  });

  const ingress = (ipMode: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: lb}\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\nstatus:\n  loadBalancer:\n    ingress:\n    - ip: 192.168.0.11\n      ipMode: ${ipMode}\n`;

  test('ipMode: Proxy is left alone from 1.30 (LoadBalancerIPMode beta): no collision', () => {
    for (const v of ['1.30', '1.32', '1.35', '1.36']) assert.deepEqual(findings(ingress('Proxy'), at(v)), [], v);
  });

  test('ipMode: Proxy on 1.29 (gate alpha, off) is bound like VIP: the collision', () => {
    assert.deepEqual(findings(ingress('Proxy'), at('1.29')).map((f) => [f.rule, f.severity]), [['loadbalancer-ingress-node', 'error']]);
    assert.deepEqual(findings(ingress('VIP'), at('1.36')).map((f) => f.rule), ['loadbalancer-ingress-node']);
  });

  test('load-balancer status on a Service that is not type LoadBalancer: rejected from 1.29, no collision; 1.28 programs it', () => {
    const text = ingress('VIP').replace('type: LoadBalancer', 'type: ClusterIP');
    for (const v of ['1.29', '1.36']) {
      assert.deepEqual(findings(text, at(v)).map((f) => [f.rule, f.message]), [['loadbalancer-ingress-invalid', "status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"]], v);
    }
    assert.deepEqual(findings(text, at('1.28')).map((f) => f.rule), ['loadbalancer-ingress-node']);
  });

  test('AllowServiceExternalIPs: programmed by default on 1.36; the planned 1.40 default (off) programs no externalIP', () => {
    assert.deepEqual(findings(service(['192.168.0.11']), at('1.36')).map((f) => f.rule), ['externalip-node']);
    const off = findings(service(['192.168.0.11']), at('1.40'));
    assert.deepEqual(off.map((f) => f.rule), ['externalip-ignored']);
    assert.match(off[0].message, /AllowServiceExternalIPs gate is off by default in 1\.40/);
  });

  test("kube-proxy's own featureGates: AllowServiceExternalIPs: false on 1.36 programs no externalIP; the gate means nothing before 1.36", () => {
    const gates = 'kubeProxyFeatureGates: {AllowServiceExternalIPs: false}';
    const off = findings(service(['192.168.0.11']), seedFacts({ extra: `kubernetesVersion: "1.36"\n${gates}` }));
    assert.deepEqual(off.map((f) => f.rule), ['externalip-ignored']);
    assert.match(off[0].message, /AllowServiceExternalIPs gate is off \(featureGates, from \.kube-ip-guard\.yaml\)/);
    assert.deepEqual(findings(service(['192.168.0.11']), seedFacts({ extra: `kubernetesVersion: "1.35"\n${gates}` })).map((f) => f.rule), ['externalip-node']);
    // LoadBalancerIPMode turned on in 1.29 (alpha): ipMode Proxy is then honoured.
    assert.deepEqual(findings(ingress('Proxy'), seedFacts({ extra: 'kubernetesVersion: "1.29"\nkubeProxyFeatureGates: {LoadBalancerIPMode: true}' })), []);
  });

  test('kubeProxyFeatureGates must map gate names to booleans', () => {
    const bad = parseConfig('kubeProxyFeatureGates: {AllowServiceExternalIPs: "no", lower: true}\n', 'file:///w/.kube-ip-guard.yaml');
    assert.deepEqual(bad.problems.map((p) => p.message), ['kubeProxyFeatureGates.AllowServiceExternalIPs must be true or false', 'kubeProxyFeatureGates: "lower" is not a feature gate name']);
  });

  test('mode-exact consequences: IPVS binds; iptables binds nothing and REJECTs without endpoints', () => {
    const ipvs = findings(service(['192.168.0.11']), at('1.35'))[0].message;
    assert.match(ipvs, /binds it to kube-ipvs0 on every node/);
    const ipt = findings(service(['192.168.0.11']), seedFacts({ proxyMode: 'iptables' }))[0].message;
    assert.match(ipt, /in iptables mode kube-proxy binds nothing/);
    assert.match(ipt, /REJECT when it has no endpoints/);
    assert.doesNotMatch(ipt, /binds it/);
    const lbip = service([], { type: 'LoadBalancer', spec: ['  loadBalancerIP: 192.168.0.11'] }).replace('  externalIPs:\n', '');
    const lbMsg = findings(lbip, seedFacts({ proxyMode: 'nftables' })).find((f) => f.rule === 'loadbalancer-ip-node')!.message;
    assert.match(lbMsg, /kube-proxy in nftables mode then binds nothing/);
  });
});

describe('the version fact', () => {
  test('parsing: 1.35, v1.35.2, 1.35.2-eks-1, GET /version minor "35+"-style text; not 2.0 or garbage', () => {
    for (const [t, m] of [['1.35', 35], ['v1.35.2', 35], ['1.35.2-eks-4c3b1d2', 35], ['v1.29.0+k3s1', 29]] as const) assert.equal(parseKubernetesVersion(t), m, t);
    for (const t of ['2.0', 'latest', '', '1']) assert.equal(parseKubernetesVersion(t), undefined, t);
  });

  test('config: kubernetesVersion "1.30" and unquoted 1.30 (read as written, not as the number 1.3)', () => {
    for (const written of ['"1.30"', '1.30']) {
      const facts = factsFromConfig(`kubernetesVersion: ${written}\n`);
      assert.equal(facts.kubernetesVersion?.minor, 30, written);
    }
  });

  test('unknown: the newest behaviour known, and the hover text says so', () => {
    const v = versionVerdict(undefined);
    assert.equal(v.minor, 36);
    assert.match(v.description, /^Kubernetes version unknown: verdicts are for 1\.36, the newest release Kube IP Guard knows/);
    assert.deepEqual(behaviourAt(v.minor), behaviourAt(36));
    assert.equal(versionVerdict({ minor: 35, sourceLabel: '.kube-ip-guard.yaml' }).description, 'Kubernetes 1.35 (from .kube-ip-guard.yaml).');
  });

  test('the hover says which release the verdict is for and where that came from, or that it is a guess', () => {
    const text = service(['0192.168.0.11']);
    const offset = text.indexOf('0192');
    const h35 = hoverAt(analyze(text, at('1.35')), offset, at('1.35'))!;
    assert.match(h35.markdown, /Kubernetes 1\.35 \(from \.kube-ip-guard\.yaml\)\./);
    const unknown = seedFacts();
    const h = hoverAt(analyze(text, unknown), offset, unknown)!;
    assert.match(h.markdown, /Kubernetes version unknown: verdicts are for 1\.36/);
    assert.match(h.markdown, /must not have leading 0s/);
  });

  test('every behaviour row cites its upstream source, and rows are in release order', () => {
    for (const [key, rows] of Object.entries(BEHAVIOUR_ROWS)) {
      assert.ok(rows.length > 0, key);
      for (let i = 0; i < rows.length; i++) {
        assert.match(rows[i].source, /\.go\b|KEP-\d+/, `${key} row ${i}`);
        if (i > 0) assert.ok(rows[i].since > rows[i - 1].since, `${key} row ${i}`);
      }
    }
  });
});
