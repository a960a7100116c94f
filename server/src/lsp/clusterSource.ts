// The live cluster as a source of facts for the language server: the current kubeconfig context, kept fresh by a
// watcher, cached on disk, and degraded to the cached facts (marked stale) when the cluster is away.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FactContribution } from '../engine/index';
import { ClusterFactsWatcher, isLoaded, kubeconfigFiles, type ClusterLoadResult } from '../facts/cluster/index';

export type ClusterMode = 'auto' | 'on' | 'off';

export interface ClusterSettings {
  mode: ClusterMode;
  /** From user or machine settings only (never a workspace's): kubeIpGuard.kubeconfig.path or vs-kubernetes.kubeconfig. */
  kubeconfigPath?: string;
  context?: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
}

export interface ClusterStatus {
  /** 'off' when not consulted; otherwise the loader's state. */
  state: 'off' | 'loading' | ClusterLoadResult['state'];
  context?: string;
  message: string;
  /** The facts in use are the cached ones, read at this time. */
  staleSince?: string;
  nodeCount: number;
}

export interface ClusterSourceHost {
  cacheDir?: string;
  log(line: string): void;
  /** The facts or the state changed: reload the scopes and re-check. */
  onChange(): void;
}

const KNOWN_BAD = new Set(['unreachable', 'unauthorized', 'forbidden', 'exec-failed', 'timeout', 'error', 'no-kubeconfig']);

export class ClusterSource {
  private watcher?: ClusterFactsWatcher;
  private optionsKey = '';
  private result?: ClusterLoadResult;
  private loading = false;
  private disposeListener?: () => void;

  constructor(private readonly host: ClusterSourceHost) {}

  /** Apply settings: start, restart or stop the watcher. Resolves when the first load after a change settles. */
  async configure(s: ClusterSettings): Promise<void> {
    const files = kubeconfigFiles({ kubeconfigPath: s.kubeconfigPath });
    const enabled = s.mode === 'on' || (s.mode === 'auto' && files.some((f) => existsSync(f)));
    const key = enabled ? JSON.stringify([s.kubeconfigPath ?? '', s.context ?? '', s.connectTimeoutMs, s.requestTimeoutMs]) : '';
    if (key === this.optionsKey) return;
    this.optionsKey = key;
    await this.stop();
    if (!enabled) {
      this.host.onChange();
      return;
    }
    const watcher = new ClusterFactsWatcher({
      kubeconfigPath: s.kubeconfigPath,
      context: s.context || undefined,
      connectTimeoutMs: s.connectTimeoutMs,
      requestTimeoutMs: s.requestTimeoutMs,
      cacheDir: this.host.cacheDir ? join(this.host.cacheDir, 'cluster-facts') : undefined,
      log: (line) => this.host.log(`Kube IP Guard: cluster: ${line}`),
    });
    this.watcher = watcher;
    this.loading = true;
    this.host.onChange();
    this.disposeListener = watcher.onChange((r) => {
      if (this.watcher !== watcher) return;
      this.loading = false;
      this.result = r;
      this.host.log(`Kube IP Guard: cluster ${r.context ?? ''}: ${r.state}: ${r.message}${r.missing.length ? ` (not read: ${r.missing.join('; ')})` : ''}`);
      this.host.onChange();
    });
    const first = await watcher.start();
    if (this.watcher === watcher && this.loading) {
      this.loading = false;
      this.result = first;
      this.host.onChange();
    }
  }

  async refresh(): Promise<ClusterStatus> {
    if (this.watcher) {
      this.loading = true;
      this.host.onChange();
      this.result = await this.watcher.refresh();
      this.loading = false;
      this.host.onChange();
    }
    return this.status();
  }

  /** The facts to merge: live, or the cached ones (their sources carry staleSince) when the cluster is away. */
  contribution(): FactContribution | undefined {
    return this.watcher ? this.result?.contribution : undefined;
  }

  status(): ClusterStatus {
    if (!this.watcher) return { state: 'off', message: 'the cluster is not consulted', nodeCount: 0 };
    if (this.loading && !this.result) return { state: 'loading', message: 'loading cluster facts…', nodeCount: 0 };
    const r = this.result;
    if (!r) return { state: 'loading', message: 'loading cluster facts…', nodeCount: 0 };
    const staleSince = r.contribution?.source.staleSince;
    return {
      state: this.loading ? 'loading' : r.state,
      context: r.context,
      message: r.message,
      ...(staleSince && !isLoaded(r) ? { staleSince } : {}),
      nodeCount: r.contribution?.nodes?.length ?? 0,
    };
  }

  /** True when the cluster is consulted and cannot be read right now. */
  get failing(): boolean {
    return !!this.result && KNOWN_BAD.has(this.result.state);
  }

  async stop(): Promise<void> {
    this.disposeListener?.();
    this.disposeListener = undefined;
    const w = this.watcher;
    this.watcher = undefined;
    this.result = undefined;
    this.loading = false;
    await w?.stop();
  }
}
