// Limits: a YAML alias bomb (yaml-language-server #463 crashed on one) and a 20 MB manifest must give a result,
// not a hang or a crash.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, hoverAt, skippedForSize } from '../../server/src/engine/index';
import { findings, seedFacts, seedFactsWithoutClash, service, spanText, summarize } from './helpers';

/** Billion laughs: 9 levels of 9 aliases each (9^9 leaves if expanded). */
function aliasBomb(indent: string): string {
  const lines = [`${indent}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  for (let i = 1; i <= 8; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    lines.push(`${indent}${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(', ')}]`);
  }
  return lines.join('\n');
}

describe('alias bomb', () => {
  test('under a Service spec beside a colliding address: returns, and still finds the address', () => {
    const text = `apiVersion: v1\nkind: Service\nmetadata: {name: bomb}\nspec:\n  lol:\n${aliasBomb('    ')}\n  more: *i\n  externalIPs: [192.168.0.11]\n`;
    const a = analyze(text, seedFacts());
    assert.deepEqual(summarize(text, a.findings.filter((f) => f.rule !== 'analysis-limit')), ['externalip-node error "192.168.0.11"']);
    // hover on the same analysis must not expand the bomb either
    assert.ok(hoverAt(a, text.indexOf('192.168.0.11') + 1, seedFacts()));
  });

  test('externalIPs: *i (the bomb itself as the list): returns, every entry reported as not an IP where the list is used', () => {
    const text = `apiVersion: v1\nkind: Service\nmetadata: {name: bomb}\nspec:\n  lol:\n${aliasBomb('    ')}\n  externalIPs: *i\n`;
    const fs = findings(text);
    const invalid = fs.filter((f) => f.rule === 'externalip-invalid');
    assert.equal(invalid.length, 9);
    for (const f of invalid) assert.equal(spanText(text, f), '*i');
  });

  test('a bomb at the document root and in a List', () => {
    const root = `apiVersion: v1\nkind: Service\nmetadata: {name: bomb}\n${aliasBomb('')}\nspec:\n  externalIPs: [192.168.0.10]\n  x: *i\n`;
    assert.deepEqual(findings(root).filter((f) => f.rule !== 'analysis-limit').map((f) => f.rule), ['externalip-apiserver']);
    const list = `apiVersion: v1\nkind: List\n${aliasBomb('')}\nitems: [*i, *i]\n`;
    assert.doesNotThrow(() => findings(list));
  });

  test('self-referencing merge keys and deep alias chains return', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata: {name: loop}\nspec: &s\n  <<: *s\n  externalIPs: [192.168.0.11]\n';
    assert.doesNotThrow(() => findings(text));
    const chain = ['apiVersion: v1', 'kind: Service', 'metadata: {name: chain}', 'spec:', '  a0: &a0 192.168.0.11'];
    for (let i = 1; i < 40; i++) chain.push(`  a${i}: &a${i} *a${i - 1}`);
    chain.push('  externalIPs: [*a39]', '');
    assert.doesNotThrow(() => findings(chain.join('\n')));
  });
});

describe('a 20 MB manifest', () => {
  function deployment(i: number): string {
    return [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      `  name: app-${i}`,
      `  labels: {app: app-${i}}`,
      'spec:',
      '  replicas: 2',
      '  selector:',
      `    matchLabels: {app: app-${i}}`,
      '  template:',
      '    metadata:',
      `      labels: {app: app-${i}}`,
      '    spec:',
      '      containers:',
      '      - name: main',
      `        image: registry.example.com/app-${i}:1.0.${i}`,
      // node addresses appear in Deployments too: never a finding there
      '        args: ["--listen", "0.0.0.0:8080", "--peer", "192.168.0.11"]',
      '        env:',
      '        - {name: NODE_IP, value: "192.168.0.10"}',
      '        ports:',
      '        - containerPort: 8080',
      '',
    ].join('\n');
  }

  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < 20 * 1024 * 1024; i++) {
    const d = deployment(i);
    parts.push(d);
    size += d.length + 4;
    if (i % 5000 === 4999) {
      const s = service([`192.168.0.${20 + parts.length % 7}`], { name: `svc-${i}` });
      parts.push(s);
      size += s.length + 4;
    }
  }
  const bad = service(['192.168.0.25', '192.168.0.11'], { name: 'bad' });
  parts.splice(parts.length - 100, 0, bad);
  const text = parts.join('---\n');

  test('yields exactly the one collision, at the right place', () => {
    assert.ok(text.length >= 20 * 1024 * 1024);
    const a = analyze(text, seedFactsWithoutClash());
    assert.deepEqual(summarize(text, a.findings), ['externalip-node error "192.168.0.11"']);
    assert.equal(a.findings[0].span.start, text.indexOf(bad) + bad.indexOf('- 192.168.0.11') + 2);
  });

  test('over maxLength: one analysis-limit info finding, nothing else', () => {
    const a = analyze(text, seedFacts(), { maxLength: 10 * 1024 * 1024 });
    assert.deepEqual(a.findings.map((f) => [f.rule, f.severity]), [['analysis-limit', 'info']]);
    assert.match(a.findings[0].message, /20\.\d MB, over the limit of 10 MB/);
  });

  test('over maxLength the text is not read: the same analysis from its length alone, whatever it holds', () => {
    const a = analyze(text, seedFacts(), { maxLength: 10 * 1024 * 1024 });
    const silenced = '# kube-ip-guard-disable-file\n' + text.slice(29);
    assert.equal(silenced.length, text.length);
    assert.deepEqual(analyze(silenced, seedFacts(), { maxLength: 10 * 1024 * 1024 }).findings, a.findings);
    assert.deepEqual(skippedForSize(text.length, 10 * 1024 * 1024, seedFacts()).findings, a.findings);
    const off = { ...seedFacts(), rules: { ...seedFacts().rules, 'analysis-limit': 'off' as const } };
    assert.deepEqual(skippedForSize(text.length, 10 * 1024 * 1024, off).findings, []);
  });
});
