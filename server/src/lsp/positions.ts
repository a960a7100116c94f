// Position encodings (LSP 3.17 `general.positionEncodings` / `capabilities.positionEncoding`): a position's
// `character` counts UTF-16 code units by default, but a client may prefer UTF-8 bytes or UTF-32 code points. Inside
// the server every offset and position is UTF-16 (JavaScript strings, vscode-languageserver-textdocument); this module
// converts at the edge, in both directions, for every position the server reads or writes.
import type { Position, Range } from 'vscode-languageserver/node';

export type PositionEncoding = 'utf-8' | 'utf-16' | 'utf-32';
const SUPPORTED: readonly PositionEncoding[] = ['utf-8', 'utf-16', 'utf-32'];

/** The client offered an encoding we support (else UTF-16 is assumed, as LSP says, without the client's word). */
export function negotiatesEncoding(offered: unknown): boolean {
  return Array.isArray(offered) && (offered as unknown[]).some((e) => SUPPORTED.includes(e as PositionEncoding));
}

/** The first encoding of the client's list we support (the list is in its order of preference); UTF-16 otherwise. */
export function negotiateEncoding(offered: unknown): PositionEncoding {
  if (Array.isArray(offered)) for (const e of offered as unknown[]) if (SUPPORTED.includes(e as PositionEncoding)) return e as PositionEncoding;
  return 'utf-16';
}

/** Units of `encoding` taken by the UTF-16 units line[from, to). */
function unitsOf(line: string, to: number, encoding: PositionEncoding): number {
  let n = 0;
  for (let i = 0; i < to; i++) {
    const c = line.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      const d = line.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += encoding === 'utf-8' ? 4 : 1;
        i++;
        continue;
      }
    }
    n += encoding === 'utf-32' ? 1 : c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
  }
  return n;
}

/** The UTF-16 column of `units` units of `encoding` into `line` (clamped to the line; never inside a pair). */
function columnOf(line: string, units: number, encoding: PositionEncoding): number {
  let n = 0;
  let i = 0;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    let width16 = 1;
    let width = encoding === 'utf-32' ? 1 : c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < line.length) {
      const d = line.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        width16 = 2;
        width = encoding === 'utf-8' ? 4 : 1;
      }
    }
    if (n + width > units) return i;
    n += width;
    i += width16;
  }
  return i;
}

/** A source of line texts: an open document, or a file read once for one conversion. */
export type LineSource = (line: number) => string | undefined;

/** Converts positions between the server (UTF-16) and the client (the negotiated encoding). */
export class PositionCodec {
  constructor(readonly encoding: PositionEncoding) {}

  get identity(): boolean {
    return this.encoding === 'utf-16';
  }

  /** A server position (UTF-16) as the client counts it. */
  toClient(pos: Position, lines: LineSource): Position {
    if (this.identity) return pos;
    const line = lines(pos.line);
    if (line === undefined || isAscii(line, pos.character)) return pos;
    return { line: pos.line, character: unitsOf(line, Math.min(pos.character, line.length), this.encoding) };
  }

  rangeToClient(range: Range, lines: LineSource): Range {
    if (this.identity) return range;
    return { start: this.toClient(range.start, lines), end: this.toClient(range.end, lines) };
  }

  /** A client position as the server counts it (UTF-16), clamped to the line as LSP says. */
  fromClient(pos: Position, lines: LineSource): Position {
    if (this.identity) return pos;
    const line = lines(pos.line);
    if (line === undefined) return pos;
    return { line: pos.line, character: columnOf(line, pos.character, this.encoding) };
  }

  rangeFromClient(range: Range, lines: LineSource): Range {
    if (this.identity) return range;
    return { start: this.fromClient(range.start, lines), end: this.fromClient(range.end, lines) };
  }
}

function isAscii(line: string, upTo: number): boolean {
  const end = Math.min(upTo, line.length);
  for (let i = 0; i < end; i++) if (line.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** Lines of a text, split as LSP splits them (\r\n, \n, \r), computed lazily and once. */
export function linesOfText(text: string): LineSource {
  let lines: string[] | undefined;
  return (n) => {
    lines ??= text.split(/\r\n|\n|\r/);
    return lines[n];
  };
}

/** Lines of an open document (only the lines asked for are read). */
export function linesOfDocument(doc: { getText(range?: Range): string; lineCount: number }): LineSource {
  return (n) => {
    if (n < 0 || n >= doc.lineCount) return undefined;
    return doc.getText({ start: { line: n, character: 0 }, end: { line: n + 1, character: 0 } }).replace(/\r?\n$|\r$/, '');
  };
}
