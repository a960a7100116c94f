// A minimal LSP client for protocol tests: spawns the built server over stdio and speaks LSP to it, the way any
// editor would. It answers the server's own requests (workspace/configuration, client/registerCapability).
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type CodeAction,
  type Diagnostic,
  type Hover,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Range,
  type TextEdit,
} from 'vscode-languageserver-protocol/node';

export const SERVER = resolve('server/out/server.js');

export function fileUri(path: string): string {
  return pathToFileURL(path).toString();
}

export interface StartOptions {
  rootDir?: string;
  settings?: Record<string, unknown>;
  initializationOptions?: Record<string, unknown>;
  /** Advertise workspace/configuration (pull settings). Default true. */
  configuration?: boolean;
  /** Environment of the server process (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Workspace folders (default: rootDir alone). */
  folders?: string[];
}

type Waiter = { uri: string; pred: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void };

export class LspTestClient {
  readonly published = new Map<string, PublishDiagnosticsParams>();
  readonly notifications: { method: string; params: unknown }[] = [];
  readonly logs: string[] = [];
  stderr = '';
  private waiters: Waiter[] = [];
  private versions = new Map<string, number>();
  private texts = new Map<string, string>();
  settings: Record<string, unknown>;

  private constructor(
    readonly proc: ChildProcess,
    readonly conn: ProtocolConnection,
    opts: StartOptions,
  ) {
    this.settings = opts.settings ?? {};
  }

  static async start(opts: StartOptions = {}): Promise<LspTestClient> {
    const proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const c = new LspTestClient(proc, conn, opts);
    proc.stderr!.on('data', (d) => (c.stderr += String(d)));
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      c.published.set(p.uri, p);
      const still: Waiter[] = [];
      for (const w of c.waiters) {
        if (w.uri === p.uri && w.pred(p)) w.resolve(p);
        else still.push(w);
      }
      c.waiters = still;
    });
    conn.onNotification('window/logMessage', (p: { message: string }) => c.logs.push(p.message));
    // Every other notification (the status notification among them) is kept for the tests to look at.
    (conn as unknown as { onNotification(h: (method: string, params: unknown) => void): void }).onNotification((method, params) => c.notifications.push({ method, params }));
    conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map(() => c.settings));
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('window/workDoneProgress/create', () => null);
    conn.onRequest('window/showMessageRequest', () => null);
    conn.listen();
    const root = opts.rootDir;
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: root ? fileUri(root) : null,
      workspaceFolders: opts.folders ? opts.folders.map((f, i) => ({ uri: fileUri(f), name: `folder${i}` })) : root ? [{ uri: fileUri(root), name: 'test' }] : null,
      capabilities: {
        workspace: { configuration: opts.configuration ?? true, didChangeWatchedFiles: { dynamicRegistration: true }, workspaceFolders: true },
        textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true }, hover: { contentFormat: ['markdown'] } },
      },
      initializationOptions: opts.initializationOptions ?? {},
    });
    await conn.sendNotification('initialized', {});
    return c;
  }

  // Notifications to a server a test killed on purpose fail to write; that is not the test's failure, so each send
  // below swallows its rejection.
  open(uri: string, text: string, languageId = 'yaml'): void {
    this.versions.set(uri, 1);
    this.texts.set(uri, text);
    this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } }).catch(() => undefined);
  }

  /** Replace the whole text; returns the new version. */
  change(uri: string, text: string): number {
    const v = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, v);
    this.texts.set(uri, text);
    this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ text }] }).catch(() => undefined);
    return v;
  }

  close(uri: string): void {
    this.versions.delete(uri);
    this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } }).catch(() => undefined);
  }

  text(uri: string): string {
    return this.texts.get(uri) ?? '';
  }

  version(uri: string): number {
    return this.versions.get(uri) ?? 0;
  }

  /** Wait for diagnostics of `uri` (for its current version, when the server says which) matching `pred`. */
  waitForDiagnostics(uri: string, pred: (d: Diagnostic[]) => boolean = () => true, timeoutMs = 15000): Promise<Diagnostic[]> {
    const version = this.versions.get(uri);
    const ok = (p: PublishDiagnosticsParams) => (p.version === undefined || version === undefined || p.version === version) && pred(p.diagnostics);
    const last = this.published.get(uri);
    if (last && ok(last)) return Promise.resolve(last.diagnostics);
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching diagnostics for ${uri} (version ${version}) within ${timeoutMs} ms; last: ${JSON.stringify(this.published.get(uri)?.diagnostics.map((d) => d.code))}\nserver stderr: ${this.stderr.slice(-2000)}`));
      }, timeoutMs);
      const waiter: Waiter = {
        uri,
        pred: ok,
        resolve: (p) => {
          clearTimeout(timer);
          resolvePromise(p.diagnostics);
        },
      };
      this.waiters.push(waiter);
    });
  }

  hover(uri: string, line: number, character: number): Promise<Hover | null> {
    return this.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  }

  codeActions(uri: string, range: Range, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
    return this.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics, only: ['quickfix'] } });
  }

  /** Apply a code action's edit to our copy of the text and send it to the server; returns the new text. */
  applyAction(uri: string, action: CodeAction): string {
    const change = action.edit?.documentChanges?.[0] as { textDocument: { version: number }; edits: TextEdit[] } | undefined;
    if (!change) throw new Error(`action "${action.title}" has no document edit`);
    if (change.textDocument.version !== this.version(uri)) throw new Error('edit is for another version');
    const text = applyTextEdits(this.text(uri), change.edits);
    this.change(uri, text);
    return text;
  }

  didChangeWatchedFiles(changes: { uri: string; type: 1 | 2 | 3 }[]): void {
    this.conn.sendNotification('workspace/didChangeWatchedFiles', { changes }).catch(() => undefined);
  }

  didChangeConfiguration(settings: Record<string, unknown>): void {
    this.settings = settings;
    this.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} }).catch(() => undefined);
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.conn.sendNotification('exit');
    } catch {
      // already gone
    }
    this.conn.dispose();
    if (this.proc.exitCode === null) this.proc.kill();
  }
}

export function offsetAt(text: string, pos: { line: number; character: number }): number {
  let offset = 0;
  for (let l = 0; l < pos.line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  return offset + pos.character;
}

export function applyTextEdits(text: string, edits: TextEdit[]): string {
  const withOffsets = edits.map((e) => ({ start: offsetAt(text, e.range.start), end: offsetAt(text, e.range.end), newText: e.newText }));
  withOffsets.sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of withOffsets) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}
