// The main thread's side of readWorker.ts: one worker thread, started with the server, that analyzes large documents
// (and reads large files for the workspace index) so that the main thread never holds a block of their size. The
// main thread sends the text (in pieces, an event-loop turn apart), the facts (once per facts value) and every
// change of the cross-file index (the worker keeps a mirror of it); it gets back plain records: diagnostics with
// their positions already computed, the severities, the document's Services as `CrossFileView`s (in batches, a turn
// apart) and their signature. Hovers and code actions of such a document are answered by the worker too, from the
// analysis in flight or done for that version. A newer version of a file cancels the job of the older one (a flag in
// shared memory the worker checks between slices). If the worker cannot start or dies, callers fall back to the main
// thread, in slices.
import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CodeAction, Diagnostic, Hover, Position, Range } from 'vscode-languageserver';
import type { ApiServerFact, ClusterFacts, CrossFileView, Severity } from '../engine/index';
import type { PositionEncoding } from './positions';
import type { IndexedFile } from '../workspace/serviceIndex';
import type { FileServices } from './workspaceServices';

/**
 * The worker's heap limit: a text whose analysis needs more ends the worker (and that analysis), not the server.
 * A third of the machine's memory, between 2 and 8 GB (a 64 MB stream of 580,000 Services: 4.4 GB once open, 7 GB
 * across an edit, the server's whole resident memory).
 * (KUBE_IP_GUARD_WORKER_HEAP_MB sets it, for the tests of what happens then.)
 */
export const WORKER_HEAP_MB = Number(process.env.KUBE_IP_GUARD_WORKER_HEAP_MB) || Math.min(8192, Math.max(2048, Math.floor(totalmem() / 1048576 / 3)));
/**
 * V8 does not always end a worker that reaches its heap limit: some allocations then abort the whole process
 * (nodejs/node#47224; a 64 MB one-line List did, in yaml's parser). So the worker is ended before: when the process
 * has grown by this much since it started (its resident memory, read every WATCH_MS), which it can only reach near
 * the limit. Resident memory also counts garbage not yet collected, so a worker may be stopped a little early: the
 * error is on the side of the server.
 */
const WATCH_GROWTH_MB = WORKER_HEAP_MB * 0.85 + 64;
const WATCH_MS = 100;

/** A job failed because the worker ran out of memory (WORKER_HEAP_MB). */
export class OutOfMemory extends Error {
  constructor() {
    super(`the analysis needs more than ${WORKER_HEAP_MB} MB`);
  }
}

/** The text goes to the worker in pieces of this many UTF-16 units, one per event-loop turn (a copy each). */
const TEXT_PIECE = 2 * 1024 * 1024;

export type ToWorker =
  | { type: 'facts'; id: number; facts: ClusterFacts }
  | { type: 'piece'; job: number; text: string }
  | { type: 'analyze'; job: number; uri: string; version: number; helmValues: boolean; facts: number; encoding: PositionEncoding; workspaceApiServers: ApiServerFact[]; cancel: SharedArrayBuffer }
  | { type: 'index'; job: number; uri: string; path: string; helmValues: boolean; cancel: SharedArrayBuffer }
  | { type: 'mirror'; uri: string; open: boolean; views?: readonly CrossFileView[]; produced?: 'open' | 'disk' }
  | { type: 'hover'; job: number; uri: string; version: number; position: Position; markdown: boolean; diagnosticsShown: boolean }
  | { type: 'codeActions'; job: number; uri: string; version: number; range: Range; documentChanges: boolean; wholeLines: boolean }
  | { type: 'more'; job: number }
  | { type: 'forget'; uri: string }
  | { type: 'analyses'; job: number };

export type FromWorker =
  | { job: number; type: 'views'; views: CrossFileView[] }
  | { job: number; type: 'analyzed'; diagnostics: Diagnostic[]; clientDiagnostics?: Diagnostic[]; severities: Record<Severity, number>; signature: string; declared: ApiServerFact[] }
  | { job: number; type: 'indexed'; signature: string; apiServers?: ApiServerFact[]; empty: boolean }
  | { job: number; type: 'cancelled' }
  | { job: number; type: 'error'; message: string }
  | { job: number; type: 'hover'; hover: Hover | null }
  | { job: number; type: 'codeActions'; actions: CodeAction[] }
  | { job: number; type: 'analyses'; counts: AnalysesRun[] };

/** How many analyses of one open document's version the worker ran (its analyze jobs that started reading). */
export interface AnalysesRun {
  uri: string;
  version: number;
  count: number;
}

/** A large document's version as the worker has it: its answers to the editor's questions. */
export interface WorkerDocument {
  /** `position` and the answer's range in the client's encoding (the worker converts). */
  /** `diagnosticsShown`: the editor shows the position's diagnostics above the hover (engine/hover.ts). */
  hover(position: Position, markdown: boolean, diagnosticsShown: boolean): Promise<Hover | null>;
  codeActions(range: Range, documentChanges: boolean, wholeLines: boolean): Promise<CodeAction[]>;
}

export interface WorkerAnalysis {
  /** UTF-16 positions. */
  diagnostics: Diagnostic[];
  /** The same in the client's encoding, when it is not UTF-16 (related locations in other files still UTF-16). */
  clientDiagnostics?: Diagnostic[];
  severities: Severity[];
  services: FileServices;
  /** The control-plane addresses it declares (kube-vip, kubeadm). */
  declared: ApiServerFact[];
  document: WorkerDocument;
}

export interface AnalyzeRequest {
  uri: string;
  version: number;
  /** The text, or a large document's chunks (server/src/lsp/largeDocument.ts), sent as they are. */
  text: string | readonly string[];
  helmValues: boolean;
  facts: ClusterFacts;
  encoding: PositionEncoding;
  workspaceApiServers: ApiServerFact[];
  /** Called once the job is posted: from then on the worker answers hovers for this version. */
  posted?(document: WorkerDocument): void;
}

interface Pending {
  views: CrossFileView[];
  resolve(r: FromWorker): void;
  reject(e: Error): void;
}

export class ReaderPool {
  private worker?: Worker;
  private broken = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** The cancel flag of each file's current job, by kind. */
  private readonly current = new Map<string, Int32Array>();
  private readonly factsIds = new WeakMap<ClusterFacts, number>();
  private nextFacts = 1;

  /**
   * `snapshot`: the cross-file index as it is (uri, records, whether they are an open document's), sent to the worker
   * when it starts; from then on every change is sent as it is applied (`mirror`).
   */
  constructor(
    private readonly log: (line: string) => void,
    private readonly snapshot: () => Iterable<[string, FileServices, boolean]> = () => [],
  ) {}

  /** True when analysis can happen off the main thread. */
  get available(): boolean {
    return !this.broken && existsSync(join(__dirname, 'readWorker.js'));
  }

  /** Start the worker (at the first large file): false when it cannot run. */
  start(): boolean {
    if (this.worker) return true;
    if (!this.available) return false;
    // A text the worker cannot hold (a 64 MB one-line List parses into several GB) ends the worker, not the server.
    const before = process.memoryUsage.rss();
    const w = new Worker(join(__dirname, 'readWorker.js'), { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    w.unref();
    const watch = setInterval(() => {
      // Only while the worker has work: an idle worker allocates nothing, and the server need not read its memory.
      if (this.pending.size === 0 || process.memoryUsage.rss() - before <= WATCH_GROWTH_MB * 1048576) return;
      clearInterval(watch);
      this.log(`Kube IP Guard: the analysis worker was stopped before its heap limit (${WORKER_HEAP_MB} MB): the server grew by more than ${Math.round(WATCH_GROWTH_MB)} MB since it started.`);
      fail(Object.assign(new Error(`the server grew by more than ${Math.round(WATCH_GROWTH_MB)} MB`), { code: 'ERR_WORKER_OUT_OF_MEMORY' }));
      void w.terminate();
    }, WATCH_MS);
    watch.unref();
    w.on('exit', () => clearInterval(watch));
    w.on('message', (r: FromWorker) => {
      const p = this.pending.get(r.job);
      if (!p) return;
      if (r.type === 'views') {
        for (const v of r.views) p.views.push(v);
        // The next batch after a turn of the loop (requests in between are answered).
        setImmediate(() => this.worker?.postMessage({ type: 'more', job: r.job } satisfies ToWorker));
        return;
      }
      this.pending.delete(r.job);
      if (r.type === 'error') p.reject(new Error(r.message));
      else p.resolve(r);
    });
    const fail = (e: Error) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      const oom = (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      if (oom) {
        // The job in flight needed more memory than the worker may take: it fails (and is not retried on the main
        // thread, which would run out of memory the same way); the next large file gets a new worker.
        this.log(`Kube IP Guard: the analysis worker ran out of memory (over ${WORKER_HEAP_MB} MB); a new one starts with the next large file.`);
      } else {
        this.log(`Kube IP Guard: the analysis worker stopped (${e.message}); large files are analyzed on the main thread from now on.`);
        this.broken = true;
      }
      for (const p of this.pending.values()) p.reject(oom ? new OutOfMemory() : e);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => {
      if (code !== 0) fail(new Error(`exit code ${code}`));
    });
    this.worker = w;
    for (const [uri, services, open] of this.snapshot()) this.mirror(uri, services, open);
    return true;
  }

  private post(m: ToWorker): void {
    if (!this.worker) throw new Error('the analysis worker is not running');
    this.worker.postMessage(m);
  }

  private request(job: number): { done: Promise<FromWorker>; views: CrossFileView[] } {
    const views: CrossFileView[] = [];
    const done = new Promise<FromWorker>((resolve, reject) => this.pending.set(job, { views, resolve, reject }));
    return { done, views };
  }

  private supersede(key: string): SharedArrayBuffer {
    const previous = this.current.get(key);
    if (previous) Atomics.store(previous, 0, 1);
    const cancel = new SharedArrayBuffer(4);
    this.current.set(key, new Int32Array(cancel));
    return cancel;
  }

  /** Send `text` (a string, or a large document's chunks) in pieces, a turn apart, so that copying 64 MB is never one block. */
  private async sendText(job: number, text: string | readonly string[]): Promise<void> {
    let first = true;
    for (const part of typeof text === 'string' ? [text] : text) {
      for (let i = 0; i < part.length; i += TEXT_PIECE) {
        if (!first) await new Promise((r) => setImmediate(r));
        first = false;
        this.post({ type: 'piece', job, text: part.slice(i, i + TEXT_PIECE) });
      }
    }
  }

  private factsId(facts: ClusterFacts): number {
    let id = this.factsIds.get(facts);
    if (id === undefined) {
      id = this.nextFacts++;
      this.factsIds.set(facts, id);
      this.post({ type: 'facts', id, facts });
    }
    return id;
  }

  /** The analysis of a large document's version, or undefined when a newer version superseded it. */
  async analyze(req: AnalyzeRequest): Promise<WorkerAnalysis | undefined> {
    this.start();
    const job = this.nextId++;
    const cancel = this.supersede(`open ${req.uri}`);
    const { done, views } = this.request(job);
    await this.sendText(job, req.text);
    this.post({ type: 'analyze', job, uri: req.uri, version: req.version, helmValues: req.helmValues, facts: this.factsId(req.facts), encoding: req.encoding, workspaceApiServers: req.workspaceApiServers, cancel });
    const document = this.documentOf(req.uri, req.version);
    req.posted?.(document);
    const r = await done;
    if (r.type !== 'analyzed') return undefined;
    const severities: Severity[] = [];
    for (const sev of ['error', 'warning', 'info'] as const) for (let i = 0; i < r.severities[sev]; i++) severities.push(sev);
    return {
      diagnostics: r.diagnostics,
      ...(r.clientDiagnostics ? { clientDiagnostics: r.clientDiagnostics } : {}),
      severities,
      services: { views, signature: r.signature, fromWorker: 'open' },
      declared: r.declared,
      document,
    };
  }

  /** A large file on disk read for the workspace index: its Services and declared API servers, in the worker. */
  async index(uri: string, path: string, text: string, helmValues: boolean): Promise<IndexedFile | undefined> {
    this.start();
    const job = this.nextId++;
    const cancel = this.supersede(`disk ${uri}`);
    const { done, views } = this.request(job);
    await this.sendText(job, text);
    this.post({ type: 'index', job, uri, path, helmValues, cancel });
    const r = await done;
    if (r.type !== 'indexed' || r.empty) return undefined;
    return { uri, views, signature: r.signature, fromWorker: 'disk', ...(r.apiServers ? { apiServers: r.apiServers } : {}) };
  }

  private documentOf(uri: string, version: number): WorkerDocument {
    return {
      hover: async (position, markdown, diagnosticsShown) => {
        if (!this.worker) return null;
        const job = this.nextId++;
        const { done } = this.request(job);
        this.post({ type: 'hover', job, uri, version, position, markdown, diagnosticsShown });
        const r = await done;
        return r.type === 'hover' ? r.hover : null;
      },
      codeActions: async (range, documentChanges, wholeLines) => {
        if (!this.worker) return [];
        const job = this.nextId++;
        const { done } = this.request(job);
        this.post({ type: 'codeActions', job, uri, version, range, documentChanges, wholeLines });
        const r = await done;
        return r.type === 'codeActions' ? r.actions : [];
      },
    };
  }

  /** The worker's own count of the analyses it ran per open document and version (none while it is not running). */
  async analysesRun(): Promise<AnalysesRun[]> {
    if (!this.worker) return [];
    const job = this.nextId++;
    const { done } = this.request(job);
    this.post({ type: 'analyses', job });
    const r = await done.catch(() => undefined);
    return r?.type === 'analyses' ? r.counts : [];
  }

  /** The cross-file index now holds `services` for `uri` (undefined: nothing): the worker's mirror follows. */
  mirror(uri: string, services: FileServices | undefined, open: boolean): void {
    if (!this.worker) return;
    if (services?.fromWorker) this.post({ type: 'mirror', uri, open, produced: services.fromWorker });
    else this.post({ type: 'mirror', uri, open, ...(services ? { views: services.views } : {}) });
  }

  forget(uri: string): void {
    const c = this.current.get(`open ${uri}`);
    if (c) Atomics.store(c, 0, 1);
    this.current.delete(`open ${uri}`);
    this.worker?.postMessage({ type: 'forget', uri } satisfies ToWorker);
  }

  async stop(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
