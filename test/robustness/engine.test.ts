// Property tests over the engine: whatever a workspace holds, analyze() returns, every span lies inside the text, the
// same text gives the same findings, and every quick fix gives YAML that parses and no longer has its finding.
// Seeds are fixed (gen.ts); `npm run soak` runs the same properties with more cases and random seeds.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyze } from '../../server/src/engine/index';
import { assertSpans, checkEngine, safeAnalyze } from './check';
import {
  badUtf8Arb,
  CORPUS_SKIP,
  corpusFiles,
  counted,
  deepNestingArb,
  FACTS,
  factsArb,
  fuzzConfig,
  genericDocArb,
  manifestArb,
  mutate,
  mutationsArb,
  plainManifestArb,
  randomBytesTextArb,
  reportCases,
  spliceBytes,
} from './gen';

after(() => reportCases('engine'));

const mutatedArb = fc.tuple(manifestArb, mutationsArb).map(([base, ms]) => ({ base, text: ms.reduce(mutate, base), ms }));
const corpus = corpusFiles();
const corpusMutatedArb = corpus.length
  ? fc.tuple(fc.integer({ min: 0, max: corpus.length - 1 }), mutationsArb).map(([i, ms]) => ({ base: corpus[i].text, text: ms.reduce(mutate, corpus[i].text), ms, path: corpus[i].path }))
  : undefined;

describe('engine: no exception, spans inside, deterministic', () => {
  test('generated manifests (every rule, every YAML style): also through a cache, with the keyword filter off, hovers', () => {
    fc.assert(fc.property(manifestArb, factsArb, counted('generated manifests: safety+determinism', (text, facts) => void checkEngine(text, facts, { maxFixes: 0 }))), fuzzConfig(500));
  });

  test('generated manifests read as Helm values files', () => {
    fc.assert(fc.property(manifestArb, counted('generated manifests as Helm values', (text) => void checkEngine(text, FACTS.ipvs, { maxFixes: 0, helmValues: true }))), fuzzConfig(150));
  });

  test('mutated manifests: truncations, byte flips, indentation damage, huge scalars, nesting, thousands of anchors, NUL, invalid UTF-8', () => {
    fc.assert(
      fc.property(mutatedArb, factsArb, counted('mutated manifests: safety+determinism', ({ base, text }, facts) => void checkEngine(text, facts, { maxFixes: 0, previous: base, parseAll: text.length < 100_000 }))),
      fuzzConfig(250),
    );
  });

  test('mutations of the corpus documents', (t) => {
    if (!corpusMutatedArb) return t.skip(CORPUS_SKIP);
    fc.assert(fc.property(corpusMutatedArb, factsArb, counted('corpus mutations: safety+determinism', ({ base, text }, facts) => void checkEngine(text, facts, { maxFixes: 0, previous: base, parseAll: false }))), fuzzConfig(300));
  });

  test('the large corpus files, whole and truncated', (t) => {
    const big = corpusFiles(Infinity).filter((f) => f.text.length > 150_000);
    if (!big.length) return t.skip(CORPUS_SKIP);
    for (const f of big) {
      for (const cut of [1, 0.61, 0.37]) {
        const text = f.text.slice(0, Math.floor(f.text.length * cut));
        const a = safeAnalyze(text, FACTS.ipvs);
        assertSpans(text, a);
        assert.deepEqual(JSON.parse(JSON.stringify(safeAnalyze(text, FACTS.ipvs).findings)), JSON.parse(JSON.stringify(a.findings)), `${f.path} cut at ${cut}`);
        counted('large corpus files (whole and truncated)', () => undefined)();
      }
    }
  });

  test('generic YAML of any shape, as a document, a Service or its spec', () => {
    fc.assert(fc.property(genericDocArb, factsArb, counted('generic YAML: safety+determinism', (text, facts) => void checkEngine(text, facts, { maxFixes: 0 }))), fuzzConfig(500));
  });

  test('random bytes decoded as the server decodes them (UTF-8, U+FFFD for invalid sequences)', () => {
    fc.assert(fc.property(randomBytesTextArb, counted('random bytes: safety+determinism+fixes', (text) => void checkEngine(text, FACTS.ipvs))), fuzzConfig(1500));
  });

  test('invalid UTF-8 spliced into manifests', () => {
    fc.assert(
      fc.property(manifestArb, fc.double({ min: 0, max: 1, noNaN: true }), badUtf8Arb, counted('invalid UTF-8 in manifests: safety+determinism', (text, at, bytes) => {
        const bad = spliceBytes(text, Math.floor(at * Buffer.byteLength(text)), bytes);
        checkEngine(bad, FACTS.ipvs, { maxFixes: 0 });
      })),
      fuzzConfig(200),
    );
  });

  test('lone surrogates, NUL, BOM, U+2028 and CR-only line ends', () => {
    const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  externalIPs: [192.168.0.11, 192.168.000.011]\n';
    const variants = [
      '\ud800' + svc, svc.replace('x}', 'x\udc00}'), svc + '\0', svc.replace('kind', '\0kind'), '\0'.repeat(1000), '\ufeff' + svc, svc + '\ufeff',
      svc.replace(/\n/g, '\r'), svc.replace(/\n/g, '\r\n'), svc.replace(/\n/g, '\u2028'), svc.replace('[', '[\u0085'), svc + '\u2029'.repeat(50),
    ];
    for (const text of variants) {
      checkEngine(text, FACTS.ipvs, { maxFixes: 0 });
      counted('special characters', () => undefined)();
    }
  });
});

describe('engine: quick fixes', () => {
  test('Services with single-line scalar entries, no anchors: every fix parses and removes its finding', () => {
    fc.assert(fc.property(plainManifestArb, factsArb, counted('quick fixes: plain Services', (text, facts) => void checkEngine(text, facts, { hovers: 0, parseAll: false }))), fuzzConfig(400));
  });

  test(
    'any input (anchors, non-scalar and empty entries, multi-line scalars, syntax errors, mutations, corpus): every fix parses and removes its finding',
    () => {
      const any = fc.oneof(manifestArb, mutatedArb.map((m) => m.text), genericDocArb, ...(corpusMutatedArb ? [corpusMutatedArb.map((m) => m.text)] : []));
      // No shrinking: the minimal reproductions are the tests below; this one only has to find a case.
      fc.assert(fc.property(any, factsArb, counted('quick fixes: any input', (text, facts) => void checkEngine(text, facts, { hovers: 0, parseAll: false, maxFixes: text.length > 50_000 ? 2 : 8 }))), fuzzConfig(400, { endOnFailure: true }));
    },
  );
});

describe('engine: fixes-repro (minimal reproductions of the bugs the properties found)', () => {
  const svc = (spec: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n${spec}`;
  const repro: [string, string][] = [
    ['remove-address of an anchored entry that a later alias uses throws "Unresolved alias"', svc('  externalIPs: [&a 192.168.0.11, *a]\n')],
    ['remove-address in a document with any YAML error throws "Document with errors cannot be stringified"', svc('  externalIPs: [192.168.0.11]\n  a: b: c\n')],
    ['remove-address in a document with a NUL byte throws', svc('  externalIPs: [192.168.0.11]\n') + '\0\n'],
    ['remove-address in a Helm template with an action after a flow list throws', svc('  externalIPs: [192.168.0.11, "1.2.3"]\n  {{- with .Values.extra }}\n  - {{ . }}\n  {{- end }}\n')],
    ['use-pool-address on a nested list entry swallows the next entry', svc('  externalIPs:\n  - - a\n  - 192.168.0.20\n')],
    ['use-pool-address on a mapping entry swallows the next entry', svc('  externalIPs:\n  - a: 1\n  - 192.168.0.20\n')],
    ['use-pool-address on an empty entry (`-`) gives `-192.168.0.15`, which does not parse', svc('  externalIPs:\n  -\n  - 192.168.0.20\n')],
    ['disable-line on a multi-line plain scalar gives YAML that does not parse', svc('  externalIPs:\n  - 192.168.0.11\n    x\n')],
    ['disable-line on a multi-line quoted scalar writes the comment into the string', svc('  externalIPs: ["192.168.0.11\n    x"]\n')],
  ];
  for (const [name, text] of repro) {
    test(name, () => {
      checkEngine(text, FACTS.ipvs, { parseAll: false });
    });
  }
});

describe('engine: deep nesting', () => {
  test(
    'nesting of 600 to 4,000 levels: the same findings every time',
    () => {
      fc.assert(
        fc.property(manifestArb, deepNestingArb, counted('deep nesting: determinism', (base, m) => {
          const text = mutate(base, m);
          const runs = Array.from({ length: 4 }, () => JSON.stringify(safeAnalyze(text, FACTS.ipvs).findings));
          assert.equal(new Set(runs).size, 1, `4 analyses of the same text gave ${new Set(runs).size} different results (${m.depth} levels)`);
        })),
        fuzzConfig(60, { endOnFailure: true }),
      );
    },
  );

  test('nesting of 600 to 4,000 levels: analysis returns and spans lie inside', () => {
    fc.assert(
      fc.property(manifestArb, deepNestingArb, counted('deep nesting: safety', (base, m) => {
        const text = mutate(base, m);
        assertSpans(text, safeAnalyze(text, FACTS.ipvs));
      })),
      fuzzConfig(60),
    );
  });
});

describe('engine: one-line files', () => {
  const MB = 1024 * 1024;
  // How long such a file takes against the parse floor is measured by the benchmark (scripts/bench/longLines.ts);
  // here the test's timeout only bounds a hang.
  test('a 1-line 20 MB file (plain scalar, key with a keyword, comment, quoted scalar): analysis returns, spans inside', { timeout: 600_000 }, () => {
    for (const text of ['x'.repeat(20 * MB), 'externalIPs: ' + 'a'.repeat(20 * MB), '# ' + 'c'.repeat(20 * MB), `spec: {externalIPs: ["${'q'.repeat(20 * MB)}"]}`]) {
      const a = safeAnalyze(text, FACTS.ipvs);
      assertSpans(text, a);
      counted('1-line 20 MB files', () => undefined)();
    }
  });

  /** One line of flow YAML (minified JSON is one): a List of `n` Services, the last one on a node's address. */
  function oneLineList(n: number): string {
    const items = Array.from({ length: n }, (_, i) => `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s${i}"},"spec":{"externalIPs":["10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}"]}}`);
    items.push('{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad"},"spec":{"externalIPs":["192.168.0.11"]}}');
    return `{"apiVersion":"v1","kind":"List","items":[${items.join(',')}]}`;
  }

  test('a 1-line 1 MB JSON List of Services: the collision at its end is found', () => {
    const text = oneLineList(9000);
    const a = safeAnalyze(text, FACTS.ipvs);
    assertSpans(text, a);
    const hit = a.findings.find((f) => f.rule === 'externalip-node');
    assert.ok(hit, 'the node address is found');
    assert.equal(text.slice(hit.span.start, hit.span.end), '"192.168.0.11"');
  });

  test('a 1-line 20 MB JSON List of Services (soak only): the collision at its end is found', { timeout: 600_000 }, (t) => {
    if (!process.env.KIG_SOAK) return t.skip('runs under npm run soak');
    const text = oneLineList(170_000);
    const a = analyze(text, FACTS.ipvs);
    assertSpans(text, a);
    const hit = a.findings.find((f) => f.rule === 'externalip-node');
    assert.ok(hit, 'the node address is found');
    assert.equal(text.slice(hit.span.start, hit.span.end), '"192.168.0.11"');
  });
});
