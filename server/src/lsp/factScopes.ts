// Which facts apply to a document: its workspace folder's config file, node manifests and settings (or, outside
// any folder, the nearest config file upward). Loaded once per scope and reused until something they were read
// from changes.
import { basename, dirname, isAbsolute, join, parse } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pathOf } from './uris';
import { CONFIG_FILE_NAME, escapeMarkdown as md, kubernetesContextOf } from '../engine/index';
import { discoverConfig, loadFolderFacts, readTextFromDisk, type FileProblem, type FolderFacts } from '../facts/workspaceFacts';
import { LineIndex } from '../engine/lineIndex';
import { nodeManifests, parsesOffThread } from '../facts/nodeManifests';
import type { Settings, StatusNotification } from '../protocol';
import type { FactContribution } from '../engine/index';
import type { ClusterStatus } from './clusterSource';
import { proxyModeName } from '../engine/rules/explain';

const CLUSTER_STATE_WORDS: Record<string, string> = {
  unreachable: 'unreachable',
  unauthorized: 'credentials rejected',
  forbidden: 'nodes forbidden (RBAC)',
  'exec-failed': 'credential plugin failed',
  timeout: 'timed out',
  error: 'error',
  'no-kubeconfig': 'no kubeconfig',
};

export interface Scope {
  key: string;
  /** URI used to pull settings for this scope. */
  settingsUri: string | null;
  folderFacts: FolderFacts;
}

interface Located {
  key: string;
  settingsUri: string | null;
  folderPath?: string;
  configPath?: string;
  /** Config files discovery passed over, and why. */
  skipped: { path: string; reason: string }[];
  /** What counts as inside the workspace for node manifests. */
  roots: string[];
}

export interface FactScopesHost {
  folders(): string[];
  /** Resolve the config's API server host names (default: DNS); never called in an untrusted workspace. */
  resolveHost?: (host: string) => Promise<string[]>;
  trusted(): boolean;
  settingsFor(uri: string | null): Promise<Settings>;
  openText(path: string): string | undefined;
  onStatus(p: StatusNotification.Params): void;
  /** A scope finished loading (its facts, problems and the files it read). */
  onLoaded?(scope: Scope): void;
  log(line: string): void;
  /** The live cluster's facts (lowest precedence) and state. */
  clusterContribution(): FactContribution | undefined;
  clusterStatus(): ClusterStatus;
}

/** ":3" for a problem on the third line of its file (read again: the file is not open). */
function lineOf(p: FileProblem): string {
  const text = p.file && p.span ? readTextFromDisk(p.file) : undefined;
  return text !== undefined && p.span ? `:${new LineIndex(text).position(p.span.start).line}` : '';
}

export class FactScopes {
  private readonly loaded = new Map<string, Promise<Scope>>();
  /** Files each settled scope was read from. */
  private readonly dependencies = new Map<string, string[]>();
  private readonly warned = new Set<string>();

  constructor(private readonly host: FactScopesHost) {
    nodeManifests.onRead((path, bytes) => host.log(`Kube IP Guard: read node manifest ${path} (${bytes} bytes)${parsesOffThread() && bytes >= 65536 ? ', parsing it in a worker' : ''}`));
  }

  /**
   * The scope key and config file for a document: the nearest config file upward from it, never above its workspace
   * folder (outside any folder: up to the filesystem root when trusted, its own directory when not). Documents
   * sharing a config file share a scope; the folder's own root config (or none) keeps the folder's URI as key.
   */
  private locate(uri: string): Located {
    const path = pathOf(uri);
    const trusted = this.host.trusted();
    const folders = this.host.folders().map((f) => ({ uri: f, path: pathOf(f) })).filter((f) => f.path);
    const folder = path
      ? folders.filter((f) => path === f.path || path.startsWith(f.path!.endsWith('/') ? f.path! : f.path! + '/')).sort((a, b) => b.path!.length - a.path!.length)[0]
      : folders[0];
    if (folder) {
      const root = folder.path!;
      const start = !path || path === root ? root : dirname(path);
      // Untrusted: a config file that is a link out of the folder is refused, and only this folder's own tree counts
      // as the workspace (a second folder, perhaps named by a .code-workspace file in the repository, does not).
      const found = discoverConfig(start, { stopAt: root, ...(trusted ? {} : { confineTo: root }) });
      const dir = found.path ? dirname(found.path) : root;
      return { key: dir === root ? folder.uri : pathToFileURL(dir).toString(), settingsUri: folder.uri, folderPath: root, configPath: found.path, skipped: found.skipped, roots: trusted ? folders.map((f) => f.path!) : [root] };
    }
    if (path) {
      const found = discoverConfig(dirname(path), trusted ? { stopAt: parse(path).root } : { stopAt: dirname(path), confineTo: dirname(path) });
      if (found.path) return { key: `dir:${dirname(found.path)}`, settingsUri: uri, configPath: found.path, skipped: found.skipped, roots: [dirname(found.path)] };
      return { key: 'none', settingsUri: uri, skipped: found.skipped, roots: [] };
    }
    return { key: 'none', settingsUri: null, skipped: [], roots: [] };
  }

  forUri(uri: string): Promise<Scope> {
    const where = this.locate(uri);
    let p = this.loaded.get(where.key);
    if (!p) {
      const loading = this.load(where);
      p = loading;
      this.loaded.set(where.key, loading);
      void loading.then((s) => {
        if (this.loaded.get(where.key) === loading) this.dependencies.set(where.key, s.folderFacts.dependencies);
      });
    }
    return p;
  }

  private async load(where: Located): Promise<Scope> {
    const settings = await this.host.settingsFor(where.settingsUri);
    const trusted = this.host.trusted();
    let configPath = where.configPath;
    const notes: FileProblem[] = where.skipped.map((k) => ({ message: `${k.path} was not used: ${k.reason}`, severity: 'warning' }));
    const configured = settings.configFile;
    if (where.folderPath && configured) {
      // Enforced here, not only by VS Code: any client may send the setting.
      if (trusted) configPath = isAbsolute(configured) ? configured : join(where.folderPath, configured);
      else notes.push({ message: 'kubeIpGuard.configFile is ignored: the workspace is not trusted (Restricted Mode)', severity: 'warning' });
    }
    const folderFacts = await loadFolderFacts({
      configPath,
      readText: (p) => this.host.openText(p) ?? readTextFromDisk(p),
      openText: (p) => this.host.openText(p),
      settings,
      trusted,
      workspaceRoots: where.roots,
      extra: [this.host.clusterContribution()].filter((c): c is FactContribution => !!c),
      ...(this.host.resolveHost ? { resolveHost: this.host.resolveHost } : {}),
    }).catch((e): FolderFacts => {
      this.host.log(`Kube IP Guard: could not load cluster facts: ${(e as Error).message}`);
      return { facts: { nodes: [], apiServers: [], proxyMode: 'ipvs', serviceCIDRs: [], podCIDRs: [], externalIPPool: [], rules: {}, sources: [] }, problems: [{ message: `could not load cluster facts: ${(e as Error).message}`, severity: 'error' }], ignore: [], helmValues: [], dependencies: configPath ? [configPath] : [], noFacts: true };
    });
    folderFacts.problems.push(...notes);
    const scope: Scope = { key: where.key, settingsUri: where.settingsUri, folderFacts };
    this.report(scope);
    this.host.onLoaded?.(scope);
    return scope;
  }

  private report(scope: Scope): void {
    const { facts, problems, configPath } = scope.folderFacts;
    const nodes = facts.nodes.length;
    const sourceLines = facts.sources.map((s) => `- ${md(s.label)}: ${s.nodes} node${s.nodes === 1 ? '' : 's'}, ${s.apiServers} API server address${s.apiServers === 1 ? '' : 'es'}${s.staleSince ? ` (cached ${s.staleSince})` : ''}`);
    const problemLines = problems.map((p) => `- ${p.file ? `${md(basename(p.file))}: ` : ''}${md(p.message)}`);
    const cluster = this.host.clusterStatus();
    const clusterFailing = !['off', 'loading', 'ok', 'partial'].includes(cluster.state);
    const hasErrors = problems.some((p) => p.severity === 'error');
    const version = kubernetesContextOf(facts).verdict;
    let text = nodes === 0 && facts.apiServers.length === 0 ? 'no cluster facts' : `${nodes} node${nodes === 1 ? '' : 's'} · ${proxyModeName(facts.proxyMode)}`;
    text += facts.kubernetesVersion ? ` · ${version.label}` : ` · ${version.label}?`;
    if (cluster.state !== 'off') {
      const where = cluster.context ? `context ${cluster.context}` : 'cluster';
      if (cluster.state === 'loading') text += ` · ${where}: loading…`;
      else if (clusterFailing) text += ` · ${where}: ${CLUSTER_STATE_WORDS[cluster.state] ?? cluster.state}${cluster.staleSince ? ' (cached)' : ''}`;
      else text += ` · ${where}`;
    }
    const clusterLines = cluster.state === 'off'
      ? []
      : ['', `**Cluster** (${cluster.context ? `context ${md(cluster.context)}` : 'kubeconfig'}): ${md(cluster.message)}${cluster.staleSince ? ` — using the facts cached ${md(cluster.staleSince)}` : ''}`];
    const tooltip = [
      `**Kube IP Guard** — ${md(text)}`,
      '',
      ...(sourceLines.length ? [sourceLines.join('\n')] : []),
      ...(scope.folderFacts.noFacts
        ? [`${sourceLines.length ? '\n' : ''}No node or API server address is known: only the checks that need none run. Add them to ${CONFIG_FILE_NAME} (nodes, apiServer) or the kubeIpGuard.* settings.`]
        : []),
      '',
      md(version.description),
      ...clusterLines,
      ...(problemLines.length ? ['', '**Problems**', ...problemLines] : []),
    ].join('\n');
    // A broken config file that is not open in the editor would otherwise go unnoticed: say so once.
    let warning: string | undefined;
    const unseen = problems.filter((p) => p.severity === 'error' && !(p.file && this.host.openText(p.file) !== undefined));
    if (clusterFailing) {
      // One message per cluster state, not one per keystroke: the same text is never shown twice in a row.
      const msg = `Kube IP Guard: ${cluster.context ? `context ${cluster.context}` : 'the cluster'}: ${cluster.message}${cluster.staleSince ? ` Using the facts cached ${cluster.staleSince}.` : ''}`;
      if (!this.warned.has(msg)) {
        this.warned.add(msg);
        warning = msg;
      }
    } else if (cluster.state === 'ok' || cluster.state === 'partial') {
      // Back to normal: a later failure deserves a message again.
      for (const m of [...this.warned]) if (m.startsWith('Kube IP Guard: context ') || m.startsWith('Kube IP Guard: the cluster')) this.warned.delete(m);
    }
    if (unseen.length && !warning) {
      const first = unseen[0];
      const msg = `Kube IP Guard: ${first.file ? `${basename(first.file)}${lineOf(first)}` : 'settings'}: ${first.message}${unseen.length > 1 ? ` (and ${unseen.length - 1} more)` : ''}`;
      if (!this.warned.has(msg)) {
        this.warned.add(msg);
        warning = msg;
      }
    }
    const state = cluster.state === 'loading' ? 'loading' : hasErrors ? 'error' : problems.length || clusterFailing ? 'warning' : 'ok';
    this.host.onStatus({
      scope: scope.key === 'none' ? null : scope.key,
      state,
      text,
      tooltip,
      nodeCount: nodes,
      noFacts: scope.folderFacts.noFacts,
      sources: facts.sources,
      ...(warning ? { warning } : {}),
      ...(cluster.state !== 'off' ? { cluster: { state: cluster.state, context: cluster.context, message: cluster.message, ...(cluster.staleSince ? { staleSince: cluster.staleSince } : {}) } } : {}),
    });
    if (configPath) this.host.log(`Kube IP Guard: ${scope.key}: ${text} (config ${configPath}${problems.length ? `, ${problems.length} problem(s)` : ''})`);
  }

  /** Forget every scope; true when there was one. */
  invalidateAll(): boolean {
    const had = this.loaded.size > 0;
    this.loaded.clear();
    this.dependencies.clear();
    return had;
  }

  /** Forget the scopes that read `path` (and loads still under way, which may have read its old text). */
  invalidateDependency(path: string): boolean {
    let hit = false;
    for (const key of [...this.loaded.keys()]) {
      const deps = this.dependencies.get(key);
      if (!deps || deps.includes(path)) {
        this.loaded.delete(key);
        this.dependencies.delete(key);
        hit = hit || !!deps;
      }
    }
    // A new config file may belong to a scope that had none, or to a directory scope: start over.
    if (basename(path) === CONFIG_FILE_NAME && !hit) hit = this.invalidateAll();
    return hit;
  }

  /** Problems of the files a document's scope read, for showing in that file. */
  problemsIn(scope: Scope, path: string): FileProblem[] {
    return scope.folderFacts.problems.filter((p) => p.file === path);
  }
}
