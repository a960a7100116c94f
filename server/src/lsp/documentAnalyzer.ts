// The scheduler: exactly one analysis per (document, version) at a time, which publishing, hover, code actions and
// "Check workspace" all await; only a newer version (or closing the document) cancels it. Per document, a small
// state machine (ARCHITECTURE.md draws it):
//
//   idle ──change──▶ waiting ──timer, or a request──▶ running(v) ──done──▶ idle (result for v kept, published)
//                      ▲                                 │  ▲
//                      └──────change (v' > v): cancel────┘  └── stale (facts, other files) while running: run again
//
// A request for version v joins running(v); a result for v that is not stale is answered at once. Closed files
// ("Check workspace", watched files) go through the same analysis (`analyzeFile`), without a state.
import type { Diagnostic, TextDocuments } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { basename } from 'node:path';
import { analyze, analyzeSliced, skippedForSize, CONFIG_FILE_NAME, declaredApiServerFacts, emptyFacts, ruleDocUrl, SOURCE, type AddressKeySet, type Analysis, type ApiServerFact, type ClusterFacts, type DocumentCache, type ServiceObject, type Severity, type Span } from '../engine/index';
import type { AnalyzerStatusRequest, Settings } from '../protocol';
import { AnalysisCounts } from './analysisCounts';
import { problemsToDiagnostics, toDiagnostics } from './convert';
import { OutOfMemory, WORKER_HEAP_MB, type ReaderPool, type WorkerDocument } from './readerPool';
import type { PositionEncoding } from './positions';
import { isHelmValuesPath } from '../workspace/files';
import { crossFileSignature, viewsOf } from '../workspace/serviceIndex';
import type { FactScopes } from './factScopes';
import { pathOf } from './uris';
import { documentOfPieces, textLength, textPieces } from './largeDocument';
import type { FileServices, WorkspaceServices } from './workspaceServices';

export interface AnalyzerHost {
  documents: TextDocuments<TextDocument>;
  scopes: FactScopes;
  getSettings(uri: string | null): Promise<Settings>;
  /** `clientDiagnostics`: the same already in the client's encoding (the worker's, for a large document). */
  publish(uri: string, version: number, diagnostics: Diagnostic[], clientDiagnostics?: Diagnostic[]): void;
  /** The negotiated position encoding (the worker converts a large document's positions itself). */
  encoding(): PositionEncoding;
  log(line: string): void;
  /** The workspace's Services (open documents and the index on disk), for cross-file rules. */
  workspace: WorkspaceServices;
  /** Analyzes large documents off the main thread, when it can. */
  readers?: ReaderPool;
}

export interface CurrentAnalysis {
  version: number;
  /** The engine's analysis, for a document analyzed on the main thread; empty for one analyzed in the worker. */
  analysis: Analysis;
  facts: ClusterFacts;
  diagnostics: Diagnostic[];
  /** `diagnostics` in the client's encoding, when the worker converted them (a large document, not UTF-16). */
  clientDiagnostics?: Diagnostic[];
  /** The severity of every finding (the diagnostics show at most MAX_DIAGNOSTICS_PER_FILE of them). */
  severities: Severity[];
  /** A document analyzed in the worker: the worker answers its hovers and code actions. */
  worker?: WorkerDocument;
  /** Its Services and declared API servers, as the worker sent them. */
  services?: FileServices;
  declared?: ApiServerFact[];
}

interface Running {
  version: number;
  done: Promise<CurrentAnalysis | undefined>;
  /** Abandon the work at its next pause (a newer version arrived, or the document closed). */
  cancelled: boolean;
  /** Something the analysis depends on changed while it ran: run again for the same version when it is done. */
  again: boolean;
  /** Why the document's last result had gone stale when this started (counted as a re-run of its version); or none. */
  stale: AnalyzerStatusRequest.StaleReason[];
  /** Settles once it is known whether this run is the worker's (its document there) or the main thread's. */
  inWorker: Promise<WorkerDocument | undefined>;
  settleWorker(d: WorkerDocument | undefined): void;
}

type Phase = { name: 'idle' } | { name: 'waiting'; timer: NodeJS.Timeout } | { name: 'running'; run: Running };

interface DocState {
  phase: Phase;
  /** The last finished analysis (of the version it says). */
  last?: CurrentAnalysis;
  /** The last result no longer holds: facts or other files' Services changed since. */
  stale: boolean;
  /** Which of those, since the last analysis started (for the analyzer status). */
  staleBecause: Set<AnalyzerStatusRequest.StaleReason>;
  /** Parsed YAML documents by text, reused by the next version. */
  cache: DocumentCache;
}

/** Short enough to feel immediate, long enough to skip the intermediate states of a fast typist. */
const DEBOUNCE_MS = 40;
/** Re-checking other documents for a cross-file change can wait until typing pauses. */
const CROSS_FILE_DELAY_MS = 250;
/**
 * Texts from this size on are analyzed in the worker (or, without it, in slices of about SLICE_MS of work each on
 * the main thread). Parsing and checking cost the main thread about 3 ms per KB on a fresh server for a stream made
 * only of Services or a one-line JSON List (the worst shapes; the benchmark's `--blocks --block-sizes 0.008,0.032`
 * measured 15 ms at 4 KB and 67 ms at 29 KB): below this, one block stays well under the 50 ms goal even on a busy
 * machine, and the worker's round trip would cost more than the work.
 */
export const IN_WORKER_FROM = 4 * 1024;
const SLICE_MS = 15;

export class DocumentAnalyzer {
  private readonly states = new Map<string, DocState>();
  /** What `kubeIpGuard/analyzerStatus` reports: analyses per open document and version, counted in `analyzeText`. */
  private readonly counts = new AnalysisCounts();

  constructor(private readonly host: AnalyzerHost) {}

  private state(uri: string): DocState {
    let s = this.states.get(uri);
    if (!s) {
      s = { phase: { name: 'idle' }, stale: false, staleBecause: new Set(), cache: new Map() };
      this.states.set(uri, s);
    }
    return s;
  }

  /** The document was opened or changed: analyze its new version after `delay` (a newer version cancels the old). */
  schedule(uri: string, delay = DEBOUNCE_MS): void {
    const s = this.state(uri);
    const version = this.host.documents.get(uri)?.version;
    if (s.phase.name === 'running') {
      if (s.phase.run.version === version) return;
      s.phase.run.cancelled = true;
    }
    // didOpen also fires a content change: do not let it push the first check back by the typing debounce.
    if (s.phase.name === 'waiting') {
      if (!s.last && delay > 0) return;
      clearTimeout(s.phase.timer);
    }
    this.wait(uri, s, delay);
  }

  private wait(uri: string, s: DocState, delay: number): void {
    s.phase = {
      name: 'waiting',
      timer: setTimeout(() => {
        if (s.phase.name === 'waiting') void this.start(uri, s);
      }, delay),
    };
  }

  /** Something every document's analysis depends on changed (facts, settings, other files). */
  revalidateAll(delay = 0, because: AnalyzerStatusRequest.StaleReason = 'facts'): void {
    for (const doc of this.host.documents.all()) this.invalidate(doc.uri, delay, because);
  }

  private invalidate(uri: string, delay: number, because: AnalyzerStatusRequest.StaleReason): void {
    const s = this.state(uri);
    s.stale = true;
    s.staleBecause.add(because);
    if (s.phase.name === 'running') s.phase.run.again = true;
    else if (s.phase.name === 'idle') this.wait(uri, s, delay);
  }

  forget(uri: string): void {
    const s = this.states.get(uri);
    if (s?.phase.name === 'waiting') clearTimeout(s.phase.timer);
    if (s?.phase.name === 'running') s.phase.run.cancelled = true;
    this.states.delete(uri);
    this.counts.forget(uri);
    this.host.readers?.forget(uri);
    void this.host.workspace.closeOpen(uri).then((changed) => changed && this.othersChanged(uri));
  }

  /** The analysis of the document's current version: the one in flight, the last one, or one started now. */
  async current(doc: TextDocument): Promise<CurrentAnalysis | undefined> {
    for (;;) {
      const s = this.state(doc.uri);
      const version = doc.version;
      if (s.phase.name === 'running' && s.phase.run.version === version) {
        const r = await s.phase.run.done;
        if (r?.version === version) return r;
      } else if (s.last?.version === version && !s.stale) {
        return s.last;
      } else {
        if (s.phase.name === 'waiting') clearTimeout(s.phase.timer);
        if (s.phase.name === 'running') s.phase.run.cancelled = true;
        const r = await this.start(doc.uri, s);
        if (r?.version === version) return r;
      }
      // The document changed or closed meanwhile: the editor asked about a version that is gone.
      if (this.host.documents.get(doc.uri)?.version !== version || !this.states.has(doc.uri)) return undefined;
    }
  }

  /** Move to running(v) for the document's current version, and from there to idle (or on). */
  private start(uri: string, s: DocState): Promise<CurrentAnalysis | undefined> {
    const doc = this.host.documents.get(uri);
    if (!doc) {
      s.phase = { name: 'idle' };
      return Promise.resolve(undefined);
    }
    let settleWorker: (d: WorkerDocument | undefined) => void = () => undefined;
    const inWorker = new Promise<WorkerDocument | undefined>((r) => (settleWorker = r));
    const run: Running = { version: doc.version, cancelled: false, again: false, stale: s.stale ? [...s.staleBecause] : [], done: Promise.resolve(undefined), inWorker, settleWorker };
    s.stale = false;
    s.staleBecause.clear();
    run.done = this.run(doc, s, run);
    s.phase = { name: 'running', run };
    return run.done;
  }

  private async run(doc: TextDocument, s: DocState, run: Running): Promise<CurrentAnalysis | undefined> {
    let result: CurrentAnalysis | undefined;
    try {
      const live = () => !run.cancelled && this.states.get(doc.uri) === s && this.host.documents.get(doc.uri)?.version === run.version;
      result = await this.analyzeText(doc.uri, run.version, textPieces(doc), live, s.cache, (d) => run.settleWorker(d), run.stale);
      if (result && live()) {
        s.last = result;
        // Let edits that arrived during the analysis be read first: results for a version the editor has already
        // replaced are never published over the newer one's. A timer turn (the socket is read) and then an
        // immediate (vscode-jsonrpc dispatches what it read in a turn of its own).
        await new Promise((r) => setTimeout(r, 0));
        await new Promise((r) => setImmediate(r));
        if (live()) {
          this.host.publish(doc.uri, run.version, result.diagnostics, result.clientDiagnostics);
          await this.servicesChanged(doc, result);
        }
      }
    } finally {
      run.settleWorker(undefined);
      if (s.phase.name === 'running' && s.phase.run === run) {
        s.phase = { name: 'idle' };
        const current = this.host.documents.get(doc.uri);
        if (this.states.get(doc.uri) === s && current) {
          if (run.again || s.stale) this.wait(doc.uri, s, 0);
          else if (current.version !== run.version) this.wait(doc.uri, s, DEBOUNCE_MS);
        }
      }
    }
    return result;
  }

  /** Other open documents' cross-file findings depend on this one's Services. */
  private async servicesChanged(doc: TextDocument, result: CurrentAnalysis): Promise<void> {
    const path = pathOf(doc.uri);
    let services = result.services;
    let declared = result.declared ?? [];
    if (!services) {
      const objects = result.analysis.model.objects.filter((o): o is ServiceObject => o.kind === 'Service');
      const locate = (span: Span) => {
        const a = doc.positionAt(span.start);
        const b = doc.positionAt(span.end);
        return { uri: doc.uri, line: a.line, character: a.character, endLine: b.line, endCharacter: b.character };
      };
      const views = viewsOf(objects, locate);
      services = { views, signature: crossFileSignature(views) };
      // (The text is joined only when the model declares an API server: a large document's never is here.)
      declared = result.analysis.model.apiServers?.length ? declaredApiServerFacts(result.analysis.model, doc.uri, doc.getText(), path ? basename(path) : undefined) : [];
    }
    const servicesMoved = await this.host.workspace.setOpen(doc.uri, services);
    // The control-plane addresses it declares are API server facts for the other files of its scope.
    const scope = await this.host.scopes.forUri(doc.uri);
    const apiServersMoved = this.host.workspace.setApiServers(doc.uri, 'open', declared, scope.key);
    if (servicesMoved || apiServersMoved) this.othersChanged(doc.uri);
  }

  /**
   * For a large document analyzed in the worker: its version there, which answers hovers and code actions from the
   * analysis in flight or done (joining it, or starting it as `current` does; never a second one). Undefined for a
   * document analyzed on the main thread: ask `current` then.
   */
  async inWorker(doc: TextDocument): Promise<WorkerDocument | undefined> {
    if (textLength(doc) < IN_WORKER_FROM || !this.host.readers?.available) return undefined;
    const s = this.state(doc.uri);
    if (s.last?.version === doc.version && !s.stale && !(s.phase.name === 'running' && s.phase.run.version === doc.version)) return s.last.worker;
    if (!(s.phase.name === 'running' && s.phase.run.version === doc.version)) void this.current(doc);
    const now = this.states.get(doc.uri);
    if (now?.phase.name === 'running' && now.phase.run.version === doc.version) return now.phase.run.inWorker;
    return now?.last?.version === doc.version ? now.last.worker : undefined;
  }

  private othersChanged(uri: string): void {
    for (const other of this.host.documents.all()) if (other.uri !== uri) this.invalidate(other.uri, CROSS_FILE_DELAY_MS, 'otherFiles');
  }

  /**
   * Analyze a file that is not open, from its text on disk, exactly as an open one (same settings, facts, cross-file
   * index, size limits and worker): the diagnostics, or undefined when checking is turned off for it.
   */
  async analyzeFile(uri: string, text: string): Promise<CurrentAnalysis | undefined> {
    try {
      return await this.analyzeText(uri, 0, [text], () => true, new Map());
    } finally {
      // The worker keeps a parsed copy per file only while the editor has it open.
      if (!this.host.documents.get(uri)) this.host.readers?.forget(uri);
    }
  }

  /** Comparison keys of every externalIP in the open documents (a pool address must not be one of them). */
  usedAddressKeys(): AddressKeySet {
    return this.host.workspace.usedAddressKeys;
  }

  /** What the scheduler did per open document (or the one asked for), with the worker's own counts. */
  async status(uri?: string): Promise<AnalyzerStatusRequest.DocumentStatus[]> {
    const runs = (await this.host.readers?.analysesRun()) ?? [];
    return this.host.documents.all().filter((doc) => uri === undefined || doc.uri === uri).map((doc) => {
      const s = this.states.get(doc.uri);
      const phase = s?.phase ?? { name: 'idle' as const };
      const inWorker = new Map(runs.filter((r) => r.uri === doc.uri).map((r) => [r.version, r.count]));
      return {
        uri: doc.uri,
        version: doc.version,
        lastAnalyzed: s?.last?.version ?? null,
        phase: phase.name,
        ...(phase.name === 'running' ? { running: phase.run.version } : {}),
        stale: s?.stale ?? false,
        versions: this.counts.of(doc.uri, inWorker),
      };
    });
  }

  /**
   * The one analysis path: every analysis of an open document or a closed file starts here, and is counted here for
   * the analyzer status (`stale`: why the result of this version went stale, when it is run again).
   */
  private async analyzeText(uri: string, version: number, pieces: readonly string[], live: () => boolean, cache: DocumentCache, inWorker?: (d: WorkerDocument) => void, stale: AnalyzerStatusRequest.StaleReason[] = []): Promise<CurrentAnalysis | undefined> {
    const counted = this.counts.started(uri, version, !!this.host.documents.get(uri), stale);
    let where: AnalyzerStatusRequest.Where | undefined;
    let result: CurrentAnalysis | undefined;
    try {
      const posted = (d: WorkerDocument) => {
        where = 'worker';
        inWorker?.(d);
      };
      result = await this.analysis(uri, version, pieces, live, cache, posted);
      return result;
    } finally {
      // A result for a version the editor has replaced meanwhile is not kept: superseded, as if cancelled.
      counted.ended(result !== undefined && live(), where ?? (result ? 'main thread' : undefined));
    }
  }

  /**
   * Settings, facts, the engine (sliced or in the worker for large texts), diagnostics. The text comes in pieces (a
   * large document's chunks), joined only when the main thread analyzes it itself.
   */
  private async analysis(uri: string, version: number, pieces: readonly string[], live: () => boolean, cache: DocumentCache, inWorker: (d: WorkerDocument) => void): Promise<CurrentAnalysis | undefined> {
    let length = 0;
    for (const p of pieces) length += p.length;
    let joined: TextDocument | undefined;
    const doc = () => (joined ??= documentOfPieces(uri, version, pieces));
    try {
      const settings = await this.host.getSettings(uri);
      if (!settings.enable) return { version, analysis: emptyAnalysis(), facts: emptyFacts(), diagnostics: [], severities: [] };
      const scope = await this.host.scopes.forUri(uri);
      if (!live()) return undefined;
      const path = pathOf(uri);
      const problems = path ? this.host.scopes.problemsIn(scope, path) : [];
      const diagnostics: Diagnostic[] = problems.length ? problemsToDiagnostics(doc(), problems) : [];
      const facts = scope.folderFacts.facts;
      if (path && basename(path) === CONFIG_FILE_NAME) return { version, analysis: emptyAnalysis(), facts, diagnostics, severities: [] };
      const options = {
        cache,
        maxLength: settings.maxFileSizeMB * 1024 * 1024,
        helmValues: !!path && isHelmValuesPath(path, scope.folderFacts),
        workspace: this.host.workspace.lookupFor(uri),
        uri,
        workspaceApiServers: this.host.workspace.apiServersFor(uri, scope.key),
      };
      let analysis: Analysis | undefined;
      if (length > options.maxLength) {
        analysis = skippedForSize(length, options.maxLength, facts);
      } else if (length < IN_WORKER_FROM) {
        analysis = analyze(doc().getText(), facts, options);
      } else if (this.host.readers?.start()) {
        // A big file is analyzed in the worker, reading and rules: what comes back is plain records (diagnostics with
        // positions, severities, the Services as cross-file views), so the main thread only publishes; a newer
        // version of this one abandons the work instead of queueing behind it.
        const job = { uri, version, text: pieces, helmValues: options.helmValues, facts, encoding: this.host.encoding(), workspaceApiServers: options.workspaceApiServers, posted: inWorker };
        let tooBig = false;
        const r = await this.host.readers.analyze(job).catch((e: Error) => {
          tooBig = e instanceof OutOfMemory;
          if (!tooBig) this.host.log(`Kube IP Guard: analyzing ${uri} off the main thread failed (${e.message}); analyzing it here.`);
          return null;
        });
        if (r === undefined) return undefined;
        if (tooBig) {
          // Said once, as for a file over the size limit: the server goes on with the other documents.
          const message = `Kube IP Guard could not check this file: its analysis needs more than ${WORKER_HEAP_MB} MB of memory (${(length / 1048576).toFixed(1)} MB of text). Split it, or check it with \`kube-ip-guard lint\` with more memory (node --max-old-space-size).`;
          const d: Diagnostic = { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 3, source: SOURCE, code: 'analysis-limit', codeDescription: { href: ruleDocUrl('analysis-limit') }, message };
          return { version, analysis: emptyAnalysis(), facts, diagnostics: [...diagnostics, d], severities: ['info'] };
        }
        if (r) {
          return {
            version,
            analysis: emptyAnalysis(),
            facts,
            diagnostics: [...diagnostics, ...r.diagnostics],
            ...(r.clientDiagnostics ? { clientDiagnostics: [...diagnostics, ...r.clientDiagnostics] } : {}),
            severities: r.severities,
            worker: r.document,
            services: r.services,
            declared: r.declared,
          };
        }
      }
      if (!analysis && length >= IN_WORKER_FROM && length <= options.maxLength) {
        // Without the worker: read and check in slices on the main thread, so hovers and other documents are
        // answered between them.
        let sliceStart = Date.now();
        const pause = async () => {
          if (Date.now() - sliceStart >= SLICE_MS) {
            await new Promise((r) => setImmediate(r));
            sliceStart = Date.now();
          }
          return live();
        };
        analysis = await analyzeSliced(doc().getText(), facts, options, pause);
      }
      if (!analysis) return undefined;
      diagnostics.push(...toDiagnostics(doc(), analysis));
      return { version, analysis, facts, diagnostics, severities: analysis.findings.map((f) => f.severity) };
    } catch (e) {
      // One document's failure must not stop the others, nor leave stale results behind.
      this.host.log(`Kube IP Guard: checking ${uri} failed: ${(e as Error)?.stack ?? e}`);
      return {
        version,
        analysis: emptyAnalysis(),
        facts: emptyFacts(),
        severities: [],
        diagnostics: [
          {
            range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
            severity: 3,
            source: SOURCE,
            code: 'internal-error',
            message: `Kube IP Guard could not check this file (${(e as Error)?.message ?? e}); see the Kube IP Guard output for details.`,
          },
        ],
      };
    }
  }
}

function emptyAnalysis(): Analysis {
  return { findings: [], model: { objects: [], syntax: [], limits: [], parsedDocuments: 0, skippedDocuments: 0 }, suppressed: 0 };
}
