// LargeTextDocument (server/src/lsp/largeDocument.ts), the server's copy of a document of 1 MB or more, must answer
// exactly as the library's TextDocument freshly created from the same text: after any sequence of edits, its text,
// every line's offsets, positions at every offset (line breaks of all three kinds, surrogate pairs) and its line
// count. Chunks are small here (the texts are cut at CHUNK), so the edits cross, merge, empty and re-cut them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position, Range } from 'vscode-languageserver';
import { createDocument, documentOfPieces, LargeTextDocument, LARGE_DOCUMENT_FROM, textLength, textPieces, updateDocument } from '../../server/src/lsp/largeDocument';

/** Compare every observable of `doc` with a fresh library document of `text`. */
function assertSame(doc: TextDocument, text: string): void {
  const fresh = TextDocument.create('file:///f.yaml', 'yaml', 1, text);
  assert.equal(doc.getText(), text);
  assert.equal(textLength(doc), text.length);
  assert.equal(textPieces(doc).join(''), text);
  assert.equal(doc.lineCount, fresh.lineCount);
  for (let line = -1; line <= fresh.lineCount + 1; line++) {
    for (const character of [-1, 0, 1, 2, 5, 1_000_000]) {
      const p = { line, character };
      assert.equal(doc.offsetAt(p), fresh.offsetAt(p), `offsetAt ${JSON.stringify(p)}`);
    }
  }
  for (let offset = -1; offset <= text.length + 1; offset++) assert.deepEqual(doc.positionAt(offset), fresh.positionAt(offset), `positionAt ${offset}`);
  for (let line = 0; line < fresh.lineCount; line++) {
    const r: Range = { start: { line, character: 0 }, end: { line: line + 1, character: 0 } };
    assert.equal(doc.getText(r), fresh.getText(r), `line ${line}`);
  }
}

/** Many small chunks: a document as LargeTextDocument cuts it, scaled down (the real CHUNK is 512 K units). */
const piece = fc.constantFrom('a', 'b: 1', '\n', '\r\n', '\r', '😀', '世界', '\n---\n', 'x'.repeat(40), '\n'.repeat(3));
const textArb = fc.array(piece, { maxLength: 60 }).map((xs) => xs.join(''));

const pos = (text: string, seed: number): Position => {
  const fresh = TextDocument.create('file:///f.yaml', 'yaml', 1, text);
  return fresh.positionAt(seed % (text.length + 1));
};

describe('LargeTextDocument answers as a fresh TextDocument of the same text', () => {
  test('after any edits, incremental or whole (property)', () => {
    fc.assert(
      fc.property(
        textArb,
        fc.array(fc.record({ a: fc.nat(), b: fc.nat(), text: fc.oneof(piece, textArb), whole: fc.boolean() }, { requiredKeys: ['a', 'b', 'text'] }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 64 }),
        (initial, edits, chunk) => {
          const doc = new LargeTextDocument('file:///f.yaml', 'yaml', 1, initial, chunk);
          let text = initial;
          assertSame(doc, text);
          let version = 1;
          for (const e of edits) {
            const lib = TextDocument.create('file:///f.yaml', 'yaml', 1, text);
            if (e.whole && e.a % 7 === 0) {
              doc.update([{ text: e.text }], ++version);
              text = e.text;
            } else {
              const range: Range = { start: pos(text, e.a), end: pos(text, e.b) };
              doc.update([{ range, text: e.text }], ++version);
              text = TextDocument.applyEdits(lib, [{ range: e.a <= e.b ? range : { start: range.end, end: range.start }, newText: e.text }]);
            }
            assert.equal(doc.version, version);
            assertSame(doc, text);
            // The analysis's snapshot of the same chunks answers the same.
            assertSame(documentOfPieces('file:///f.yaml', version, textPieces(doc)), text);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a snapshot of pieces that are not chunks (a piece not ending a line) is cut again', () => {
    for (const pieces of [['a: 1', '\nb: 2\n'], ['a\r', '\nb'], ['x\n', '', 'y'], ['', '']]) {
      const snap = documentOfPieces('file:///f.yaml', 1, pieces);
      assertSame(snap, pieces.join(''));
    }
  });

  test('a range given end first is applied as the library does (start and end swapped)', () => {
    const doc = new LargeTextDocument('file:///f.yaml', 'yaml', 1, 'ab\ncd\nef\n', 3);
    doc.update([{ range: { start: { line: 2, character: 1 }, end: { line: 0, character: 1 } }, text: 'X' }], 2);
    assertSame(doc, 'aXf\n');
  });

  test('deleting the last chunks whole leaves the one before as the last, with its final empty line', () => {
    const doc = new LargeTextDocument('file:///f.yaml', 'yaml', 1, 'a\nb\nc\nd\n', 2);
    assertSame(doc, 'a\nb\nc\nd\n');
    doc.update([{ range: { start: { line: 2, character: 0 }, end: { line: 4, character: 0 } }, text: '' }], 2);
    assertSame(doc, 'a\nb\n');
  });

  test('documents of 1 MB or more are made large, and the library updates the rest', () => {
    const big = 'a: 1\n'.repeat(Math.ceil(LARGE_DOCUMENT_FROM / 5));
    const large = createDocument('file:///big.yaml', 'yaml', 1, big);
    assert.ok(large instanceof LargeTextDocument);
    assert.ok(textPieces(large).length > 1, 'a 1 MB text is held in more than one chunk');
    const small = createDocument('file:///small.yaml', 'yaml', 1, 'a: 1\n');
    assert.ok(!(small instanceof LargeTextDocument));
    updateDocument(small, [{ range: { start: { line: 0, character: 3 }, end: { line: 0, character: 4 } }, text: '2' }], 2);
    assert.equal(small.getText(), 'a: 2\n');
    updateDocument(large, [{ range: { start: { line: 100_000, character: 3 }, end: { line: 100_000, character: 4 } }, text: '2' }], 2);
    assert.equal(large.getText({ start: { line: 100_000, character: 0 }, end: { line: 100_001, character: 0 } }), 'a: 2\n');
    assert.equal(large.version, 2);
  });

  test('an edit of a chunk leaves the others as they are: no line index of theirs is computed again', () => {
    const text = Array.from({ length: 40 }, (_, i) => `line ${i}\n`).join('');
    const doc = new LargeTextDocument('file:///f.yaml', 'yaml', 1, text, 20);
    const before = textPieces(doc);
    assert.ok(before.length > 10);
    doc.update([{ range: { start: { line: 30, character: 0 }, end: { line: 30, character: 4 } }, text: 'LINE' }], 2);
    const after = textPieces(doc);
    assert.equal(after.length, before.length);
    // Every chunk but the edited one is unchanged.
    assert.equal(after.filter((p, i) => p !== before[i]).length, 1);
    assertSame(doc, text.replace('line 30\n', 'LINE 30\n'));
  });
});
