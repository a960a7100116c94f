// The server's copy of an open document of 1 MB or more, which the editor edits keystroke by keystroke. The
// library's TextDocument (vscode-languageserver-textdocument) keeps one string and one offset per line: its first
// incremental edit of a 10 MB file computes 820,000 line offsets in one block (263 ms here), every edit that adds or
// removes a line shifts all the offsets after it, and every edit makes a new 64 MB string that the next one copies
// whole. This one answers exactly as a TextDocument freshly created from the same text would (the tests compare
// them), but keeps the text in chunks of about CHUNK units, each starting a line, with the line starts of each
// chunk indexed on first need (and in the background, a chunk per event-loop turn, once the document is open):
// an edit touches the chunk(s) it falls in, and the analysis worker is sent the chunks as they are.
//
// Invariants: every chunk but the last ends with "\n" (so no line, and no "\r\n", spans two chunks), there is
// always at least one chunk, and only the last may be empty.
import type { Position, Range, TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';

/** Documents from this many UTF-16 units are kept as a LargeTextDocument. */
export const LARGE_DOCUMENT_FROM = 1024 * 1024;
/** The size chunks are cut to. */
const CHUNK = 512 * 1024;

interface Chunk {
  text: string;
  /** Local offsets of the lines that start in this chunk (0 first); undefined until indexed. */
  starts?: Uint32Array;
}

const isEOL = (c: number) => c === 10 || c === 13;

/** The line starts of `text` as a chunk (0, then every offset after a line break; `last`: also one at its end). */
function lineStarts(text: string, last: boolean): Uint32Array {
  let out = new Uint32Array(Math.max(16, text.length >>> 5));
  let n = 0;
  const push = (p: number) => {
    if (n === out.length) {
      const grown = new Uint32Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
    out[n++] = p;
  };
  push(0);
  if (text.indexOf('\r') === -1) {
    // The common case, at native speed: only "\n" breaks lines.
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) push(i + 1);
  } else {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 && i + 1 < text.length && text.charCodeAt(i + 1) === 10) i++;
      if (c === 10 || c === 13) push(i + 1);
    }
  }
  // A break at the very end of a chunk other than the last starts the next chunk's first line.
  if (!last && n > 1 && out[n - 1] === text.length) n--;
  return out.slice(0, n);
}

/** Cut `text` into chunks of about `size` units, each but the last ending with "\n" (a longer line stays whole). */
function cut(text: string, size: number): Chunk[] {
  const chunks: Chunk[] = [];
  let at = 0;
  while (text.length - at > size) {
    const nl = text.indexOf('\n', at + size - 1);
    if (nl === -1 || nl + 1 >= text.length) break;
    chunks.push({ text: text.slice(at, nl + 1) });
    at = nl + 1;
  }
  chunks.push({ text: at === 0 ? text : text.slice(at) });
  return chunks;
}

function wellFormed(range: Range): Range {
  const { start, end } = range;
  if (start.line > end.line || (start.line === end.line && start.character > end.character)) return { start: end, end: start };
  return range;
}

export class LargeTextDocument implements TextDocument {
  private chunks: Chunk[];
  /** Offset of each chunk's start; one more entry: the length. */
  private chunkStart: number[] = [];
  /** First line of each chunk, valid for chunks [0, linesKnown] (entry linesKnown + 1 too once chunk linesKnown is). */
  private firstLine: number[] = [0];
  /** Chunks whose first lines are known: firstLine[0..linesKnown]. */
  private linesKnown = 0;
  private joined?: string;
  private generation = 0;

  constructor(
    readonly uri: string,
    readonly languageId: string,
    private _version: number,
    content: string,
    /** The size chunks are cut to (at the next "\n" after it); a chunk grown past 4 times this is cut again. */
    private readonly chunkSize = CHUNK,
  ) {
    this.chunks = cut(content, chunkSize);
    this.offsetsChanged(0);
  }

  /** A document of these chunks as they are, when they keep the invariants (a LargeTextDocument's `pieces()`). */
  static ofChunks(uri: string, languageId: string, version: number, chunks: readonly string[]): LargeTextDocument {
    const ok = chunks.length > 0 && chunks.every((c, i) => (i === chunks.length - 1 ? c !== '' || chunks.length === 1 : c.endsWith('\n')));
    const doc = new LargeTextDocument(uri, languageId, version, ok ? '' : chunks.join(''));
    if (ok) {
      doc.chunks = chunks.map((text) => ({ text }));
      doc.offsetsChanged(0);
    }
    return doc;
  }

  get version(): number {
    return this._version;
  }

  get lineCount(): number {
    this.knowLinesThrough(this.chunks.length - 1);
    return this.firstLine[this.chunks.length];
  }

  /** The text in its chunks, as they are (for the analysis worker: no 64 MB string is made). */
  pieces(): string[] {
    return this.chunks.map((c) => c.text);
  }

  get length(): number {
    return this.chunkStart[this.chunks.length];
  }

  getText(range?: Range): string {
    if (!range) {
      if (this.chunks.length === 1) return this.chunks[0].text;
      return (this.joined ??= this.chunks.map((c) => c.text).join(''));
    }
    return this.slice(this.offsetAt(range.start), this.offsetAt(range.end));
  }

  offsetAt(position: Position): number {
    if (position.line < 0) return 0;
    const k = this.chunkOfLine(position.line);
    if (k === -1) return this.length;
    const starts = this.startsOf(k);
    const local = position.line - this.firstLine[k];
    const lineOffset = this.chunkStart[k] + starts[local];
    if (position.character <= 0) return lineOffset;
    const next = local + 1 < starts.length ? this.chunkStart[k] + starts[local + 1] : this.chunkStart[k + 1];
    return this.beforeEOL(k, Math.min(lineOffset + position.character, next), lineOffset);
  }

  positionAt(offset: number): Position {
    offset = Math.max(Math.min(offset, this.length), 0);
    const k = this.chunkOfOffset(offset);
    this.knowLinesThrough(k);
    const starts = this.startsOf(k);
    const local = offset - this.chunkStart[k];
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (starts[mid] > local) high = mid;
      else low = mid + 1;
    }
    const lineOffset = this.chunkStart[k] + starts[low - 1];
    return { line: this.firstLine[k] + low - 1, character: this.beforeEOL(k, offset, lineOffset) - lineOffset };
  }

  update(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if ('range' in change && change.range) this.replace(wellFormed(change.range), change.text);
      else {
        this.chunks = cut(change.text, this.chunkSize);
        this.offsetsChanged(0);
        this.indexInBackground();
      }
    }
    this._version = version;
  }

  private replace(range: Range, text: string): void {
    const start = this.offsetAt(range.start);
    const end = this.offsetAt(range.end);
    const a = this.chunkOfOffset(start);
    let b = this.chunkOfOffset(end);
    // A range ending where chunk b starts leaves chunk b as it is.
    if (end === this.chunkStart[b] && b > a) b--;
    let merged = this.chunks.slice(a, b + 1).map((c) => c.text).join('');
    const from = this.chunkStart[a];
    merged = merged.slice(0, start - from) + text + merged.slice(end - from);
    // Keep "every chunk but the last ends with \n": take the following chunks in until it holds.
    while (b + 1 < this.chunks.length && !merged.endsWith('\n')) merged += this.chunks[++b].text;
    const replacement = merged.length > 4 * this.chunkSize || (merged.length > this.chunkSize && b > a) ? cut(merged, this.chunkSize) : [{ text: merged }];
    // Only the last chunk may be empty.
    if (replacement.length === 1 && replacement[0].text === '' && this.chunks.length > 1) replacement.length = 0;
    this.chunks.splice(a, b - a + 1, ...replacement);
    if (this.chunks.length === 0) this.chunks.push({ text: '' });
    // When the replacement was empty and last, the chunk before it is now the last: it was indexed as a middle one
    // (without the line after its final "\n"), so index it again.
    let changed = a;
    if (a >= this.chunks.length) {
      changed = this.chunks.length - 1;
      this.chunks[changed].starts = undefined;
    }
    this.offsetsChanged(changed);
  }

  /** Chunks from `k` on moved or changed: offsets again, and first lines known only up to `k`. */
  private offsetsChanged(k: number): void {
    this.joined = undefined;
    this.chunkStart.length = this.chunks.length + 1;
    let at = k === 0 ? 0 : this.chunkStart[k];
    for (let i = k; i < this.chunks.length; i++) {
      this.chunkStart[i] = at;
      at += this.chunks[i].text.length;
    }
    this.chunkStart[this.chunks.length] = at;
    this.linesKnown = Math.min(this.linesKnown, k);
    this.firstLine.length = this.linesKnown + 1;
  }

  private startsOf(k: number): Uint32Array {
    const c = this.chunks[k];
    return (c.starts ??= lineStarts(c.text, k === this.chunks.length - 1));
  }

  /** Make firstLine known for chunks 0..k+1 (indexing the chunks up to k). */
  private knowLinesThrough(k: number): void {
    while (this.linesKnown <= k) {
      this.firstLine[this.linesKnown + 1] = this.firstLine[this.linesKnown] + this.startsOf(this.linesKnown).length;
      this.linesKnown++;
    }
  }

  /** The chunk holding `line`, indexing chunks only as far as needed; -1 past the last line. */
  private chunkOfLine(line: number): number {
    // Binary search over the chunks already known, then on one at a time.
    if (this.linesKnown > 0 && line < this.firstLine[this.linesKnown]) {
      let low = 0;
      let high = this.linesKnown;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (this.firstLine[mid + 1] <= line) low = mid + 1;
        else high = mid;
      }
      return low;
    }
    for (let k = this.linesKnown; k < this.chunks.length; k++) {
      this.knowLinesThrough(k);
      if (line < this.firstLine[k + 1]) return k;
    }
    return -1;
  }

  /** The chunk holding `offset` (an offset at a chunk's start is that chunk's; the length is the last chunk's). */
  private chunkOfOffset(offset: number): number {
    let low = 0;
    let high = this.chunks.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.chunkStart[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** Never inside a line break: as the library's ensureBeforeEOL (lines never span chunks). */
  private beforeEOL(k: number, offset: number, lineOffset: number): number {
    const text = this.chunks[k].text;
    const base = this.chunkStart[k];
    while (offset > lineOffset && isEOL(text.charCodeAt(offset - 1 - base))) offset--;
    return offset;
  }

  private slice(start: number, end: number): string {
    if (end <= start) return '';
    const a = this.chunkOfOffset(start);
    const b = this.chunkOfOffset(Math.max(start, end - 1));
    if (a === b) return this.chunks[a].text.slice(start - this.chunkStart[a], end - this.chunkStart[a]);
    const parts = [this.chunks[a].text.slice(start - this.chunkStart[a])];
    for (let i = a + 1; i < b; i++) parts.push(this.chunks[i].text);
    parts.push(this.chunks[b].text.slice(0, end - this.chunkStart[b]));
    return parts.join('');
  }

  /** Index the chunks one per event-loop turn, so that the first edit rarely waits for any (an open document's). */
  indexInBackground(): void {
    const generation = ++this.generation;
    const step = () => {
      if (generation !== this.generation || this.linesKnown >= this.chunks.length) return;
      this.knowLinesThrough(this.linesKnown);
      setImmediate(step).unref();
    };
    setImmediate(step).unref();
  }
}

/** Large texts as a LargeTextDocument (not indexed until asked), the rest as the library's TextDocument. */
function documentOf(uri: string, languageId: string, version: number, content: string): TextDocument {
  return content.length < LARGE_DOCUMENT_FROM ? TextDocument.create(uri, languageId, version, content) : new LargeTextDocument(uri, languageId, version, content);
}

/** For `TextDocuments`: `documentOf`, a large one indexed in the background (an edit rarely waits for it). */
export function createDocument(uri: string, languageId: string, version: number, content: string): TextDocument {
  const doc = documentOf(uri, languageId, version, content);
  if (doc instanceof LargeTextDocument) doc.indexInBackground();
  return doc;
}

/** For `TextDocuments`: apply the editor's changes to a document made by `createDocument`. */
export function updateDocument(doc: TextDocument, changes: TextDocumentContentChangeEvent[], version: number): TextDocument {
  if (doc instanceof LargeTextDocument) {
    doc.update(changes, version);
    return doc;
  }
  return TextDocument.update(doc, changes, version);
}

/**
 * A snapshot document of `pieces` (a document's `textPieces`, or one text): large ones as a LargeTextDocument of the
 * same chunks, nothing joined or indexed until asked.
 */
export function documentOfPieces(uri: string, version: number, pieces: readonly string[]): TextDocument {
  return pieces.length > 1 ? LargeTextDocument.ofChunks(uri, 'yaml', version, pieces) : documentOf(uri, 'yaml', version, pieces[0]);
}

/** A document's text as pieces (a large one's chunks, never joined). */
export function textPieces(doc: TextDocument): string[] {
  return doc instanceof LargeTextDocument ? doc.pieces() : [doc.getText()];
}

/** A document's length in UTF-16 units, without joining a large one's chunks. */
export function textLength(doc: TextDocument): number {
  return doc instanceof LargeTextDocument ? doc.length : doc.getText().length;
}
