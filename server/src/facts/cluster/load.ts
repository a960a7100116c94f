// Cluster facts from the current kubeconfig context: node addresses, API server addresses, kube-proxy mode, pod and
// service CIDRs. One call, `loadClusterFacts`, that always settles within its time bounds and never throws: the
// outcome is a `state` plus a one-line message that is safe to show (it never carries credentials).
//
// Kubeconfig parsing, TLS and every kind of authentication (client certificates, tokens, token files, exec plugins,
// proxies, insecure-skip-tls-verify) come from @kubernetes/client-node; see ./http.ts for why the GETs are ours.
import * as dns from 'node:dns';
import * as net from 'node:net';
import * as http from 'node:http';
import * as https from 'node:https';
import { parse as parseYaml } from 'yaml';
import type { ApiServerFact, CidrFact, DataPlaneFacts, KubeRouterFacts, FactContribution, FactSource, NodeAddressFact, NodeAddressType, NodeFact, ProxyMode } from '../../engine/facts';
import { KUBE_PROXY_MODES } from '../../engine/facts';
import { parseKubernetesVersion } from '../../engine/kubernetesVersions';
import { Connection, HttpError, getJson } from './http';
import {
  KubeconfigError,
  kubeconfigFiles,
  loadMergedKubeConfig,
  selectContext,
  setExecTimeout,
  execTimeoutCount,
  userSecrets,
  usesExecPlugin,
  withExecEnvRestored,
} from './kubeconfig';
import { whenAborted } from './abort';
import { Redactor, genericRedact, sanitizeServerUrl } from './redact';
import { ClusterLoadOptions, ClusterLoadResult, clusterSourceLabel } from './types';


export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_TOTAL_TIMEOUT_MS = 60_000;
const PAGE_SIZE = 500;
const MAX_PAGES = 2_000;
const MAX_BODY_BYTES = 256 * 1024 * 1024;

function positive(v: number | undefined, dflt: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : dflt;
}

export interface LoadEnv {
  conn: Connection;
  source: FactSource;
  log: (line: string) => void;
}

export interface SessionOptions extends ClusterLoadOptions {
  /** Talk to this URL instead of the context's server (kubectl's --server): another API server when a VIP is lost. */
  server?: string;
  /** The name the server certificate is checked against (kubectl's --tls-server-name); see `ClusterSession.open`. */
  tlsServerName?: string;
}

type Outcome = Omit<ClusterLoadResult, 'loadedAt' | 'missing' | 'nodeCount'> & Partial<ClusterLoadResult>;

/**
 * One bounded conversation with the API server of a kubeconfig context: the kubeconfig read and merged, the
 * credentials and TLS prepared by the library, one keep-alive agent, one total deadline and one abort signal for
 * every request. `loadClusterFacts` reads the facts over it; `kube-ip-guard audit` reads and patches Services too.
 */
export class ClusterSession {
  readonly red = new Redactor();
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly totalTimeoutMs: number;
  readonly loadedAt = new Date().toISOString();
  private readonly ctl = new AbortController();
  private readonly started = Date.now();
  private deadline?: NodeJS.Timeout;
  private deadlineHit_ = false;
  private agent?: http.Agent;
  private stopWaitingOuter?: () => void;
  /** Set when the session could not be opened; `close` is still to be called. */
  failure?: ClusterLoadResult;
  env?: LoadEnv;
  where?: Where;
  url?: URL;
  /** With --server: the context's own server, still an API server address (the VIP a Service may have taken). */
  contextUrl?: URL;
  userName?: string;

  private constructor(private readonly opts: SessionOptions) {
    this.connectTimeoutMs = positive(opts.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS);
    this.requestTimeoutMs = positive(opts.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS);
    this.totalTimeoutMs = positive(opts.totalTimeoutMs, DEFAULT_TOTAL_TIMEOUT_MS);
    this.deadline = setTimeout(() => {
      this.deadlineHit_ = true;
      this.ctl.abort();
    }, this.totalTimeoutMs);
    // The caller's signal may be shared by many sessions at once (the watcher's, an audit's): one listener for all.
    this.stopWaitingOuter = opts.signal ? whenAborted(opts.signal, () => this.ctl.abort()) : undefined;
  }

  get signal(): AbortSignal {
    return this.ctl.signal;
  }

  get deadlineHit(): boolean {
    return this.deadlineHit_;
  }

  /** End every request of the session now. */
  abort(): void {
    this.ctl.abort();
  }

  log(line: string): void {
    if (!this.opts.log) return;
    try {
      this.opts.log(this.red.redact(`[cluster] ${line}`));
    } catch {
      // a broken logger must not break the load
    }
  }

  /** The outcome, redacted and logged. */
  result(r: Outcome): ClusterLoadResult {
    const out: ClusterLoadResult = {
      ...r,
      message: this.red.redact(r.message),
      missing: (r.missing ?? []).map((m) => this.red.redact(m)),
      loadedAt: this.loadedAt,
      nodeCount: r.nodeCount ?? 0,
    };
    this.log(`${out.state}: ${out.message} (${Date.now() - this.started} ms)`);
    return out;
  }

  abortResult(): ClusterLoadResult {
    return this.result(abortResult(this.deadlineHit_, this.totalTimeoutMs, this.where ?? { context: '', cluster: '', server: '' }));
  }

  close(): void {
    clearTimeout(this.deadline);
    this.stopWaitingOuter?.();
    this.ctl.abort();
    this.agent?.destroy();
  }

  /**
   * Open a session; never throws (a failure is in `failure`). With `server`, the context's credentials and CA are
   * used against that URL. The certificate is then checked against `tlsServerName`, else against the context's own
   * host name when it has one (the name its certificate was issued for), else against the new address: kube-apiserver
   * certificates carry each control-plane node's address (kubeadm's apiserver SANs), so a real API server address
   * passes where the lost VIP was the kubeconfig's server.
   */
  static async open(opts: SessionOptions = {}): Promise<ClusterSession> {
    const s = new ClusterSession(opts);
    try {
      s.failure = await s.connect();
    } catch {
      s.log('unexpected failure while connecting');
      s.failure = s.result({ state: 'error', message: 'Reading the cluster failed unexpectedly' });
    }
    return s;
  }

  private async connect(): Promise<ClusterLoadResult | undefined> {
    const opts = this.opts;
    const red = this.red;
    const requestTimeoutMs = this.requestTimeoutMs;
    // 1. Kubeconfig and context.
    let selection: ReturnType<typeof selectContext>;
    try {
      const { kc, read } = await loadMergedKubeConfig(kubeconfigFiles(opts));
      this.log(`kubeconfig: ${read.join(', ')}`);
      selection = selectContext(kc, opts.context);
    } catch (e) {
      if (e instanceof KubeconfigError) return this.result({ state: e.noConfig ? 'no-kubeconfig' : 'error', message: e.message, ...(opts.context ? { context: opts.context } : {}) });
      return this.result({ state: 'error', message: 'The kubeconfig could not be read' });
    }
    const { kc, context, user } = selection;
    let cluster = selection.cluster;
    for (const s of userSecrets(user)) red.add(s);
    if (opts.server !== undefined) {
      let override: URL;
      try {
        override = new URL(opts.server);
        if (override.protocol !== 'https:' && override.protocol !== 'http:') throw new Error('scheme');
      } catch {
        return this.result({ state: 'error', context, cluster: cluster.name, server: sanitizeServerUrl(opts.server), message: `--server ${sanitizeServerUrl(opts.server)} is not an http(s) URL` });
      }
      let ownHost = '';
      try {
        ownHost = new URL(cluster.server).hostname;
      } catch {
        // the context's server is not a URL: only the override is used
      }
      const tlsServerName = opts.tlsServerName ?? cluster.tlsServerName ?? (ownHost && !net.isIP(ownHost.replace(/^\[(.*)\]$/, '$1')) ? ownHost : undefined);
      try {
        this.contextUrl = new URL(cluster.server);
      } catch {
        // not a URL: nothing to add to the API server addresses
      }
      cluster = { ...cluster, server: opts.server, ...(tlsServerName ? { tlsServerName } : {}) };
      replaceCluster(kc, cluster);
      this.log(`server overridden: ${sanitizeServerUrl(opts.server)}${tlsServerName ? ` (certificate checked for ${tlsServerName})` : ''}`);
    } else if (opts.tlsServerName) {
      cluster = { ...cluster, tlsServerName: opts.tlsServerName };
      replaceCluster(kc, cluster);
    }
    const server = sanitizeServerUrl(cluster.server);
    const where = { context, cluster: cluster.name, server };
    this.where = where;
    this.userName = user?.name;
    let url: URL;
    try {
      url = new URL(cluster.server);
      if (url.password) red.add(decodeURIComponent(url.password));
    } catch {
      return this.result({ state: 'error', ...where, message: `The server of cluster "${cluster.name}" is not a valid URL` });
    }
    this.url = url;
    if (url.protocol === 'http:') {
      // Plain HTTP carries whatever we send in clear, to anyone on the path: a token, a password, an exec plugin's
      // token. We never send credentials that way (kubectl would). Without credentials (a `kubectl proxy` on this
      // machine, which adds them itself) plain HTTP is fine; the library refuses it unless TLS checks are off,
      // which on plain HTTP there is no TLS to check.
      const carried = credentialKinds(user, url);
      if (carried.length) {
        return this.result({
          state: 'error',
          ...where,
          message: `${server} is plain HTTP (no TLS): Kube IP Guard does not send the credentials of user "${user?.name ?? '(none)'}" (${carried.join(', ')}) unencrypted, so it did not connect; use the API server's https:// address`,
        });
      }
      if (!cluster.skipTLSVerify) {
        cluster = { ...cluster, skipTLSVerify: true };
        replaceCluster(kc, cluster);
      }
    }
    const source: FactSource = { kind: 'cluster', label: clusterSourceLabel(context) };
    this.log(`context ${context}: cluster ${cluster.name} at ${server}, user ${user?.name ?? '(none)'}`);

    // 2. Credentials and TLS, all from the library (exec plugins run here).
    const reqOpts: https.RequestOptions = {};
    setExecTimeout(requestTimeoutMs);
    const execTimeoutsBefore = execTimeoutCount();
    try {
      await bounded(withExecEnvRestored(user, () => kc.applyToHTTPSOptions(reqOpts)), requestTimeoutMs, this.signal);
    } catch (e) {
      if (this.signal.aborted) return this.abortResult();
      const timedOut = e instanceof BoundTimeout || execTimeoutCount() > execTimeoutsBefore;
      if (usesExecPlugin(user)) {
        const cmd = commandName(user);
        return this.result({
          state: 'exec-failed',
          ...where,
          message: timedOut
            ? `The credential plugin "${cmd}" of user "${user?.name}" did not finish within ${requestTimeoutMs} ms`
            : `The credential plugin "${cmd}" of user "${user?.name}" failed${execFailureHint(e)}; run it in a terminal (e.g. kubectl get nodes) to see why`,
        });
      }
      return this.result({
        state: timedOut ? 'timeout' : 'error',
        ...where,
        message: timedOut
          ? `Preparing the credentials of user "${user?.name}" took longer than ${requestTimeoutMs} ms`
          : `The credentials of user "${user?.name ?? '(none)'}" could not be prepared: ${describeAuthError(e)}`,
      });
    }
    red.addRequestOptions(reqOpts as { headers?: unknown; auth?: unknown; key?: unknown; passphrase?: unknown });
    const agent = reqOpts.agent instanceof Object ? (reqOpts.agent as http.Agent) : undefined;
    if (!agent) return this.result({ state: 'error', ...where, message: 'The kubeconfig library gave no HTTP agent' });
    this.agent = agent;
    // Reuse connections across the pages and the side requests (13 TLS handshakes become 4 for 5,000 nodes): the
    // library's plain agent is not keep-alive. Proxy agents are left as they are. The agent is destroyed on close.
    if (agent.constructor === https.Agent || agent.constructor === http.Agent) (agent as { keepAlive?: boolean }).keepAlive = true;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(reqOpts.headers ?? {})) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
    }
    const conn: Connection = {
      server: cluster.server.replace(/\/+$/, ''),
      agent,
      headers,
      ...(typeof reqOpts.auth === 'string' ? { auth: reqOpts.auth } : {}),
      connectTimeoutMs: this.connectTimeoutMs,
      requestTimeoutMs,
      signal: this.signal,
      maxBytes: MAX_BODY_BYTES,
    };
    this.env = { conn, source, log: (line) => this.log(line) };
    return undefined;
  }

  /** The facts (nodes decide the outcome; the rest may be missing). */
  async readFacts(): Promise<ClusterLoadResult> {
    if (this.failure) return this.failure;
    const env = this.env!;
    const where = this.where!;
    const url = this.url!;
    const { source } = env;
    const ctl = this.ctl;
    const { connectTimeoutMs, requestTimeoutMs, totalTimeoutMs } = this;
    const nodesP = listNodes(env);
    nodesP.catch(() => ctl.abort()); // nothing else matters once the nodes failed: end the side requests now
    const sideP = Promise.all([
      Promise.all([url, ...(this.contextUrl ? [this.contextUrl] : [])].map((u) => resolveServerHost(u, source, Math.min(connectTimeoutMs, 3_000), ctl.signal))).then((rs) => ({
        facts: rs.flatMap((r) => r.facts),
        missing: rs.map((r) => r.missing).filter((m): m is string => !!m).join('; ') || undefined,
      })),
      readApiEndpoints(env),
      readProxyMode(env),
      readServiceCIDRs(env),
      readVersion(env),
      readDataPlanes(env),
    ]);
    let nodes: Awaited<typeof nodesP>;
    try {
      nodes = await nodesP;
    } catch (e) {
      await sideP.catch(() => undefined);
      if (ctl.signal.aborted && !(e instanceof HttpError && e.kind !== 'aborted')) return this.abortResult();
      return this.result(nodesFailure(e, where, this.userName, requestTimeoutMs, connectTimeoutMs));
    }
    const [hostFacts, endpointFacts, kubeProxy, serviceCIDRs, version, planes] = await sideP;
    // A service proxy that replaces kube-proxy decides; kube-proxy's ConfigMap is then often absent, and not missed.
    const proxy: { mode?: ProxyMode; missing?: string; strictARP?: boolean; gates?: Record<string, boolean>; label?: string } = planes.mode
      ? { mode: planes.mode, label: planes.label, strictARP: kubeProxy.strictARP, ...(kubeProxy.gates ? { gates: kubeProxy.gates } : {}) }
      : kubeProxy;
    const deadlineHit = this.deadlineHit;
    // Cancelled by the caller: no result. The total bound hit after the nodes were read: keep them (partial).
    if (ctl.signal.aborted && !deadlineHit) return this.result(abortResult(false, totalTimeoutMs, where));

    const missing: string[] = [];
    const apiServers: ApiServerFact[] = [];
    const seenApi = new Set<string>();
    for (const f of [...hostFacts.facts, ...endpointFacts.facts]) {
      const key = `${f.address}|${f.port ?? ''}`;
      if (seenApi.has(key)) continue;
      seenApi.add(key);
      apiServers.push(f);
    }
    for (const m of [hostFacts.missing, endpointFacts.missing, proxy.missing, serviceCIDRs.missing, planes.missing]) {
      if (m) missing.push(deadlineHit ? m.replace(/: cancelled$/, `: timed out (total bound ${totalTimeoutMs} ms)`) : m);
    }

    const contribution: FactContribution = {
      source: { kind: 'cluster', label: source.label },
      nodes: nodes.nodes,
      apiServers,
      serviceCIDRs: serviceCIDRs.cidrs,
      podCIDRs: nodes.podCIDRs,
    };
    if (proxy.mode) contribution.proxyMode = { mode: proxy.mode, source: proxy.label ? { kind: 'cluster', label: `${source.label}, ${proxy.label}` } : source };
    if (version) contribution.kubernetesVersion = { ...version, source };
    if (proxy.gates) contribution.kubeProxyFeatureGates = { gates: proxy.gates, source };
    const dataPlane: DataPlaneFacts = { ...(proxy.strictARP !== undefined ? { strictARP: proxy.strictARP } : {}), ...(planes.serviceLB ? { serviceLB: true } : {}), ...(planes.kubeVipServices ? { kubeVipServices: true } : {}) };
    const sources: DataPlaneFacts['sources'] = {};
    if (planes.cilium?.version) {
      dataPlane.ciliumVersion = planes.cilium.version.text;
      sources.ciliumVersion = { kind: 'cluster', label: `${source.label}, ${planes.cilium.version.label}` };
    }
    if (planes.cilium?.nodeIPAMDefault) {
      dataPlane.ciliumNodeIPAMDefault = true;
      sources.ciliumNodeIPAMDefault = { kind: 'cluster', label: `${source.label}, ${planes.cilium.nodeIPAMDefault}` };
    }
    if (planes.kubeRouter && proxy.mode === 'kube-router') {
      dataPlane.kubeRouter = planes.kubeRouter;
      sources.kubeRouter = { kind: 'cluster', label: `${source.label}, ${planes.label ?? 'DaemonSet kube-system/kube-router'} args` };
    }
    if (Object.keys(dataPlane).length) contribution.dataPlane = { ...dataPlane, source, ...(Object.keys(sources).length ? { sources } : {}) };
    const n = nodes.nodes.length;
    const summary = `${n} node${n === 1 ? '' : 's'}, ${apiServers.length} API server address${apiServers.length === 1 ? '' : 'es'}`;
    const state = missing.length ? 'partial' : 'ok';
    const message =
      state === 'ok'
        ? `Context ${where.context}: ${summary}, kube-proxy mode ${proxy.mode}`
        : `Context ${where.context}: ${summary}; not read: ${missing.map((m) => m.split(':')[0]).join(', ')}`;
    return this.result({
      state,
      ...where,
      message,
      contribution,
      missing,
      nodeCount: n,
      ...(nodes.resourceVersion ? { nodesResourceVersion: nodes.resourceVersion } : {}),
    });
  }
}

/** Swap a cluster entry of a KubeConfig for a changed copy (the library reads it back by name). */
function replaceCluster(kc: ReturnType<typeof selectContext>['kc'], cluster: ReturnType<typeof selectContext>['cluster']): void {
  const clusters = kc.getClusters().map((c) => (c.name === cluster.name ? cluster : c));
  kc.loadFromOptions({ clusters, users: kc.getUsers(), contexts: kc.getContexts(), currentContext: kc.getCurrentContext() });
}

export async function loadClusterFacts(opts: ClusterLoadOptions = {}): Promise<ClusterLoadResult> {
  const session = await ClusterSession.open(opts);
  try {
    return await session.readFacts();
  } catch (e) {
    // Should not happen; still never throw, and never echo the error text.
    session.log(`unexpected failure (${(e as Error)?.name ?? 'error'})`);
    return session.result({ state: 'error', message: 'Reading the cluster failed unexpectedly' });
  } finally {
    session.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------

class BoundTimeout extends Error {}

/** Race a promise against a timer and a signal; the timer is always cleared. */
function bounded<T>(p: Promise<T>, ms: number, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(new BoundTimeout('timeout'))), ms);
    let done = false;
    let stopWaiting = () => undefined as void;
    function finish(f: () => void) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stopWaiting();
      f();
    }
    stopWaiting = whenAborted(signal, () => finish(() => reject(new Error('aborted'))));
    p.then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e)),
    );
  });
}

type Where = { context: string; cluster: string; server: string };

function abortResult(deadlineHit: boolean, totalTimeoutMs: number, where: Where): Omit<ClusterLoadResult, 'loadedAt' | 'missing' | 'nodeCount'> {
  return deadlineHit
    ? { state: 'timeout', ...where, message: `Reading ${where.server} did not finish within ${totalTimeoutMs} ms` }
    : { state: 'error', ...where, message: 'Reading the cluster was cancelled' };
}

function commandName(user: { exec?: unknown; authProvider?: unknown } | null): string {
  const exec = (user?.exec ?? (user?.authProvider as { config?: { exec?: unknown } } | undefined)?.config?.exec) as { command?: unknown } | undefined;
  const cmd = typeof exec?.command === 'string' ? exec.command : '';
  const base = cmd.split(/[\\/]/).pop() ?? '';
  return base.slice(0, 60) || '(none)';
}

/** Only facts that cannot carry plugin output: "not found", "killed". Never the plugin's stdout or stderr. */
function execFailureHint(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  if (code === 'ENOENT') return ' (command not found)';
  if (code === 'EACCES') return ' (not executable)';
  if (e instanceof SyntaxError) return ' (its output is not an ExecCredential)';
  return '';
}

/** What credentials a request as `user` to `url` would carry (for the plain HTTP refusal; never their values). */
function credentialKinds(user: ReturnType<typeof selectContext>['user'], url: URL): string[] {
  const kinds: string[] = [];
  if (user?.token) kinds.push('a bearer token');
  if (user?.username || user?.password) kinds.push('a user name and password');
  if (url.username || url.password) kinds.push('a password in the server URL');
  if (usesExecPlugin(user)) kinds.push('an exec credential plugin');
  else if (user?.authProvider) kinds.push('an auth provider');
  if (user?.certData || user?.certFile || user?.keyData || user?.keyFile) kinds.push('a client certificate');
  return kinds;
}

function describeAuthError(e: unknown): string {
  const err = e as { code?: unknown; path?: unknown };
  if (typeof err?.code === 'string') return `${typeof err.path === 'string' ? `${err.path} ` : ''}(${err.code})`;
  return 'an authentication provider failed';
}

function nodesFailure(e: unknown, where: Where, userName: string | undefined, requestTimeoutMs: number, connectTimeoutMs: number): Omit<ClusterLoadResult, 'loadedAt' | 'missing' | 'nodeCount'> {
  const who = userName ? `user "${userName}"` : 'the anonymous user';
  if (!(e instanceof HttpError)) return { state: 'error', ...where, message: `Reading nodes from ${where.server} failed` };
  switch (e.kind) {
    case 'status':
      if (e.status === 401) {
        return { state: 'unauthorized', ...where, message: `${where.server} rejected the credentials of ${who} (401 Unauthorized): they are invalid or expired` };
      }
      if (e.status === 403) {
        return { state: 'forbidden', ...where, message: `${who} may not list nodes on ${where.server} (403 Forbidden); kube-ip-guard needs list on nodes` };
      }
      return { state: 'error', ...where, message: `${where.server} answered HTTP ${e.status}${e.reason ? ` (${e.reason})` : ''} when listing nodes` };
    case 'timeout':
      return { state: 'timeout', ...where, message: `${where.server} did not answer the node list within ${requestTimeoutMs} ms` };
    case 'connect-timeout':
      return { state: 'timeout', ...where, message: `Could not connect to ${where.server} within ${connectTimeoutMs} ms` };
    case 'network':
      return { state: 'unreachable', ...where, message: `Cannot reach ${where.server}: ${e.message}` };
    case 'dropped':
      return { state: 'unreachable', ...where, message: `The connection to ${where.server} was dropped while listing nodes` };
    case 'tls':
      return { state: 'error', ...where, message: `Cannot connect securely to ${where.server}: ${e.message}` };
    case 'parse':
      return { state: 'error', ...where, message: `${where.server} sent an invalid node list (${e.message})` };
    case 'too-large':
      return { state: 'error', ...where, message: `${where.server} sent a node list page that is too large` };
    case 'aborted':
      return { state: 'error', ...where, message: 'Reading the cluster was cancelled' };
  }
}

/** Why a side request failed, for `missing`: "configmaps forbidden", "not found", "timed out". */
function why(e: unknown, resource: string, notFound: string): string {
  if (!(e instanceof HttpError)) return 'failed';
  switch (e.kind) {
    case 'status':
      if (e.status === 403) return `${resource} forbidden`;
      if (e.status === 404) return notFound;
      if (e.status === 401) return 'unauthorized';
      return `HTTP ${e.status}`;
    case 'timeout':
    case 'connect-timeout':
      return 'timed out';
    case 'dropped':
      return 'connection dropped';
    case 'parse':
      return 'invalid answer (not JSON)';
    case 'aborted':
      return 'cancelled';
    default:
      return e.message;
  }
}

function isStatus(e: unknown, ...codes: number[]): boolean {
  return e instanceof HttpError && e.kind === 'status' && codes.includes(e.status ?? 0);
}

// ---------------------------------------------------------------------------------------------------------------

interface RawNode {
  metadata?: { name?: unknown };
  spec?: { podCIDR?: unknown; podCIDRs?: unknown };
  status?: { addresses?: unknown };
}

const ADDRESS_TYPES: ReadonlySet<string> = new Set<NodeAddressType>(['InternalIP', 'ExternalIP']);

/** The node's InternalIP and ExternalIP addresses (every entry, both families) and its pod CIDRs. */
export function nodeFactFromObject(obj: unknown, source: FactSource): { node?: NodeFact; podCIDRs: string[] } {
  const n = obj as RawNode;
  const name = n?.metadata?.name;
  if (typeof name !== 'string' || !name) return { podCIDRs: [] };
  const addresses: NodeAddressFact[] = [];
  const seen = new Set<string>();
  const raw = Array.isArray(n.status?.addresses) ? (n.status?.addresses as unknown[]) : [];
  for (const a of raw) {
    const { type, address } = (a ?? {}) as { type?: unknown; address?: unknown };
    if (typeof type !== 'string' || !ADDRESS_TYPES.has(type) || typeof address !== 'string') continue;
    const addr = address.trim();
    if (!net.isIP(addr)) continue;
    const key = `${type}|${addr}`;
    if (seen.has(key)) continue;
    seen.add(key);
    addresses.push({ address: addr, type: type as NodeAddressType, source });
  }
  const cidrs = new Set<string>();
  const list = Array.isArray(n.spec?.podCIDRs) ? (n.spec?.podCIDRs as unknown[]) : [];
  for (const c of list) if (typeof c === 'string' && c) cidrs.add(c);
  if (cidrs.size === 0 && typeof n.spec?.podCIDR === 'string' && n.spec.podCIDR) cidrs.add(n.spec.podCIDR);
  return { node: { name, addresses }, podCIDRs: [...cidrs] };
}

async function listNodes(env: LoadEnv): Promise<{ nodes: NodeFact[]; podCIDRs: CidrFact[]; resourceVersion?: string }> {
  const nodes: NodeFact[] = [];
  const names = new Set<string>();
  const pods = new Map<string, CidrFact>();
  let resourceVersion: string | undefined;
  let cont: string | undefined;
  let restarted = false;
  let pages = 0;
  for (;;) {
    const path = `/api/v1/nodes?limit=${PAGE_SIZE}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
    let body: unknown;
    try {
      const r = await getJson(env.conn, path);
      body = r.body;
      const items = (body as { items?: unknown })?.items;
      env.log(`GET /api/v1/nodes page ${pages + 1}: ${Array.isArray(items) ? items.length : '?'} nodes, ${r.ms} ms`);
    } catch (e) {
      // 410 Gone: the continue token expired (a slow client on a busy cluster). Start over once, like kubectl.
      if (cont && !restarted && isStatus(e, 410)) {
        env.log('continue token expired (410); listing nodes again from the start');
        restarted = true;
        cont = undefined;
        nodes.length = 0;
        names.clear();
        pods.clear();
        pages = 0;
        continue;
      }
      env.log(`GET /api/v1/nodes page ${pages + 1} failed: ${e instanceof HttpError ? e.message : 'error'}`);
      throw e;
    }
    const list = body as { items?: unknown; metadata?: { continue?: unknown; resourceVersion?: unknown } };
    if (!list || typeof list !== 'object' || !Array.isArray(list.items)) throw new HttpError('parse', 'not a NodeList');
    if (pages === 0 && typeof list.metadata?.resourceVersion === 'string') resourceVersion = list.metadata.resourceVersion;
    for (const item of list.items) {
      const { node, podCIDRs } = nodeFactFromObject(item, env.source);
      if (!node || names.has(node.name)) continue;
      names.add(node.name);
      nodes.push(node);
      for (const c of podCIDRs) if (!pods.has(c)) pods.set(c, { cidr: c, source: env.source });
    }
    pages++;
    const next = list.metadata?.continue;
    if (typeof next !== 'string' || next === '') break;
    if (next === cont || pages >= MAX_PAGES) throw new HttpError('parse', 'the node list pagination does not end');
    cont = next;
  }
  return { nodes, podCIDRs: [...pods.values()], ...(resourceVersion ? { resourceVersion } : {}) };
}

async function resolveServerHost(url: URL, source: FactSource, timeoutMs: number, signal: AbortSignal): Promise<{ facts: ApiServerFact[]; missing?: string }> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
  if (net.isIP(host)) return { facts: [{ address: host, port, source }] };
  try {
    const addrs = await bounded(dns.promises.lookup(host, { all: true }), timeoutMs, signal);
    return { facts: addrs.map((a) => ({ address: a.address, port, host, source })) };
  } catch (e) {
    if (signal.aborted) return { facts: [], missing: 'API server address: cancelled' };
    return { facts: [], missing: `API server address: cannot resolve ${host}${e instanceof BoundTimeout ? ' (timed out)' : ''}` };
  }
}

async function readApiEndpoints(env: LoadEnv): Promise<{ facts: ApiServerFact[]; missing?: string }> {
  const facts: ApiServerFact[] = [];
  const add = (address: unknown, port: number | undefined) => {
    if (typeof address !== 'string' || !net.isIP(address)) return;
    facts.push({ address, ...(port ? { port } : {}), source: env.source });
  };
  let sliceError: unknown;
  try {
    const r = await getJson(env.conn, '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=' + encodeURIComponent('kubernetes.io/service-name=kubernetes'));
    const items = (r.body as { items?: unknown })?.items;
    if (!Array.isArray(items)) return { facts, missing: 'API server endpoints: invalid EndpointSlice list' };
    for (const s of items as { addressType?: unknown; endpoints?: unknown; ports?: unknown }[]) {
      if (s?.addressType !== 'IPv4' && s?.addressType !== 'IPv6') continue;
      const port = pickPort(s.ports);
      for (const ep of Array.isArray(s.endpoints) ? (s.endpoints as { addresses?: unknown }[]) : []) {
        for (const a of Array.isArray(ep?.addresses) ? ep.addresses : []) add(a, port);
      }
    }
    env.log(`GET endpointslices default/kubernetes: ${facts.length} addresses, ${r.ms} ms`);
    return { facts };
  } catch (e) {
    sliceError = e;
    if (!isStatus(e, 403, 404)) return { facts, missing: `API server endpoints: ${why(e, 'endpointslices', 'not found')}` };
  }
  // Old clusters (no discovery.k8s.io/v1) or RBAC that allows Endpoints only.
  try {
    const r = await getJson(env.conn, '/api/v1/namespaces/default/endpoints/kubernetes');
    const subsets = (r.body as { subsets?: unknown })?.subsets;
    for (const s of Array.isArray(subsets) ? (subsets as { addresses?: unknown; ports?: unknown }[]) : []) {
      const port = pickPort(s?.ports);
      for (const a of Array.isArray(s?.addresses) ? (s.addresses as { ip?: unknown }[]) : []) add(a?.ip, port);
    }
    env.log(`GET endpoints default/kubernetes: ${facts.length} addresses, ${r.ms} ms`);
    return { facts };
  } catch (e) {
    const first = isStatus(sliceError, 403) ? sliceError : e;
    return { facts, missing: `API server endpoints: ${why(first, first === sliceError ? 'endpointslices' : 'endpoints', 'default/kubernetes not found')}` };
  }
}

function pickPort(ports: unknown): number | undefined {
  if (!Array.isArray(ports)) return undefined;
  const list = ports as { name?: unknown; port?: unknown }[];
  const p = list.find((x) => x?.name === 'https') ?? list[0];
  return typeof p?.port === 'number' && p.port > 0 && p.port < 65536 ? p.port : undefined;
}

/** kube-proxy's `featureGates` (KubeProxyConfiguration), booleans only. */
function featureGatesOf(doc: unknown): Record<string, boolean> | undefined {
  const raw = doc && typeof doc === 'object' ? (doc as { featureGates?: unknown }).featureGates : undefined;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const gates: Record<string, boolean> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) if (typeof v === 'boolean' && /^[A-Z][A-Za-z0-9]{0,80}$/.test(k)) gates[k] = v;
  return Object.keys(gates).length ? gates : undefined;
}

async function readProxyMode(env: LoadEnv): Promise<{ mode?: ProxyMode; gates?: Record<string, boolean>; missing?: string; strictARP?: boolean }> {
  let body: unknown;
  try {
    const r = await getJson(env.conn, '/api/v1/namespaces/kube-system/configmaps/kube-proxy');
    body = r.body;
    env.log(`GET configmap kube-system/kube-proxy: ${r.ms} ms`);
  } catch (e) {
    return { missing: `kube-proxy mode: ${why(e, 'configmaps', 'configmap kube-system/kube-proxy not found')}` };
  }
  const conf = (body as { data?: Record<string, unknown> })?.data?.['config.conf'];
  if (typeof conf !== 'string') return { missing: 'kube-proxy mode: configmap kube-system/kube-proxy has no config.conf' };
  let doc: unknown;
  try {
    doc = parseYaml(conf, { maxAliasCount: 100, prettyErrors: false });
  } catch {
    return { missing: 'kube-proxy mode: config.conf is not valid YAML' };
  }
  const raw = doc && typeof doc === 'object' ? (doc as { mode?: unknown }).mode : undefined;
  const gates = featureGatesOf(doc);
  // ipvs.strictARP (KubeProxyIPVSConfiguration, default false): MetalLB's layer 2 mode needs it true with IPVS.
  const ipvs = doc && typeof doc === 'object' ? (doc as { ipvs?: { strictARP?: unknown } }).ipvs : undefined;
  const strictARP = ipvs?.strictARP === true;
  if (raw === undefined || raw === null || raw === '') return { mode: 'iptables', strictARP, ...(gates ? { gates } : {}) }; // kube-proxy's Linux default
  const mode = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if ((KUBE_PROXY_MODES as readonly string[]).includes(mode)) return { mode: mode as ProxyMode, strictARP, ...(gates ? { gates } : {}) };
  return { ...(gates ? { gates } : {}), missing: `kube-proxy mode: unknown mode "${genericRedact(String(raw)).slice(0, 30)}"` };
}

/**
 * The cluster's release from `GET /version` (readable by everyone: system:public-info-viewer). Its absence is not a
 * missing fact the user must act on: the verdicts then follow the newest release known, and the hover says so.
 */
async function readVersion(env: LoadEnv): Promise<{ minor: number; text: string } | undefined> {
  try {
    const r = await getJson(env.conn, '/version');
    const body = (r.body ?? {}) as { gitVersion?: unknown; major?: unknown; minor?: unknown };
    env.log(`GET /version: ${r.ms} ms`);
    if (typeof body.gitVersion === 'string') {
      const minor = parseKubernetesVersion(body.gitVersion);
      if (minor !== undefined) return { minor, text: genericRedact(body.gitVersion).slice(0, 64) };
    }
    // Some providers report minor "35+".
    if (body.major === '1' && typeof body.minor === 'string' && /^\d{1,3}\+?$/.test(body.minor)) {
      const minor = Number(body.minor.replace('+', ''));
      return { minor, text: `1.${minor}` };
    }
    env.log('GET /version: no Kubernetes 1.x version in the answer');
  } catch (e) {
    env.log(`GET /version: ${why(e, 'version', 'not found')}`);
  }
  return undefined;
}

interface RawDaemonSet {
  metadata?: { name?: unknown; labels?: Record<string, unknown> };
  spec?: { template?: { spec?: { containers?: { name?: unknown; image?: unknown; args?: unknown; env?: { name?: unknown; value?: unknown }[] }[] } } };
}

/**
 * The data planes that replace or add to kube-proxy, from the DaemonSets of kube-system: kube-router with its service
 * proxy (cloudnativelabs/kube-router daemonset/*.yaml, `--run-service-proxy`, default true), Cilium with its kube-proxy
 * replacement (the `cilium-config` ConfigMap's `kube-proxy-replacement`: "true", or "strict"/"partial" before 1.14,
 * cilium/cilium pkg/option/config.go), k3s ServiceLB (its `svclb-*` DaemonSets, k3s pkg/cloudprovider/servicelb.go)
 * and kube-vip in services mode (env `svc_enable: "true"`).
 */
/** What was read of Cilium: its release (image tag) and whether node IPAM takes Services without a class. */
interface CiliumRead {
  version?: { text: string; label: string };
  /** The keys that say so, for the fact's source ("cilium-config default-lb-service-ipam: nodeipam"). */
  nodeIPAMDefault?: string;
}

/** A release from an image reference's tag: `quay.io/cilium/cilium:v1.19.2@sha256:…` is 1.19.2; `latest` is none. */
export function imageVersion(image: unknown): string | undefined {
  if (typeof image !== 'string') return undefined;
  const m = /:v?(\d{1,3}\.\d{1,3}\.\d{1,3})(?:[-+][0-9A-Za-z.-]{0,40})?(?:@sha256:[0-9a-f]{64})?$/.exec(image.trim());
  return m?.[1];
}

async function readDataPlanes(env: LoadEnv): Promise<{ mode?: ProxyMode; label?: string; serviceLB?: boolean; kubeVipServices?: boolean; cilium?: CiliumRead; kubeRouter?: KubeRouterFacts; missing?: string }> {
  let items: RawDaemonSet[];
  try {
    const r = await getJson(env.conn, '/apis/apps/v1/namespaces/kube-system/daemonsets');
    const list = (r.body as { items?: unknown })?.items;
    items = Array.isArray(list) ? (list as RawDaemonSet[]) : [];
    env.log(`GET daemonsets kube-system: ${items.length}, ${r.ms} ms`);
  } catch (e) {
    if (isStatus(e, 404)) return {};
    return { missing: `data plane (kube-system DaemonSets): ${why(e, 'daemonsets', 'not found')}` };
  }
  const containersOf = (d: RawDaemonSet) => (Array.isArray(d?.spec?.template?.spec?.containers) ? d.spec!.template!.spec!.containers! : []);
  const nameOf = (d: RawDaemonSet) => (typeof d?.metadata?.name === 'string' ? d.metadata.name : '');
  const out: { mode?: ProxyMode; label?: string; serviceLB?: boolean; kubeVipServices?: boolean; cilium?: CiliumRead; kubeRouter?: KubeRouterFacts; missing?: string } = {};
  for (const d of items) {
    const name = nameOf(d);
    if (name.startsWith('svclb-')) out.serviceLB = true;
    for (const c of containersOf(d)) {
      const envVars = Array.isArray(c?.env) ? c.env : [];
      const value = (n: string) => envVars.find((e) => e?.name === n)?.value;
      if (typeof c?.image === 'string' && /kube-vip/.test(c.image) && String(value('svc_enable')).toLowerCase() === 'true') out.kubeVipServices = true;
    }
  }
  const cilium = items.find((d) => nameOf(d) === 'cilium');
  if (cilium) {
    // The agent's release, from its image tag (the Helm chart's `quay.io/cilium/cilium:v1.19.2@sha256:…`).
    const agent = containersOf(cilium).find((c) => c?.name === 'cilium-agent') ?? containersOf(cilium)[0];
    const version = imageVersion(agent?.image);
    out.cilium = version ? { version: { text: version, label: `DaemonSet kube-system/cilium image v${version}` } } : {};
    try {
      const r = await getJson(env.conn, '/api/v1/namespaces/kube-system/configmaps/cilium-config');
      const data = (r.body as { data?: Record<string, unknown> })?.data;
      // Node IPAM for Services without a class: the operator's `enable-node-ipam` and `default-lb-service-ipam`
      // (cilium/cilium operator/pkg/nodeipam/cell.go, pkg/lbipamconfig/cell.go: lbipam, the default, nodeipam or
      // none), read by cilium-operator from this ConfigMap.
      const nodeIPAM = typeof data?.['enable-node-ipam'] === 'string' && data['enable-node-ipam'].trim().toLowerCase() === 'true';
      const defaultIPAM = typeof data?.['default-lb-service-ipam'] === 'string' ? data['default-lb-service-ipam'].trim() : '';
      if (nodeIPAM && defaultIPAM === 'nodeipam') out.cilium.nodeIPAMDefault = 'cilium-config enable-node-ipam: true, default-lb-service-ipam: nodeipam';
      const kpr = data?.['kube-proxy-replacement'];
      if (typeof kpr === 'string' && ['true', 'strict', 'partial'].includes(kpr.trim().toLowerCase())) {
        return { ...out, mode: 'cilium', label: `cilium-config kube-proxy-replacement: ${kpr.trim()}` };
      }
    } catch (e) {
      return { ...out, missing: `Cilium kube-proxy replacement: ${why(e, 'configmaps', 'configmap kube-system/cilium-config not found')}` };
    }
  }
  const router = items.find((d) => nameOf(d) === 'kube-router' || d?.metadata?.labels?.['k8s-app'] === 'kube-router');
  if (router) {
    const args = containersOf(router).flatMap((c) => (Array.isArray(c?.args) ? c.args.map(String) : []));
    const flag = args.find((a) => /^--run-service-proxy(=|$)/.test(a));
    if (flag === undefined || !/=false$/i.test(flag)) {
      const container = containersOf(router).find((c) => c?.name === 'kube-router') ?? containersOf(router)[0];
      const kubeRouter = kubeRouterFlags(args, imageVersion(container?.image));
      const v = kubeRouter.version ? ` v${kubeRouter.version}` : '';
      const validation = kubeRouter.strict ? 'strict external IP validation' : 'no external IP validation';
      return { ...out, mode: 'kube-router', label: `DaemonSet kube-system/${nameOf(router)} (service proxy${v}, ${validation})`, kubeRouter };
    }
  }
  return out;
}

/** Go's strconv.ParseBool, which pflag reads a boolean flag's value with. */
function goBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/**
 * kube-router's service-proxy flags as pflag reads them (pkg/options/options.go): a boolean is `--flag` or
 * `--flag=value`; a string slice is `--flag=a,b` or `--flag a`, repeatable, the last one of a bool winning.
 * `--strict-external-ip-validation` exists from v2.8.0 and defaults to true there; an older release (or one whose tag
 * names no release, without the flag) validates nothing.
 */
export function kubeRouterFlags(args: readonly string[], version: string | undefined): KubeRouterFacts {
  let strictFlag: boolean | undefined;
  const ranges: Record<string, string[]> = { '--service-external-ip-range': [], '--loadbalancer-ip-range': [], '--service-cluster-ip-range': [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i].trim();
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    if (name === '--strict-external-ip-validation') {
      strictFlag = eq < 0 ? true : (goBool(a.slice(eq + 1).trim()) ?? strictFlag);
    } else if (name in ranges) {
      const value = eq < 0 ? args[++i] : a.slice(eq + 1);
      if (typeof value === 'string') for (const r of value.split(',')) if (r.trim() && ranges[name].length < 64) ranges[name].push(genericRedact(r.trim()).slice(0, 64));
    }
  }
  const m = version ? /^(\d+)\.(\d+)\./.exec(version) : null;
  const atLeast28 = m ? Number(m[1]) > 2 || (Number(m[1]) === 2 && Number(m[2]) >= 8) : false;
  return {
    ...(version ? { version } : {}),
    strict: strictFlag ?? atLeast28,
    externalIPRanges: ranges['--service-external-ip-range'],
    loadBalancerIPRanges: ranges['--loadbalancer-ip-range'],
    // kube-router's default when the flag is not given.
    clusterIPRanges: ranges['--service-cluster-ip-range'].length ? ranges['--service-cluster-ip-range'] : ['10.96.0.0/12'],
  };
}

async function readServiceCIDRs(env: LoadEnv): Promise<{ cidrs: CidrFact[]; missing?: string }> {
  for (const version of ['v1', 'v1beta1']) {
    try {
      const r = await getJson(env.conn, `/apis/networking.k8s.io/${version}/servicecidrs`);
      const items = (r.body as { items?: unknown })?.items;
      const cidrs: CidrFact[] = [];
      const seen = new Set<string>();
      for (const it of Array.isArray(items) ? (items as { spec?: { cidrs?: unknown } }[]) : []) {
        for (const c of Array.isArray(it?.spec?.cidrs) ? it.spec.cidrs : []) {
          if (typeof c === 'string' && c && !seen.has(c)) {
            seen.add(c);
            cidrs.push({ cidr: c, source: env.source });
          }
        }
      }
      env.log(`GET servicecidrs (${version}): ${cidrs.length} CIDRs, ${r.ms} ms`);
      return { cidrs };
    } catch (e) {
      if (isStatus(e, 404)) continue;
      return { cidrs: [], missing: `service CIDRs: ${why(e, 'servicecidrs', 'not found')}` };
    }
  }
  env.log('no ServiceCIDR API (a cluster before it): service CIDRs not read');
  return { cidrs: [] };
}
