// A small LSP client for the benchmark: spawns any language server over stdio, answers its requests, and timestamps
// every publishDiagnostics so latencies can be measured from the moment a notification was sent. Unlike
// test/protocol/lspClient.ts it can drive any server (ours and yaml-language-server), send incremental changes, and
// read the server process's memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Range,
} from 'vscode-languageserver-protocol/node';

export function fileUri(path: string): string {
  return pathToFileURL(path).toString();
}

export interface Published {
  at: number;
  version?: number;
  diagnostics: Diagnostic[];
}

export interface ServerSpec {
  name: string;
  command: string;
  args: string[];
  rootDir: string;
  /** The server's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Answer for one `workspace/configuration` item. */
  configuration(section: string | undefined): unknown;
}

type Waiter = { uri: string; pred: (p: Published) => boolean; resolve: (p: Published) => void; reject: (e: Error) => void };

export class BenchClient {
  /** Every publishDiagnostics per URI, in arrival order. */
  readonly published = new Map<string, Published[]>();
  stderr = '';
  /** Set when the server process ended (how, and the end of its stderr). */
  exited?: string;
  private waiters: Waiter[] = [];
  private versions = new Map<string, number>();

  private constructor(
    readonly spec: ServerSpec,
    readonly proc: ChildProcess,
    readonly conn: ProtocolConnection,
  ) {}

  static async start(spec: ServerSpec): Promise<BenchClient> {
    const proc = spawn(spec.command, [...spec.args, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: spec.env ?? process.env });
    const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const c = new BenchClient(spec, proc, conn);
    proc.stderr!.on('data', (d) => (c.stderr = (c.stderr + String(d)).slice(-4000)));
    proc.on('exit', (code, signal) => {
      c.exited = `${spec.name} exited (code ${code}, signal ${signal}): ${c.stderr.trim().split('\n').slice(-3).join(' / ').slice(0, 400)}`;
      for (const w of c.waiters) w.reject(new Error(c.exited));
      c.waiters = [];
    });
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      const rec: Published = { at: performance.now(), version: p.version, diagnostics: p.diagnostics };
      const list = c.published.get(p.uri) ?? [];
      list.push(rec);
      c.published.set(p.uri, list);
      const still: Waiter[] = [];
      for (const w of c.waiters) {
        if (w.uri === p.uri && w.pred(rec)) w.resolve(rec);
        else still.push(w);
      }
      c.waiters = still;
    });
    conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map((i) => spec.configuration(i.section)));
    for (const m of ['client/registerCapability', 'client/unregisterCapability', 'window/workDoneProgress/create', 'window/showMessageRequest', 'workspace/semanticTokens/refresh', 'workspace/diagnostic/refresh']) {
      conn.onRequest(m, () => null);
    }
    conn.listen();
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: fileUri(spec.rootDir),
      workspaceFolders: [{ uri: fileUri(spec.rootDir), name: 'bench' }],
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, workspaceFolders: true },
        textDocument: {
          synchronization: { didSave: true, dynamicRegistration: true },
          publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
        },
      },
      initializationOptions: {},
    });
    await conn.sendNotification('initialized', {});
    return c;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Sends didOpen; returns the time it was sent. */
  open(uri: string, text: string): number {
    this.versions.set(uri, 1);
    this.published.delete(uri);
    const t = performance.now();
    void this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    return t;
  }

  /** Sends an incremental change (one range replaced); returns the new version and the time it was sent. */
  change(uri: string, range: Range, text: string): { version: number; at: number } {
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    const at = performance.now();
    void this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text }] });
    return { version, at };
  }

  close(uri: string): void {
    this.versions.delete(uri);
    void this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /**
   * The first publishDiagnostics for `uri` that matches: with `version` given, one that carries that version (ours
   * does); without, the first one after `after` (for servers that send no version: use a fresh URI per open).
   */
  waitFor(uri: string, opts: { version?: number; after?: number; timeoutMs: number }): Promise<Published> {
    const pred = (p: Published) => (opts.version === undefined || p.version === opts.version) && (opts.after === undefined || p.at >= opts.after);
    const hit = (this.published.get(uri) ?? []).find(pred);
    if (hit) return Promise.resolve(hit);
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${this.spec.name}: no diagnostics for ${uri} (version ${opts.version ?? 'any'}) within ${opts.timeoutMs} ms; stderr: ${this.stderr.slice(-1000)}`));
      }, opts.timeoutMs);
      const waiter: Waiter = {
        uri,
        pred,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Round trip of a request no server implements: how long the server's main loop takes to get to it. */
  async ping(): Promise<number> {
    const t = performance.now();
    try {
      await this.conn.sendRequest('kubeIpGuardBench/ping', {});
    } catch {
      // MethodNotFound is the expected answer.
    }
    return performance.now() - t;
  }

  async timed<T>(method: string, params: unknown): Promise<{ ms: number; result: T }> {
    const t = performance.now();
    const result = (await this.conn.sendRequest(method, params)) as T;
    return { ms: performance.now() - t, result };
  }

  /** VmRSS and VmHWM (peak RSS) of the server process, in bytes. */
  memory(): { rss: number; hwm: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
      await this.conn.sendNotification('exit');
    } catch {
      // already gone
    }
    await new Promise((r) => setTimeout(r, 100));
    this.conn.dispose();
    if (this.proc.exitCode === null) this.proc.kill();
  }
}
