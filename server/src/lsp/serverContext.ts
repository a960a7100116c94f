// The services of one language server session, built once by the composition root (`server.ts`) and handed to every
// handler module: the open documents, what the client announced, settings, fact scopes, the cluster, the workspace
// index and the document analyzer. Handlers hold no state of their own beyond what lives here.
import { DiagnosticRefreshRequest, MessageType, ShowMessageNotification, TextDocuments, type Connection, type Diagnostic, type FileEvent, type Range } from 'vscode-languageserver/node';
import type { TextDocument, TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { createDocument, updateDocument } from './largeDocument';
import { dirname, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readTextFromDisk } from '../facts/workspaceFacts';
import { linesOfDocument, linesOfText, PositionCodec, type LineSource } from './positions';
import { pathOf } from './uris';
import { ServerFileWatcher } from './fileWatcher';
import { ConfigProblems } from './configProblems';
import { CONFIG_FILE_NAME } from '../engine/index';
import { join } from 'node:path';
import { WorkspaceIndex } from './workspaceIndex';
import { isHelmValuesPath } from '../workspace/files';
import { ClusterSource } from './clusterSource';
import { ReaderPool } from './readerPool';
import { DocumentAnalyzer } from './documentAnalyzer';
import { WorkspaceServices } from './workspaceServices';
import { FactScopes } from './factScopes';
import { ClosedFiles } from './closedFiles';
import { NO_CLIENT_SUPPORT, type ClientSupport } from './clientSupport';
import { DiagnosticDelivery } from './diagnosticDelivery';
import { SETTINGS_SECTION, StatusNotification, type InitializationOptions, type Settings } from '../protocol';
import { toSettings } from '../settings';

export class ServerContext {
  /** The negotiated position encoding (set by `initialize`): every position read or written goes through it. */
  codec = new PositionCodec('utf-16');
  /** Open documents; incremental changes arrive in the client's encoding and are applied in UTF-16. */
  readonly documents = new TextDocuments<TextDocument>({
    // Documents of 1 MB or more in chunks (largeDocument.ts): an edit never indexes or copies the whole text.
    create: createDocument,
    update: (doc, changes, version) => {
      if (this.codec.identity) return updateDocument(doc, changes, version);
      // One change at a time: each range is counted in the text the changes before it left.
      let d = doc;
      for (const c of changes) {
        const change: TextDocumentContentChangeEvent = 'range' in c && c.range ? { range: this.codec.rangeFromClient(c.range, linesOfDocument(d)), text: c.text } : { text: c.text };
        d = updateDocument(d, [change], version);
      }
      return d;
    },
  });
  /** Set by `initialize`. */
  init: InitializationOptions = {};
  client: ClientSupport = NO_CLIENT_SUPPORT;
  /** Workspace folder URIs. */
  folders: string[] = [];

  readonly cluster: ClusterSource;
  readonly scopes: FactScopes;
  readonly readers: ReaderPool;
  readonly index: WorkspaceIndex;
  readonly analyzer: DocumentAnalyzer;
  /** Every file's Services for the cross-file rules: open documents' from their analyses, the rest from disk. */
  readonly workspace = new WorkspaceServices();
  readonly closedFiles: ClosedFiles;
  readonly configProblems: ConfigProblems;
  /** Push or pull, per what the client announced: every diagnostic leaves the server through it. */
  readonly diagnostics: DiagnosticDelivery;
  /** Our own watcher, for clients that cannot watch files (started only for them). */
  readonly watcher: ServerFileWatcher;
  /** Files changed on disk, from the client's watcher or ours (set by the workspace handlers). */
  onFilesChanged: (events: FileEvent[]) => void = () => undefined;
  /** Files each loaded scope read (config files, node manifests), for our own watcher. */
  private readonly scopeFiles = new Map<string, string[]>();
  private initialized = false;

  private readonly settingsCache = new Map<string, Promise<Settings>>();

  constructor(readonly connection: Connection) {
    const log = (line: string) => this.log(line);
    const init = () => this.init;
    this.diagnostics = new DiagnosticDelivery({
      pulls: () => this.client.pullDiagnostics,
      isOpen: (uri) => !!this.documents.get(uri),
      push: (uri, diagnostics, version) => this.background('publishing diagnostics', connection.sendDiagnostics({ uri, version, diagnostics })),
      refresh: () => connection.sendRequest(DiagnosticRefreshRequest.type),
      background: (what, work) => this.background(what, work),
    });
    this.cluster = new ClusterSource({
      get cacheDir() {
        return init().storagePath;
      },
      log,
      onChange: () => this.environmentChanged(),
    });

    this.scopes = new FactScopes({
      folders: () => this.folders,
      trusted: () => this.init.trusted !== false,
      settingsFor: (uri) => this.settings(uri),
      openText: (path) => this.documents.get(pathToFileURL(path).toString())?.getText(),
      onStatus: (p) => this.background('sending the status', connection.sendNotification(StatusNotification.type, p)),
      onLoaded: (scope) => {
        this.configProblems.update(scope);
        this.scopeFiles.set(scope.key, scope.folderFacts.dependencies);
        this.watchFiles();
      },
      log,
      clusterContribution: () => this.cluster.contribution(),
      clusterStatus: () => this.cluster.status(),
    });

    // The worker (started at the first large file) mirrors the cross-file index: large documents are checked there.
    this.readers = new ReaderPool(log, () => this.workspace.entries());
    this.workspace.onApplied = (uri, services, open) => this.readers.mirror(uri, services, open);

    this.index = new WorkspaceIndex({
      folders: () => this.folders,
      trusted: () => this.init.trusted !== false,
      configIgnore: async (path) => {
        const { configPath, ignore } = (await this.scopes.forUri(pathToFileURL(path).toString())).folderFacts;
        return configPath && ignore.length ? { base: dirname(configPath), globs: ignore } : undefined;
      },
      ignoreFor: async (folder) => {
        const scope = await this.scopes.forUri(folder);
        const exclude = this.client.configurationPull
          ? ((await connection.workspace.getConfiguration({ scopeUri: folder, section: 'files.exclude' }).catch(() => ({}))) as Record<string, unknown>)
          : {};
        return [...Object.entries(exclude ?? {}).filter(([, on]) => on === true).map(([glob]) => glob), ...scope.folderFacts.ignore];
      },
      maxBytes: () => 64 * 1024 * 1024,
      log,
      setServices: (uri, file) => this.workspace.setDisk(uri, file && { views: file.views, signature: file.signature, ...(file.fromWorker ? { fromWorker: file.fromWorker } : {}) }),
      readLarge: (path, uri, text, helmValues) => (this.readers.start() ? this.readers.index(uri, path, text, helmValues).catch(() => null) : Promise.resolve(null)),
      isHelmValues: async (path) => isHelmValuesPath(path, (await this.scopes.forUri(pathToFileURL(path).toString())).folderFacts),
      setApiServers: async (uri, apiServers) => this.workspace.setApiServers(uri, 'disk', apiServers, apiServers?.length ? (await this.scopes.forUri(uri)).key : ''),
      onChange: () => this.analyzer.revalidateAll(250, 'otherFiles'),
    });

    this.analyzer = new DocumentAnalyzer({
      documents: this.documents,
      scopes: this.scopes,
      getSettings: (uri) => this.settings(uri),
      publish: (uri, version, diagnostics, clientDiagnostics) => this.diagnostics.analyzed(uri, version, this.toClient(uri, diagnostics, clientDiagnostics)),
      encoding: () => this.codec.encoding,
      log,
      workspace: this.workspace,
      readers: this.readers,
    });

    this.configProblems = new ConfigProblems({
      isOpen: (uri) => !!this.documents.get(uri),
      publish: (uri, diagnostics, text) => this.diagnostics.notOpen(uri, this.diagnosticsToClient(uri, diagnostics, linesOfText(text))),
      get showWarning() {
        return init().statusWarnings === true ? undefined : (message: string) => void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message }).catch(() => undefined);
      },
    });

    this.watcher = new ServerFileWatcher((events) => this.onFilesChanged(events), log);

    this.closedFiles = new ClosedFiles({
      settings: (uri) => this.settings(uri),
      scopes: this.scopes,
      analyze: (uri, text) => this.analyzer.analyzeFile(uri, text),
      publish: (uri, diagnostics, text) => this.diagnostics.notOpen(uri, this.diagnosticsToClient(uri, diagnostics, linesOfText(text))),
    });
  }

  log(line: string): void {
    this.connection.console.log(line);
  }

  /** `initialized` arrived: start what needs the client's capabilities. */
  started(): void {
    this.initialized = true;
    this.watchFiles();
    // The candidate config files depend on which documents are open (see watchFiles).
    this.documents.onDidOpen(() => this.watchFiles());
    this.documents.onDidClose(() => this.watchFiles());
  }

  /** The client announced file watching but refused our registration: watch the files ourselves after all. */
  clientCannotWatch(): void {
    if (!this.client.dynamicWatchers) return;
    this.client = { ...this.client, dynamicWatchers: false };
    this.watchFiles();
  }

  /**
   * For a client that cannot watch files: watch each folder's config file, and for each open document the config
   * file of every directory from its own up to its folder (each may be created later, nearer than the one in use),
   * and every file a loaded scope read. Never for a client that watches them itself.
   */
  private watchFiles(): void {
    if (!this.initialized || this.client.dynamicWatchers) return;
    const paths = new Set<string>();
    const roots: string[] = [];
    for (const f of this.folders) {
      const root = pathOf(f);
      if (root) {
        paths.add(join(root, CONFIG_FILE_NAME));
        roots.push(root);
      }
    }
    for (const doc of this.documents.all()) {
      const path = pathOf(doc.uri);
      if (!path) continue;
      const root = roots.filter((r) => path.startsWith(r.endsWith(sep) ? r : r + sep)).sort((a, b) => b.length - a.length)[0];
      // Outside every folder: its own directory only (how far up the search goes there depends on trust).
      for (let dir = dirname(path); ; dir = dirname(dir)) {
        paths.add(join(dir, CONFIG_FILE_NAME));
        if (!root || dir === root || dirname(dir) === dir) break;
      }
    }
    for (const files of this.scopeFiles.values()) for (const p of files) paths.add(p);
    this.watcher.watch(paths);
  }

  /** Lines of `uri` as the server counts them: the open document's, else the file's on disk. */
  linesOf(uri: string): LineSource {
    const doc = this.documents.get(uri);
    if (doc) return linesOfDocument(doc);
    const path = pathOf(uri);
    let text: string | undefined | null = null;
    return (n) => {
      if (text === null) text = path ? readTextFromDisk(path) : undefined;
      return text === undefined ? undefined : linesOfText(text)(n);
    };
  }

  /** A range in `uri` as the client counts it. */
  rangeToClient(uri: string, range: Range, lines: LineSource = this.linesOf(uri)): Range {
    return this.codec.rangeToClient(range, lines);
  }

  /** Diagnostics of `uri` (and their related locations, in any file) as the client counts positions. */
  diagnosticsToClient(uri: string, diagnostics: Diagnostic[], lines?: LineSource): Diagnostic[] {
    if (this.codec.identity) return diagnostics;
    const sources = new Map<string, LineSource>();
    const linesFor = (u: string) => {
      let l = sources.get(u);
      if (!l) sources.set(u, (l = u === uri && lines ? lines : this.linesOf(u)));
      return l;
    };
    return diagnostics.map((d) => ({
      ...d,
      range: this.codec.rangeToClient(d.range, linesFor(uri)),
      ...(d.relatedInformation
        ? { relatedInformation: d.relatedInformation.map((r) => ({ ...r, location: { uri: r.location.uri, range: this.codec.rangeToClient(r.location.range, linesFor(r.location.uri)) } })) }
        : {}),
    }));
  }

  /** An analysis's diagnostics as the client counts positions (those the worker converted: only other files' places). */
  toClient(uri: string, diagnostics: Diagnostic[], clientDiagnostics?: Diagnostic[]): Diagnostic[] {
    return clientDiagnostics ? this.relatedToClient(uri, clientDiagnostics) : this.diagnosticsToClient(uri, diagnostics);
  }

  /** Diagnostics whose own ranges are already the client's (the worker converted them): only other files' related locations. */
  relatedToClient(uri: string, diagnostics: Diagnostic[]): Diagnostic[] {
    if (this.codec.identity) return diagnostics;
    const sources = new Map<string, LineSource>();
    const linesFor = (u: string) => {
      let l = sources.get(u);
      if (!l) sources.set(u, (l = this.linesOf(u)));
      return l;
    };
    return diagnostics.map((d) =>
      d.relatedInformation?.some((r) => r.location.uri !== uri)
        ? { ...d, relatedInformation: d.relatedInformation.map((r) => (r.location.uri === uri ? r : { ...r, location: { uri: r.location.uri, range: this.codec.rangeToClient(r.location.range, linesFor(r.location.uri)) } })) }
        : d,
    );
  }

  /** Work started and not awaited: a failure is logged, never an unhandled rejection (which ends the server). */
  background(what: string, work: Promise<unknown>): void {
    work.catch((e) => this.log(`Kube IP Guard: ${what} failed: ${(e as Error)?.message ?? e}`));
  }

  /** `kubeIpGuard.*` settings for a resource (null: the user's own), pulled once per URI until settings change. */
  settings(uri: string | null): Promise<Settings> {
    const key = uri ?? '';
    let s = this.settingsCache.get(key);
    if (!s) {
      s = this.client.configurationPull
        ? this.connection.workspace.getConfiguration({ scopeUri: uri ?? undefined, section: SETTINGS_SECTION }).then(toSettings, () => toSettings(this.init.settings))
        : Promise.resolve(toSettings(this.init.settings));
      this.settingsCache.set(key, s);
    }
    return s;
  }

  /**
   * Something any document's facts may depend on changed (the cluster, trust, the folders, a file a scope read):
   * forget the loaded facts and check every open document again. The one place that does both.
   */
  environmentChanged(): void {
    this.scopes.invalidateAll();
    this.analyzer.revalidateAll();
  }

  /** A file some scope was read from changed (or was opened, edited or closed): re-check if any scope read it. */
  dependencyChanged(path: string): boolean {
    if (!this.scopes.invalidateDependency(path)) return false;
    this.analyzer.revalidateAll();
    return true;
  }

  /** The settings changed: pull them again, then everything that depends on them. */
  settingsChanged(): void {
    this.settingsCache.clear();
    this.environmentChanged();
  }

  /** The cluster follows the user's own settings: the kubeconfig path and context are machine-scoped in VS Code. */
  async configureCluster(): Promise<void> {
    const s = await this.settings(null);
    await this.cluster.configure({ mode: s.cluster.mode, ...(await this.clusterTarget()) });
  }

  /** Which kubeconfig and context the cluster is read from, and the time bounds: the facts' and the audit's. */
  async clusterTarget(): Promise<{ kubeconfigPath?: string; context?: string; connectTimeoutMs: number; requestTimeoutMs: number }> {
    const s = await this.settings(null);
    return {
      kubeconfigPath: s.kubeconfig.path || this.init.kubernetesExtensionKubeconfig || undefined,
      context: s.kubeconfig.context || undefined,
      connectTimeoutMs: s.cluster.connectTimeoutMs,
      requestTimeoutMs: s.cluster.requestTimeoutMs,
    };
  }
}
