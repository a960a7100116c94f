// Tests for syntaxes/ip-literals.injection.tmLanguage.json with a real TextMate engine (vscode-textmate +
// vscode-oniguruma, the engine VS Code itself uses), injected into the YAML grammar shipped by the `tm-grammars`
// package (textmate/yaml.tmbundle, pinned by exact version so the host scopes asserted below do not drift).
// Files are resolved from process.cwd(), the repository root (scripts/run-tests.mjs bundles this file into out/test-<pid>).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import * as fc from 'fast-check';
import * as vsctm from 'vscode-textmate';
import * as oniguruma from 'vscode-oniguruma';

const ROOT = process.cwd();
const INJECTION_PATH = join(ROOT, 'syntaxes', 'ip-literals.injection.tmLanguage.json');
const INJECTION_SCOPE = 'kube-ip-guard.ip-literals.injection';
const rootRequire = createRequire(join(ROOT, 'package.json'));
const YAML_PATH = rootRequire.resolve('tm-grammars/grammars/yaml.json');
const WASM_PATH = rootRequire.resolve('vscode-oniguruma/release/onig.wasm');

const V4 = 'constant.numeric.ip.v4.kube-ip-guard';
const V6 = 'constant.numeric.ip.v6.kube-ip-guard';
const PREFIX = 'constant.numeric.ip.cidr-prefix.kube-ip-guard';
const CIDR = 'meta.cidr.kube-ip-guard';
const RANGE = 'meta.ip-range.kube-ip-guard';
const RANGE_SEP = 'punctuation.separator.range.kube-ip-guard';

interface Tok {
  line: number;
  text: string;
  scopes: string[];
}

let grammarPromise: Promise<vsctm.IGrammar> | undefined;
function yamlGrammar(): Promise<vsctm.IGrammar> {
  grammarPromise ??= (async () => {
    const wasm = readFileSync(WASM_PATH);
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const files: Record<string, string> = { 'source.yaml': YAML_PATH, [INJECTION_SCOPE]: INJECTION_PATH };
    const registry = new vsctm.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: (scopeName: string) => {
        const file = files[scopeName];
        return Promise.resolve(file ? vsctm.parseRawGrammar(readFileSync(file, 'utf8'), file) : null);
      },
      // What VS Code does for contributes.grammars[].injectTo: ["source.yaml"].
      getInjections: (scopeName: string) => (scopeName === 'source.yaml' ? [INJECTION_SCOPE] : undefined),
    });
    const g = await registry.loadGrammar('source.yaml');
    if (!g) throw new Error('could not load source.yaml');
    return g;
  })();
  return grammarPromise;
}

/** Tokenizes a whole YAML text line by line (carrying the rule stack, as an editor does). */
async function tokenize(text: string): Promise<Tok[]> {
  const g = await yamlGrammar();
  const out: Tok[] = [];
  let stack = vsctm.INITIAL;
  text.split('\n').forEach((line, i) => {
    const r = g.tokenizeLine(line, stack);
    stack = r.ruleStack;
    for (const t of r.tokens) out.push({ line: i, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
  });
  return out;
}

const isOurs = (t: Tok) => t.scopes.some((s) => s.endsWith('.kube-ip-guard'));
async function ipTokens(text: string): Promise<Tok[]> {
  return (await tokenize(text)).filter(isOurs);
}
/** [text, scopes] of every token with one of our scopes; the compact form used by the exact assertions. */
async function ipScopes(text: string): Promise<Array<[string, string[]]>> {
  return (await ipTokens(text)).map((t) => [t.text, t.scopes]);
}

// ---------------------------------------------------------------------------------------------------------------
test('grammar file: scope name, injection selector, documented comment', () => {
  const g = JSON.parse(readFileSync(INJECTION_PATH, 'utf8'));
  assert.equal(g.scopeName, INJECTION_SCOPE);
  assert.equal(g.injectionSelector, 'L:source.yaml -comment');
  assert.match(g.comment, /cidr-prefix/);
  assert.ok(Array.isArray(g.patterns) && g.patterns.length > 0);
});

test('flow sequence: plain, double- and single-quoted, IPv4 and IPv6', async () => {
  const S = 'meta.flow-sequence.yaml';
  assert.deepEqual(await ipScopes(`externalIPs: [10.0.0.1, "10.0.0.2", 'fe80::1', ::ffff:1.2.3.4, 2001:db8::1]`), [
    ['10.0.0.1', ['source.yaml', S, V4]],
    ['10.0.0.2', ['source.yaml', S, 'string.quoted.double.yaml', V4]],
    ['fe80::1', ['source.yaml', S, 'string.quoted.single.yaml', V6]],
    ['::ffff:1.2.3.4', ['source.yaml', S, V6]],
    ['2001:db8::1', ['source.yaml', S, V6]],
  ]);
});

test('plain scalars: an address that starts the scalar is its own token; later ones nest in the string scope', async () => {
  assert.deepEqual(await ipScopes('clusterIP: 10.96.0.1'), [['10.96.0.1', ['source.yaml', V4]]]);
  assert.deepEqual(await ipScopes('- 192.168.0.11'), [['192.168.0.11', ['source.yaml', V4]]]);
  assert.deepEqual(await ipScopes('desc: moved from 192.168.0.11 to fe80::1 today'), [
    ['192.168.0.11', ['source.yaml', 'string.unquoted.plain.out.yaml', V4]],
    ['fe80::1', ['source.yaml', 'string.unquoted.plain.out.yaml', V6]],
  ]);
  // Not mis-scoped as the YAML grammar's float: the whole literal is one IP token.
  const toks = await tokenize('x: 10.0.0.1');
  assert.ok(!toks.some((t) => t.scopes.includes('constant.numeric.float.yaml')));
  // Flow mapping values, and addresses used as keys.
  assert.deepEqual(await ipScopes('x: {a: 10.0.0.1, b: "::1"}'), [
    ['10.0.0.1', ['source.yaml', 'meta.flow-mapping.yaml', 'meta.flow-pair.yaml', 'meta.flow-pair.value.yaml', V4]],
    ['::1', ['source.yaml', 'meta.flow-mapping.yaml', 'meta.flow-pair.yaml', 'meta.flow-pair.value.yaml', 'string.quoted.double.yaml', V6]],
  ]);
  assert.deepEqual(await ipScopes('10.0.0.1: node-0'), [['10.0.0.1', ['source.yaml', V4]]]);
});

test('IPv6 compressed and full forms are one token each', async () => {
  const cases = [
    '::1', '::', '2001:db8::1', 'fe80::1', '::ffff:1.2.3.4', '::ffff:192.168.0.11', '1::', '2001:DB8::A',
    '2001:db8:0:0:0:0:0:1', '2001:0db8:0000:0000:0000:ff00:0042:8329', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8',
    '1::2:3:4:5:6:7', '64:ff9b::192.0.2.33', '1:2:3:4:5:6:1.2.3.4', 'fd00:10:96::a',
  ];
  for (const ip of cases) {
    for (const [line, expected] of [
      [`a: ${ip}`, ['source.yaml', V6]],
      [`a: "${ip}"`, ['source.yaml', 'string.quoted.double.yaml', V6]],
      [`a: [${ip}]`, ['source.yaml', 'meta.flow-sequence.yaml', V6]],
    ] as Array<[string, string[]]>) {
      assert.deepEqual(await ipScopes(line), [[ip, expected]], line);
    }
  }
});

test('CIDRs: the address keeps its family scope, "/N" gets the prefix scope, both inside meta.cidr', async () => {
  assert.deepEqual(await ipScopes('serviceCIDR: 10.0.0.0/16'), [
    ['10.0.0.0', ['source.yaml', CIDR, V4]],
    ['/16', ['source.yaml', CIDR, PREFIX]],
  ]);
  assert.deepEqual(await ipScopes('- "2001:db8::/32"'), [
    ['2001:db8::', ['source.yaml', 'string.quoted.double.yaml', CIDR, V6]],
    ['/32', ['source.yaml', 'string.quoted.double.yaml', CIDR, PREFIX]],
  ]);
  assert.deepEqual(await ipScopes('c: [0.0.0.0/0, ::/0, 192.168.0.1/32, fd00::/128]'), [
    ['0.0.0.0', ['source.yaml', 'meta.flow-sequence.yaml', CIDR, V4]],
    ['/0', ['source.yaml', 'meta.flow-sequence.yaml', CIDR, PREFIX]],
    ['::', ['source.yaml', 'meta.flow-sequence.yaml', CIDR, V6]],
    ['/0', ['source.yaml', 'meta.flow-sequence.yaml', CIDR, PREFIX]],
    ['192.168.0.1', ['source.yaml', 'meta.flow-sequence.yaml', CIDR, V4]],
    ['/32', ['source.yaml', 'meta.flow-sequence.yaml', CIDR, PREFIX]],
    ['fd00::', ['source.yaml', 'meta.flow-sequence.yaml', CIDR, V6]],
    ['/128', ['source.yaml', 'meta.flow-sequence.yaml', CIDR, PREFIX]],
  ]);
  // Out-of-range prefixes: nothing is scoped (neither the address nor the prefix).
  for (const bad of ['10.0.0.0/33', '10.0.0.0/016x', '2001:db8::/129', '10.0.0.0/160']) {
    assert.deepEqual(await ipScopes(`c: ${bad}`), [], bad);
  }
});

test('address ranges a-b (MetalLB pools, externalIPPool)', async () => {
  assert.deepEqual(await ipScopes('- 192.168.10.0-192.168.10.255'), [
    ['192.168.10.0', ['source.yaml', RANGE, V4]],
    ['-', ['source.yaml', RANGE, RANGE_SEP]],
    ['192.168.10.255', ['source.yaml', RANGE, V4]],
  ]);
  assert.deepEqual(await ipScopes("- 'fc00::1-fc00::ff'"), [
    ['fc00::1', ['source.yaml', 'string.quoted.single.yaml', RANGE, V6]],
    ['-', ['source.yaml', 'string.quoted.single.yaml', RANGE, RANGE_SEP]],
    ['fc00::ff', ['source.yaml', 'string.quoted.single.yaml', RANGE, V6]],
  ]);
  // Mixed families or a broken half: no scope at all rather than half a range.
  assert.deepEqual(await ipScopes('- 10.0.0.1-fc00::1'), []);
  assert.deepEqual(await ipScopes('- 10.0.0.1-10.0.0.256'), []);
});

test('host:port, [v6]:port and URLs scope just the address', async () => {
  const P = 'string.unquoted.plain.out.yaml';
  assert.deepEqual(await ipScopes('server: https://10.0.0.1:6443'), [['10.0.0.1', ['source.yaml', P, V4]]]);
  assert.deepEqual(await ipScopes('server: https://[2001:db8::1]:6443/healthz'), [['2001:db8::1', ['source.yaml', P, V6]]]);
  assert.deepEqual(await ipScopes('apiServer: [10.0.0.1:6443, "[fd00::1]:6443"]'), [
    ['10.0.0.1', ['source.yaml', 'meta.flow-sequence.yaml', V4]],
    ['fd00::1', ['source.yaml', 'meta.flow-sequence.yaml', 'string.quoted.double.yaml', V6]],
  ]);
  assert.deepEqual(await ipScopes('arg: --advertise-address=192.168.0.10'), [['192.168.0.10', ['source.yaml', P, V4]]]);
  assert.deepEqual(await ipScopes('zone: fe80::1%eth0'), [['fe80::1', ['source.yaml', V6]]]);
  // Leading zeros are scoped on purpose: the language server reports them ("must not have leading 0s").
  assert.deepEqual(await ipScopes('ip: 192.168.000.011'), [['192.168.000.011', ['source.yaml', V4]]]);
});

test('no IP scope on versions, image tags, times, MACs and numbers glued to words', async () => {
  const negatives = [
    '1.2.3', '1.25', 'nginx:1.25.3', 'registry.local:5000/nginx:1.25.3', 'quay.io/app:v1.2.3.4', '12:30:45', '12:30',
    'a:b', 'ab:cd', '1:2:3:4:5:6:7', '00:1a:2b:3c:4d:5e', '00-1A-2B-3C-4D-5E', '001a.2b3c.4d5e', 'v1.2.3.4x',
    'v1.2.3.4', '1.2.3.4x', 'x1.2.3.4', '1.2.3.4.5', '1.2.3.4-rc1', 'chart-1.2.3.4', '256.1.1.1', '1.2.3.999',
    '2024-05-01T12:30:45Z', '2024-05-01 12:30:45.123 +02:00', '0x7f.0.0.1', '1::2::3', '1:2:3:4:5:6:7:8:9',
    '12345::1', 'gggg::1', '::ffff:1.2.3', 'std::vector', 'a::b::c', '1:2:3:4:5:6:7:8::', ':::1', '10.0.0.',
    '.10.0.0.1', 'foo_10.0.0.1', '10.0.0.1_bar', 'sha256:abcd1234', 'fe80:1', '1.2.3.4:5:6:7:8:9',
  ];
  for (const v of negatives) {
    for (const line of [`k: ${v}`, `k: "${v}"`, `k: '${v}'`, `k: [${v}]`, `- ${v}`, `k: text ${v} text`]) {
      assert.deepEqual(await ipScopes(line), [], line);
    }
  }
});

test('addresses in comments are not scoped', async () => {
  for (const line of [
    '# 10.0.0.1',
    '    # - 192.168.0.10',
    '#2001:db8::1',
    'key: value # was 10.0.0.1, then fe80::1 and 10.0.0.0/8',
    'externalIPs: [10.0.0.1] # not 10.0.0.2',
    '- "10.0.0.1" # 10.0.0.3-10.0.0.9',
  ]) {
    const toks = await tokenize(line);
    for (const t of toks.filter((t) => t.scopes.some((s) => s.startsWith('comment.')))) {
      assert.ok(!isOurs(t), `${line}: comment token ${JSON.stringify(t.text)} got ${t.scopes.join(' ')}`);
    }
    const commentText = toks.filter((t) => t.scopes.some((s) => s.startsWith('comment.'))).map((t) => t.text).join('');
    assert.ok(commentText.length > 1, `${line}: the host grammar should see a comment`);
    // Only the addresses before the comment are scoped.
    const before = line.slice(0, line.indexOf('#'));
    for (const t of toks.filter(isOurs)) assert.ok(before.includes(t.text), `${line}: ${t.text}`);
  }
  // "#" not preceded by a space does not start a YAML comment, so this address is data.
  assert.deepEqual(await ipScopes('k: foo#10.0.0.1'), [['10.0.0.1', ['source.yaml', 'string.unquoted.plain.out.yaml', V4]]]);
});

test('a realistic multi-document file (fixture)', async () => {
  const text = readFileSync(join(ROOT, 'test', 'fixtures', 'grammar', 'service.yaml'), 'utf8');
  const got = (await ipTokens(text)).map((t) => `${t.line + 1}:${t.text}:${t.scopes[t.scopes.length - 1]}`);
  assert.deepEqual(got, [
    `11:192.168.0.11:${V4}`, // inside the literal block scalar
    `11:192.168.0.15:${V4}`,
    `14:10.96.0.20:${V4}`,
    `16:192.168.0.11:${V4}`,
    `17:2001:db8::1:${V6}`,
    `19:::ffff:192.168.0.12:${V6}`,
    `28:192.168.10.0:${V4}`,
    `28:/24:${PREFIX}`,
    `28:fc00:f853:ccd:e799:::${V6}`,
    `28:/124:${PREFIX}`,
    `28:192.168.20.1:${V4}`,
    `28:-:${RANGE_SEP}`,
    `28:192.168.20.9:${V4}`,
  ]);
  // A CR left at the end of a line (CRLF file read by a host that does not strip it) does not stop a match.
  assert.deepEqual((await ipTokens('    - 192.168.0.11\r')).map((t) => t.text), ['192.168.0.11']);
});

// ---------------------------------------------------------------------------------------------------------------
// Properties: every valid address is one token of the right family; every token we produce is a valid address.

/** Oracle for a token's text: node's parser, except that IPv4 octets with leading zeros are accepted on purpose. */
function family(text: string): 0 | 4 | 6 {
  if (text.includes('%')) return 0; // node accepts zones (fe80::1%eth0); the grammar scopes only the address part
  const f = isIP(text);
  if (f === 4 || f === 6) return f;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  return m && m.slice(1).every((o) => Number(o) <= 255) ? 4 : 0;
}

function checkTokensAreAddresses(toks: Tok[], line: string): void {
  for (const t of toks) {
    const leaf = t.scopes[t.scopes.length - 1];
    if (leaf === V4) assert.equal(family(t.text), 4, `${line}: ${t.text} scoped v4`);
    else if (leaf === V6) assert.equal(family(t.text), 6, `${line}: ${t.text} scoped v6`);
    else if (leaf === PREFIX) {
      const m = /^\/(\d+)$/.exec(t.text);
      assert.ok(m && Number(m[1]) <= 128, `${line}: prefix ${t.text}`);
    } else assert.equal(leaf, RANGE_SEP, `${line}: unexpected leaf scope ${leaf}`);
  }
}

test('property: generated IPv4/IPv6 addresses are one token of the right family in every context', async () => {
  const addr = fc.oneof(
    fc.ipV4().map((a) => [a, V4] as const),
    fc.ipV6().map((a) => [a, V6] as const),
    fc.ipV6().map((a) => [a.toUpperCase(), V6] as const),
  );
  const ctx = fc.constantFrom((a: string) => `k: ${a}`, (a: string) => `- "${a}"`, (a: string) => `k: [x, ${a}, y]`,
    (a: string) => `k: text ${a} text`, (a: string) => `k: '${a}'`);
  await fc.assert(
    fc.asyncProperty(addr, ctx, async ([a, scope], wrap) => {
      const line = wrap(a);
      const toks = await ipTokens(line);
      assert.equal(toks.length, 1, `${line}: ${JSON.stringify(toks)}`);
      assert.equal(toks[0].text, a, line);
      assert.equal(toks[0].scopes[toks[0].scopes.length - 1], scope, line);
    }),
    { numRuns: 400 },
  );
});

test('property: near-miss strings never produce a token that is not an address', async () => {
  const piece = fc.constantFrom('0', '1', '9', '01', '10', '25', '255', '256', '999', 'ff', 'FFFF', 'db8', '12345',
    'g', 'x', 'v', ':', ':', '::', '.', '.', '/', '/24', '/129', '-', '%', ' ');
  const near = fc.oneof(
    fc.array(piece, { minLength: 1, maxLength: 16 }).map((p) => p.join('')),
    // Mutations of real addresses: drop, duplicate or replace one character.
    fc.tuple(fc.oneof(fc.ipV4(), fc.ipV6()), fc.nat(), fc.constantFrom('', ':', '.', '1', 'f', 'g', '::'))
      .map(([a, i, c]) => a.slice(0, i % (a.length + 1)) + c + a.slice((i % (a.length + 1)) + 1)),
  );
  await fc.assert(
    fc.asyncProperty(near, async (s) => {
      for (const line of [`k: ${s}`, `k: "${s}"`, `k: [${s}]`]) {
        checkTokensAreAddresses(await ipTokens(line), line);
      }
      // Completeness: a string that is exactly an address is scoped whole.
      const f = family(s);
      if (f) {
        const toks = await ipTokens(`k: "${s}"`);
        assert.deepEqual(toks.map((t) => t.text), [s], s);
      }
    }),
    { numRuns: 1500 },
  );
});

// Catastrophic backtracking would not end at all on these inputs; the test's timeout bounds that hang.
test('no catastrophic backtracking: every injection regex scans long colon/dot/hex runs to the end', { timeout: 120_000 }, async () => {
  // Measured on the injection's own regexes (the host YAML grammar has slow spots of its own on such lines).
  await yamlGrammar(); // loads the wasm
  const g = JSON.parse(readFileSync(INJECTION_PATH, 'utf8'));
  const regexes: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'match' && typeof x === 'string') regexes.push(x);
        else walk(x);
      }
    }
  };
  walk(g);
  assert.ok(regexes.length >= 6, `found ${regexes.length} regexes`);
  const scanner = new oniguruma.OnigScanner(regexes); // throws if any regex does not compile in Oniguruma
  const inputs = [
    '1:'.repeat(5000), 'ffff:'.repeat(2000) + ':', '1.'.repeat(5000), '::'.repeat(3000), '1:1:1:1:1:1:1:1:'.repeat(500),
    '1.1.1.1-'.repeat(1000), 'fe80::1-'.repeat(1000), '1234:5678:9abc:def0:'.repeat(400) + '1.2.3.4', '0'.repeat(10000),
  ];
  for (const input of inputs) {
    const str = new oniguruma.OnigString(input);
    let pos = 0;
    for (let m = scanner.findNextMatchSync(str, pos); m; m = scanner.findNextMatchSync(str, pos)) {
      pos = Math.max(pos + 1, m.captureIndices[0].end);
    }
    str.dispose();
  }
  scanner.dispose();
});
