// The engine's fast path never costs a finding (issue 7). The fast path splits a stream at `---` lines, parses only
// the documents that mention a checked field, and reuses cached documents across versions. Here it must give exactly
// the findings of the plain full-parse path (`parseAll: true`) on every corpus file and on generated bundles of about
// 1 and 10 MB (the benchmark adds 50 MB), and, after one-line edits in the middle of the 10 MB bundle with a shared
// cache, exactly the findings of a cold analysis of the new text.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { analyze, analyzeSliced, mergeFacts, parseConfig, parseIP, RULE_IDS, type Analysis, type ClusterFacts, type DocumentCache } from '../../server/src/engine/index';
import { generateInventoryConfig, generateManifest, middleAddressLine, nodeAddress, SEED_WORKER } from '../../scripts/bench/generate';

const CORPUS = resolve('..', 'shared', 'corpus');
const MB = 1024 * 1024;

function factsFrom(configText: string): ClusterFacts {
  const cfg = parseConfig(configText, 'file:///workspace/.kube-ip-guard.yaml');
  assert.deepEqual(cfg.problems.map((p) => p.message), [], 'generated config has problems');
  return mergeFacts([cfg.contribution]);
}

/** What must be identical between the two paths: every finding (rule, severity, message, span, related, fixes). */
function outcome(a: Analysis): { findings: Analysis['findings']; suppressed: number } {
  return { findings: a.findings, suppressed: a.suppressed };
}

function sameFindings(text: string, facts: ClusterFacts, label: string): { findings: number; skipped: number } {
  const fast = analyze(text, facts);
  const full = analyze(text, facts, { parseAll: true });
  assert.deepEqual(outcome(fast), outcome(full), `${label}: the fast path's findings differ from the full parse's`);
  return { findings: fast.findings.length, skipped: fast.model.skippedDocuments };
}

function corpusFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) corpusFiles(p, out);
    else out.push(p);
  }
  return out;
}

/**
 * Facts under which every address literal of the corpus is a node's (the generated inventory plus one node per
 * distinct IPv4/IPv6 literal found anywhere in the texts), with every rule on: a document the keyword filter wrongly
 * skipped would then lose findings.
 */
function corpusFacts(texts: string[]): ClusterFacts {
  const keys = new Set<string>();
  const literal = /(?<![\w.:])(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?![\w.:])/g;
  for (const text of texts) {
    for (const m of text.matchAll(literal)) {
      const p = parseIP(m[0]);
      if (p.ok) keys.add(p.ip.key);
    }
  }
  const lines = generateInventoryConfig(200).split('\n');
  lines.splice(lines.indexOf('nodes:') + 1, 0, ...[...keys].map((a, i) => `  - name: harvested-${i}\n    addresses: ['${a}']`));
  lines.push('rules:', ...RULE_IDS.map((id) => `  ${id}: warning`));
  return factsFrom(lines.join('\n'));
}

describe('fast path = full parse', () => {
  test('on every corpus file', { skip: existsSync(CORPUS) ? false : `corpus not found at ${CORPUS}; runs where ../shared/corpus exists` }, (t) => {
    const files = corpusFiles(CORPUS);
    assert.ok(files.length > 250, `found ${files.length} corpus files`);
    const texts = files.map((f) => readFileSync(f, 'utf8'));
    const facts = corpusFacts(texts);
    let findings = 0;
    let skipped = 0;
    texts.forEach((text, i) => {
      const r = sameFindings(text, facts, relative(CORPUS, files[i]));
      findings += r.findings;
      skipped += r.skipped;
    });
    t.diagnostic(`${files.length} files: ${findings} findings on both paths, ${skipped} documents skipped by the filter`);
    // The comparison means something only if both paths found things and the filter skipped things.
    assert.ok(findings > 30, `only ${findings} findings over the corpus`);
    assert.ok(skipped > 300, `the filter skipped only ${skipped} documents`);
  });

  const facts = factsFrom(generateInventoryConfig(5000));
  for (const size of [1, 10]) {
    test(`on a generated ${size} MB bundle, and sliced (as the server reads big files)`, async (t) => {
      const g = generateManifest(size * MB);
      assert.ok(g.text.length >= size * MB);
      const r = sameFindings(g.text, facts, `generated ${size} MB`);
      t.diagnostic(`${g.documents} documents, ${r.findings} findings, ${r.skipped} documents skipped by the filter`);
      const sliced = await analyzeSliced(g.text, facts, {}, () => true);
      assert.ok(sliced, 'not abandoned');
      assert.deepEqual(outcome(sliced), outcome(analyze(g.text, facts)), 'analyzeSliced = analyze');
      assert.ok(r.findings >= g.conflicts, `${r.findings} findings, ${g.conflicts} planted conflicts`);
      assert.ok(r.skipped > g.documents / 2, `only ${r.skipped} of ${g.documents} documents skipped`);
    });
  }
});

describe('incremental = cold', () => {
  test('one-line edits in the middle of a 10 MB bundle, with the cache shared across versions', async () => {
    const facts = factsFrom(generateInventoryConfig(5000));
    const g = generateManifest(10 * MB);
    assert.ok(g.documents > 2000, `${g.documents} documents`);
    const cache: DocumentCache = new Map();
    let text = g.text;
    const first = analyze(text, facts, { cache });
    assert.deepEqual(outcome(first), outcome(analyze(text, facts)), 'first version');

    const mid = middleAddressLine(text);
    assert.ok(mid, 'a free externalIP near the middle');
    const lineStart = text.lastIndexOf('\n', mid.start) + 1;
    const nextLine = text.indexOf('\n', mid.end) + 1;
    // `restore` edits go back to the original text, whose cold findings are `first`'s.
    const edits: { what: string; apply: (t: string) => string; restore?: boolean; check?: (before: Analysis, after: Analysis) => void }[] = [
      {
        what: "the middle Service's externalIP becomes a node's (a longer line: later spans shift)",
        apply: (t) => t.slice(0, mid.start) + nodeAddress(4095) + t.slice(mid.end),
        check: (b, a) => assert.equal(a.findings.length, b.findings.length + 1, 'one more finding'),
      },
      { what: 'and back', apply: () => g.text, restore: true, check: (_b, a) => assert.equal(a.findings.length, first.findings.length) },
      { what: 'a syntax error on that line', apply: (t) => t.slice(0, mid.start) + '[' + t.slice(mid.start) },
      { what: 'fixed again', apply: () => g.text, restore: true },
      { what: 'a `---` line splits the document', apply: (t) => t.slice(0, lineStart) + '---\n' + t.slice(lineStart) },
      { what: 'the marker goes away', apply: () => g.text, restore: true },
      {
        what: 'a line joins two documents (the next `---` is edited away)',
        apply: (t) => {
          const marker = t.indexOf('\n---', mid.end) + 1;
          return t.slice(0, marker) + '#--' + t.slice(marker + 3);
        },
      },
      { what: 'restored', apply: () => g.text, restore: true },
      {
        what: 'an irrelevant document gains a Service field',
        apply: (t) => {
          const dep = t.indexOf('\nkind: Deployment\n', mid.end);
          const at = t.indexOf('\n', dep + 1) + 1;
          return t.slice(0, at) + `externalIPs: [${SEED_WORKER}]\n` + t.slice(at);
        },
      },
      { what: 'a line after the address is deleted', apply: (t) => t.slice(0, nextLine) + t.slice(t.indexOf('\n', nextLine) + 1) },
    ];
    let before = first;
    for (const [i, e] of edits.entries()) {
      text = e.apply(text);
      // Every other version through the sliced reader the server uses for big files, sharing the same cache.
      const warm = i % 2 ? analyze(text, facts, { cache }) : await analyzeSliced(text, facts, { cache }, () => true);
      assert.ok(warm);
      const cold = e.restore ? first : analyze(text, facts);
      assert.deepEqual(outcome(warm), outcome(cold), `after: ${e.what}`);
      assert.ok(warm.model.parsedDocuments <= 3, `after "${e.what}" the cache re-parsed ${warm.model.parsedDocuments} documents`);
      e.check?.(before, warm);
      before = warm;
    }
  });
});

describe('syntax errors', () => {
  // yaml-syntax covers the documents that hold a field we check (rules/index.ts); the YAML extension reports the
  // rest. Both paths must agree on that, whichever documents they parse.
  test('reported in a Service by both paths, in a document without checked fields by neither', () => {
    const facts = factsFrom(generateInventoryConfig(2));
    const text = ['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', 'spec:', '  replicas: [1', '---', 'apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', 'spec:', `  externalIPs: [${SEED_WORKER}`, ''].join('\n');
    const fast = analyze(text, facts);
    assert.deepEqual(outcome(fast), outcome(analyze(text, facts, { parseAll: true })));
    const syntax = fast.findings.filter((f) => f.rule === 'yaml-syntax');
    assert.equal(syntax.length, 1, 'one syntax error, in the Service');
    assert.ok(syntax[0].span.start > text.indexOf('kind: Service'));
  });
});
