// Suppression comments, ESLint-style: disable-line, disable-next-line, disable / enable, each with or without rules.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, Suppressions } from '../../server/src/engine/index';
import { parseIgnoreAnnotation } from '../../server/src/engine/suppression';
import { findings, seedFacts, seedFactsWithoutClash, service, summarize } from './helpers';

const TWO = ['192.168.0.11', '192.168.0.10']; // externalip-node, externalip-apiserver

describe('suppression comments', () => {
  test('control: without comments both findings are there', () => {
    const text = service(TWO);
    assert.deepEqual(findings(text).map((f) => f.rule), ['externalip-node', 'externalip-apiserver']);
  });

  test('disable-line without rules hides everything on that line only', () => {
    const text = service(['192.168.0.11  # kube-ip-guard-disable-line', '192.168.0.10']);
    const a = analyze(text, seedFacts());
    assert.deepEqual(summarize(text, a.findings), ['externalip-apiserver error "192.168.0.10"']);
    assert.equal(a.suppressed, 1);
  });

  test('disable-line with the rule hides it; naming another rule hides nothing', () => {
    const hidden = service(['192.168.0.11 # kube-ip-guard-disable-line externalip-node', '192.168.0.10']);
    assert.deepEqual(findings(hidden).map((f) => f.rule), ['externalip-apiserver']);
    const other = service(['192.168.0.11 # kube-ip-guard-disable-line externalip-apiserver', '192.168.0.10']);
    assert.deepEqual(findings(other).map((f) => f.rule), ['externalip-node', 'externalip-apiserver']);
  });

  test('disable-line with a list of rules (spaces or commas) and a -- reason', () => {
    const text = service('[192.168.0.11, 192.168.000.011] # kube-ip-guard-disable-line externalip-node, externalip-duplicate -- lab cluster');
    assert.deepEqual(findings(text, seedFacts({ extra: 'kubernetesVersion: "1.35"' })).map((f) => f.rule), ['externalip-noncanonical']);
  });

  test('disable-next-line, with and without rules', () => {
    const text = (comment: string) =>
      'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  externalIPs:\n' + `  ${comment}\n` + '  - 192.168.0.11\n  - 192.168.0.10\n';
    assert.deepEqual(findings(text('# kube-ip-guard-disable-next-line')).map((f) => f.rule), ['externalip-apiserver']);
    assert.deepEqual(findings(text('# kube-ip-guard-disable-next-line externalip-node')).map((f) => f.rule), ['externalip-apiserver']);
    assert.deepEqual(findings(text('# kube-ip-guard-disable-next-line externalip-invalid')).map((f) => f.rule), ['externalip-node', 'externalip-apiserver']);
    // Two lines below is not the next line.
    const far = 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  # kube-ip-guard-disable-next-line\n  externalIPs:\n  - 192.168.0.11\n';
    assert.deepEqual(findings(far).map((f) => f.rule), ['externalip-node']);
  });

  test('disable for the rest of the file, then enable', () => {
    const a = service(['192.168.0.11'], { name: 'a' });
    const b = service(['192.168.0.11'], { name: 'b' });
    const c = service(['192.168.0.11'], { name: 'c' });
    const text = a + '---\n# kube-ip-guard-disable\n' + b + '---\n# kube-ip-guard-enable\n' + c;
    const fs = findings(text, seedFactsWithoutClash());
    assert.equal(fs.length, 2);
    assert.ok(fs[0].span.start < text.indexOf('# kube-ip-guard-disable'));
    assert.ok(fs[1].span.start > text.indexOf('# kube-ip-guard-enable'));
    const rest = a + '---\n# kube-ip-guard-disable\n' + b + '---\n' + c;
    assert.equal(findings(rest, seedFactsWithoutClash()).length, 1);
  });

  test('disable with rules hides only those; enable with a rule re-enables only it', () => {
    const text = '# kube-ip-guard-disable externalip-node externalip-apiserver\n' + service(TWO, { name: 'a' }) + '---\n# kube-ip-guard-enable externalip-node\n' + service(TWO, { name: 'b' });
    const fs = findings(text, seedFactsWithoutClash());
    assert.deepEqual(fs.map((f) => f.rule), ['externalip-node']);
    assert.ok(fs[0].span.start > text.indexOf('kube-ip-guard-enable'));
    const other = '# kube-ip-guard-disable externalip-duplicate\n' + service(TWO);
    assert.deepEqual(findings(other).map((f) => f.rule), ['externalip-node', 'externalip-apiserver']);
  });

  test('suppressions also apply to yaml-syntax', () => {
    const broken = 'apiVersion: v1\nkind: Service\nspec:\n  externalIPs: [192.168.0.20\n  type: : x\n';
    const text = (directive: string) => `${directive}\n${broken}---\n${service(['192.168.0.11'])}`;
    assert.deepEqual(findings(text('# kube-ip-guard-disable yaml-syntax')).map((f) => f.rule), ['externalip-node']);
    assert.deepEqual(findings(text('# kube-ip-guard-disable externalip-invalid')).map((f) => f.rule), ['yaml-syntax', 'externalip-node']);
  });

  test('CRLF: directives still work', () => {
    const text = service(['192.168.0.11 # kube-ip-guard-disable-line externalip-node', '192.168.0.10'], { eol: '\r\n' });
    assert.deepEqual(findings(text).map((f) => f.rule), ['externalip-apiserver']);
    const all = service(['192.168.0.11 # kube-ip-guard-disable-line', '192.168.0.10'], { eol: '\r\n' });
    assert.deepEqual(findings(all).map((f) => f.rule), ['externalip-apiserver']);
  });

  test('near misses: not a directive', () => {
    // Not preceded by whitespace, a longer word, or inside a quoted value on the line.
    for (const tail of ['#kube-ip-guard-disable-lines', 'x#kube-ip-guard-disable-line', '# kube-ip-guard-disabled']) {
      const text = service([`192.168.0.11 ${tail}`]).replace('192.168.0.11 x#', '192.168.0.11 #x#');
      assert.equal(findings(text).filter((f) => f.rule === 'externalip-node').length, 1, tail);
    }
  });

  test('# kube-ip-guard-disable-line inside a quoted string value is not a directive', () => {
    const dq = service('[192.168.0.11, "see # kube-ip-guard-disable-line"]');
    assert.deepEqual(findings(dq).map((f) => f.rule), ['externalip-node', 'externalip-invalid']);
    const sq = service("[192.168.0.11, 'see # kube-ip-guard-disable-line']");
    assert.deepEqual(findings(sq).map((f) => f.rule), ['externalip-node', 'externalip-invalid']);
    const nextLine = 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  externalIPs: [" # kube-ip-guard-disable-next-line",\n    192.168.0.11]\n';
    assert.deepEqual(findings(nextLine).map((f) => f.rule), ['externalip-invalid', 'externalip-node']);
  });

  test('a directive-looking line that ends inside a multi-line quoted string is not a directive', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  externalIPs: [192.168.0.11, "x # kube-ip-guard-disable-line\n    y"]\n';
    assert.deepEqual(findings(text).map((f) => f.rule), ['externalip-node', 'externalip-invalid']);
  });

  test('# kube-ip-guard-disable inside a block scalar value is not a directive', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  annotations:\n    help: |\n      to silence the linter, write # kube-ip-guard-disable\nspec:\n  externalIPs: [192.168.0.11]\n';
    assert.deepEqual(findings(text).map((f) => f.rule), ['externalip-node']);
  });

  test('Suppressions on its own: line arithmetic', () => {
    const text = 'a: 1 # kube-ip-guard-disable-line r1\n# kube-ip-guard-disable-next-line\nb: 2\nc: 3\n';
    const s = new Suppressions(text);
    assert.equal(s.empty, false);
    assert.equal(s.isSuppressed('r1', 0), true);
    assert.equal(s.isSuppressed('r2', 0), false);
    assert.equal(s.isSuppressed('any', text.indexOf('b: 2')), true);
    assert.equal(s.isSuppressed('any', text.indexOf('c: 3')), false);
    assert.equal(new Suppressions('a: 1\n').empty, true);
  });
});

describe('the kube-ip-guard.io/ignore annotation', () => {
  const annotate = (text: string, value: string) => text.replace('  name: busybox\n', `  name: busybox\n  annotations:\n    kube-ip-guard.io/ignore: ${JSON.stringify(value)}\n`);

  test('parsing: a list with commas or spaces, a -- reason, * for every rule', () => {
    assert.deepEqual(parseIgnoreAnnotation('externalip-node, externalip-apiserver'), ['externalip-node', 'externalip-apiserver']);
    assert.deepEqual(parseIgnoreAnnotation('externalip-node -- drained for the test, see #12'), ['externalip-node']);
    assert.equal(parseIgnoreAnnotation('*'), 'all');
    assert.equal(parseIgnoreAnnotation(' -- only a reason'), undefined);
  });

  test('it hides the rules it names on its object, and nothing else', () => {
    const text = service(TWO);
    assert.notEqual(annotate(text, 'x'), text, 'the annotation was placed');
    assert.deepEqual(findings(annotate(text, 'externalip-node')).map((f) => f.rule), ['externalip-apiserver']);
    assert.deepEqual(findings(annotate(text, 'externalip-node, externalip-apiserver -- lab')).map((f) => f.rule), []);
    assert.deepEqual(findings(annotate(text, '*')).map((f) => f.rule), []);
    assert.deepEqual(findings(annotate(text, 'externalip-duplicate')).map((f) => f.rule), ['externalip-node', 'externalip-apiserver']);
    const a = analyze(annotate(text, 'externalip-node'), seedFacts());
    assert.equal(a.suppressed, 1, 'counted as suppressed');
    // Another object in the same stream keeps its findings.
    const first = annotate(text, '*');
    const both = `${first}---\n${service(['192.168.0.11'], { name: 'other' })}`;
    const rest = findings(both);
    assert.deepEqual(rest.map((f) => f.rule), ['externalip-node', 'externalip-port-clash'], 'the clash is reported on the other Service only');
    assert.ok(rest.every((f) => f.span.start > first.length));
  });

  test('on an address pool too; a non-string value or another annotation hides nothing', () => {
    const pool = 'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: p\n  annotations:\n    kube-ip-guard.io/ignore: ippool-node\nspec:\n  addresses: [192.168.0.0/24]\n';
    assert.deepEqual(findings(pool).map((f) => f.rule), []);
    assert.deepEqual(findings(pool.replace('ignore: ippool-node', 'ignore: externalip-node')).map((f) => f.rule), ['ippool-node']);
    assert.deepEqual(findings(pool.replace('kube-ip-guard.io/ignore', 'example.com/ignore')).map((f) => f.rule), ['ippool-node']);
  });
});
