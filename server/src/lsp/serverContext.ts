// The services of one language server session, built once by the composition root (`server.ts`) and handed to every
// handler module: the open documents, what the client announced, settings, fact scopes, the cluster, the workspace
// index and the document analyzer. Handlers hold no state of their own beyond what lives here.
import { TextDocuments, type Connection } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WorkspaceIndex } from './workspaceIndex';
import { ClusterSource } from './clusterSource';
import { ReaderPool } from './readerPool';
import { DocumentAnalyzer } from './documentAnalyzer';
import { FactScopes } from './factScopes';
import { ClosedFiles } from './closedFiles';
import { NO_CLIENT_SUPPORT, type ClientSupport } from './clientSupport';
import { SETTINGS_SECTION, StatusNotification, type InitializationOptions, type Settings } from '../protocol';
import { toSettings } from '../settings';

export class ServerContext {
  readonly documents = new TextDocuments(TextDocument);
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
  readonly closedFiles: ClosedFiles;

  private readonly settingsCache = new Map<string, Promise<Settings>>();

  constructor(readonly connection: Connection) {
    const log = (line: string) => this.log(line);
    const init = () => this.init;
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
      log,
      clusterContribution: () => this.cluster.contribution(),
      clusterStatus: () => this.cluster.status(),
    });

    this.readers = new ReaderPool(log);

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
      onChange: () => this.analyzer.revalidateAll(250),
    });

    this.analyzer = new DocumentAnalyzer({
      documents: this.documents,
      scopes: this.scopes,
      getSettings: (uri) => this.settings(uri),
      publish: (uri, version, diagnostics) => this.background('publishing diagnostics', connection.sendDiagnostics({ uri, version, diagnostics })),
      log,
      indexedServices: (openPaths) => this.index.servicesExcept(openPaths),
      readers: this.readers,
    });

    this.closedFiles = new ClosedFiles({
      settings: (uri) => this.settings(uri),
      scopes: this.scopes,
      workspaceServices: (uri) => this.analyzer.workspaceServices(uri),
      publish: (uri, diagnostics) => this.background('publishing diagnostics', connection.sendDiagnostics({ uri, diagnostics })),
    });
  }

  log(line: string): void {
    this.connection.console.log(line);
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
