// Determinism: the same text gives deep-equal findings; the per-document cache and the keyword filter are
// invisible in the results.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, type DocumentCache } from '../../server/src/engine/index';
import { seedFacts, service } from './helpers';

const deployment = (i: number) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d${i}}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: "img:${i}"}]\n`;

const MIXED = [
  service(['192.168.0.11', '192.168.000.011', '"1.2.3"'], { name: 'a' }),
  deployment(1),
  'apiVersion: v1\nkind: Service\nmetadata: {name: broken}\nspec:\n  externalIPs: [192.168.0.12\n  type: : x\n',
  service('[127.0.0.1, 2001:DB8::1, 192.168.0.10]', { name: 'b' }),
  'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: c}\n  spec:\n    externalIPs: [&x 192.168.0.20, *x]\n',
  deployment(2),
  service(['2001:DB8::1'], { name: 'd' }),
].join('---\n');

/** Findings without object identity, for comparison. */
const plain = (text: string, options?: Parameters<typeof analyze>[2]) => JSON.parse(JSON.stringify(analyze(text, seedFacts(), options).findings));

describe('determinism', () => {
  test('the fixture exercises many rules (sanity)', () => {
    const rules = new Set(analyze(MIXED, seedFacts()).findings.map((f) => f.rule));
    for (const r of ['externalip-node', 'externalip-apiserver', 'externalip-invalid', 'externalip-special', 'externalip-noncanonical', 'externalip-duplicate', 'yaml-syntax']) {
      assert.ok(rules.has(r), r);
    }
  });

  test('analyzing the same text twice gives deep-equal findings', () => {
    const facts = seedFacts();
    const a = analyze(MIXED, facts).findings;
    const b = analyze(MIXED, facts).findings;
    assert.deepEqual(b, a);
    assert.deepEqual(analyze(MIXED, seedFacts()).findings, a, 'fresh facts object');
  });

  test('a shared cache across edits gives the same findings as no cache', () => {
    const cache: DocumentCache = new Map();
    const docs = MIXED.split('---\n');
    const versions = [
      MIXED,
      // edit the first document (shifts every later offset)
      [docs[0].replace('name: a', 'name: a-renamed'), ...docs.slice(1)].join('---\n'),
      // fix the broken one
      [docs[0], docs[1], docs[2].replace('  type: : x\n', '').replace('192.168.0.12', '192.168.0.12]'), ...docs.slice(3)].join('---\n'),
      // drop a document, then add one at the front
      [docs[0], ...docs.slice(2)].join('---\n'),
      [service(['192.168.0.11'], { name: 'new' }), ...docs].join('---\n'),
      // back to the original text
      MIXED,
      MIXED,
    ];
    for (const [i, text] of versions.entries()) {
      assert.deepEqual(plain(text, { cache }), plain(text), `version ${i}`);
    }
    assert.ok(cache.size > 0);
  });

  test('the cache reuses unchanged documents (parses fewer documents the second time)', () => {
    const cache: DocumentCache = new Map();
    const first = analyze(MIXED, seedFacts(), { cache });
    const second = analyze(MIXED.replace('name: a', 'name: aa'), seedFacts(), { cache });
    assert.ok(second.model.parsedDocuments < first.model.parsedDocuments, `${second.model.parsedDocuments} < ${first.model.parsedDocuments}`);
  });

  test('parseAll: true gives the same findings as the default keyword filter', () => {
    assert.deepEqual(plain(MIXED, { parseAll: true }), plain(MIXED));
    const a = analyze(MIXED, seedFacts());
    const b = analyze(MIXED, seedFacts(), { parseAll: true });
    assert.ok(a.model.skippedDocuments >= 2);
    assert.equal(b.model.skippedDocuments, 0);
  });

  test('parseAll on the tricky inputs too (CRLF, %YAML, Helm)', () => {
    const inputs = [
      service(['192.168.0.11', '192.168.0.10'], { eol: '\r\n' }) + '---\r\n' + deployment(3).replace(/\n/g, '\r\n'),
      '%YAML 1.2\n---\n' + service(['192.168.0.11']) + '---\n' + deployment(4),
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  externalIPs:\n  - 192.168.0.11\n---\n' + deployment(5),
    ];
    for (const text of inputs) assert.deepEqual(plain(text, { parseAll: true }), plain(text));
  });
});
