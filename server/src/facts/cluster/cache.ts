// The last good cluster facts per context, on disk, so an editor opened offline (or with expired credentials) still
// knows the nodes. One JSON file per context+server (the name is a hash, so context names need no escaping). Only
// facts are written, field by field from a whitelist: node names and addresses, API server addresses, CIDRs, the
// proxy mode. Never credentials, never server bodies. Written atomically (temp file + rename).
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ApiServerFact, CidrFact, FactContribution, FactSource, KubeRouterFacts, NodeAddressType, NodeFact, ProxyMode } from '../../engine/facts';
import { PROXY_MODES } from '../../engine/facts';
import { ClusterLoadResult, clusterSourceLabel } from './types';

const FORMAT = 'kube-ip-guard/cluster-facts';
const VERSION = 1;
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

interface CacheFile {
  format: string;
  version: number;
  context: string;
  cluster?: string;
  server: string;
  state: 'ok' | 'partial';
  loadedAt: string;
  missing: string[];
  nodes: { name: string; addresses: { address: string; type: NodeAddressType }[] }[];
  apiServers: { address: string; port?: number; host?: string }[];
  proxyMode?: ProxyMode;
  /** GET /version, as read: minor and text ("v1.35.2"). */
  kubernetesVersion?: { minor: number; text: string };
  kubeProxyFeatureGates?: Record<string, boolean>;
  /** ipvs.strictARP, k3s ServiceLB, kube-vip services mode, Cilium node IPAM's default and Cilium's release, when they were read. */
  dataPlane?: { strictARP?: boolean; serviceLB?: boolean; kubeVipServices?: boolean; ciliumNodeIPAMDefault?: boolean; ciliumVersion?: string; kubeRouter?: KubeRouterFacts };
  serviceCIDRs: string[];
  podCIDRs: string[];
}

export function factsCacheFile(dir: string, context: string, server: string): string {
  const h = createHash('sha256').update(`${context}\0${server}`).digest('hex').slice(0, 32);
  return path.join(dir, `cluster-${h}.json`);
}

/**
 * Save a loaded result (state 'ok' or 'partial' with a contribution); anything else is ignored. Returns the file
 * written, or undefined. Never throws: a cache that cannot be written is not an error worth surfacing.
 */
export async function saveFactsCache(dir: string, result: ClusterLoadResult): Promise<string | undefined> {
  const c = result.contribution;
  if (!c || result.fromCache || (result.state !== 'ok' && result.state !== 'partial') || !result.context || !result.server) return undefined;
  const data: CacheFile = {
    format: FORMAT,
    version: VERSION,
    context: result.context,
    ...(result.cluster ? { cluster: result.cluster } : {}),
    server: result.server,
    state: result.state,
    loadedAt: result.loadedAt,
    missing: [...result.missing],
    nodes: (c.nodes ?? []).map((n) => ({ name: n.name, addresses: n.addresses.map((a) => ({ address: a.address, type: a.type })) })),
    apiServers: (c.apiServers ?? []).map((a) => ({
      address: a.address,
      ...(a.port !== undefined ? { port: a.port } : {}),
      ...(a.host !== undefined ? { host: a.host } : {}),
    })),
    ...(c.proxyMode ? { proxyMode: c.proxyMode.mode } : {}),
    ...(c.kubernetesVersion ? { kubernetesVersion: { minor: c.kubernetesVersion.minor, text: c.kubernetesVersion.text } } : {}),
    ...(c.kubeProxyFeatureGates ? { kubeProxyFeatureGates: { ...c.kubeProxyFeatureGates.gates } } : {}),
    ...(c.dataPlane
      ? {
          dataPlane: {
            ...(c.dataPlane.strictARP !== undefined ? { strictARP: c.dataPlane.strictARP } : {}),
            ...(c.dataPlane.serviceLB !== undefined ? { serviceLB: c.dataPlane.serviceLB } : {}),
            ...(c.dataPlane.kubeVipServices !== undefined ? { kubeVipServices: c.dataPlane.kubeVipServices } : {}),
            ...(c.dataPlane.ciliumNodeIPAMDefault !== undefined ? { ciliumNodeIPAMDefault: c.dataPlane.ciliumNodeIPAMDefault } : {}),
            ...(c.dataPlane.ciliumVersion !== undefined ? { ciliumVersion: c.dataPlane.ciliumVersion } : {}),
            ...(c.dataPlane.kubeRouter
              ? {
                  kubeRouter: {
                    ...(c.dataPlane.kubeRouter.version ? { version: c.dataPlane.kubeRouter.version } : {}),
                    strict: c.dataPlane.kubeRouter.strict,
                    externalIPRanges: [...c.dataPlane.kubeRouter.externalIPRanges],
                    loadBalancerIPRanges: [...c.dataPlane.kubeRouter.loadBalancerIPRanges],
                    clusterIPRanges: [...c.dataPlane.kubeRouter.clusterIPRanges],
                  },
                }
              : {}),
          },
        }
      : {}),
    serviceCIDRs: (c.serviceCIDRs ?? []).map((x) => x.cidr),
    podCIDRs: (c.podCIDRs ?? []).map((x) => x.cidr),
  };
  const file = factsCacheFile(dir, result.context, result.server);
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
    await fs.promises.writeFile(tmp, JSON.stringify(data), { mode: 0o600 });
    await fs.promises.rename(tmp, file);
    return file;
  } catch {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    return undefined;
  }
}

/**
 * The cached facts of `context` at `server`, with every source marked `staleSince` (the time they were read from
 * the cluster) and `fromCache: true`; undefined when there is none or it is unreadable. The state is the one the
 * facts had when read ('ok' or 'partial').
 */
export async function loadFactsCache(dir: string, context: string, server: string): Promise<ClusterLoadResult | undefined> {
  const file = factsCacheFile(dir, context, server);
  let data: CacheFile;
  try {
    const st = await fs.promises.stat(file);
    if (st.size > MAX_CACHE_BYTES) return undefined;
    data = JSON.parse(await fs.promises.readFile(file, 'utf8')) as CacheFile;
  } catch {
    return undefined;
  }
  if (!valid(data) || data.context !== context || data.server !== server) return undefined;
  const staleSince = data.loadedAt;
  const label = clusterSourceLabel(context);
  const source: FactSource = { kind: 'cluster', label };
  const contribution = markStale(
    {
      source: { kind: 'cluster', label },
      nodes: data.nodes.map((n) => ({ name: n.name, addresses: n.addresses.map((a) => ({ address: a.address, type: a.type, source })) })),
      apiServers: data.apiServers.map((a) => ({ ...a, source })),
      serviceCIDRs: data.serviceCIDRs.map((c) => ({ cidr: c, source })),
      podCIDRs: data.podCIDRs.map((c) => ({ cidr: c, source })),
      ...(data.proxyMode ? { proxyMode: { mode: data.proxyMode, source } } : {}),
      ...(data.kubernetesVersion ? { kubernetesVersion: { ...data.kubernetesVersion, source } } : {}),
      ...(data.kubeProxyFeatureGates ? { kubeProxyFeatureGates: { gates: { ...data.kubeProxyFeatureGates }, source } } : {}),
      ...(data.dataPlane ? { dataPlane: { ...data.dataPlane, source } } : {}),
    },
    staleSince,
  );
  const nodes = contribution.nodes ?? [];
  return {
    state: data.state,
    context: data.context,
    ...(data.cluster ? { cluster: data.cluster } : {}),
    server: data.server,
    message: `Context ${context}: ${nodes.length} node${nodes.length === 1 ? '' : 's'} from the cache, read ${staleSince}`,
    contribution,
    missing: data.missing,
    loadedAt: data.loadedAt,
    nodeCount: nodes.length,
    fromCache: true,
  };
}

/**
 * A copy of a contribution whose every source (the contribution's and each fact's) says `staleSince`. Facts that
 * shared one source object share one stale source object too.
 */
export function markStale(c: FactContribution, staleSince: string): FactContribution {
  const copies = new Map<FactSource, FactSource>();
  const stale = (s: FactSource): FactSource => {
    let out = copies.get(s);
    if (!out) {
      out = { ...s, staleSince };
      copies.set(s, out);
    }
    return out;
  };
  const out: FactContribution = { source: { ...c.source, staleSince } };
  if (c.nodes) out.nodes = c.nodes.map((n): NodeFact => ({ name: n.name, addresses: n.addresses.map((a) => ({ ...a, source: stale(a.source) })) }));
  if (c.apiServers) out.apiServers = c.apiServers.map((a): ApiServerFact => ({ ...a, source: stale(a.source) }));
  if (c.serviceCIDRs) out.serviceCIDRs = c.serviceCIDRs.map((x): CidrFact => ({ ...x, source: stale(x.source) }));
  if (c.podCIDRs) out.podCIDRs = c.podCIDRs.map((x): CidrFact => ({ ...x, source: stale(x.source) }));
  if (c.externalIPPool) out.externalIPPool = c.externalIPPool.map((x): CidrFact => ({ ...x, source: stale(x.source) }));
  if (c.proxyMode) out.proxyMode = { mode: c.proxyMode.mode, source: stale(c.proxyMode.source) };
  if (c.kubernetesVersion) out.kubernetesVersion = { ...c.kubernetesVersion, source: stale(c.kubernetesVersion.source) };
  if (c.kubeProxyFeatureGates) out.kubeProxyFeatureGates = { gates: { ...c.kubeProxyFeatureGates.gates }, source: stale(c.kubeProxyFeatureGates.source) };
  if (c.dataPlane) {
    const sources = c.dataPlane.sources ? Object.fromEntries(Object.entries(c.dataPlane.sources).map(([k, v]) => [k, stale(v)])) : undefined;
    out.dataPlane = { ...c.dataPlane, ...(c.dataPlane.source ? { source: stale(c.dataPlane.source) } : {}), ...(sources ? { sources } : {}) };
  }
  if (c.rules) out.rules = { ...c.rules };
  return out;
}

function isStr(v: unknown): v is string {
  return typeof v === 'string';
}

function valid(d: CacheFile): boolean {
  if (!d || typeof d !== 'object' || d.format !== FORMAT || d.version !== VERSION) return false;
  if (!isStr(d.context) || !isStr(d.server) || !isStr(d.loadedAt) || Number.isNaN(Date.parse(d.loadedAt))) return false;
  if (d.state !== 'ok' && d.state !== 'partial') return false;
  if (!Array.isArray(d.missing) || !d.missing.every(isStr)) return false;
  if (!Array.isArray(d.nodes) || !Array.isArray(d.apiServers) || !Array.isArray(d.serviceCIDRs) || !Array.isArray(d.podCIDRs)) return false;
  if (d.proxyMode !== undefined && !PROXY_MODES.includes(d.proxyMode)) return false;
  if (d.kubeProxyFeatureGates !== undefined && (!d.kubeProxyFeatureGates || typeof d.kubeProxyFeatureGates !== 'object' || !Object.values(d.kubeProxyFeatureGates).every((v) => typeof v === 'boolean'))) return false;
  if (d.kubernetesVersion !== undefined && (!d.kubernetesVersion || typeof d.kubernetesVersion.minor !== 'number' || !isStr(d.kubernetesVersion.text))) return false;
  if (d.dataPlane !== undefined) {
    if (typeof d.dataPlane !== 'object' || d.dataPlane === null) return false;
    const { ciliumVersion, kubeRouter, ...flags } = d.dataPlane;
    if (Object.values(flags).some((v) => v !== undefined && typeof v !== 'boolean')) return false;
    if (kubeRouter !== undefined) {
      const lists = [kubeRouter?.externalIPRanges, kubeRouter?.loadBalancerIPRanges, kubeRouter?.clusterIPRanges];
      if (!kubeRouter || typeof kubeRouter.strict !== 'boolean' || !lists.every((l) => Array.isArray(l) && l.every(isStr))) return false;
      if (kubeRouter.version !== undefined && !(isStr(kubeRouter.version) && /^\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(kubeRouter.version))) return false;
    }
    if (ciliumVersion !== undefined && !(isStr(ciliumVersion) && /^\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ciliumVersion))) return false;
  }
  for (const n of d.nodes) {
    if (!n || !isStr(n.name) || !Array.isArray(n.addresses)) return false;
    for (const a of n.addresses) if (!a || !isStr(a.address) || (a.type !== 'InternalIP' && a.type !== 'ExternalIP')) return false;
  }
  for (const a of d.apiServers) {
    if (!a || !isStr(a.address) || (a.port !== undefined && typeof a.port !== 'number') || (a.host !== undefined && !isStr(a.host))) return false;
  }
  return d.serviceCIDRs.every(isStr) && d.podCIDRs.every(isStr);
}
