// The LSP reader's body decoder (server/src/lsp/messageDecoder.ts) on its own and under vscode-jsonrpc's reader: a
// large body is parsed in the worker (server/out/decodeWorker.js, built by `npm run build`), never on the caller's
// thread, and gives exactly what the library's own decoder gives: the same message, the same error, in order.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { StreamMessageReader, type Message } from 'vscode-languageserver/node';
import { MessageDecoder, OFF_THREAD_FROM, READY } from '../../server/src/lsp/messageDecoder';
import { withTimeout } from '../waitFor';

const WORKER = resolve('server/out/decodeWorker.js');
const UTF8 = { charset: 'utf-8' as const };

/** A didOpen body of at least `bytes` bytes, its text made of `unit` repeated. */
function didOpen(bytes: number, unit = 'apiVersion: v1\nkind: Service\n---\n'): string {
  const text = unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit)));
  return JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: 'file:///big.yaml', languageId: 'yaml', version: 1, text } } });
}

/**
 * Runs `body` with JSON.parse of this thread watched: the lengths of the texts it parsed that are `atLeast` long.
 * The worker has a JSON of its own, so a parse there is not seen.
 */
async function watchingParse<T>(atLeast: number, body: () => Promise<T>): Promise<{ result: T; parsedHere: number[] }> {
  const parse = JSON.parse;
  const parsedHere: number[] = [];
  JSON.parse = ((text: string, reviver?: Parameters<typeof parse>[1]) => {
    if (typeof text === 'string' && text.length >= atLeast) parsedHere.push(text.length);
    return parse(text, reviver);
  }) as typeof JSON.parse;
  try {
    return { result: await body(), parsedHere };
  } finally {
    JSON.parse = parse;
  }
}

/** How many turns of this thread's event loop (setImmediate callbacks) ran while `p` was pending. */
async function turnsWhilePending<T>(p: Promise<T>): Promise<{ value: T; turns: number }> {
  let settled = false;
  let turns = 0;
  const tracked = p.finally(() => (settled = true));
  const spin = () => {
    if (settled) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const value = await withTimeout(tracked, 'the decoded message', 120_000);
  return { value, turns };
}

/** What JSON.parse throws for `text` on this thread. */
function parseError(text: string): Error {
  try {
    JSON.parse(text);
  } catch (e) {
    return e as Error;
  }
  throw new Error('the text parses');
}

describe('MessageDecoder', () => {
  test('a body of 1 MB or more is parsed in the worker, the caller\'s event loop turning meanwhile, into what JSON.parse gives', async () => {
    const text = didOpen(6 * OFF_THREAD_FROM);
    const expected = JSON.parse(text) as unknown;
    const decoder = new MessageDecoder(OFF_THREAD_FROM, WORKER);
    const { result, parsedHere } = await watchingParse(OFF_THREAD_FROM, () => turnsWhilePending(decoder.decode(Buffer.from(text), UTF8)));
    assert.deepEqual(parsedHere, [], 'the large body was parsed on the caller\'s thread');
    // A parse on this thread settles before any setImmediate callback can run; the worker's answer comes in a later
    // turn of the loop (the job is posted once the worker said it is ready, itself an event of the loop, and the
    // answer comes only after the worker has read all 6 MB).
    assert.ok(result.turns >= 1, `the loop turned ${result.turns} times while the body was parsed`);
    assert.deepStrictEqual(result.value, expected);
  });

  test('a body under 1 MB is parsed at once on this thread, as vscode-jsonrpc\'s own decoder does', async () => {
    const text = didOpen(OFF_THREAD_FROM / 2);
    const decoder = new MessageDecoder(OFF_THREAD_FROM, WORKER);
    const { result, parsedHere } = await watchingParse(OFF_THREAD_FROM / 2, () => turnsWhilePending(decoder.decode(Buffer.from(text), UTF8)));
    assert.deepEqual(parsedHere, [Buffer.byteLength(text)]);
    assert.equal(result.turns, 0);
    assert.deepStrictEqual(result.value, JSON.parse(text));
  });

  test('a large body that is not JSON rejects with the very error JSON.parse gives, as a small one does', async () => {
    const decoder = new MessageDecoder(OFF_THREAD_FROM, WORKER);
    // The fault at the very end: JSON.parse reads all of it first.
    const big = didOpen(6 * OFF_THREAD_FROM).replace(/}$/, ',}');
    const small = didOpen(100).replace(/}$/, ',}');
    for (const [name, text] of [['large', big], ['small', small]] as const) {
      const expected = parseError(text);
      const { result } = await watchingParse(OFF_THREAD_FROM, () => turnsWhilePending(decoder.decode(Buffer.from(text), UTF8).then(() => undefined, (e: unknown) => e)));
      const e = result.value as Error;
      assert.ok(e instanceof SyntaxError, `${name}: ${String(e)}`);
      assert.equal(e.message, expected.message, name);
      if (name === 'large') assert.ok(result.turns >= 1, 'the large one was parsed in the worker');
    }
  });

  test('multi-byte text (CJK, emoji, combining marks, a lone surrogate, bytes that are not UTF-8) decodes identically', async () => {
    const unit = '  # 東京の节点 🚀👩‍👩‍👧 é\u0301 ñ\n  name: \'サービス-𝒳\'\n';
    const json = didOpen(2 * OFF_THREAD_FROM, unit).replace('"languageId"', '"lone":"\\ud83d x","__proto__":{"polluted":true},"languageId"');
    // Invalid UTF-8 inside a string (a lone continuation byte, a truncated sequence): both decoders write U+FFFD.
    const bytes = Buffer.concat([Buffer.from(json.slice(0, 40)), Buffer.from([0x80, 0xe6, 0x9d]), Buffer.from(json.slice(40))]);
    const expected = JSON.parse(bytes.toString('utf8')) as { params: { textDocument: { text: string } } };
    const decoder = new MessageDecoder(OFF_THREAD_FROM, WORKER);
    const { result, parsedHere } = await watchingParse(OFF_THREAD_FROM, () => turnsWhilePending(decoder.decode(Buffer.from(bytes), UTF8)));
    assert.deepEqual(parsedHere, []);
    const got = result.value as unknown as typeof expected;
    assert.equal(got.params.textDocument.text, expected.params.textDocument.text);
    assert.ok(got.params.textDocument.text.includes('👩‍👩‍👧'));
    assert.deepStrictEqual(got, expected);
    assert.ok(Object.prototype.hasOwnProperty.call(got.params.textDocument, '__proto__'), '"__proto__" stays a plain key');
    assert.equal((Object.prototype as { polluted?: boolean }).polluted, undefined);
  });

  test('a Uint8Array body (not a Buffer) is decoded with TextDecoder, as vscode-jsonrpc does: a byte order mark is dropped', async () => {
    const text = didOpen(6 * OFF_THREAD_FROM);
    const withBom = new Uint8Array(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    const decoder = new MessageDecoder(OFF_THREAD_FROM, WORKER);
    const { value, turns } = await turnsWhilePending(decoder.decode(withBom, UTF8));
    assert.ok(turns >= 1);
    assert.deepStrictEqual(value, JSON.parse(text));
  });

  test('a body that is a view into a larger buffer is copied, not moved: the bytes around it stay readable', async () => {
    const text = didOpen(2 * OFF_THREAD_FROM);
    const around = Buffer.from(`Content-Length: 2\r\n\r\n{}${text}Content-Length: 2\r\n\r\n{}`);
    const start = 'Content-Length: 2\r\n\r\n{}'.length;
    const view = around.subarray(start, start + Buffer.byteLength(text));
    const decoder = new MessageDecoder(OFF_THREAD_FROM, WORKER);
    const { value } = await turnsWhilePending(decoder.decode(view, UTF8));
    assert.deepStrictEqual(value, JSON.parse(text));
    assert.equal(around.subarray(around.length - start).toString(), 'Content-Length: 2\r\n\r\n{}');
  });

  test('without its worker file every body is parsed on this thread, with the same result and errors', async () => {
    const decoder = new MessageDecoder(OFF_THREAD_FROM, resolve('server/out/no-such-worker.js'));
    const lines: string[] = [];
    decoder.log = (l) => lines.push(l);
    const text = didOpen(2 * OFF_THREAD_FROM);
    const { result, parsedHere } = await watchingParse(OFF_THREAD_FROM, () => decoder.decode(Buffer.from(text), UTF8));
    assert.deepEqual(parsedHere, [Buffer.byteLength(text)]);
    assert.deepStrictEqual(result, JSON.parse(text));
    const bad = text.replace(/"version":1/, '"version":1,}');
    await assert.rejects(decoder.decode(Buffer.from(bad), UTF8), (e: Error) => e instanceof SyntaxError && e.message === parseError(bad).message);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /could not start .*no-such-worker\.js is missing.*parsed on the main thread/);
  });
});

describe('MessageDecoder when its worker fails', () => {
  /** A worker file of `source` (CommonJS), in a directory of its own removed after the test. */
  function workerOf(source: string): { file: string; remove: () => void } {
    const dir = mkdtempSync(join(tmpdir(), 'kig-decode-worker-'));
    const file = join(dir, 'worker.js');
    writeFileSync(file, source);
    return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
  }

  test('a worker that fails before it is listening: the body, and every one after it, is parsed on this thread', async () => {
    const w = workerOf(`throw new Error('no thread for you');`);
    try {
      const decoder = new MessageDecoder(OFF_THREAD_FROM, w.file);
      const lines: string[] = [];
      decoder.log = (l) => lines.push(l);
      const text = didOpen(2 * OFF_THREAD_FROM);
      for (let i = 0; i < 2; i++) {
        const { result, parsedHere } = await watchingParse(OFF_THREAD_FROM, () => withTimeout(decoder.decode(Buffer.from(text), UTF8), 'the message', 120_000));
        assert.deepEqual(parsedHere, [Buffer.byteLength(text)]);
        assert.deepStrictEqual(result, JSON.parse(text));
      }
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0], /could not start \(failed: no thread for you\); LSP messages are parsed on the main thread/);
    } finally {
      w.remove();
    }
  });

  test('a worker that dies with a body: that body fails (a stream error, as the main thread running out of memory ends the server), the next goes to a new worker', async () => {
    const w = workerOf(`const { parentPort } = require('node:worker_threads');
parentPort.on('message', () => process.exit(3));
parentPort.postMessage(${JSON.stringify(READY)});
`);
    try {
      const decoder = new MessageDecoder(OFF_THREAD_FROM, w.file);
      const text = didOpen(2 * OFF_THREAD_FROM);
      // The second would wait for ever if it were handed to the dead worker.
      for (let i = 0; i < 2; i++) {
        const e = await withTimeout(decoder.decode(Buffer.from(text), UTF8).then(() => undefined, (x: unknown) => x), 'the failure', 120_000);
        assert.ok(e instanceof Error);
        assert.equal(e.message, `the worker decoding a message of ${Buffer.byteLength(text)} bytes stopped (exit code 3)`);
      }
    } finally {
      w.remove();
    }
  });
});

describe('MessageDecoder under vscode-jsonrpc\'s reader', () => {
  /** A reader over a stream fed by the test, its messages and errors collected. */
  function reader() {
    const input = new PassThrough();
    const decoder = new MessageDecoder(OFF_THREAD_FROM, WORKER);
    const r = new StreamMessageReader(input, { contentTypeDecoder: decoder });
    const messages: Message[] = [];
    const errors: Error[] = [];
    let wake = () => undefined as void;
    const changed = () => new Promise<void>((res) => (wake = res));
    r.listen((m) => {
      messages.push(m);
      wake();
    });
    r.onError((e) => {
      errors.push(e);
      wake();
    });
    const frame = (body: string | Buffer) => Buffer.concat([Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`), Buffer.from(body)]);
    const until = async (done: () => boolean) => {
      while (!done()) await withTimeout(changed(), 'the reader', 120_000);
    };
    return { input, r, messages, errors, frame, until };
  }

  test('a large didOpen and the small messages right behind it, in one write, come out in the order they came in', async () => {
    const { input, r, messages, errors, frame, until } = reader();
    try {
      const big = didOpen(3 * OFF_THREAD_FROM);
      const hover = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'textDocument/hover', params: { textDocument: { uri: 'file:///big.yaml' }, position: { line: 0, character: 0 } } });
      const change = JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didChange', params: { textDocument: { uri: 'file:///big.yaml', version: 2 }, contentChanges: [{ text: 'x' }] } });
      const second = didOpen(2 * OFF_THREAD_FROM).replace('big.yaml', 'second.yaml');
      const { parsedHere } = await watchingParse(OFF_THREAD_FROM, async () => {
        input.write(Buffer.concat([frame(big), frame(hover), frame(change), frame(second), frame(hover.replace('"id":7', '"id":8'))]));
        await until(() => messages.length + errors.length >= 5);
      });
      assert.deepEqual(errors, []);
      assert.deepEqual(parsedHere, [], 'the large bodies were parsed in the worker');
      const names = messages.map((m) => (m as unknown as { method: string; id?: number })).map((m) => m.method + (m.id ?? ''));
      assert.deepEqual(names, ['textDocument/didOpen', 'textDocument/hover7', 'textDocument/didChange', 'textDocument/didOpen', 'textDocument/hover8']);
      assert.deepStrictEqual(messages[0], JSON.parse(big));
      assert.deepStrictEqual(messages[3], JSON.parse(second));
    } finally {
      r.dispose();
      input.destroy();
    }
  });

  test('a large body that is not JSON is the reader\'s error, with the message JSON.parse gives (the server then exits, as for a small one)', async () => {
    const { input, r, messages, errors, frame, until } = reader();
    try {
      const bad = didOpen(2 * OFF_THREAD_FROM).replace(/"version":1/, '"version":1,}');
      input.write(frame(bad));
      await until(() => errors.length >= 1);
      assert.deepEqual(messages, []);
      assert.equal(errors[0].message, parseError(bad).message);
    } finally {
      r.dispose();
      input.destroy();
    }
  });
});
