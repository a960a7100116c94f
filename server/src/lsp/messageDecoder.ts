// The content-type decoder of the LSP reader (vscode-jsonrpc's MessageReaderOptions.contentTypeDecoder): the bytes of
// one message body to the message. vscode-jsonrpc's own decoder (jsonrpc/src/node/ril.ts, `applicationJson.decoder`,
// in microsoft/vscode-languageserver-node) decodes and parses every body on the main thread: a 64 MB didOpen (or a
// full-text didChange) is a quarter of a second in one block, before any of our code runs. Here a body under
// OFF_THREAD_FROM is parsed exactly as that decoder does; a larger one is decoded and parsed in a worker thread
// (decodeWorker.ts, built beside the server as decodeWorker.js) and comes back by structured clone.
//
// Order: ReadableStreamMessageReader awaits each decode under a semaphore of one (jsonrpc/src/common/messageReader.ts,
// `readSemaphore`) before it starts the next, so the messages after a large one wait for it and none overtakes it.
// Errors: a body that is not JSON rejects with the same error as on the main thread (its name and message), which the
// reader reports as a stream error, as before (transport.ts ends the process). If the worker cannot start (it fails
// before its first message, READY), bodies are parsed on this thread; if it dies with a body (out of memory), that
// body fails as a stream error, as the main thread's own out-of-memory would end the process, and the next large body
// gets a new worker.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TextDecoder } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { ContentTypeDecoderOptions, Message } from 'vscode-languageserver/node';

/**
 * Bodies of this many bytes or more are parsed in the worker. Measured (2 cores): JSON.parse of a didOpen costs the
 * main thread 2 to 4 ms per MB of a stream of Services (the more, the busier the machine), while handing a body to the
 * worker and taking the message back costs it well under 1 ms; below 1 MB the round trip's latency (a few tenths of a
 * ms) buys little, and every keystroke's didChange, hover and code action stays on the direct path.
 */
export const OFF_THREAD_FROM = 1024 * 1024;

export interface DecodeJob {
  id: number;
  bytes: ArrayBuffer;
  charset: string;
  /** The body was a Buffer (decoded with Buffer#toString, as vscode-jsonrpc does), else a Uint8Array (TextDecoder). */
  asBuffer: boolean;
}
export type DecodeAnswer = { id: number; message: unknown } | { id: number; error: { name: string; message: string } };
/** The worker's first message: it is listening (a worker that fails before this never gets a body). */
export const READY = 'kube-ip-guard decode worker ready';

/** What vscode-jsonrpc's decoder does with a body (jsonrpc/src/node/ril.ts): decode by the charset, then JSON.parse. */
export function parseBody(bytes: Uint8Array, charset: string, asBuffer: boolean): unknown {
  const text = asBuffer
    ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(charset as BufferEncoding)
    : new TextDecoder(charset).decode(bytes);
  return JSON.parse(text);
}

const ERRORS: Record<string, ErrorConstructor> = { SyntaxError, TypeError, RangeError };

interface Pending {
  resolve(m: Message): void;
  reject(e: Error): void;
  bytes: number;
}

export class MessageDecoder {
  readonly name = 'application/json';
  /** Where the decoder says what became of its worker (set once the connection exists). */
  log: (line: string) => void = () => undefined;
  private worker?: Promise<Worker | undefined>;
  private unavailable = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    readonly offThreadFrom = OFF_THREAD_FROM,
    private readonly workerFile: string = join(__dirname, 'decodeWorker.js'),
  ) {}

  decode(buffer: Uint8Array, options: ContentTypeDecoderOptions): Promise<Message> {
    if (buffer.byteLength < this.offThreadFrom || this.unavailable) return onThisThread(buffer, options.charset);
    return this.offThread(buffer, options.charset);
  }

  private async offThread(buffer: Uint8Array, charset: string): Promise<Message> {
    const worker = await this.started();
    if (!worker) return onThisThread(buffer, charset);
    const id = this.nextId++;
    const asBuffer = buffer instanceof Buffer;
    return new Promise<Message>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, bytes: buffer.byteLength });
      worker.ref();
      const job = (bytes: ArrayBuffer): DecodeJob => ({ id, bytes, charset, asBuffer });
      if (ownsItsMemory(buffer)) {
        try {
          // The body is the whole of its ArrayBuffer: vscode-jsonrpc's reader assembled it from several chunks into
          // a buffer of its own (jsonrpc/src/common/messageBuffer.ts, `_read`: allocNative), or it is a whole chunk
          // the reader has taken out of its list; nothing reads it after the decode. Moved, not copied (a 64 MB copy
          // is tens of ms on this thread).
          worker.postMessage(job(buffer.buffer as ArrayBuffer), [buffer.buffer as ArrayBuffer]);
          return;
        } catch {
          // Not transferable (marked so by its allocator): copied below.
        }
      }
      // A view into a chunk whose other bytes the reader still holds (the next message's): copied.
      worker.postMessage(job(new Uint8Array(buffer).buffer));
    });
  }

  /** The worker, once it runs; undefined when it cannot (then every body is parsed on this thread). */
  private started(): Promise<Worker | undefined> {
    if (this.worker) return this.worker;
    const starting = new Promise<Worker | undefined>((resolve) => {
      const unavailable = (why: string) => {
        if (this.unavailable) return;
        this.unavailable = true;
        this.log(`Kube IP Guard: the message decoding worker could not start (${why}); LSP messages are parsed on the main thread.`);
        resolve(undefined);
      };
      if (!existsSync(this.workerFile)) return unavailable(`${this.workerFile} is missing`);
      let w: Worker;
      try {
        w = new Worker(this.workerFile);
      } catch (e) {
        return unavailable((e as Error).message);
      }
      // Referenced while it starts and while it holds a body; idle, it never keeps the process alive.
      let online = false;
      w.on('message', (a: DecodeAnswer | typeof READY) => {
        if (a === READY) {
          online = true;
          w.unref();
          this.log(`Kube IP Guard: LSP messages of ${size(this.offThreadFrom)} or more are decoded in a worker thread.`);
          return resolve(w);
        }
        const p = this.pending.get(a.id);
        if (!p) return;
        this.pending.delete(a.id);
        if (this.pending.size === 0) w.unref();
        if ('error' in a) p.reject(new (ERRORS[a.error.name] ?? Error)(a.error.message));
        else p.resolve(a.message as Message);
      });
      const stopped = (why: string) => {
        if (!online) return unavailable(why);
        if (this.worker !== starting) return;
        // The bodies it held fail (the reader reports a stream error); a new worker takes the next large body.
        this.worker = undefined;
        void w.terminate().catch(() => undefined);
        for (const p of this.pending.values()) p.reject(new Error(`the worker decoding a message of ${p.bytes} bytes ${why}`));
        this.pending.clear();
      };
      w.on('error', (e: Error & { code?: string }) => stopped(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'ran out of memory' : `failed: ${e.message}`));
      w.on('messageerror', (e: Error) => stopped(`sent what could not be read: ${e.message}`));
      w.on('exit', (code) => stopped(`stopped (exit code ${code})`));
    });
    this.worker = starting;
    return starting;
  }
}

function size(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;
}

/** Exactly vscode-jsonrpc's decoder (jsonrpc/src/node/ril.ts): a parse error rejects with JSON.parse's own error. */
function onThisThread(buffer: Uint8Array, charset: string): Promise<Message> {
  try {
    return Promise.resolve(parseBody(buffer, charset, buffer instanceof Buffer) as Message);
  } catch (e) {
    return Promise.reject(e as Error);
  }
}

function ownsItsMemory(buffer: Uint8Array): boolean {
  return buffer.buffer instanceof ArrayBuffer && buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength;
}
