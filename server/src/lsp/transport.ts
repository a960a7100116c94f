// The message channel under the connection: the transport the command line asks for (`--stdio`, `--node-ipc`,
// `--socket=N`, `--pipe=NAME`, as vscode-languageserver's own createConnection reads them), with two guards in front:
//
// - The LSP lifecycle (LSP 3.17, "Server lifecycle"): before `initialize` every request is answered
//   ServerNotInitialized (-32002) and notifications are dropped (but `exit`); after `shutdown` every request is
//   answered InvalidRequest and only `exit` is read.
// - A broken stream ends the process with a message on stderr and exit code 1, so that the client sees the server
//   die and restarts it, instead of a server that silently stops answering. The library's reader
//   (vscode-jsonrpc's ReadableStreamMessageReader) catches a body that is not JSON and a header without a colon;
//   the FramingGuard in front of it catches what it lets through (below). The input closing ends the process too
//   (0 after `shutdown`).
// - The reader's body decoder (messageDecoder.ts) parses a body of 1 MB or more in a worker thread, so that a large
//   didOpen or didChange never blocks the main thread while it is parsed; in order, with the same errors.
import { createConnection as netConnection } from 'node:net';
import { constants as bufferConstants } from 'node:buffer';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import {
  AbstractMessageReader,
  ErrorCodes,
  IPCMessageReader,
  IPCMessageWriter,
  Message,
  StreamMessageReader,
  StreamMessageWriter,
  type DataCallback,
  type Disposable,
  type MessageReader,
  type MessageWriter,
  type RequestMessage,
} from 'vscode-languageserver/node';
import { MessageDecoder, OFF_THREAD_FROM } from './messageDecoder';

type Phase = 'new' | 'running' | 'shutdown';

/** Reads messages through `inner`, admitting only what the current lifecycle phase allows. */
export class LifecycleGate extends AbstractMessageReader {
  private phase: Phase = 'new';

  constructor(
    private readonly inner: MessageReader,
    private readonly writer: MessageWriter,
  ) {
    super();
    inner.onError((e) => this.fireError(e));
    inner.onClose(() => this.fireClose());
    inner.onPartialMessage((p) => this.firePartialMessage(p));
  }

  get shutdownRequested(): boolean {
    return this.phase === 'shutdown';
  }

  listen(callback: DataCallback): Disposable {
    return this.inner.listen((message) => {
      if (this.admit(message)) callback(message);
    });
  }

  private admit(message: Message): boolean {
    if (Message.isRequest(message)) {
      if (this.phase === 'new') {
        if (message.method === 'initialize') {
          this.phase = 'running';
          return true;
        }
        this.refuse(message, ErrorCodes.ServerNotInitialized, `the server is not initialized: ${message.method} before initialize`);
        return false;
      }
      if (this.phase === 'shutdown') {
        this.refuse(message, ErrorCodes.InvalidRequest, `the server is shutting down: ${message.method} after shutdown (only exit is read)`);
        return false;
      }
      if (message.method === 'initialize') {
        this.refuse(message, ErrorCodes.InvalidRequest, 'the server is already initialized');
        return false;
      }
      if (message.method === 'shutdown') this.phase = 'shutdown';
      return true;
    }
    if (Message.isNotification(message)) return message.method === 'exit' || this.phase === 'running';
    return true; // responses to our own requests
  }

  private refuse(request: RequestMessage, code: number, text: string): void {
    void this.writer.write({ jsonrpc: '2.0', id: request.id, error: { code, message: text } } as Message).catch(() => undefined);
  }
}

/** Header bytes of one message at most: LSP sends two short headers (Content-Length, Content-Type). */
export const MAX_HEADER_BYTES = 8 * 1024;
/** The largest body: a longer one could not become the one JavaScript string the JSON is parsed from. */
export const MAX_BODY_BYTES = bufferConstants.MAX_STRING_LENGTH;
/**
 * How long a message may stop arriving half way (a header begun, or fewer body bytes than its Content-Length)
 * before the stream counts as broken. A bound on progress, not on the whole message: a 50 MB didChange that
 * trickles in is never cut while its bytes keep coming. 10 s is vscode-jsonrpc's own partialMessageTimeout, after
 * which its reader reports a partial message (and then waits on, forever). KUBE_IP_GUARD_LSP_STALL_MS overrides it.
 */
export const DEFAULT_STALL_MS = 10_000;

export interface GuardTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setImmediate(fn: () => void): unknown;
}
const NODE_TIMERS: GuardTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setImmediate: (fn) => setImmediate(fn),
};

/**
 * Checks the framing of the byte stream as it passes (base protocol, LSP 3.17 "Header Part"; HTTP's rules for
 * Content-Length, RFC 9112 section 6.3) and fails the stream, with what was wrong, on what the library's reader
 * would take silently or wait on forever:
 * - a Content-Length that is not a plain decimal number (`12abc`, which parseInt reads as 12; `-5`; `+5`; `1e3`);
 * - two Content-Length headers that differ (the library keeps the last one), or none;
 * - a header longer than MAX_HEADER_BYTES (the library buffers it without a bound, and rescans it on every chunk);
 * - a Content-Length over MAX_BODY_BYTES;
 * - a message that stops arriving half way for `stallMs` (a Content-Length too large, with nothing after it).
 * The bytes themselves pass unchanged; the library still decodes the messages. A body of OFF_THREAD_FROM bytes or
 * more is gathered here, as its pieces arrive, into one buffer of its own, passed on once whole: the library's reader
 * then takes it as it is (jsonrpc/src/common/messageBuffer.ts, `_read`: a first chunk of exactly the length asked
 * for is returned without a copy) and the decoder moves it to its worker, where the reader would otherwise copy all
 * of its pieces into one buffer in a single turn of the main thread (40 ms for 64 MB here).
 */
export class FramingGuard extends Transform {
  /** Header bytes of the message being read (in the header part), or undefined in a body or between messages. */
  private header: Buffer[] = [];
  private headerBytes = 0;
  /** Body bytes still to come; 0 between messages. */
  private remaining = 0;
  private announced = 0;
  /** Bytes seen in all, to tell progress. */
  private seen = 0;
  /** The large body being gathered, and how many of its bytes came. */
  private gathering?: Buffer;
  private gathered = 0;
  /** What the chunk being checked passes on, in order. */
  private out: Buffer[] = [];
  private timer: unknown;
  private readonly timers: GuardTimers;

  constructor(
    private readonly stallMs = DEFAULT_STALL_MS,
    timers: GuardTimers = NODE_TIMERS,
  ) {
    super();
    this.timers = timers;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.out = [];
    const error = this.check(chunk);
    if (error) {
      this.disarm();
      done(new Error(error));
      return;
    }
    this.seen += chunk.length;
    if (this.midMessage()) this.arm();
    else this.disarm();
    for (const piece of this.out) this.push(piece);
    done();
  }

  override _flush(done: TransformCallback): void {
    this.disarm();
    // The input ended inside a large body: what came of it still passes on.
    if (this.gathering && this.gathered > 0) this.push(this.gathering.subarray(0, this.gathered));
    this.gathering = undefined;
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.disarm();
    done(error);
  }

  private midMessage(): boolean {
    return this.remaining > 0 || this.headerBytes > 0;
  }

  /** What is wrong with the stream once `chunk` is added, or undefined. */
  private check(chunk: Buffer): string | undefined {
    let at = 0;
    /** Where the bytes of `chunk` not yet in `out` begin. */
    let from = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - at);
        if (this.gathering) {
          chunk.copy(this.gathering, this.gathered, at, at + take);
          this.gathered += take;
          from = at + take;
          if (this.remaining === take) {
            this.out.push(this.gathering);
            this.gathering = undefined;
          }
        }
        this.remaining -= take;
        at += take;
        continue;
      }
      // In the header part: up to the blank line (CRLF CRLF), which may span chunks.
      const rest = chunk.subarray(at);
      const joined = this.headerBytes ? Buffer.concat([...this.header, rest]) : rest;
      const searchFrom = Math.max(0, this.headerBytes - 3);
      const end = joined.indexOf('\r\n\r\n', searchFrom, 'latin1');
      if (end < 0) {
        if (joined.length > MAX_HEADER_BYTES) return `a message header longer than ${MAX_HEADER_BYTES} bytes without its end (a blank line)`;
        this.header = [joined];
        this.headerBytes = joined.length;
        break;
      }
      if (end + 4 > MAX_HEADER_BYTES) return `a message header longer than ${MAX_HEADER_BYTES} bytes`;
      const problem = this.readHeader(joined.subarray(0, end).toString('latin1'));
      if (problem) return problem;
      at += end + 4 - this.headerBytes;
      this.header = [];
      this.headerBytes = 0;
      if (this.remaining >= OFF_THREAD_FROM && this.gather(chunk, from, at)) from = at;
    }
    if (!this.gathering && from < chunk.length) this.out.push(from === 0 ? chunk : chunk.subarray(from));
    return undefined;
  }

  /** Starts gathering the body that begins at `at`, the bytes before it passed on; false when it cannot be held. */
  private gather(chunk: Buffer, from: number, at: number): boolean {
    try {
      this.gathering = Buffer.allocUnsafeSlow(this.remaining);
    } catch {
      return false; // Not that much memory at once: its pieces pass on as they come.
    }
    this.gathered = 0;
    if (at > from) this.out.push(chunk.subarray(from, at));
    return true;
  }

  /** Sets the body length from a complete header part, or says what is wrong with it. */
  private readHeader(text: string): string | undefined {
    let length: string | undefined;
    for (const line of text.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) return `a message header line without a name and a colon (${JSON.stringify(line.slice(0, 80))})`;
      if (line.slice(0, colon).trim().toLowerCase() !== 'content-length') continue;
      const value = line.slice(colon + 1).trim();
      if (!/^[0-9]+$/.test(value)) return `Content-Length is not a number of bytes (${JSON.stringify(value.slice(0, 40))})`;
      if (length !== undefined && Number(length) !== Number(value)) return `two different Content-Length headers (${length} and ${value})`;
      length = value;
    }
    if (length === undefined) return 'a message header without Content-Length';
    const n = Number(length);
    if (!(n <= MAX_BODY_BYTES)) return `Content-Length ${length} is larger than the largest message this server can read (${MAX_BODY_BYTES} bytes)`;
    this.remaining = n;
    this.announced = n;
    return undefined;
  }

  private arm(): void {
    this.disarm();
    const seenAtArm = this.seen;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      // A main thread that was busy for longer than the bound has not read what is waiting in the pipe yet: let the
      // poll phase deliver it (setImmediate runs after it) before deciding that nothing came.
      this.timers.setImmediate(() => {
        if (this.seen !== seenAtArm || !this.midMessage() || this.destroyed) return;
        const what = this.remaining > 0
          ? `a message body stopped arriving: ${this.announced - this.remaining} of the ${this.announced} bytes its Content-Length announced came, then nothing for ${this.stallMs} ms`
          : `a message header stopped arriving half way (${this.headerBytes} bytes, then nothing for ${this.stallMs} ms)`;
        this.destroy(new Error(what));
      });
    }, this.stallMs);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The stall bound for this process: KUBE_IP_GUARD_LSP_STALL_MS when it is a positive number, else the default. */
export function stallMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.KUBE_IP_GUARD_LSP_STALL_MS);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_STALL_MS;
}

/** `source` read through a FramingGuard; an error of the source fails the guarded stream too. */
export function guarded(source: Readable | NodeJS.ReadableStream, stallMs = stallMsFromEnv()): FramingGuard {
  const guard = new FramingGuard(stallMs);
  (source as Readable).on('error', (e: Error) => guard.destroy(e));
  (source as Readable).pipe(guard);
  return guard;
}

export interface Transport {
  reader: LifecycleGate;
  writer: MessageWriter;
  /** The body decoder of a stream transport (stdio, socket, pipe); Node's IPC channel parses its messages itself. */
  decoder?: MessageDecoder;
}

/** vscode-jsonrpc's stream reader on `source` behind a FramingGuard, its bodies parsed by `decoder`. */
function streamReader(source: Readable | NodeJS.ReadableStream, decoder: MessageDecoder): MessageReader {
  return new StreamMessageReader(guarded(source), { contentTypeDecoder: decoder });
}

/** What `argv` asks for; undefined when it names no transport. */
export function openTransport(argv: readonly string[] = process.argv): Transport | undefined {
  const decoder = new MessageDecoder();
  let pair: [MessageReader, MessageWriter] | undefined;
  let ipc = false;
  for (const arg of argv.slice(2)) {
    const [name, value] = arg.split('=', 2);
    if (arg === '--stdio') pair = [streamReader(process.stdin, decoder), new StreamMessageWriter(process.stdout)];
    else if (arg === '--node-ipc') {
      pair = [new IPCMessageReader(process), new IPCMessageWriter(process)];
      ipc = true;
    }
    else if (name === '--socket' && value) pair = socketPair(Number(value), decoder);
    else if (name === '--pipe' && value) pair = socketPair(value, decoder);
    if (pair) break;
  }
  if (!pair) {
    const i = argv.indexOf('--socket');
    if (i >= 0 && argv[i + 1]) pair = socketPair(Number(argv[i + 1]), decoder);
    const j = argv.indexOf('--pipe');
    if (!pair && j >= 0 && argv[j + 1]) pair = socketPair(argv[j + 1], decoder);
  }
  if (!pair) return undefined;
  return { reader: new LifecycleGate(pair[0], pair[1]), writer: pair[1], ...(ipc ? {} : { decoder }) };
}

/**
 * vscode-jsonrpc's createServerSocketTransport (a port on 127.0.0.1) and createServerPipeTransport (a named pipe or
 * Unix socket), with the reader behind a FramingGuard (vscode-jsonrpc lib/node/main.ts).
 */
function socketPair(where: number | string, decoder: MessageDecoder): [MessageReader, MessageWriter] {
  const socket = typeof where === 'number' ? netConnection(where, '127.0.0.1') : netConnection(where);
  return [streamReader(socket, decoder), new StreamMessageWriter(socket)];
}

/** The process ends when the stream breaks or closes: say why on stderr (never on stdout, the channel itself). */
export function exitWithStream(transport: Transport, exit: (code: number) => void = (c) => process.exit(c)): void {
  let ended = false;
  const end = (code: number, why?: string) => {
    if (ended) return;
    ended = true;
    if (why) process.stderr.write(`Kube IP Guard: ${why}; exiting so that the editor can restart the server.\n`);
    exit(code);
  };
  transport.reader.onError((e) => end(1, `the LSP message stream is broken (${(e as Error)?.message?.split('\n')[0] ?? e})`));
  transport.reader.onClose(() => end(transport.reader.shutdownRequested ? 0 : 1, transport.reader.shutdownRequested ? undefined : 'the editor closed the connection without shutdown'));
}
