// The FramingGuard in front of the LSP reader, on its own with a hand-driven clock: the stall bound counts time
// without progress, never the time a whole message takes, and bytes that wait in the pipe while the main thread was
// busy count as progress.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamMessageReader, type Message } from 'vscode-languageserver/node';
import { OFF_THREAD_FROM } from '../../server/src/lsp/messageDecoder';
import { FramingGuard, MAX_HEADER_BYTES, type GuardTimers } from '../../server/src/lsp/transport';
import { waitFor } from '../waitFor';

/** Timers that run only when the test says time has passed. */
class FakeClock implements GuardTimers {
  now = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private immediates: (() => void)[] = [];
  private next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  setImmediate(fn: () => void): unknown {
    this.immediates.push(fn);
    return undefined;
  }
  /** Time passes: due timers fire, then (the poll phase: `between`) the immediates run. */
  advance(ms: number, between: () => void = () => undefined): void {
    this.now += ms;
    for (const [id, t] of [...this.timers]) {
      if (t.at <= this.now) {
        this.timers.delete(id);
        t.fn();
      }
    }
    between();
    const run = this.immediates;
    this.immediates = [];
    for (const fn of run) fn();
  }
}

function guard(stallMs = 1000) {
  const clock = new FakeClock();
  const g = new FramingGuard(stallMs, clock);
  const out: Buffer[] = [];
  const errors: Error[] = [];
  g.on('data', (d: Buffer) => out.push(d));
  g.on('error', (e: Error) => errors.push(e));
  return { g, clock, out, errors };
}

/** Lets the stream deliver what was written (transform callbacks and error events run on the next ticks). */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe('FramingGuard', () => {
  test('a message trickling in for 100 times the stall bound, a byte group every 0.9 bound, is passed whole', async () => {
    const { g, clock, out, errors } = guard(1000);
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'x', params: 'y'.repeat(1000) });
    const bytes = Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const step = Math.ceil(bytes.length / 100);
    for (let at = 0; at < bytes.length; at += step) {
      g.write(bytes.subarray(at, at + step));
      await settle();
      clock.advance(900);
    }
    clock.advance(10_000);
    await settle();
    assert.equal(errors.length, 0, errors.map((e) => e.message).join("; "));
    assert.equal(Buffer.concat(out).toString(), bytes.toString());
  });

  test('a body that stops arriving fails the stream after the bound, saying how much came', async () => {
    const { g, clock, errors } = guard(1000);
    g.write('Content-Length: 100\r\n\r\n{"jsonrpc"');
    await settle();
    clock.advance(999);
    await settle();
    assert.equal(errors.length, 0, errors.map((e) => e.message).join("; "));
    clock.advance(1);
    await settle();
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /10 of the 100 bytes its Content-Length announced came, then nothing for 1000 ms/);
  });

  test('bytes that waited in the pipe while the main thread was busy past the bound count as progress', async () => {
    const { g, clock, errors } = guard(1000);
    g.write('Content-Length: 21\r\n\r\n{"a"');
    await settle();
    // The timer fires late; the poll phase then delivers the rest before the guard decides.
    clock.advance(5000, () => void g.write(':"bcdefghijklmn"}'));
    await settle();
    clock.advance(5000);
    await settle();
    assert.equal(errors.length, 0, errors.map((e) => e.message).join("; "));
  });

  test('between messages the input may idle for ever', async () => {
    const { g, clock, errors } = guard(1000);
    g.write('Content-Length: 2\r\n\r\n{}');
    await settle();
    clock.advance(1_000_000);
    await settle();
    assert.equal(errors.length, 0, errors.map((e) => e.message).join("; "));
  });

  const refused: [string, string, RegExp][] = [
    ['a length that parseInt would read as 12', 'Content-Length: 12abc\r\n\r\n', /not a number of bytes \("12abc"\)/],
    ['a negative length', 'Content-Length: -5\r\n\r\n', /not a number of bytes/],
    ['an exponent', 'Content-Length: 1e3\r\n\r\n', /not a number of bytes/],
    ['two different lengths', 'Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}', /two different Content-Length headers \(2 and 3\)/],
    ['no length', 'Content-Type: application/vscode-jsonrpc\r\n\r\n{}', /without Content-Length/],
    ['a line without a colon', 'Content-Length 2\r\n\r\n{}', /without a name and a colon/],
    ['a header past the bound, in one piece', `X: ${'a'.repeat(MAX_HEADER_BYTES)}\r\n\r\n`, /longer than 8192 bytes/],
    ['a length past the largest message', 'Content-Length: 99999999999999999999\r\n\r\n', /larger than the largest message/],
  ];
  for (const [name, bytes, why] of refused) {
    test(`refused: ${name}`, async () => {
      const { g, errors } = guard();
      g.write(bytes);
      await settle();
      assert.equal(errors.length, 1, name);
      assert.match(errors[0].message, why);
    });
  }

  test('refused: a header past the bound, a few bytes at a time (never buffered without a bound)', async () => {
    const { g, errors } = guard();
    for (let i = 0; i < 2 * MAX_HEADER_BYTES && errors.length === 0; i += 16) {
      g.write('X-Padding: aaaa\r\n'.slice(0, 16));
      await settle();
    }
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /longer than 8192 bytes without its end/);
  });

  test('a header split anywhere, even inside the blank line, is read', async () => {
    const body = '{"jsonrpc":"2.0","method":"x"}';
    const bytes = `Content-Length: ${body.length}\r\n\r\n${body}Content-Length: 2\r\n\r\n{}`;
    for (let cut = 1; cut < bytes.length; cut++) {
      const { g, out, errors } = guard();
      g.write(bytes.slice(0, cut));
      g.write(bytes.slice(cut));
      await settle();
      assert.equal(errors.length, 0, `cut at ${cut}`);
      assert.equal(Buffer.concat(out).toString(), bytes);
    }
  });

  describe('a body of 1 MB or more', () => {
    const small = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'textDocument/hover', params: {} });
    const big = JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { text: '東京 🚀 '.repeat(OFF_THREAD_FROM / 8) } });
    const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    /** Two small messages around the large one, in 64 KiB pieces as a pipe delivers them. */
    const stream = Buffer.from(frame(small(1)) + frame(big) + frame(small(2)));
    const pieces: Buffer[] = [];
    for (let at = 0; at < stream.length; at += 64 * 1024) pieces.push(Buffer.from(stream.subarray(at, at + 64 * 1024)));

    test('is passed on whole, as one buffer of its own, the bytes around it unchanged', async () => {
      const { g, out, errors } = guard();
      for (const p of pieces) {
        g.write(p);
        await settle();
      }
      assert.deepEqual(errors, []);
      assert.ok(Buffer.concat(out).equals(stream), 'the bytes pass unchanged');
      const whole = out.filter((c) => c.length === Buffer.byteLength(big));
      assert.equal(whole.length, 1);
      assert.equal(whole[0].toString(), big);
      assert.equal(whole[0].byteOffset, 0);
      assert.equal(whole[0].buffer.byteLength, whole[0].length, 'a buffer of its own, which the decoder may move to its worker');
      assert.ok(out.every((c) => c.length < 64 * 1024 || c === whole[0]), 'nothing else is held back');
    });

    test('reaches vscode-jsonrpc\'s decoder as that very buffer: the reader does not copy it together again', async () => {
      const { g, out } = guard();
      const decoded: Uint8Array[] = [];
      const messages: Message[] = [];
      const reader = new StreamMessageReader(g, {
        contentTypeDecoder: {
          name: 'application/json',
          decode: (b: Uint8Array) => {
            decoded.push(b);
            return Promise.resolve(JSON.parse(Buffer.from(b).toString()) as Message);
          },
        },
      });
      reader.listen((m) => messages.push(m));
      for (const p of pieces) {
        g.write(p);
        await settle();
      }
      await waitFor('the three messages', () => messages.length >= 3, 60_000);
      const whole = out.find((c) => c.length === Buffer.byteLength(big));
      assert.ok(whole);
      assert.ok(decoded.includes(whole), 'the body the decoder got is the buffer the guard gathered');
      assert.deepEqual(messages.map((m) => (m as unknown as { id?: number }).id), [1, undefined, 2]);
      reader.dispose();
    });

    test('with its header split anywhere, even inside the blank line, is gathered whole', async () => {
      const headerAt = Buffer.byteLength(frame(small(1)));
      const bodyAt = headerAt + Buffer.byteLength(`Content-Length: ${Buffer.byteLength(big)}\r\n\r\n`);
      for (let cut = headerAt - 1; cut <= bodyAt + 1; cut++) {
        const { g, out, errors } = guard();
        g.write(stream.subarray(0, cut));
        g.write(stream.subarray(cut));
        await settle();
        assert.deepEqual(errors, [], `cut at ${cut}`);
        assert.ok(Buffer.concat(out).equals(stream), `cut at ${cut}`);
        assert.equal(out.filter((c) => c.length === Buffer.byteLength(big) && c.buffer.byteLength === c.length).length, 1, `cut at ${cut}`);
      }
    });

    test('a stream that ends inside it still passes on what came', async () => {
      const { g, out } = guard();
      const cut = stream.subarray(0, stream.length - Buffer.byteLength(frame(small(2))) - 1000);
      g.end(cut);
      await new Promise<void>((r) => g.on('end', r).resume());
      assert.ok(Buffer.concat(out).equals(cut));
    });
  });
});
