// Cluster facts: what the engine knows about the cluster a manifest will be applied to. Every fact carries where it
// came from, so a hover can say "node k8s-node-1, InternalIP, from .kube-ip-guard.yaml" and a diagnostic can point
// at the line that declared it.

/** kube-proxy's modes, and the service proxies that replace it (dataPlanes.ts). */
export type ProxyMode = 'ipvs' | 'iptables' | 'nftables' | 'kube-router' | 'cilium';
export const PROXY_MODES: readonly ProxyMode[] = ['ipvs', 'iptables', 'nftables', 'kube-router', 'cilium'];
/** The modes a kube-proxy config (`mode:`) can name. */
export const KUBE_PROXY_MODES: readonly ProxyMode[] = ['ipvs', 'iptables', 'nftables'];

export type NodeAddressType = 'InternalIP' | 'ExternalIP';

/** A place in a file (0-based line and character, LSP style). */
export interface FactLocation {
  /** A `file://` URI. */
  uri: string;
  line: number;
  character: number;
  endLine: number;
  endCharacter: number;
}

export type FactSourceKind = 'config' | 'settings' | 'node-manifest' | 'cluster' | 'cli' | 'cache' | 'manifest';

export interface FactSource {
  kind: FactSourceKind;
  /** Short human label: ".kube-ip-guard.yaml", "setting kubeIpGuard.nodes", "context prod", "--node-ip". */
  label: string;
  /** Where exactly, when the fact comes from a file. */
  location?: FactLocation;
  /** For facts read from a cache: when they were read from the cluster (ISO 8601). */
  staleSince?: string;
}

export interface NodeAddressFact {
  address: string;
  type: NodeAddressType;
  source: FactSource;
}

export interface NodeFact {
  name: string;
  addresses: NodeAddressFact[];
}

export interface ApiServerFact {
  /** An IP address (hostnames are resolved by the fact loaders, not the engine). */
  address: string;
  port?: number;
  /** The hostname it was resolved from, if any. */
  host?: string;
  source: FactSource;
}

export interface KubernetesVersionFact {
  /** The minor version of 1.x (35 for "1.35"). */
  minor: number;
  /** As written or reported: "1.35", "v1.35.2-eks-4c3b1d2". */
  text: string;
  source: FactSource;
}

export interface FeatureGatesFact {
  gates: Record<string, boolean>;
  source: FactSource;
}

/** What the cluster's data plane does besides proxying, as far as it could be read (live cluster or config). */
export interface DataPlaneFacts {
  /** kube-proxy's `ipvs.strictARP` (kube-system/kube-proxy config.conf); unset when it could not be read. */
  strictARP?: boolean;
  /** k3s ServiceLB (klipper-lb) publishes node addresses as load-balancer ingress IPs, by design. */
  serviceLB?: boolean;
  /** kube-vip runs in services mode (`svc_enable: "true"`) and binds load-balancer addresses on a node. */
  kubeVipServices?: boolean;
  /**
   * Cilium node IPAM takes the LoadBalancer Services without a class (cilium-config `enable-node-ipam: "true"` and
   * `default-lb-service-ipam: nodeipam`), as if they had `loadBalancerClass: io.cilium/node`.
   */
  ciliumNodeIPAMDefault?: boolean;
  /** Cilium's release, from its DaemonSet's image tag ("1.19.2"); the consequence text and severity follow it. */
  ciliumVersion?: string;
  /** kube-router's service proxy as its DaemonSet runs it: release and external IP validation (dataPlanes.ts). */
  kubeRouter?: KubeRouterFacts;
  /** The first source that set the facts above. */
  source?: FactSource;
  /** Where each fact came from, when they came from different reads (the hover names them). */
  sources?: Partial<Record<DataPlaneFactKey, FactSource>>;
}

export const DATA_PLANE_FACT_KEYS = ['strictARP', 'serviceLB', 'kubeVipServices', 'ciliumNodeIPAMDefault', 'ciliumVersion', 'kubeRouter'] as const;

/**
 * kube-router's flags (cloudnativelabs/kube-router pkg/options/options.go, from v2.8.0): `--strict-external-ip-validation`
 * (default true) makes the service proxy program an externalIP only inside `--service-external-ip-range` and a
 * load-balancer IP only inside `--loadbalancer-ip-range`, never inside `--service-cluster-ip-range`, and none at all
 * when the range is empty (pkg/svcip/validator.go).
 */
export interface KubeRouterFacts {
  /** From the image tag ("2.8.1"); absent when the tag names no release. */
  version?: string;
  /** Strict validation is in effect: the flag given true, or left to its default on v2.8.0 and later. */
  strict: boolean;
  externalIPRanges: string[];
  loadBalancerIPRanges: string[];
  clusterIPRanges: string[];
}
export type DataPlaneFactKey = (typeof DATA_PLANE_FACT_KEYS)[number];

export interface CidrFact {
  cidr: string;
  source: FactSource;
}

export type RuleSeveritySetting = 'error' | 'warning' | 'info' | 'off';

export interface ClusterFacts {
  nodes: NodeFact[];
  apiServers: ApiServerFact[];
  proxyMode: ProxyMode;
  proxyModeSource?: FactSource;
  /** The cluster's Kubernetes version (config, setting, CLI or the live cluster's GET /version); unknown when absent. */
  kubernetesVersion?: KubernetesVersionFact;
  /** kube-proxy's `featureGates` (its configuration file, or the kube-proxy ConfigMap of the live cluster). */
  kubeProxyFeatureGates?: FeatureGatesFact;
  dataPlane?: DataPlaneFacts;
  serviceCIDRs: CidrFact[];
  podCIDRs: CidrFact[];
  /** CIDRs or inclusive `a-b` ranges a quick fix may take a free address from. */
  externalIPPool: CidrFact[];
  /** Per-rule severity overrides (ESLint's model). */
  rules: Record<string, RuleSeveritySetting>;
  /** A one-line summary per source, for hovers and the status bar: "2 nodes from .kube-ip-guard.yaml". */
  sources: FactSourceSummary[];
  /** API server host names of the config that were not resolved to addresses, and why (for the hover). */
  unresolvedHosts?: { host: string; reason: string }[];
}

export interface FactSourceSummary {
  kind: FactSourceKind;
  label: string;
  nodes: number;
  apiServers: number;
  staleSince?: string;
}

export function emptyFacts(): ClusterFacts {
  return {
    nodes: [],
    apiServers: [],
    proxyMode: 'ipvs',
    serviceCIDRs: [],
    podCIDRs: [],
    externalIPPool: [],
    rules: {},
    sources: [],
  };
}

/** A partial set of facts from one source, before merging. */
export interface FactContribution {
  source: { kind: FactSourceKind; label: string; staleSince?: string };
  nodes?: NodeFact[];
  apiServers?: ApiServerFact[];
  proxyMode?: { mode: ProxyMode; source: FactSource };
  kubernetesVersion?: KubernetesVersionFact;
  kubeProxyFeatureGates?: FeatureGatesFact;
  dataPlane?: DataPlaneFacts;
  serviceCIDRs?: CidrFact[];
  podCIDRs?: CidrFact[];
  externalIPPool?: CidrFact[];
  rules?: Record<string, RuleSeveritySetting>;
}

/**
 * Merge contributions in order of precedence, highest first. Lists are unions (a node known from two sources is
 * one node with the addresses of both); the proxy mode and each rule's severity come from the first contribution
 * that sets them, and so does the Kubernetes version. The default proxy mode is IPVS, the worst case.
 */
export function mergeFacts(contributions: readonly FactContribution[]): ClusterFacts {
  const facts = emptyFacts();
  const nodesByName = new Map<string, NodeFact>();
  let proxySet = false;
  for (const c of contributions) {
    for (const node of c.nodes ?? []) {
      let merged = nodesByName.get(node.name);
      if (!merged) {
        merged = { name: node.name, addresses: [] };
        nodesByName.set(node.name, merged);
        facts.nodes.push(merged);
      }
      merged.addresses.push(...node.addresses);
    }
    facts.apiServers.push(...(c.apiServers ?? []));
    facts.serviceCIDRs.push(...(c.serviceCIDRs ?? []));
    facts.podCIDRs.push(...(c.podCIDRs ?? []));
    facts.externalIPPool.push(...(c.externalIPPool ?? []));
    if (!proxySet && c.proxyMode) {
      facts.proxyMode = c.proxyMode.mode;
      facts.proxyModeSource = c.proxyMode.source;
      proxySet = true;
    }
    if (!facts.kubernetesVersion && c.kubernetesVersion) facts.kubernetesVersion = c.kubernetesVersion;
    if (!facts.kubeProxyFeatureGates && c.kubeProxyFeatureGates) facts.kubeProxyFeatureGates = c.kubeProxyFeatureGates;
    if (c.dataPlane) {
      const dp: DataPlaneFacts = { ...(facts.dataPlane ?? {}) };
      for (const k of DATA_PLANE_FACT_KEYS) {
        if (dp[k] !== undefined || c.dataPlane[k] === undefined) continue;
        (dp as Record<DataPlaneFactKey, unknown>)[k] = c.dataPlane[k];
        const from = c.dataPlane.sources?.[k] ?? c.dataPlane.source;
        if (from) dp.sources = { ...dp.sources, [k]: from };
      }
      dp.source ??= c.dataPlane.source;
      facts.dataPlane = dp;
    }
    for (const [rule, sev] of Object.entries(c.rules ?? {})) {
      if (!(rule in facts.rules)) facts.rules[rule] = sev;
    }
    const nodes = c.nodes?.length ?? 0;
    const apiServers = c.apiServers?.length ?? 0;
    facts.sources.push({
      kind: c.source.kind,
      label: c.source.label,
      nodes,
      apiServers,
      ...(c.source.staleSince ? { staleSince: c.source.staleSince } : {}),
    });
  }
  return facts;
}
