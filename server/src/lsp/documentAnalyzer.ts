// Schedules analysis of open documents: debounced per document, never publishing results for a version older than
// the one the editor has, parsing each document once per version (hover and code actions read the same result),
// and reusing the unchanged YAML documents of a stream across versions.
import type { Diagnostic, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { basename } from 'node:path';
import { pathOf } from './uris';
import { analyze, analyzeSliced, checkModelSliced, CONFIG_FILE_NAME, crossFileSignature, lookupOf, isHelmValuesFile, parseIP, SOURCE, type Analysis, type ClusterFacts, type DocumentCache, type ServiceObject, type WorkspaceService } from '../engine/index';
import type { Settings } from '../protocol';
import { problemsToDiagnostics, toDiagnostics } from './convert';
import type { ReaderPool } from './readerPool';
import type { FactScopes } from './factScopes';

export interface AnalyzerHost {
  documents: TextDocuments<TextDocument>;
  scopes: FactScopes;
  getSettings(uri: string | null): Promise<Settings>;
  publish(uri: string, version: number, diagnostics: Diagnostic[]): void;
  log(line: string): void;
  /** Services of the workspace's files that are not open (the index on disk). */
  indexedServices(openPaths: ReadonlySet<string>): WorkspaceService[];
  /** Reads large documents off the main thread, when it can. */
  readers?: ReaderPool;
}

interface DocState {
  /** Parsed YAML documents by text, reused by the next version. */
  cache: DocumentCache;
  last?: { version: number; analysis: Analysis; facts: ClusterFacts };
  /** Something else the analysis depends on changed (another file's Services). */
  stale?: boolean;
  servicesSignature?: string;
  timer?: NodeJS.Timeout;
}

export interface CurrentAnalysis {
  analysis: Analysis;
  facts: ClusterFacts;
}

/** Short enough to feel immediate, long enough to skip the intermediate states of a fast typist. */
const DEBOUNCE_MS = 40;
/** Re-checking other documents for a cross-file change can wait until typing pauses. */
const CROSS_FILE_DELAY_MS = 250;
/** Texts from this size on are analyzed in slices of about SLICE_MS of work each. */
const SLICED_ABOVE = 1024 * 1024;
const SLICE_MS = 15;

export class DocumentAnalyzer {
  private readonly states = new Map<string, DocState>();

  constructor(private readonly host: AnalyzerHost) {}

  private state(uri: string): DocState {
    let s = this.states.get(uri);
    if (!s) {
      s = { cache: new Map() };
      this.states.set(uri, s);
    }
    return s;
  }

  schedule(uri: string, delay = DEBOUNCE_MS): void {
    const s = this.state(uri);
    // didOpen also fires a content change: do not let it push the first check back by the typing debounce.
    if (s.timer && !s.last && delay > 0) return;
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => {
      s.timer = undefined;
      void this.validate(uri);
    }, delay);
  }

  revalidateAll(delay = 0): void {
    for (const doc of this.host.documents.all()) {
      const s = this.state(doc.uri);
      s.stale = true;
      this.schedule(doc.uri, delay);
    }
  }

  forget(uri: string): void {
    const s = this.states.get(uri);
    if (s?.timer) clearTimeout(s.timer);
    this.states.delete(uri);
    this.host.readers?.forget(uri);
  }

  /** The analysis of the document's current version (computed now if the scheduled one has not run yet). */
  async current(doc: TextDocument): Promise<CurrentAnalysis | undefined> {
    const s = this.state(doc.uri);
    if (s.last && s.last.version === doc.version) return s.last;
    await this.validate(doc.uri);
    const after = this.states.get(doc.uri)?.last;
    return after && after.version === doc.version ? after : undefined;
  }

  /** Services of the workspace as this document's rules see them: other open documents live, the rest from disk. */
  workspaceServices(uri: string): WorkspaceService[] {
    const openPaths = new Set<string>();
    const out: WorkspaceService[] = [];
    for (const doc of this.host.documents.all()) {
      const p = pathOf(doc.uri);
      if (p) openPaths.add(p);
      if (doc.uri === uri) continue;
      const last = this.states.get(doc.uri)?.last;
      if (!last) continue;
      const locate = (span: { start: number; end: number }) => {
        const a = doc.positionAt(span.start);
        const b = doc.positionAt(span.end);
        return { uri: doc.uri, line: a.line, character: a.character, endLine: b.line, endCharacter: b.character };
      };
      for (const o of last.analysis.model.objects) if (o.kind === 'Service') out.push({ uri: doc.uri, service: o as ServiceObject, locate });
    }
    return [...out, ...this.host.indexedServices(openPaths)];
  }

  /** Comparison keys of every externalIP in the open documents (a pool address must not be one of them). */
  usedAddressKeys(): Set<string> {
    const used = new Set<string>();
    for (const s of this.states.values()) {
      for (const obj of s.last?.analysis.model.objects ?? []) {
        if (obj.kind !== 'Service') continue;
        for (const f of obj.externalIPs ?? []) {
          const p = f.value !== undefined ? parseIP(f.value) : undefined;
          if (p?.ok) used.add(p.ip.key);
        }
      }
    }
    return used;
  }

  private async validate(uri: string): Promise<void> {
    const doc = this.host.documents.get(uri);
    if (!doc) return;
    const version = doc.version;
    try {
      const settings = await this.host.getSettings(uri);
      if (!settings.enable) {
        this.host.publish(uri, version, []);
        return;
      }
      const scope = await this.host.scopes.forUri(uri);
      const cur = this.host.documents.get(uri);
      // Superseded while we waited: the newer version has its own validation scheduled.
      if (!cur || cur.version !== version) return;
      const s = this.state(uri);
      if (s.last?.version === version && s.last.facts === scope.folderFacts.facts && !s.stale) return;
      s.stale = false;
      const path = pathOf(uri);
      const diagnostics: Diagnostic[] = path ? problemsToDiagnostics(cur, this.host.scopes.problemsIn(scope, path)) : [];
      const facts = scope.folderFacts.facts;
      let analysis: Analysis;
      if (path && basename(path) === CONFIG_FILE_NAME) {
        analysis = { findings: [], model: { objects: [], syntax: [], limits: [], parsedDocuments: 0, skippedDocuments: 0 }, suppressed: 0 };
      } else {
        const text = cur.getText();
        const options = {
          cache: s.cache,
          maxLength: settings.maxFileSizeMB * 1024 * 1024,
          helmValues: !!path && isHelmValuesFile(path),
          workspaceServices: this.workspaceServices(uri),
        };
        if (text.length < SLICED_ABOVE || text.length > options.maxLength) {
          analysis = analyze(text, facts, options);
        } else {
          // A big file is read off the main thread (or, failing that, in slices on it), and the rules run in slices,
          // so hovers and other documents are answered meanwhile; a newer version of this one abandons the work
          // instead of queueing behind it.
          let sliceStart = Date.now();
          const pause = async () => {
            if (Date.now() - sliceStart >= SLICE_MS) {
              await new Promise((r) => setImmediate(r));
              sliceStart = Date.now();
            }
            return this.host.documents.get(uri)?.version === version;
          };
          let sliced: Analysis | undefined;
          if (this.host.readers?.available) {
            let failed = false;
            const model = await this.host.readers.read(uri, text, options.helmValues).catch((e: Error) => {
              this.host.log(`Kube IP Guard: reading ${uri} off the main thread failed (${e.message}); reading it here.`);
              failed = true;
              return undefined;
            });
            if (failed) sliced = await analyzeSliced(text, facts, options, pause);
            else if (model) sliced = await checkModelSliced(text, model, facts, lookupOf(options.workspaceServices), pause);
          } else {
            sliced = await analyzeSliced(text, facts, options, pause);
          }
          if (!sliced) return;
          analysis = sliced;
        }
        diagnostics.push(...toDiagnostics(cur, analysis));
      }
      s.last = { version, analysis, facts };
      // Let edits that arrived during the analysis be read first: results for a version the editor has already
      // replaced are kept for hover and code actions but never published over the newer one's.
      // A timer turn (the socket is read) and then an immediate (vscode-jsonrpc dispatches what it read in a turn
      // of its own).
      await new Promise((r) => setTimeout(r, 0));
      await new Promise((r) => setImmediate(r));
      if (this.host.documents.get(uri)?.version !== version) return;
      this.host.publish(uri, version, diagnostics);
      // Other open documents' cross-file findings depend on this one's Services.
      // A first analysis counts as a change from nothing: other files were checked without this one's Services.
      const sig = crossFileSignature(analysis.model.objects.filter((o): o is ServiceObject => o.kind === 'Service'));
      if (sig !== (s.servicesSignature ?? crossFileSignature([]))) {
        for (const other of this.host.documents.all()) if (other.uri !== uri) {
          this.state(other.uri).stale = true;
          this.schedule(other.uri, CROSS_FILE_DELAY_MS);
        }
      }
      s.servicesSignature = sig;
    } catch (e) {
      // One document's failure must not stop the others, nor leave stale results behind.
      this.host.log(`Kube IP Guard: checking ${uri} failed: ${(e as Error)?.stack ?? e}`);
      this.host.publish(uri, version, [
        {
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          severity: 3,
          source: SOURCE,
          code: 'internal-error',
          message: `Kube IP Guard could not check this file (${(e as Error)?.message ?? e}); see the Kube IP Guard output for details.`,
        },
      ]);
    }
  }
}
