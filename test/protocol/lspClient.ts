// A minimal LSP client for protocol tests: spawns the built server over stdio and speaks LSP to it, the way any
// editor would. It answers the server's own requests (workspace/configuration, client/registerCapability).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ClientProfile } from './clients';
import { AnalyzerStatusRequest } from '../../server/src/protocol';
import { describeEnd, type ChildEnd } from '../childExit';
import { orAfter, waitFor, withTimeout } from '../waitFor';
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
  type InitializeResult,
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
  /** Announce exactly what this real client announces (test/protocol/clients.ts) instead of our defaults. */
  profile?: ClientProfile;
  /** Send no `initialize` (lifecycle tests do it themselves). */
  skipInitialize?: boolean;
}

type Waiter = { uri: string; pred: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void; reject: (e: Error) => void };

export class LspTestClient {
  readonly published = new Map<string, PublishDiagnosticsParams>();
  readonly notifications: { method: string; params: unknown }[] = [];
  readonly logs: string[] = [];
  stderr = '';
  private waiters: Waiter[] = [];
  private versions = new Map<string, number>();
  private texts = new Map<string, string>();
  settings: Record<string, unknown>;
  /** The server's answer to `initialize`. */
  initializeResult?: InitializeResult;
  /** How many `workspace/diagnostic/refresh` requests the server sent. */
  refreshes = 0;
  private refreshWaiters: (() => void)[] = [];

  private constructor(
    readonly proc: ChildProcess,
    readonly conn: ProtocolConnection,
    opts: StartOptions,
  ) {
    this.settings = opts.settings ?? {};
  }

  /** How the server process ended, once it has. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private stopping = false;

  /**
   * The server process in one paragraph, for failure messages: still running, or its exit code and signal (a kill
   * from outside shows as a signal, a crash as a code), and the tail of its stderr.
   */
  describeProcess(): string {
    return describeEnd(`server pid ${this.proc.pid ?? '?'}`, this.exit, this.stderr);
  }

  /** Resolves once the server's own file watcher (for clients that cannot watch files) sees changes. */
  async serverWatcherReady(): Promise<void> {
    const ready = () => this.logs.some((l) => l === "Kube IP Guard: the server's file watcher is ready");
    await waitFor("the server's file watcher", ready, 60_000, () => this.describeProcess());
  }

  /** How the server ended, once it has; a hang (no exit after `timeoutMs`) is an error describing the process. */
  async waitForExit(timeoutMs = 60_000): Promise<ChildEnd> {
    if (!this.exit) {
      const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
      await withTimeout(exited, 'the server to exit', timeoutMs).catch((e: Error) => Promise.reject(new Error(`${e.message}\n${this.describeProcess()}`)));
    }
    return this.exit!;
  }

  static async start(opts: StartOptions = {}): Promise<LspTestClient> {
    const proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const c = new LspTestClient(proc, conn, opts);
    proc.stderr!.on('data', (d) => (c.stderr += String(d)));
    // vscode-jsonrpc leaves a request pending forever when the stream closes (only dispose() rejects them): once the
    // server's output has closed, a request still waiting for its answer fails saying what became of the server,
    // instead of holding the test until the runner's hang bound.
    proc.on('close', () => {
      if (!c.stopping) conn.dispose();
    });
    proc.on('exit', (code, signal) => {
      c.exit = { code, signal };
      // Said at once, so that a test that fails later because of it can be told from one that found a bug; a wait
      // for diagnostics that can no longer come fails now, saying so.
      if (!c.stopping) {
        console.error(`# ${c.describeProcess().replace(/\n/g, '\n# ')}`);
        for (const w of c.waiters.splice(0)) w.reject(new Error(`no diagnostics for ${w.uri}: the server is gone\n${c.describeProcess()}`));
      }
    });
    // A request that fails (the server died, or answered an error) says what became of the server.
    const send = conn.sendRequest.bind(conn) as (...args: unknown[]) => Promise<unknown>;
    const decorate = (e: unknown): Error => {
      const err = e instanceof Error ? e : new Error(String(e));
      if (c.exit || !(e as { code?: unknown })?.code) err.message += `\n${c.describeProcess()}`;
      return err;
    };
    (conn as unknown as { sendRequest: (...args: unknown[]) => Promise<unknown> }).sendRequest = (...args: unknown[]) => {
      try {
        return send(...args).catch((e: unknown) => Promise.reject(decorate(e)));
      } catch (e) {
        // A closed connection throws at once rather than rejecting.
        return Promise.reject(decorate(e));
      }
    };
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
    conn.onRequest('workspace/diagnostic/refresh', () => {
      c.refreshes++;
      const ws = c.refreshWaiters;
      c.refreshWaiters = [];
      for (const w of ws) w();
      return null;
    });
    conn.onRequest('window/workDoneProgress/create', () => null);
    conn.onRequest('window/showMessageRequest', () => null);
    conn.listen();
    if (opts.skipInitialize) return c;
    const root = opts.rootDir;
    const profile = opts.profile;
    const roots = profile?.roots ?? 'workspaceFolders';
    // Clients that do not announce workspace folders send rootUri and rootPath (ALE, vim-lsp) or only rootPath.
    const params: Record<string, unknown> = {
      processId: process.pid,
      rootUri: root && roots !== 'rootPath' ? fileUri(root) : null,
      rootPath: root ?? null,
      capabilities: profile?.capabilities ?? {
        workspace: { configuration: opts.configuration ?? true, didChangeWatchedFiles: { dynamicRegistration: true }, workspaceFolders: true },
        textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true }, hover: { contentFormat: ['markdown'] } },
      },
      initializationOptions: opts.initializationOptions ?? {},
    };
    if (roots === 'workspaceFolders') params.workspaceFolders = opts.folders ? opts.folders.map((f, i) => ({ uri: fileUri(f), name: `folder${i}` })) : root ? [{ uri: fileUri(root), name: 'test' }] : null;
    c.initializeResult = (await conn.sendRequest('initialize', params)) as InitializeResult;
    await conn.sendNotification('initialized', {});
    return c;
  }

  /** The server offers LSP 3.17 pull diagnostics to this client. */
  get pulls(): boolean {
    return !!this.initializeResult?.capabilities.diagnosticProvider;
  }

  /** Resolves at the server's next `workspace/diagnostic/refresh`. */
  nextRefresh(): Promise<void> {
    return new Promise((r) => this.refreshWaiters.push(r));
  }

  /** `textDocument/diagnostic` for the document's current version. */
  async pull(uri: string): Promise<Diagnostic[]> {
    return (await this.pullReport(uri)).items ?? [];
  }

  /** The whole `textDocument/diagnostic` report, given the result id of the client's previous one. */
  pullReport(uri: string, previousResultId?: string): Promise<{ kind: 'full' | 'unchanged'; resultId?: string; items?: Diagnostic[] }> {
    return this.conn.sendRequest('textDocument/diagnostic', { textDocument: { uri }, ...(previousResultId ? { previousResultId } : {}) });
  }

  /**
   * The document's diagnostics as this client sees them, once `pred` holds: pulled when the server offers pull
   * diagnostics (again at each refresh the server asks for), else waited for in publishDiagnostics.
   */
  async diagnostics(uri: string, pred: (d: Diagnostic[]) => boolean = () => true, timeoutMs = 60000): Promise<Diagnostic[]> {
    if (!this.pulls) return this.waitForDiagnostics(uri, pred, timeoutMs);
    let timedOut = false;
    const hang = setTimeout(() => (timedOut = true), timeoutMs);
    try {
      for (;;) {
        const refreshed = this.nextRefresh();
        const d = await this.pull(uri);
        if (pred(d)) return d;
        if (timedOut) throw new Error(`no matching pulled diagnostics for ${uri} within ${timeoutMs} ms; last: ${JSON.stringify(d.map((x) => x.code))}\n${this.describeProcess()}`);
        // Pull again at the server's next refresh, or after a second in case a refresh was missed.
        await orAfter(refreshed, 1000);
      }
    } finally {
      clearTimeout(hang);
    }
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

  /** Append `text` at the end of the document, as an incremental change; returns the new version. */
  append(uri: string, text: string): number {
    const v = (this.versions.get(uri) ?? 0) + 1;
    const old = this.texts.get(uri) ?? '';
    const lines = old.split('\n');
    const end = { line: lines.length - 1, character: lines[lines.length - 1].length };
    this.versions.set(uri, v);
    this.texts.set(uri, old + text);
    this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ range: { start: end, end }, text }] }).catch(() => undefined);
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
  waitForDiagnostics(uri: string, pred: (d: Diagnostic[]) => boolean = () => true, timeoutMs = 60000): Promise<Diagnostic[]> {
    const version = this.versions.get(uri);
    const ok = (p: PublishDiagnosticsParams) => (p.version === undefined || version === undefined || p.version === version) && pred(p.diagnostics);
    const last = this.published.get(uri);
    if (last && ok(last)) return Promise.resolve(last.diagnostics);
    if (this.exit && !this.stopping) return Promise.reject(new Error(`no diagnostics for ${uri}: the server is gone\n${this.describeProcess()}`));
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching diagnostics for ${uri} (version ${version}) within ${timeoutMs} ms; last: ${JSON.stringify(this.published.get(uri)?.diagnostics.map((d) => d.code))}\n${this.describeProcess()}`));
      }, timeoutMs);
      const waiter: Waiter = {
        uri,
        pred: ok,
        resolve: (p) => {
          clearTimeout(timer);
          resolvePromise(p.diagnostics);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** `kubeIpGuard/analyzerStatus`: the analyses the server counted per open document (or `uri`) and version. */
  async analyzerStatus(uri?: string): Promise<AnalyzerStatusRequest.DocumentStatus[]> {
    return (await this.conn.sendRequest(AnalyzerStatusRequest.type, uri === undefined ? {} : { uri })).documents;
  }

  /** The status of each of `uris` once all are idle with a result that holds (whatever the last step caused has run). */
  settled(uris: string[], timeoutMs = 120_000): Promise<AnalyzerStatusRequest.DocumentStatus[]> {
    let last: AnalyzerStatusRequest.DocumentStatus[] = [];
    return waitFor(
      `${uris.join(', ')} idle, analysed and not stale`,
      async () => {
        const all = await this.analyzerStatus();
        last = uris.map((u) => all.find((d) => d.uri === u)).filter((d) => d !== undefined);
        return last.length === uris.length && last.every((d) => d.phase === 'idle' && !d.stale && d.lastAnalyzed === d.version) && last;
      },
      timeoutMs,
      () => `${JSON.stringify(last)}\n${this.describeProcess()}`,
    );
  }

  hover(uri: string, line: number, character: number): Promise<Hover | null> {
    return this.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  }

  codeActions(uri: string, range: Range, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
    return this.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics, only: ['quickfix'] } });
  }

  /** The text edits of a code action for `uri`: `documentChanges` (checked against our version) or `changes`. */
  editsOf(uri: string, action: CodeAction): TextEdit[] {
    const change = action.edit?.documentChanges?.[0] as { textDocument: { uri: string; version: number }; edits: TextEdit[] } | undefined;
    if (change) {
      if (change.textDocument.uri !== uri) throw new Error(`action "${action.title}" edits another document`);
      if (change.textDocument.version !== this.version(uri)) throw new Error('edit is for another version');
      return change.edits;
    }
    const edits = action.edit?.changes?.[uri];
    if (!edits) throw new Error(`action "${action.title}" has no edit for ${uri}`);
    return edits;
  }

  /** Apply a code action's edit to our copy of the text and send it to the server; returns the new text. */
  applyAction(uri: string, action: CodeAction, encoding: Encoding = 'utf-16'): string {
    const text = applyTextEdits(this.text(uri), this.editsOf(uri, action), encoding);
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
    this.stopping = true;
    // A server that already exited gets nothing written to its pipe (a write to a closing pipe fails later, outside
    // the test).
    if (!this.exit) {
      try {
        await orAfter(this.conn.sendRequest('shutdown'), 2000);
        await this.conn.sendNotification('exit');
      } catch {
        // already gone
      }
    }
    this.conn.dispose();
    if (this.proc.exitCode === null) this.proc.kill();
  }
}

export type Encoding = 'utf-8' | 'utf-16' | 'utf-32';

/** The UTF-16 index of `units` units of `encoding` into `line` (computed independently of the server's code). */
export function columnIn(line: string, units: number, encoding: Encoding = 'utf-16'): number {
  if (encoding === 'utf-16') return units;
  let n = 0;
  let i = 0;
  for (const ch of line) {
    if (n >= units) break;
    n += encoding === 'utf-8' ? Buffer.byteLength(ch, 'utf8') : 1;
    i += ch.length;
  }
  return i;
}

/** `line.slice` with columns counted in `encoding`. */
export function sliceIn(line: string, start: number, end: number, encoding: Encoding): string {
  return line.slice(columnIn(line, start, encoding), columnIn(line, end, encoding));
}

/** The column (in `encoding` units) of UTF-16 index `index` of `line`. */
export function unitsIn(line: string, index: number, encoding: Encoding): number {
  const before = line.slice(0, index);
  return encoding === 'utf-16' ? before.length : encoding === 'utf-8' ? Buffer.byteLength(before, 'utf8') : [...before].length;
}

export function offsetAt(text: string, pos: { line: number; character: number }, encoding: Encoding = 'utf-16'): number {
  let offset = 0;
  for (let l = 0; l < pos.line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  let lineEnd = text.indexOf('\n', offset);
  if (lineEnd < 0) lineEnd = text.length;
  return offset + columnIn(text.slice(offset, lineEnd), pos.character, encoding);
}

export function applyTextEdits(text: string, edits: TextEdit[], encoding: Encoding = 'utf-16'): string {
  const withOffsets = edits.map((e) => ({ start: offsetAt(text, e.range.start, encoding), end: offsetAt(text, e.range.end, encoding), newText: e.newText }));
  withOffsets.sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of withOffsets) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

/**
 * A server for `profile` rooted in a new temporary directory holding `files` (cluster reads off), handed to `body`;
 * stopped and the directory removed afterwards, whatever `body` did.
 */
export async function inTempWorkspace(prefix: string, profile: ClientProfile, files: Record<string, string>, body: (c: LspTestClient, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const client = await LspTestClient.start({ rootDir: dir, profile, settings: { cluster: { mode: 'off' } } });
  try {
    await body(client, dir);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
