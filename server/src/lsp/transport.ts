// The message channel under the connection: the transport the command line asks for (`--stdio`, `--node-ipc`,
// `--socket=N`, `--pipe=NAME`, as vscode-languageserver's own createConnection reads them), with two guards in front:
//
// - The LSP lifecycle (LSP 3.17, "Server lifecycle"): before `initialize` every request is answered
//   ServerNotInitialized (-32002) and notifications are dropped (but `exit`); after `shutdown` every request is
//   answered InvalidRequest and only `exit` is read.
// - A broken stream (a header without a usable Content-Length, a body that is not JSON, so framing is lost) ends the
//   process with a message on stderr and exit code 1, so that the client sees the server die and restarts it,
//   instead of a server that silently stops answering. The input closing ends the process too (0 after `shutdown`).
import {
  AbstractMessageReader,
  createServerPipeTransport,
  createServerSocketTransport,
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

export interface Transport {
  reader: LifecycleGate;
  writer: MessageWriter;
}

/** What `argv` asks for; undefined when it names no transport. */
export function openTransport(argv: readonly string[] = process.argv): Transport | undefined {
  let pair: [MessageReader, MessageWriter] | undefined;
  for (const arg of argv.slice(2)) {
    const [name, value] = arg.split('=', 2);
    if (arg === '--stdio') pair = [new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout)];
    else if (arg === '--node-ipc') pair = [new IPCMessageReader(process), new IPCMessageWriter(process)];
    else if (name === '--socket' && value) pair = createServerSocketTransport(Number(value));
    else if (name === '--pipe' && value) pair = createServerPipeTransport(value);
    if (pair) break;
  }
  if (!pair) {
    const i = argv.indexOf('--socket');
    if (i >= 0 && argv[i + 1]) pair = createServerSocketTransport(Number(argv[i + 1]));
    const j = argv.indexOf('--pipe');
    if (!pair && j >= 0 && argv[j + 1]) pair = createServerPipeTransport(argv[j + 1]);
  }
  if (!pair) return undefined;
  return { reader: new LifecycleGate(pair[0], pair[1]), writer: pair[1] };
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
