// Quick fixes as offset edits. Every text edit is checked by re-parsing the edited document; when a formatting-
// preserving edit would not give clean YAML, we fall back to a structural edit of that one document.
import { isAlias, isMap, isPair, parseAllDocuments, visit, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { bigIntToText, canonicalText, parseIP, specialRange, type AddressRange } from './addresses';
import type { ClusterFacts } from './facts';
import type { FixKind } from './findings';
import { inventoryOf } from './inventory';
import { isTemplate, maskTemplates, splitDocuments, type Chunk, type Span } from './manifest';
import { Suppressions } from './suppression';

export interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
}

export interface FixAction {
  kind: FixKind;
  title: string;
  edits: OffsetEdit[];
  isPreferred: boolean;
}

export interface FixRequest {
  rule: string;
  span: Span;
  address?: string;
  fixes: readonly FixKind[];
}

/** Address comparison keys taken (a Set, or an index that answers `has`). */
export interface AddressKeySet {
  has(key: string): boolean;
}

export interface FixOptions {
  /** Comparison keys of addresses already used by other Services (open documents), never proposed from the pool. */
  usedAddressKeys?: AddressKeySet;
}

export function fixesFor(text: string, req: FixRequest, facts: ClusterFacts, options: FixOptions = {}): FixAction[] {
  const actions: FixAction[] = [];
  const preferredKind: FixKind = req.fixes.includes('canonicalize') ? 'canonicalize' : 'remove-address';
  for (const kind of req.fixes) {
    let action: FixAction | undefined;
    // A fix that cannot be made safely is not offered: it never throws, and never leaves worse YAML behind.
    try {
      action = makeFix(kind, text, req, facts, options);
    } catch {
      action = undefined;
    }
    if (action) {
      action.isPreferred = kind === preferredKind;
      actions.push(action);
    }
  }
  // The preferred fix first, "disable" last (vscode-eslint's order).
  return actions.sort((a, b) => Number(b.isPreferred) - Number(a.isPreferred) || Number(a.kind === 'disable-line') - Number(b.kind === 'disable-line'));
}

function makeFix(kind: FixKind, text: string, req: FixRequest, facts: ClusterFacts, options: FixOptions): FixAction | undefined {
  switch (kind) {
    case 'remove-address': {
      const edits = removeAddressEdits(text, req.span);
      return edits && { kind, title: `Remove this address${req.address ? ` (${req.address})` : ''}`, edits, isPreferred: false };
    }
    case 'use-pool-address': {
      if (!isSingleLineScalar(text, req.span)) return undefined;
      const free = freePoolAddress(facts, options.usedAddressKeys ?? new Set());
      const edits = free ? [replaceScalar(text, req.span, free)] : undefined;
      return edits && editsAreSafe(text, edits) ? { kind, title: `Use a free address from the pool: ${free}`, edits, isPreferred: false } : undefined;
    }
    case 'canonicalize': {
      const p = req.address !== undefined ? parseIP(req.address) : undefined;
      if (!p?.ok || !isSingleLineScalar(text, req.span)) return undefined;
      const canonical = canonicalText(p.ip);
      const edits = [replaceScalar(text, req.span, canonical)];
      return editsAreSafe(text, edits) ? { kind, title: `Write ${canonical}`, edits, isPreferred: false } : undefined;
    }
    case 'disable-line': {
      // At the end of the line; where that is inside a multi-line scalar, a comment on the line before instead.
      const sameLine = disableLineEdit(text, req.span.start, req.rule);
      const lineBefore = disableNextLineEdit(text, req.span.start, req.rule);
      for (const [edit, shift] of [[sameLine, 0], [lineBefore, lineBefore.newText.length]] as const) {
        if (!editsAreSafe(text, [edit])) continue;
        if (new Suppressions(applyEdits(text, [edit])).isSuppressed(req.rule, req.span.start + shift)) {
          return { kind, title: `Disable ${req.rule} for this line`, edits: [edit], isPreferred: false };
        }
      }
      return undefined;
    }
  }
}

/** A scalar written on one line (plain or quoted), not a nested collection, alias, tag or empty entry. */
function isSingleLineScalar(text: string, span: Span): boolean {
  if (span.end <= span.start) return false;
  const s = text.slice(span.start, span.end);
  return !/[\r\n]/.test(s) && !/^[-[{&*!|>]/.test(s);
}

/** How broken a YAML stream is: parse errors, aliases without an anchor, and how many documents it holds. */
function health(chunkText: string): { errors: number; unresolved: number; documents: number } {
  // Duplicate keys cannot come from our edits, and the parser's check of them is quadratic in a map's size.
  const docs = parseAllDocuments(chunkText, { merge: true, uniqueKeys: false }) as Document.Parsed[];
  let errors = 0;
  let unresolved = 0;
  for (const doc of docs) {
    errors += doc.errors.length;
    // An alias resolves when an anchor of its name came before it (in document order, as `visit` goes); asking each
    // alias to resolve itself would walk the whole document once per alias.
    const anchors = new Set<string>();
    visit(doc, {
      Node(_key, node) {
        if (isAlias(node)) {
          if (!anchors.has(node.source)) unresolved++;
        } else if (node.anchor) anchors.add(node.anchor);
      },
    });
  }
  return { errors, unresolved, documents: docs.length };
}

/**
 * The YAML documents of the text last asked about, and how broken each was, remembered: one code-action request
 * locates its finding and checks every candidate fix against the same text, which need not be split and parsed
 * again for each.
 */
let lastSplit: { text: string; chunks: Chunk[]; health: Map<number, ReturnType<typeof health>> } | undefined;

function split(text: string): NonNullable<typeof lastSplit> {
  if (lastSplit?.text !== text) {
    lastSplit = { text, chunks: splitDocuments(isTemplate(text) ? maskTemplates(text) : text), health: new Map() };
  }
  return lastSplit;
}

/** The document holding `offset` (its end included when `endInclusive`). */
function chunkAt(text: string, offset: number, endInclusive: boolean): Chunk | undefined {
  return split(text).chunks.find((c) => c.start <= offset && (endInclusive ? offset <= c.start + c.text.length : offset < c.start + c.text.length));
}

/** Edits (within one document) are safe when the document is no more broken afterwards than before. */
export function editsAreSafe(text: string, edits: readonly OffsetEdit[]): boolean {
  const at = Math.min(...edits.map((e) => e.start));
  const chunk = chunkAt(text, at, true);
  if (!chunk) return false;
  const known = split(text).health;
  const before = known.get(chunk.start) ?? health(chunk.text);
  known.set(chunk.start, before);
  const after = health(applyEdits(chunk.text, edits.map((e) => ({ ...e, start: e.start - chunk.start, end: e.end - chunk.start }))));
  return after.errors <= before.errors && after.unresolved <= before.unresolved && after.documents === before.documents;
}

export function applyEdits(text: string, edits: readonly OffsetEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just past the end of the line holding `offset` (past its newline). */
function lineEndOf(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
}

function replaceScalar(text: string, span: Span, value: string): OffsetEdit {
  const q = text[span.start];
  if ((q === '"' || q === "'") && text[span.end - 1] === q && span.end - span.start >= 2) {
    return { start: span.start + 1, end: span.end - 1, newText: value };
  }
  return { start: span.start, end: span.end, newText: value };
}

function disableNextLineEdit(text: string, offset: number, rule: string): OffsetEdit {
  const lineStart = lineStartOf(text, offset);
  const indent = /^[ \t]*/.exec(text.slice(lineStart, lineStart + 200))![0];
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return { start: lineStart, end: lineStart, newText: `${indent}# kube-ip-guard-disable-next-line ${rule}${eol}` };
}

function disableLineEdit(text: string, offset: number, rule: string): OffsetEdit {
  let end = text.indexOf('\n', offset);
  if (end < 0) end = text.length;
  if (end > 0 && text[end - 1] === '\r') end--;
  const line = text.slice(lineStartOf(text, offset), end);
  const existing = /#\s*kube-ip-guard-disable-line(?=\s|$)(.*)$/.exec(line);
  if (existing && !existing[1].includes('--')) {
    const listed = existing[1].split(/[\s,]+/).filter(Boolean);
    if (listed.length === 0 || listed.includes(rule)) return { start: end, end, newText: '' };
    return { start: end, end, newText: ` ${rule}` };
  }
  return { start: end, end, newText: ` # kube-ip-guard-disable-line ${rule}` };
}

interface Located {
  doc: Document.Parsed;
  seq: YAMLSeq;
  item: Node;
  pair?: Pair;
  map?: YAMLMap;
  chunkStart: number;
  chunkText: string;
}

function locate(text: string, span: Span): Located | undefined {
  const chunk = chunkAt(text, span.start, false);
  if (!chunk) return undefined;
  const rel = span.start - chunk.start;
  for (const doc of parseAllDocuments(chunk.text, { merge: true, uniqueKeys: false }) as Document.Parsed[]) {
    let found: Located | undefined;
    visit(doc, {
      Seq(_key, seq, path) {
        const item = seq.items.find((i) => (i as Node).range?.[0] === rel) as Node | undefined;
        if (!item) return undefined;
        const parentPair = path[path.length - 1];
        const parentMap = path[path.length - 2];
        found = {
          doc,
          seq,
          item,
          pair: isPair(parentPair) ? (parentPair as Pair) : undefined,
          map: isMap(parentMap) ? (parentMap as YAMLMap) : undefined,
          chunkStart: chunk.start,
          chunkText: chunk.text,
        };
        return visit.BREAK;
      },
    });
    if (found) return found;
  }
  return undefined;
}

/** Remove a list entry; when it is the last one, remove the whole key, so no `externalIPs: []` is left behind. */
export function removeAddressEdits(text: string, span: Span): OffsetEdit[] | undefined {
  const at = locate(text, span);
  if (!at) return undefined;
  // An anchored entry that an alias uses cannot go: the alias would dangle, or silently take another anchor's value.
  const anchor = (at.item as { anchor?: string }).anchor;
  if (anchor && usesAnchor(at.doc, anchor)) return undefined;
  const edit = textualRemoval(at);
  if (edit) {
    const shifted = { start: edit.start + at.chunkStart, end: edit.end + at.chunkStart, newText: edit.newText };
    if (editsAreSafe(text, [shifted])) return [shifted];
  }
  // Structural fallback, for a document that parses: edit the AST and print the document again (its formatting may
  // change).
  if (at.doc.errors.length > 0) return undefined;
  if (at.seq.items.length > 1 || !at.pair || !at.map) at.seq.items.splice(at.seq.items.indexOf(at.item as never), 1);
  else at.map.items.splice(at.map.items.indexOf(at.pair as never), 1);
  const docRange = at.doc.range;
  const printed = at.doc.toString();
  const edits = [{ start: at.chunkStart + docRange[0], end: at.chunkStart + docRange[2], newText: printed.replace(/^---\n/, at.chunkText.startsWith('---') ? '---\n' : '') }];
  return editsAreSafe(text, edits) ? edits : undefined;
}


function usesAnchor(doc: Document.Parsed, anchor: string): boolean {
  let used = false;
  visit(doc, {
    Alias(_key, node) {
      if (node.source !== anchor) return undefined;
      used = true;
      return visit.BREAK;
    },
  });
  return used;
}

function textualRemoval(at: Located): OffsetEdit | undefined {
  const t = at.chunkText;
  const { seq, item } = at;
  const removeWholeKey = seq.items.length === 1 && at.pair && at.map;
  if (!removeWholeKey) {
    const idx = seq.items.indexOf(item as never);
    const [start, , end] = item.range!;
    if (!seq.flow) {
      const ls = lineStartOf(t, start);
      // `- 192.168.0.11`, or with the entry's anchor or tag before it (`- &ip 192.168.0.11`): the whole line goes.
      if (!/^[ \t]*-[ \t]+(?:[&!][^ \t]*[ \t]+)*$/.test(t.slice(ls, start))) return undefined;
      return { start: ls, end: lineEndOf(t, end > start ? end - 1 : start), newText: '' };
    }
    const next = seq.items[idx + 1] as Node | undefined;
    if (next?.range) return { start, end: next.range[0], newText: '' };
    const prev = seq.items[idx - 1] as Node | undefined;
    if (prev?.range) return { start: prev.range[1], end: item.range![1], newText: '' };
    return undefined;
  }
  const pair = at.pair!;
  const map = at.map!;
  const key = pair.key as Node;
  if (!key?.range || !seq.range) return undefined;
  if (!map.flow) {
    const ls = lineStartOf(t, key.range[0]);
    if (!/^[ \t]*(-[ \t]+)?$/.test(t.slice(ls, key.range[0]))) return undefined;
    // A key that is the first of a block sequence item (`- externalIPs: [...]`) cannot lose its line.
    if (/-/.test(t.slice(ls, key.range[0]))) return undefined;
    const valueEnd = seq.range[1];
    const end = lineEndOf(t, Math.max(valueEnd - 1, key.range[1]));
    // `externalIPs: [a] # why` loses its key, not its comment: the comment stays, on a line of its own.
    const comment = seq.flow ? /^[ \t]*(#[^\r\n]*)/.exec(t.slice(valueEnd, end)) : null;
    if (comment) {
      const indent = /^[ \t]*/.exec(t.slice(ls, key.range[0]))![0];
      const eol = t.slice(ls, end).endsWith('\r\n') ? '\r\n' : end > ls && t[end - 1] === '\n' ? '\n' : '';
      return { start: ls, end, newText: `${indent}${comment[1].trimEnd()}${eol}` };
    }
    return { start: ls, end, newText: '' };
  }
  const pIdx = map.items.indexOf(pair as never);
  const nextPair = map.items[pIdx + 1] as Pair | undefined;
  const nextKey = nextPair?.key as Node | undefined;
  if (nextKey?.range) return { start: key.range[0], end: nextKey.range[0], newText: '' };
  const prevPair = map.items[pIdx - 1] as Pair | undefined;
  const prevEnd = (prevPair?.value as Node | undefined)?.range?.[1] ?? (prevPair?.key as Node | undefined)?.range?.[1];
  if (prevEnd !== undefined) return { start: prevEnd, end: seq.range[1], newText: '' };
  return { start: key.range[0], end: seq.range[1], newText: '' };
}

/** The first pool address that no node, API server or other Service uses, and that the API server accepts. */
export function freePoolAddress(facts: ClusterFacts, used: AddressKeySet): string | undefined {
  const inv = inventoryOf(facts);
  for (const { range } of inv.pool) {
    const found = firstFree(range, (key) => used.has(key) || inv.lookup(key) !== undefined);
    if (found) return found;
  }
  return undefined;
}

const MAX_POOL_PROBES = 65536;

function firstFree(range: AddressRange, taken: (key: string) => boolean): string | undefined {
  let first = range.first;
  let last = range.last;
  // In an IPv4 CIDR of /30 or wider, the network and broadcast addresses are not host addresses.
  if (range.family === 'IPv4' && range.prefix !== undefined && range.prefix <= 30) {
    first += 1n;
    last -= 1n;
  }
  let probes = 0;
  for (let v = first; v <= last && probes < MAX_POOL_PROBES; v++, probes++) {
    const text = bigIntToText(v, range.family);
    const p = parseIP(text);
    if (!p.ok || specialRange(p.ip) || taken(p.ip.key)) continue;
    return text;
  }
  return undefined;
}
