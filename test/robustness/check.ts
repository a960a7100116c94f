// The engine properties every input must satisfy, as one function a property (or a reproduction) calls:
// no exception escapes; every span lies inside the document; the same text gives the same findings (twice, through
// a cache warmed by another version, and with the keyword filter off); every quick fix gives YAML that parses (when
// the input did) and no longer has the finding it fixed at that place.
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { analyze, applyEdits, fixesFor, hoverAt, type Analysis, type AnalyzeOptions, type ClusterFacts, type DocumentCache, type Finding, type FixKind, type Span } from '../../server/src/engine/index';

export interface CheckOptions {
  helmValues?: boolean;
  /** Check quick fixes of at most this many findings (default 8; 0 = none). */
  maxFixes?: number;
  /** A previous version of the document: its cache must not change the result for this one. */
  previous?: string;
  /** Compare with parseAll (the keyword filter must be invisible). Default true. */
  parseAll?: boolean;
  /** Hover at this many offsets (default 4). */
  hovers?: number;
}

const show = (text: string) => (text.length > 400 ? `${JSON.stringify(text.slice(0, 400))}… (${text.length} chars)` : JSON.stringify(text));

export function safeAnalyze(text: string, facts: ClusterFacts, options: AnalyzeOptions = {}): Analysis {
  try {
    return analyze(text, facts, options);
  } catch (e) {
    assert.fail(`analyze threw ${(e as Error)?.stack ?? e}\ninput: ${show(text)}`);
  }
}

export function assertSpanInside(span: Span, length: number, what: string, text: string): void {
  const ok = Number.isInteger(span.start) && Number.isInteger(span.end) && span.start >= 0 && span.start <= span.end && span.end <= length;
  assert.ok(ok, `${what}: span ${JSON.stringify(span)} outside the document (length ${length})\ninput: ${show(text)}`);
}

export function assertSpans(text: string, a: Analysis): void {
  for (const f of a.findings) {
    assertSpanInside(f.span, text.length, `${f.rule} finding`, text);
    for (const r of f.related) if (r.span) assertSpanInside(r.span, text.length, `${f.rule} related`, text);
  }
}

/** Findings as plain data (no object identity), for comparing. */
export const plain = (fs: readonly Finding[]) => JSON.parse(JSON.stringify(fs)) as Finding[];

export function parsesCleanly(text: string): boolean {
  try {
    return parseAllDocuments(text).every((d) => d.errors.length === 0);
  } catch {
    return false;
  }
}

function lineOf(text: string, offset: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

export interface FixCase {
  finding: Finding;
  kind: FixKind;
  after: string;
}

/** Apply one fix of one finding and check its result; returns the fixed text (undefined when no fix was offered). */
export function checkFix(text: string, facts: ClusterFacts, f: Finding, kind: FixKind, inputClean: boolean, options: AnalyzeOptions = {}): string | undefined {
  let actions;
  try {
    actions = fixesFor(text, { rule: f.rule, span: f.span, address: f.data.address, fixes: [kind] }, facts);
  } catch (e) {
    assert.fail(`fixesFor(${f.rule}, ${kind}) threw ${(e as Error)?.stack ?? e}\ninput: ${show(text)}`);
  }
  const action = actions.find((x) => x.kind === kind);
  if (!action) return undefined;
  for (const e of action.edits) assertSpanInside(e, text.length, `${kind} edit`, text);
  const after = applyEdits(text, action.edits);
  const where = `${kind} of ${f.rule} at ${f.span.start}-${f.span.end} (${JSON.stringify(text.slice(f.span.start, f.span.end))})`;
  if (!inputClean) {
    safeAnalyze(after, facts, options);
    return after;
  }
  assert.ok(parsesCleanly(after), `${where} gave YAML that does not parse: ${parseAllDocuments(after).flatMap((d) => d.errors).map((e) => e.message.split('\n')[0]).join('; ')}\ninput: ${show(text)}\nafter: ${show(after)}`);
  const again = safeAnalyze(after, facts, options).findings;
  let left: Finding[];
  if (kind === 'remove-address') {
    // Offsets after the removed entry move: count the findings of this rule and address instead.
    const same = (x: Finding) => x.rule === f.rule && x.data.address === f.data.address;
    const before = safeAnalyze(text, facts, options).findings.filter(same).length;
    left = again.filter(same);
    assert.ok(left.length < before, `${where}: the finding is still there (${before} before, ${left.length} after)\ninput: ${show(text)}\nafter: ${show(after)}`);
    return after;
  }
  // The other fixes edit at or after the finding's start, on its line: it must be gone from there.
  left = kind === 'disable-line' ? again.filter((x) => x.rule === f.rule && lineOf(after, x.span.start) === lineOf(text, f.span.start)) : again.filter((x) => x.rule === f.rule && x.span.start === f.span.start);
  assert.deepEqual(left.map((x) => x.message), [], `${where}: the finding is still there\ninput: ${show(text)}\nafter: ${show(after)}`);
  return after;
}

/** Every property at once. Returns the analysis, for callers that want more. */
export function checkEngine(text: string, facts: ClusterFacts, o: CheckOptions = {}): Analysis {
  const options: AnalyzeOptions = { helmValues: o.helmValues };
  const a = safeAnalyze(text, facts, options);
  assertSpans(text, a);
  // Deterministic: the same again, from fresh objects.
  const b = safeAnalyze(text, facts, options);
  assert.deepEqual(plain(b.findings), plain(a.findings), `two analyses of the same text differ\ninput: ${show(text)}`);
  // A cache warmed by another version changes nothing.
  if (o.previous !== undefined) {
    const cache: DocumentCache = new Map();
    safeAnalyze(o.previous, facts, { ...options, cache });
    const c = safeAnalyze(text, facts, { ...options, cache });
    assert.deepEqual(plain(c.findings), plain(a.findings), `analysis through a cache warmed by the previous version differs\nprevious: ${show(o.previous)}\ninput: ${show(text)}`);
  }
  if (o.parseAll !== false) {
    const all = safeAnalyze(text, facts, { ...options, parseAll: true });
    assert.deepEqual(plain(all.findings), plain(a.findings), `the keyword filter changed the findings\ninput: ${show(text)}`);
  }
  const hovers = o.hovers ?? 4;
  for (let i = 0; i < hovers; i++) {
    const offset = a.findings[i]?.span.start ?? Math.floor(((i + 1) * text.length) / (hovers + 1));
    let h;
    try {
      h = hoverAt(a, offset, facts);
    } catch (e) {
      assert.fail(`hoverAt(${offset}) threw ${(e as Error)?.stack ?? e}\ninput: ${show(text)}`);
    }
    if (h) assertSpanInside(h.span, text.length, 'hover', text);
  }
  const maxFixes = o.maxFixes ?? 8;
  if (maxFixes > 0 && a.findings.length) {
    const clean = parsesCleanly(text);
    for (const f of a.findings.slice(0, maxFixes)) for (const kind of f.data.fixes) checkFix(text, facts, f, kind, clean, options);
  }
  return a;
}
