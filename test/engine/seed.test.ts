// The acceptance floor of the product (issue 2) on the seed's own manifest, examples/seed-cluster/deployment.yaml.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { analyze, applyEdits, fixesFor, hoverAt } from '../../server/src/engine/index';
import { seedFacts, spanText, summarize } from './helpers';

const SEED = readFileSync(join(process.cwd(), 'examples', 'seed-cluster', 'deployment.yaml'), 'utf8');

describe('the seed manifest', () => {
  test('exactly one diagnostic: externalip-node, error, on - 192.168.0.11; hover names k8s-node-1', () => {
    const facts = seedFacts();
    const a = analyze(SEED, facts);
    assert.deepEqual(summarize(SEED, a.findings), ['externalip-node error "192.168.0.11"']);
    const line = SEED.slice(SEED.lastIndexOf('\n', a.findings[0].span.start) + 1, SEED.indexOf('\n', a.findings[0].span.start));
    assert.equal(line, '  - 192.168.0.11');
    assert.match(hoverAt(a, a.findings[0].span.start + 3, facts)?.markdown ?? '', /k8s-node-1/);
  });

  test('"Remove this address" leaves valid YAML with no externalIPs key and no diagnostic', () => {
    const facts = seedFacts();
    const f = analyze(SEED, facts).findings[0];
    const [preferred] = fixesFor(SEED, { rule: f.rule, span: f.span, address: f.data.address, fixes: f.data.fixes }, facts);
    assert.equal(preferred.kind, 'remove-address');
    const fixed = applyEdits(SEED, preferred.edits);
    for (const d of parseAllDocuments(fixed)) assert.deepEqual(d.errors, []);
    assert.doesNotMatch(fixed, /externalIPs/);
    assert.deepEqual(analyze(fixed, facts).findings, []);
    // Only those two lines went away.
    assert.equal(fixed, SEED.replace('  externalIPs:\n  - 192.168.0.11\n', ''));
  });

  test('with 192.168.0.10 it is externalip-apiserver; with 192.168.0.15, nothing', () => {
    const ten = SEED.replace('- 192.168.0.11', '- 192.168.0.10');
    const fs = analyze(ten, seedFacts()).findings;
    assert.deepEqual(fs.map((f) => [f.rule, f.severity, spanText(ten, f)]), [['externalip-apiserver', 'error', '192.168.0.10']]);
    assert.deepEqual(analyze(SEED.replace('- 192.168.0.11', '- 192.168.0.15'), seedFacts()).findings, []);
  });
});
