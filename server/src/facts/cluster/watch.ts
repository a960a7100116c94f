// Keeps cluster facts fresh for a long-running process (the language server).
//
// Strategy, and why: a Watch on Nodes (the library's `Watch`, from the list's resourceVersion) PLUS a periodic full
// re-read. The watch makes node changes show within about a second, at the cost of one idle connection; it only
// *triggers* a debounced full reload when a node's InternalIP/ExternalIP addresses or pod CIDRs change (kubelets
// rewrite node status every few minutes, so most events are ignored without any request). Applying events
// incrementally was not worth it: address changes are rare, and one code path (loadClusterFacts) means one set of
// error states and time bounds. The periodic re-read is still needed because the other facts (kube-proxy
// ConfigMap, the kubernetes EndpointSlice, ServiceCIDRs) are not watched, and because a watch can silently stall
// (half-open TCP): a watchdog ends a watch that saw no event for longer than its own server-side timeout.
// Failures back off exponentially (with jitter) up to maxBackoffMs; success returns to the normal interval.
// Without `watchNodes` the class simply re-lists on the interval.
//
// The kubeconfig files are polled with fs.watchFile (stat every kubeconfigPollMs): unlike fs.watch it sees files
// that do not exist yet, survives editors and kubectl replacing the file, and behaves the same on every platform.
// A change reloads when the selected context, its server or its user entry changed (a context switch, new
// credentials), or when the last load failed.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { markStale, loadFactsCache, saveFactsCache } from './cache';
import type * as http from 'node:http';
import type * as https from 'node:https';
import { KubeconfigError, kubeconfigFiles, loadMergedKubeConfig, selectContext, withExecEnvRestored } from './kubeconfig';
import { loadClusterFacts, nodeFactFromObject } from './load';
import { sanitizeServerUrl } from './redact';
import { watchJsonLines, type WatchEnd } from './watchStream';
import { ClusterLoadOptions, ClusterLoadResult, isLoaded } from './types';

export interface ClusterWatcherOptions extends ClusterLoadOptions {
  /** Watch Nodes for address changes between re-reads (default true). */
  watchNodes?: boolean;
  /** Full re-read period; default 10 minutes with the node watch, 2 minutes without. */
  resyncIntervalMs?: number;
  /** First retry delay after a failure (default 2 s), doubled per failure up to maxBackoffMs (default 5 min). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Node events and kubeconfig changes are coalesced over this delay (default 1000 ms). */
  reloadDebounceMs?: number;
  /** Watch the kubeconfig files for context switches (default true). */
  watchKubeconfig?: boolean;
  /** How often the kubeconfig files are stat'ed (default 1000 ms). */
  kubeconfigPollMs?: number;
  /** Server-side timeout of one watch request (default 300 s); the watchdog allows this plus 30 s of silence. */
  watchTimeoutSeconds?: number;
  /** Save good facts here and, when the cluster cannot be read, fall back to the cached ones (marked stale). */
  cacheDir?: string;
}

export interface KubeconfigSwitch {
  context?: string;
  server?: string;
}

/**
 * Events: 'change' (result) when the facts, state or context differ from the last emitted result (always for the
 * first load); 'load' (result) after every load; 'kubeconfig' (KubeconfigSwitch) when the selected context, server
 * or user changed in the kubeconfig files.
 */
export class ClusterFactsWatcher extends EventEmitter {
  private opts: ClusterWatcherOptions;
  private current_: ClusterLoadResult | undefined;
  private lastGood: ClusterLoadResult | undefined;
  private fingerprint = '';
  private stopped = false;
  private started = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private inflight: Promise<ClusterLoadResult> | undefined;
  private loadCtl: AbortController | undefined;
  private again = false;
  private waiters: ((r: ClusterLoadResult) => void)[] = [];
  private firstLoad: Promise<ClusterLoadResult> | undefined;
  // node watch
  private watchGen = 0;
  private watchCtl: { abort(): void } | undefined;
  private watchStarting = false;
  private watchdog: NodeJS.Timeout | undefined;
  private watchRestart: NodeJS.Timeout | undefined;
  private watchFailures = 0;
  private watchRv: string | undefined;
  private nodeIndex = new Map<string, string>();
  private podCIDRIndex = new Set<string>();
  // kubeconfig
  private kubeconfigWatcher: KubeconfigFileWatcher | undefined;
  private selectionKey: string | undefined;

  constructor(opts: ClusterWatcherOptions = {}) {
    super();
    this.opts = { ...opts };
  }

  /** The last result (live, or live state with stale cached facts). */
  get current(): ClusterLoadResult | undefined {
    return this.current_;
  }

  /** Start watching; resolves with the first load's result. Calling it again returns the same promise. */
  start(): Promise<ClusterLoadResult> {
    if (this.firstLoad) return this.firstLoad;
    this.started = true;
    this.setupKubeconfigWatch();
    this.firstLoad = (async () => {
      this.selectionKey = await this.computeSelectionKey();
      return this.reload();
    })();
    return this.firstLoad;
  }

  /** Reload now (coalesced with a load in flight: resolves with the load that starts after it). */
  refresh(): Promise<ClusterLoadResult> {
    return this.reload();
  }

  /** Change options (e.g. another context or kubeconfig path) and reload. */
  setOptions(patch: Partial<ClusterWatcherOptions>): Promise<ClusterLoadResult> {
    this.opts = { ...this.opts, ...patch };
    this.stopNodeWatch();
    if (this.started) this.setupKubeconfigWatch();
    return this.reload();
  }

  /** Listen to 'change'; returns a function that removes the listener. */
  onChange(listener: (r: ClusterLoadResult) => void): () => void {
    this.on('change', listener);
    return () => this.off('change', listener);
  }

  /** Stop everything: timers, the node watch, the kubeconfig watch, and abort a load in flight (awaited). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimer();
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = undefined;
    this.stopNodeWatch();
    this.kubeconfigWatcher?.close();
    this.kubeconfigWatcher = undefined;
    this.loadCtl?.abort();
    await this.inflight?.catch(() => undefined);
  }

  // -------------------------------------------------------------------------------------------------------------

  private reload(): Promise<ClusterLoadResult> {
    if (this.stopped) return Promise.resolve(this.current_ ?? stoppedResult());
    if (this.inflight) {
      this.again = true;
      return new Promise((resolve) => this.waiters.push(resolve));
    }
    this.clearTimer();
    const ctl = new AbortController();
    this.loadCtl = ctl;
    const p = this.loadOnce(ctl.signal);
    this.inflight = p;
    void p.then((r) => {
      this.inflight = undefined;
      this.loadCtl = undefined;
      try {
        if (!this.stopped) this.handle(r);
      } catch {
        this.log('handling a result failed');
      }
      const waiters = this.waiters.splice(0);
      if (this.again && !this.stopped) {
        this.again = false;
        void this.reload().then((next) => waiters.forEach((w) => w(next)));
      } else {
        this.again = false;
        waiters.forEach((w) => w(r));
      }
    });
    return p;
  }

  private async loadOnce(signal: AbortSignal): Promise<ClusterLoadResult> {
    const { cacheDir } = this.opts;
    let r = await loadClusterFacts({ ...this.opts, signal });
    if (this.stopped) return r;
    if (isLoaded(r)) {
      if (cacheDir) await saveFactsCache(cacheDir, r);
      return r;
    }
    // The cluster could not be read: keep the facts we had for the same context and server, marked stale.
    let fallback: ClusterLoadResult | undefined;
    if (r.context && r.server) {
      const g = this.lastGood;
      if (g?.contribution && g.context === r.context && g.server === r.server) {
        fallback = { ...g, contribution: markStale(g.contribution, g.loadedAt), fromCache: true };
      } else if (cacheDir) {
        fallback = await loadFactsCache(cacheDir, r.context, r.server);
      }
    }
    if (fallback?.contribution) {
      r = {
        ...r,
        message: `${r.message}; using facts read ${fallback.loadedAt}`,
        contribution: fallback.contribution,
        nodeCount: fallback.nodeCount,
        loadedAt: fallback.loadedAt,
        fromCache: true,
      };
    }
    return r;
  }

  private handle(r: ClusterLoadResult): void {
    this.current_ = r;
    if (isLoaded(r) && !r.fromCache) {
      this.lastGood = r;
      this.indexNodes(r);
    }
    this.emitSafe('load', r);
    const fp = fingerprint(r);
    if (fp !== this.fingerprint) {
      this.fingerprint = fp;
      this.emitSafe('change', r);
    }
    if (isLoaded(r)) {
      this.failures = 0;
      this.schedule(this.resyncMs());
      if (this.opts.watchNodes !== false) {
        if (r.nodesResourceVersion) this.watchRv = r.nodesResourceVersion;
        void this.startNodeWatch();
      }
    } else {
      this.stopNodeWatch();
      if (r.state === 'no-kubeconfig') {
        this.schedule(this.resyncMs()); // the kubeconfig watch notices a new file sooner
      } else {
        this.failures++;
        const ms = this.backoff(this.failures);
        this.log(`load failed (${r.state}); retrying in ${ms} ms`);
        this.schedule(ms);
      }
    }
  }

  private emitSafe(event: string, ...args: unknown[]): void {
    try {
      this.emit(event, ...args);
    } catch (e) {
      this.log(`listener for '${event}' threw (${(e as Error)?.name ?? 'error'})`);
    }
  }

  private log(line: string): void {
    try {
      this.opts.log?.(`[cluster-watch] ${line}`);
    } catch {
      // ignore
    }
  }

  private resyncMs(): number {
    const d = this.opts.watchNodes === false ? 120_000 : 600_000;
    return pos(this.opts.resyncIntervalMs, d);
  }

  private backoff(n: number): number {
    const min = pos(this.opts.minBackoffMs, 2_000);
    const max = pos(this.opts.maxBackoffMs, 300_000);
    const base = Math.min(max, min * 2 ** Math.min(n - 1, 30));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private schedule(ms: number): void {
    this.clearTimer();
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reload();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Coalesce triggers (node events, kubeconfig edits) into one reload. */
  private scheduleReload(reason: string): void {
    if (this.stopped || this.debounce) return;
    this.log(`reload: ${reason}`);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.reload();
    }, pos(this.opts.reloadDebounceMs, 1_000));
  }

  // ---- node watch ------------------------------------------------------------------------------------------------

  private indexNodes(r: ClusterLoadResult): void {
    this.nodeIndex = new Map((r.contribution?.nodes ?? []).map((n) => [n.name, addressSig(n.addresses)]));
    this.podCIDRIndex = new Set((r.contribution?.podCIDRs ?? []).map((c) => c.cidr));
  }

  /** Whether a node event changes the facts we hold. */
  private relevant(type: string, obj: unknown): boolean {
    const source = { kind: 'cluster' as const, label: '' };
    const { node, podCIDRs } = nodeFactFromObject(obj, source);
    if (!node) return false;
    if (type === 'DELETED') return this.nodeIndex.has(node.name);
    if (this.nodeIndex.get(node.name) !== addressSig(node.addresses)) return true;
    return podCIDRs.some((c) => !this.podCIDRIndex.has(c));
  }

  private async startNodeWatch(): Promise<void> {
    if (this.stopped || this.watchCtl || this.watchStarting || this.watchRestart) return;
    this.watchStarting = true;
    const gen = ++this.watchGen;
    try {
      const { kc } = await loadMergedKubeConfig(kubeconfigFiles(this.opts));
      const sel = selectContext(kc, this.opts.context);
      if (gen !== this.watchGen || this.stopped) return;
      // The kubeconfig moved on since the load: the kubeconfig watch reloads, and the next load starts the watch.
      if (sel.context !== this.current_?.context || sanitizeServerUrl(sel.cluster.server) !== this.current_?.server) return;
      const timeoutSeconds = pos(this.opts.watchTimeoutSeconds, 300);
      const startedAt = Date.now();
      // Credentials, TLS and proxies from the library, as for the lists; the request itself is ours (watchStream.ts):
      // it follows no redirect and bounds the line length.
      const reqOpts: https.RequestOptions = {};
      await withExecEnvRestored(sel.user, () => kc.applyToHTTPSOptions(reqOpts));
      const agent = reqOpts.agent instanceof Object ? (reqOpts.agent as http.Agent) : undefined;
      if (gen !== this.watchGen || this.stopped || !agent) {
        agent?.destroy();
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(reqOpts.headers ?? {})) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
      const query = new URLSearchParams({ watch: 'true', allowWatchBookmarks: 'true', timeoutSeconds: String(timeoutSeconds) });
      if (this.watchRv) query.set('resourceVersion', this.watchRv);
      this.log(`watching nodes from resourceVersion ${this.watchRv ?? '(now)'}`);
      let doneCalled = false;
      const onDone = (end: WatchEnd) => {
        agent.destroy();
        doneCalled = true;
        if (gen !== this.watchGen) return;
        this.watchCtl = undefined;
        this.clearWatchdog();
        if (this.stopped) return;
        const lasted = Date.now() - startedAt;
        switch (end.kind) {
          case 'status':
            if (end.status === 410) {
              this.watchRv = undefined;
              this.scheduleReload('node watch expired');
            } else if (end.status === 401) {
              this.scheduleReload('node watch unauthorized'); // a load says so in the state
            } else this.watchFailed(`the API server answered HTTP ${end.status} to the node watch`);
            return;
          case 'redirect':
            this.watchFailed(`the API server answered HTTP ${end.status} (a redirect) to the node watch; redirects are not followed, so no credential leaves for another address`);
            return;
          case 'line-too-long':
            this.watchFailed(`the node watch sent a line longer than ${end.maxLineBytes / 1048576} MiB`);
            return;
          case 'error':
            // The connection broke: the cluster may be gone. A full load finds out (and says so in the state) within
            // its own time bounds; when it succeeds it starts a new watch, when it fails its backoff retries.
            this.log('node watch lost its connection; reloading');
            this.scheduleReload('node watch lost');
            return;
          case 'closed':
            if (lasted > 5_000) {
              this.watchFailures = 0;
              this.restartNodeWatch(0);
            } else this.watchFailed('node watch ended early');
        }
      };
      const stop = watchJsonLines(
        { server: sel.cluster.server.replace(/\/+$/, ''), agent, headers, ...(typeof reqOpts.auth === 'string' ? { auth: reqOpts.auth } : {}), connectTimeoutMs: pos(this.opts.connectTimeoutMs, 5_000) },
        `/api/v1/nodes?${query.toString()}`,
        (type: string, obj: unknown) => {
          if (gen !== this.watchGen) return;
          this.kickWatchdog(gen, timeoutSeconds);
          const rv = (obj as { metadata?: { resourceVersion?: unknown } })?.metadata?.resourceVersion;
          if (type === 'ERROR') {
            const code = (obj as { code?: unknown })?.code;
            this.log(`watch error event${typeof code === 'number' ? ` (${code})` : ''}`);
            if (code === 410) this.watchRv = undefined;
            this.scheduleReload('node watch expired');
            return;
          }
          if (typeof rv === 'string' && rv) this.watchRv = rv;
          if (type === 'BOOKMARK') return;
          this.watchFailures = 0;
          if (this.relevant(type, obj)) this.scheduleReload(`node ${type.toLowerCase()}`);
        },
        onDone,
      );
      const ctl = {
        abort: () => {
          stop();
          agent.destroy();
        },
      };
      if (gen !== this.watchGen || this.stopped) {
        ctl.abort();
        return;
      }
      if (!doneCalled) {
        this.watchCtl = ctl;
        this.kickWatchdog(gen, timeoutSeconds);
      }
    } catch (e) {
      if (gen !== this.watchGen || this.stopped) return;
      if (!(e instanceof KubeconfigError)) this.log('node watch could not start');
      this.watchFailures++;
      this.restartNodeWatch(this.backoff(this.watchFailures));
    } finally {
      if (gen === this.watchGen) this.watchStarting = false;
    }
  }

  /** The watch failed in a way a reload would not mend: say why, and try again after a growing pause. */
  private watchFailed(why: string): void {
    this.watchFailures++;
    const ms = this.backoff(this.watchFailures);
    this.log(`${why}; retrying in ${Math.round(ms / 1000)} s`);
    this.restartNodeWatch(ms);
  }

  private restartNodeWatch(ms: number): void {
    if (this.stopped || this.watchRestart) return;
    this.watchRestart = setTimeout(() => {
      this.watchRestart = undefined;
      if (this.current_ && isLoaded(this.current_) && !this.current_.fromCache) void this.startNodeWatch();
    }, ms);
  }

  private kickWatchdog(gen: number, timeoutSeconds: number): void {
    this.clearWatchdog();
    this.watchdog = setTimeout(() => {
      if (gen !== this.watchGen) return;
      this.log('node watch silent for too long; restarting it');
      const ctl = this.watchCtl;
      this.watchCtl = undefined;
      ctl?.abort();
      this.restartNodeWatch(0);
    }, timeoutSeconds * 1000 + 30_000);
  }

  private clearWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private stopNodeWatch(): void {
    this.watchGen++;
    this.watchStarting = false;
    this.clearWatchdog();
    if (this.watchRestart) clearTimeout(this.watchRestart);
    this.watchRestart = undefined;
    const ctl = this.watchCtl;
    this.watchCtl = undefined;
    ctl?.abort();
  }

  // ---- kubeconfig ------------------------------------------------------------------------------------------------

  private setupKubeconfigWatch(): void {
    this.kubeconfigWatcher?.close();
    this.kubeconfigWatcher = undefined;
    if (this.opts.watchKubeconfig === false || this.stopped) return;
    this.kubeconfigWatcher = new KubeconfigFileWatcher(kubeconfigFiles(this.opts), () => void this.onKubeconfigChanged(), pos(this.opts.kubeconfigPollMs, 1_000), pos(this.opts.reloadDebounceMs, 1_000) / 4);
  }

  private async onKubeconfigChanged(): Promise<void> {
    if (this.stopped) return;
    const key = await this.computeSelectionKey();
    if (this.stopped) return;
    const switched = key !== this.selectionKey;
    this.selectionKey = key;
    const failing = !this.current_ || !isLoaded(this.current_) || !!this.current_.fromCache;
    if (!switched && !failing) {
      this.log('kubeconfig rewritten with the same context, cluster and user: no reload');
      return;
    }
    if (switched) {
      const sw = await this.describeSelection();
      this.emitSafe('kubeconfig', sw);
      this.stopNodeWatch();
      this.watchRv = undefined;
    }
    this.scheduleReload(switched ? 'kubeconfig selection changed' : 'kubeconfig changed');
  }

  /** A hash of what the kubeconfig selects: context, cluster entry, user entry (hashed, never kept in clear). */
  private async computeSelectionKey(): Promise<string> {
    try {
      const { kc } = await loadMergedKubeConfig(kubeconfigFiles(this.opts));
      const sel = selectContext(kc, this.opts.context);
      return createHash('sha256').update(JSON.stringify([sel.context, sel.cluster, sel.user])).digest('hex');
    } catch (e) {
      return `error:${e instanceof KubeconfigError ? createHash('sha256').update(e.message).digest('hex') : 'other'}`;
    }
  }

  private async describeSelection(): Promise<KubeconfigSwitch> {
    try {
      const { kc } = await loadMergedKubeConfig(kubeconfigFiles(this.opts));
      const sel = selectContext(kc, this.opts.context);
      return { context: sel.context, server: sanitizeServerUrl(sel.cluster.server) };
    } catch {
      return {};
    }
  }
}

/**
 * Calls `onChange` (debounced) when any of the files is created, deleted, replaced or rewritten. Polls with
 * fs.watchFile; the polling does not keep the process alive.
 */
export class KubeconfigFileWatcher {
  private readonly listeners: [string, (curr: fs.Stats, prev: fs.Stats) => void][] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(readonly files: string[], private readonly onChange: () => void, pollMs = 1_000, debounceMs = 250) {
    for (const file of files) {
      const l = (curr: fs.Stats, prev: fs.Stats) => {
        if (curr.mtimeMs === prev.mtimeMs && curr.size === prev.size && curr.ino === prev.ino && curr.ctimeMs === prev.ctimeMs) return;
        if (this.closed || this.timer) return;
        this.timer = setTimeout(() => {
          this.timer = undefined;
          if (!this.closed) this.onChange();
        }, debounceMs);
      };
      fs.watchFile(file, { interval: pollMs, persistent: false }, l);
      this.listeners.push([file, l]);
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const [file, l] of this.listeners.splice(0)) fs.unwatchFile(file, l);
  }
}

function pos(v: number | undefined, d: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d;
}

function addressSig(addresses: readonly { address: string; type: string }[]): string {
  return addresses
    .map((a) => `${a.type}=${a.address}`)
    .sort()
    .join(',');
}

function fingerprint(r: ClusterLoadResult): string {
  const json = JSON.stringify(
    { state: r.state, context: r.context, server: r.server, message: r.message, missing: r.missing, fromCache: !!r.fromCache, facts: r.contribution },
    (k: string, v: unknown): unknown => (k === 'source' ? (v as { staleSince?: string })?.staleSince ?? null : v),
  );
  return createHash('sha256').update(json).digest('hex');
}

function stoppedResult(): ClusterLoadResult {
  return { state: 'error', message: 'The cluster watcher is stopped', missing: [], loadedAt: new Date().toISOString(), nodeCount: 0 };
}
