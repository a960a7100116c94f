// The language server under random sessions: documents of any content opened, changed and closed in any order. The
// server must stay alive, end with diagnostics for each open document's final version (inside the document, the
// same as the engine's), clear a closed document's, and answer hovers afterwards.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { join } from 'node:path';
import { fileUri, type LspTestClient } from '../protocol/lspClient';
import { alive, assertDiagnosticsInside, diagnosticsForCurrentVersion, assertRangeInside, engineDiagnostics, key, makeWorkspace, startServer, until } from './harness';
import { corpusFiles, counted, fuzzConfig, genericDocArb, manifestArb, mutate, mutationsArb, randomBytesTextArb, reportCases } from './gen';

after(() => reportCases('server'));

const corpus = corpusFiles(60_000);
const textArb = fc.oneof(
  { weight: 4, arbitrary: manifestArb },
  { weight: 2, arbitrary: fc.tuple(manifestArb, mutationsArb).map(([t, ms]) => ms.reduce(mutate, t)) },
  { weight: 1, arbitrary: randomBytesTextArb },
  { weight: 1, arbitrary: genericDocArb },
  ...(corpus.length ? [{ weight: 2, arbitrary: fc.tuple(fc.constantFrom(...corpus.map((c) => c.text)), mutationsArb).map(([t, ms]) => ms.reduce(mutate, t)) }] : []),
);

type Action = { op: 'open' | 'change' | 'close' | 'hover'; doc: number; text: string; line: number; character: number };
const actionArb: fc.Arbitrary<Action> = fc.record({
  op: fc.constantFrom<Action['op']>('open', 'open', 'change', 'change', 'change', 'close', 'hover'),
  doc: fc.integer({ min: 0, max: 5 }),
  text: textArb,
  line: fc.nat({ max: 60 }),
  character: fc.nat({ max: 40 }),
});

describe('server: random sessions', () => {
  let ws: ReturnType<typeof makeWorkspace>;
  let client: LspTestClient;
  let uris: string[];
  before(async () => {
    ws = makeWorkspace();
    client = await startServer(ws.dir);
    uris = [
      fileUri(join(ws.dir, 'a.yaml')),
      fileUri(join(ws.dir, 'b.yml')),
      fileUri(join(ws.dir, 'values.yaml')), // read as Helm values
      fileUri(join(ws.dir, 'sub dir', 'ü ñ.yaml')),
      'untitled:Untitled-1',
      fileUri(join(ws.dir, 'templates', 'svc.yaml')),
    ];
  });
  after(async () => {
    await client.stop();
    ws.cleanup();
  });

  test('open/change/close/hover in any order: alive, final versions, ranges inside, closed documents cleared', async () => {
    const open = new Map<string, string>();
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 8 }), async (actions) => {
        for (const a of actions) {
          counted('server: session actions', () => undefined)();
          const uri = uris[a.doc];
          if (a.op === 'open' && !open.has(uri)) {
            client.published.delete(uri); // versions start at 1 again
            client.open(uri, a.text);
            open.set(uri, a.text);
          } else if (a.op === 'open' || a.op === 'change') {
            if (!open.has(uri)) {
              client.published.delete(uri);
              client.open(uri, a.text);
            } else client.change(uri, a.text);
            open.set(uri, a.text);
          } else if (a.op === 'close') {
            if (open.has(uri)) {
              client.published.delete(uri);
              client.close(uri);
            }
            open.delete(uri);
          } else if (open.has(uri)) {
            const h = await client.hover(uri, a.line, a.character);
            if (h?.range) assertRangeInside(open.get(uri)!, h.range, 'hover');
          }
        }
        for (const [uri, text] of open) {
          const d = await diagnosticsForCurrentVersion(client, uri);
          assertDiagnosticsInside(text, d, uri);
          // The server still answers: a hover on each open document.
          await client.hover(uri, 0, 0);
        }
        for (const uri of uris) if (!open.has(uri) && client.published.has(uri)) {
          await until(`${uri} cleared after close`, 60_000, () => client.published.get(uri)?.diagnostics.length === 0);
        }
        assert.ok(alive(client), client.describeProcess());
      }),
      fuzzConfig(80),
    );
    assert.ok(!/internal-error|could not check/.test(JSON.stringify([...client.published.values()])), 'no document failed to be checked');
  });

  test('one document at a time: the published diagnostics are the engine\'s, range for range', async () => {
    const uri = fileUri(join(ws.dir, 'single.yaml'));
    await fc.assert(
      fc.asyncProperty(textArb, counted('server: single document equals engine', async (text) => {
        // Versions start at 1 again on every open: forget what was published for the last one.
        client.published.delete(uri);
        client.open(uri, text);
        const d = await diagnosticsForCurrentVersion(client, uri);
        assertDiagnosticsInside(text, d, uri);
        assert.deepEqual(d.map(key).sort(), engineDiagnostics(uri, text, ws.facts));
        client.published.delete(uri);
        client.close(uri);
        await until('cleared', 60_000, () => client.published.get(uri)?.diagnostics.length === 0);
      })),
      fuzzConfig(120),
    );
  });
});
