// The language server: thin LSP handlers around the engine. Runs over IPC (VS Code) or `--stdio` (any editor).
import {
  CodeAction,
  CodeActionKind,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { basename } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyze, CONFIG_FILE_NAME, emptyFacts, fixesFor, hoverAt, isHelmValuesFile, type Analysis, type Severity } from './engine/index';
import { readTextFromDisk } from './facts/workspaceFacts';
import { WorkspaceIndex } from './lsp/workspaceIndex';
import { ClusterSource } from './lsp/clusterSource';
import { ReaderPool } from './lsp/readerPool';
import { CheckWorkspaceRequest, ClientSettingsNotification, FactsRequest, RefreshClusterRequest, ReloadRequest, SETTINGS_SECTION, StatusNotification, TrustNotification, type InitializationOptions, type Settings } from './protocol';
import { toSettings } from './settings';
import { DocumentAnalyzer } from './lsp/documentAnalyzer';
import { FactScopes } from './lsp/factScopes';
import { toDiagnostics, problemsToDiagnostics, offsetsOf } from './lsp/convert';

/**
 * V8 keeps the heap it grew while a large file was open long after the file is closed; a full collection once the
 * editor has closed documents gives that memory back. `gc` is not exposed by default, so we ask V8 for it.
 */
const fullGC: (() => void) | undefined = (() => {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
})();
let gcTimer: NodeJS.Timeout | undefined;
function releaseMemorySoon(): void {
  if (!fullGC || gcTimer) return;
  gcTimer = setTimeout(() => {
    gcTimer = undefined;
    fullGC();
  }, 1000);
  gcTimer.unref();
}

export function startServer(connection: Connection): void {
  // Console output must never corrupt the stdio channel: route it to the client's log.
  console.log = (...a: unknown[]) => connection.console.log(a.map(String).join(' '));
  console.info = console.log;
  console.warn = (...a: unknown[]) => connection.console.warn(a.map(String).join(' '));
  console.error = (...a: unknown[]) => connection.console.error(a.map(String).join(' '));

  const documents = new TextDocuments(TextDocument);
  let init: InitializationOptions = {};
  let configurationPull = false;
  let dynamicWatchers = false;
  let folders: string[] = [];
  const settingsCache = new Map<string, Promise<Settings>>();

  const getSettings = (uri: string | null): Promise<Settings> => {
    const key = uri ?? '';
    let s = settingsCache.get(key);
    if (!s) {
      s = configurationPull
        ? connection.workspace.getConfiguration({ scopeUri: uri ?? undefined, section: SETTINGS_SECTION }).then(toSettings, () => toSettings(init.settings))
        : Promise.resolve(toSettings(init.settings));
      settingsCache.set(key, s);
    }
    return s;
  };

  const openText = (path: string): string | undefined => {
    const doc = documents.get(pathToFileURL(path).toString());
    return doc?.getText();
  };

  const cluster = new ClusterSource({
    get cacheDir() {
      return init.storagePath;
    },
    log: (line) => connection.console.log(line),
    onChange: () => {
      scopes.invalidateAll();
      analyzer.revalidateAll();
    },
  });
  /** The cluster follows the user's own settings: the kubeconfig path and context are machine-scoped in VS Code. */
  const configureCluster = async () => {
    const s = await getSettings(null);
    await cluster.configure({
      mode: s.cluster.mode,
      kubeconfigPath: s.kubeconfig.path || init.kubernetesExtensionKubeconfig || undefined,
      context: s.kubeconfig.context || undefined,
      connectTimeoutMs: s.cluster.connectTimeoutMs,
      requestTimeoutMs: s.cluster.requestTimeoutMs,
    });
  };

  const scopes = new FactScopes({
    folders: () => folders,
    trusted: () => init.trusted !== false,
    settingsFor: getSettings,
    openText,
    onStatus: (p: StatusNotification.Params) => void connection.sendNotification(StatusNotification.method, p),
    log: (line) => connection.console.log(line),
    clusterContribution: () => cluster.contribution(),
    clusterStatus: () => cluster.status(),
  });

  const readers = new ReaderPool((line) => connection.console.log(line));
  connection.onExit(() => void readers.stop());

  const index = new WorkspaceIndex({
    folders: () => folders,
    ignoreFor: async (folder) => {
      const scope = await scopes.forUri(folder);
      const exclude = configurationPull
        ? ((await connection.workspace.getConfiguration({ scopeUri: folder, section: 'files.exclude' }).catch(() => ({}))) as Record<string, unknown>)
        : {};
      return [...Object.entries(exclude ?? {}).filter(([, on]) => on === true).map(([glob]) => glob), ...scope.folderFacts.ignore];
    },
    maxBytes: () => 64 * 1024 * 1024,
    log: (line) => connection.console.log(line),
    onChange: () => analyzer.revalidateAll(250),
  });

  const analyzer = new DocumentAnalyzer({
    documents,
    scopes,
    getSettings,
    publish: (uri, version, diagnostics) => void connection.sendDiagnostics({ uri, version, diagnostics }),
    log: (line) => connection.console.log(line),
    indexedServices: (openPaths) => index.servicesExcept(openPaths),
    readers,
  });

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    init = (params.initializationOptions ?? {}) as InitializationOptions;
    configurationPull = !!params.capabilities.workspace?.configuration;
    dynamicWatchers = !!params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    folders = (params.workspaceFolders ?? []).map((f) => f.uri);
    if (folders.length === 0 && params.rootUri) folders = [params.rootUri];
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: false },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'kube-ip-guard' },
    };
  });

  connection.onInitialized(() => {
    if (dynamicWatchers) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: `**/${CONFIG_FILE_NAME}` }, { globPattern: '**/*.{yaml,yml,json}' }],
      });
    }
    connection.workspace.onDidChangeWorkspaceFolders((e) => {
      folders = folders.filter((f) => !e.removed.some((r) => r.uri === f)).concat(e.added.map((a) => a.uri));
      scopes.invalidateAll();
      analyzer.revalidateAll();
      void index.rescan();
    });
    void index.rescan();
    void configureCluster();
  });

  connection.onDidChangeConfiguration(() => {
    settingsCache.clear();
    scopes.invalidateAll();
    analyzer.revalidateAll();
    void index.rescan();
    void configureCluster();
  });

  connection.onNotification(ClientSettingsNotification.method, (p: ClientSettingsNotification.Params) => {
    init.kubernetesExtensionKubeconfig = p.kubernetesExtensionKubeconfig;
    void configureCluster();
  });

  connection.onRequest(RefreshClusterRequest.method, async (): Promise<RefreshClusterRequest.Result> => {
    const s = await cluster.refresh();
    return { state: s.state, context: s.context, message: s.message, nodeCount: s.nodeCount };
  });

  connection.onShutdown(() => cluster.stop());

  connection.onDidChangeWatchedFiles((params) => {
    let changed = false;
    for (const c of params.changes) {
      if (!c.uri.startsWith('file:')) continue;
      const path = fileURLToPath(c.uri);
      // A config file appearing or going away changes which file a scope uses; any dependency change reloads it.
      if (basename(path) === CONFIG_FILE_NAME && c.type !== FileChangeType.Changed) changed = scopes.invalidateAll() || changed;
      else changed = scopes.invalidateDependency(path) || changed;
      void index.fileChanged(path, c.type === FileChangeType.Deleted);
      if (checkedClosed.has(c.uri) && !documents.get(c.uri)) {
        if (c.type === FileChangeType.Deleted) {
          checkedClosed.delete(c.uri);
          void connection.sendDiagnostics({ uri: c.uri, diagnostics: [] });
        } else void checkClosedFile(path);
      }
      if (basename(path) === CONFIG_FILE_NAME) void index.rescan(); // its `ignore` globs may have changed
    }
    if (changed) analyzer.revalidateAll();
  });

  connection.onNotification(TrustNotification.method, (p: TrustNotification.Params) => {
    init.trusted = p.trusted;
    scopes.invalidateAll();
    analyzer.revalidateAll();
  });

  documents.onDidOpen((e) => analyzer.schedule(e.document.uri, 0));
  documents.onDidChangeContent((e) => {
    if (e.document.uri.startsWith('file:') && scopes.invalidateDependency(fileURLToPath(e.document.uri))) analyzer.revalidateAll();
    else analyzer.schedule(e.document.uri);
  });
  documents.onDidClose((e) => {
    analyzer.forget(e.document.uri);
    releaseMemorySoon();
    // A closed config file is read from disk again (its unsaved edits are gone).
    if (e.document.uri.startsWith('file:') && scopes.invalidateDependency(fileURLToPath(e.document.uri))) analyzer.revalidateAll();
    // A file reported by "Check workspace" keeps its findings, from disk; any other file's go with it.
    if (checkedClosed.has(e.document.uri)) void checkClosedFile(fileURLToPath(e.document.uri));
    else void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onHover(async (params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return null;
    const result = await analyzer.current(doc);
    if (!result) return null;
    const h = hoverAt(result.analysis, doc.offsetAt(params.position), result.facts);
    if (!h) return null;
    return { contents: { kind: 'markdown', value: h.markdown }, range: { start: doc.positionAt(h.span.start), end: doc.positionAt(h.span.end) } };
  });

  connection.onCodeAction(async (params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    const ours = params.context.diagnostics.filter((d) => d.source === 'kube-ip-guard' && d.data);
    if (ours.length === 0) return [];
    const result = await analyzer.current(doc);
    if (!result) return [];
    const text = doc.getText();
    const used = analyzer.usedAddressKeys();
    const actions: CodeAction[] = [];
    for (const d of ours) {
      const data = d.data as { rule: string; address?: string; fixes: never[] };
      const span = offsetsOf(doc, d.range);
      for (const fix of fixesFor(text, { rule: data.rule, span, address: data.address, fixes: data.fixes ?? [] }, result.facts, { usedAddressKeys: used })) {
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          isPreferred: fix.isPreferred,
          edit: {
            documentChanges: [
              {
                textDocument: { uri: doc.uri, version: doc.version },
                edits: fix.edits.map((e) => ({ range: { start: doc.positionAt(e.start), end: doc.positionAt(e.end) }, newText: e.newText })),
              },
            ],
          },
        });
      }
    }
    return actions;
  });

  connection.onRequest(FactsRequest.method, async (p: FactsRequest.Params): Promise<FactsRequest.Result> => {
    const uri = p.uri ?? folders[0] ?? null;
    const scope = uri ? await scopes.forUri(uri) : undefined;
    const facts = scope?.folderFacts.facts ?? emptyFacts();
    return {
      scope: scope?.key ?? null,
      proxyMode: facts.proxyMode,
      proxyModeSource: facts.proxyModeSource?.label ?? 'default',
      nodes: facts.nodes.map((n) => ({ name: n.name, addresses: n.addresses.map((a) => ({ address: a.address, type: a.type, source: a.source.label })) })),
      apiServers: facts.apiServers.map((a) => ({ address: a.port ? `${a.address}:${a.port}` : a.address, source: a.source.label })),
      serviceCIDRs: facts.serviceCIDRs.map((c) => c.cidr),
      podCIDRs: facts.podCIDRs.map((c) => c.cidr),
      externalIPPool: facts.externalIPPool.map((c) => c.cidr),
      sources: facts.sources,
      problems: scope?.folderFacts.problems.map((pr) => pr.message) ?? [],
    };
  });

  /** Files that "Check workspace" reported while closed: kept current from disk until opened. */
  const checkedClosed = new Set<string>();

  /** Analyze a file that is not open and publish its diagnostics; the severities found, or undefined if unreadable. */
  const checkClosedFile = async (path: string): Promise<Severity[] | undefined> => {
    const uri = pathToFileURL(path).toString();
    const text = readTextFromDisk(path);
    if (text === undefined) return undefined;
    const settings = await getSettings(uri);
    if (!settings.enable) return [];
    const scope = await scopes.forUri(uri);
    const doc = TextDocument.create(uri, 'yaml', 0, text);
    const analysis = analyze(text, scope.folderFacts.facts, {
      maxLength: settings.maxFileSizeMB * 1024 * 1024,
      helmValues: isHelmValuesFile(path),
      workspaceServices: analyzer.workspaceServices(uri),
    });
    checkedClosed.add(uri);
    void connection.sendDiagnostics({ uri, diagnostics: toDiagnostics(doc, analysis) });
    return analysis.findings.map((f) => f.severity);
  };

  connection.onRequest(CheckWorkspaceRequest.method, async (_params: unknown, token: CancellationToken): Promise<CheckWorkspaceRequest.Result> => {
    const progress = await connection.window.createWorkDoneProgress();
    progress.begin('Kube IP Guard: checking the workspace', 0, 'finding manifests', true);
    const counts: CheckWorkspaceRequest.Result = { files: 0, errors: 0, warnings: 0, infos: 0, cancelled: false };
    try {
      const files = await index.listFiles(() => token.isCancellationRequested || progress.token.isCancellationRequested);
      for (const [i, path] of files.entries()) {
        if (token.isCancellationRequested || progress.token.isCancellationRequested) {
          counts.cancelled = true;
          break;
        }
        progress.report(Math.round((100 * i) / Math.max(1, files.length)), basename(path));
        const uri = pathToFileURL(path).toString();
        const open = documents.get(uri);
        const severities = open ? (await analyzer.current(open))?.analysis.findings.map((f) => f.severity) : await checkClosedFile(path);
        if (!severities) continue;
        for (const sev of severities) {
          if (sev === 'error') counts.errors++;
          else if (sev === 'warning') counts.warnings++;
          else counts.infos++;
        }
        counts.files++;
        // Keep answering the editor while a large workspace is checked.
        if (i % 10 === 9) await new Promise((r) => setImmediate(r));
      }
    } finally {
      progress.done();
    }
    return counts;
  });

  connection.onRequest(ReloadRequest.method, async () => {
    settingsCache.clear();
    scopes.invalidateAll();
    analyzer.revalidateAll();
    await cluster.refresh();
    return null;
  });

  documents.listen(connection);
  connection.listen();
}

export type { Analysis };
export { toDiagnostics, problemsToDiagnostics };
