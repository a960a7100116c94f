// The data planes that program Service addresses on the nodes, and what each does with an address a node already
// owns. kube-proxy's own modes are modelled next door (serviceProxying.ts); these are the service proxies that
// replace it, and the load-balancer speakers that bind addresses themselves.
//
// - kube-proxy IPVS (kubernetes pkg/proxy/ipvs/proxier.go): every externalIP and VIP-mode ingress IP is bound to the
//   dummy interface kube-ipvs0 on every node.
// - kube-proxy iptables/nftables (pkg/proxy/iptables, pkg/proxy/nftables): nothing is bound; the Service's
//   (address, protocol, port) is DNATed on every node (CVE-2020-8554).
// - kube-router's service proxy (cloudnativelabs/kube-router pkg/controllers/proxy/network_services_controller.go,
//   `KubeDummyIf = "kube-dummy-if"`): IPVS, with every service address on kube-dummy-if plus a local route: the
//   same outage as kube-proxy IPVS (kube-router #466, #827). From v2.8.0 `--strict-external-ip-validation` (default
//   true) programs an externalIP only inside `--service-external-ip-range` and a load-balancer IP only inside
//   `--loadbalancer-ip-range`, denying all when none is set (docs/user-guide.md "External IP and LoadBalancer IP
//   Validation"): the outage then needs a range that holds the node's address. The live cluster's release and flags
//   are read from its DaemonSet (`kubeRouterDrops`); unknown, the older, unconditional behaviour is assumed (the
//   worst case, as IPVS is for kube-proxy).
// - Cilium's kube-proxy replacement (cilium/cilium pkg/loadbalancer, bpf/bpf_sock.c): service addresses are matched
//   in eBPF on every node, before the host stack sees the packet, per (address, port, protocol); Cilium 1.19's
//   wildcard entries (cilium #40684) made an LB Service given a node's address take all of that node's traffic
//   (cilium #43206) until cilium #45572 left node-local addresses out. Its release is read from the live cluster (the
//   DaemonSet's image tag) where it can be; unknown, the worst case is assumed.
import type { DataPlaneFacts, ProxyMode } from './facts';
import { ipToBigInt, parseIP, type ParsedIP } from './addresses';

export interface DataPlane {
  mode: ProxyMode;
  /** How hovers and messages name it. */
  name: string;
  /** Does it take every packet for a service address on every node (not only the Service's ports)? */
  takesWholeAddress: boolean;
  /** One clause: what happens to the nodes that own the address. */
  nodeShort(nodes: string, ports: string): string;
  apiServerShort(ports: string): string;
  /** The hover's full explanation. */
  nodeWhy(nodes: string, ports: string): string;
  apiServerWhy(ports: string): string;
}

function kubeProxyPorts(mode: 'iptables' | 'nftables'): DataPlane {
  // Nothing is bound: the rules match (address, protocol, port) and DNAT to the endpoints, REJECT when there are none,
  // DROP for externalTrafficPolicy: Local without a local endpoint (pkg/proxy/iptables/proxier.go,
  // pkg/proxy/nftables/proxier.go).
  return {
    mode,
    name: mode,
    takesWholeAddress: false,
    nodeShort: (nodes, ports) =>
      `in ${mode} mode kube-proxy binds nothing, but on every node its rules send ${ports} for this address to the Service (REJECT when it has no endpoints), so ${ports} on ${nodes} no longer reaches the node (CVE-2020-8554); other ports keep working.`,
    apiServerShort: (ports) =>
      `in ${mode} mode kube-proxy binds nothing, but on every node its rules send ${ports} for this address to the Service (REJECT when it has no endpoints), so ${ports} on the API server's host no longer reaches it (CVE-2020-8554).`,
    nodeWhy: (nodes, ports) =>
      `In ${mode} mode kube-proxy binds nothing; on every node its rules catch packets to this address on ${ports}: DNAT to the Service's endpoints, REJECT when it has none, DROP with externalTrafficPolicy: Local and no local endpoint. So ${ports} on ${nodes} stops reaching the node itself, for everybody (CVE-2020-8554); other ports keep working.`,
    apiServerWhy: (ports) =>
      `In ${mode} mode kube-proxy binds nothing; on every node its rules catch packets to this address on ${ports}: DNAT to the Service's endpoints, REJECT when it has none, DROP with externalTrafficPolicy: Local and no local endpoint. So ${ports} of the API server's host stops reaching it, for everybody (CVE-2020-8554).`,
  };
}

const PLANES: Record<ProxyMode, DataPlane> = {
  ipvs: {
    mode: 'ipvs',
    name: 'IPVS',
    takesWholeAddress: true,
    nodeShort: (nodes) => `in IPVS mode kube-proxy binds it to kube-ipvs0 on every node, which cuts ${nodes} off the cluster.`,
    apiServerShort: () => 'in IPVS mode kube-proxy binds it to kube-ipvs0 on every node, so every node loses the API server: leases expire, nodes go NotReady.',
    nodeWhy: (nodes) =>
      `In IPVS mode kube-proxy binds every externalIP to kube-ipvs0 on every node, so every other node delivers traffic for ${nodes} locally (ARP, kubelet, pings): ${nodes} drops out of the cluster.`,
    apiServerWhy: () =>
      'In IPVS mode kube-proxy binds every externalIP to kube-ipvs0 on every node, so kubelet, kube-proxy and the CNI on every node send API server traffic to themselves: leases expire and nodes go NotReady.',
  },
  iptables: kubeProxyPorts('iptables'),
  nftables: kubeProxyPorts('nftables'),
  'kube-router': {
    mode: 'kube-router',
    name: 'kube-router (IPVS)',
    takesWholeAddress: true,
    nodeShort: (nodes) => `kube-router's service proxy binds it to kube-dummy-if on every node, which cuts ${nodes} off the cluster.`,
    apiServerShort: () => "kube-router's service proxy binds it to kube-dummy-if on every node, so every node loses the API server: leases expire, nodes go NotReady.",
    nodeWhy: (nodes) =>
      `kube-router's service proxy (IPVS) adds every service address to kube-dummy-if with a local route on every node, so every other node delivers traffic for ${nodes} locally: ${nodes} drops out of the cluster (kube-router #466). From kube-router v2.8 (--strict-external-ip-validation, on by default) only addresses inside --service-external-ip-range or --loadbalancer-ip-range are programmed: keep node addresses out of those ranges.`,
    apiServerWhy: () =>
      "kube-router's service proxy (IPVS) adds every service address to kube-dummy-if with a local route on every node, so kubelet and the CNI on every node send API server traffic to themselves: leases expire and nodes go NotReady.",
  },
  cilium: {
    // Service frontends are (address, port, protocol) entries of the eBPF service map; Cilium 1.19 added wildcard
    // entries that drop every other port of a service address (cilium #40684), which made a node address given to a
    // Service unreachable (cilium #43206), until cilium #45572 stopped programming them for node-local addresses. When
    // its release is not known, the worst case decides the severity, and the words say both (`ciliumAt` otherwise).
    mode: 'cilium',
    name: 'Cilium kube-proxy replacement',
    takesWholeAddress: true,
    nodeShort: (nodes, ports) =>
      `Cilium's kube-proxy replacement matches it in eBPF on every node, so traffic meant for ${nodes} on ${ports} is taken by the Service, and a Cilium 1.19 without the fix of cilium #45572 drops every other packet to it too (cilium #43206).`,
    apiServerShort: (ports) =>
      `Cilium's kube-proxy replacement matches it in eBPF on every node, so ${ports} on the API server's host is taken by the Service, and a Cilium 1.19 without the fix of cilium #45572 drops every other packet to it too: nodes lose the API server (cilium #43206).`,
    nodeWhy: (nodes, ports) =>
      `Cilium's kube-proxy replacement looks every packet's destination up in its eBPF service map on every node, before the host stack sees it, so connections meant for ${nodes} on ${ports} reach the Service's backends instead. Cilium 1.19 also programs a wildcard entry that drops every other port of a service address (cilium #40684): with a node's address that cuts ${nodes} off (cilium #43206), until the fix of cilium #45572, which leaves node-local addresses out.`,
    apiServerWhy: (ports) =>
      `Cilium's kube-proxy replacement looks every packet's destination up in its eBPF service map on every node, so ${ports} on the API server's host reaches the Service's backends instead; on a Cilium 1.19 without the fix of cilium #45572 every other port too (cilium #43206), so kubelet and the agents on every node lose the API server: leases expire and nodes go NotReady.`,
  },
};

/** `1.19.2` from a Cilium version text (its DaemonSet's image tag): [major, minor], or undefined. */
export function ciliumMinor(version: string | undefined): [number, number] | undefined {
  const m = version ? /^v?(\d{1,3})\.(\d{1,3})(?:\.|$)/.exec(version) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * Cilium's data plane at a known release. The wildcard service entries that drop every other port of a service
 * address came with 1.19 (cilium #40684); cilium #45572 (merged for 1.20) stopped programming them for node-local
 * addresses. Whether a 1.19 patch release carries the fix is not known here, so 1.19 keeps the worst case; before
 * 1.19 and from 1.20 only the Service's ports on the address are taken, as in iptables mode.
 */
function ciliumAt(version: string): DataPlane | undefined {
  const v = ciliumMinor(version);
  if (!v) return undefined;
  const base = PLANES.cilium;
  const [major, minor] = v;
  if (major === 1 && minor === 19) {
    return {
      ...base,
      nodeShort: (nodes, ports) =>
        `Cilium's kube-proxy replacement matches it in eBPF on every node, so traffic meant for ${nodes} on ${ports} is taken by the Service, and Cilium ${version} drops every other packet to it too unless it carries the fix of cilium #45572 (cilium #43206).`,
      apiServerShort: (ports) =>
        `Cilium's kube-proxy replacement matches it in eBPF on every node, so ${ports} on the API server's host is taken by the Service, and Cilium ${version} drops every other packet to it too unless it carries the fix of cilium #45572: nodes lose the API server (cilium #43206).`,
    };
  }
  const only = (who: string, ports: string) => `Cilium ${version}'s kube-proxy replacement matches it in eBPF on every node, so traffic meant for ${who} on ${ports} is taken by the Service; other ports keep working (${minor < 19 && major === 1 ? 'no wildcard entries before 1.19' : 'node-local addresses get no wildcard entry since cilium #45572'}).`;
  return {
    ...base,
    name: `Cilium ${version} kube-proxy replacement`,
    takesWholeAddress: false,
    nodeShort: (nodes, ports) => only(nodes, ports),
    apiServerShort: (ports) => only("the API server's host", ports),
    nodeWhy: (nodes, ports) => `${only(nodes, ports)} A Service port the node serves itself (kubelet, SSH, the API server) is lost to the Service.`,
    apiServerWhy: (ports) => `${only("the API server's host", ports)} When that is the API server's port, kubelet and the agents on every node lose the API server.`,
  };
}

/** The data plane of `mode`, at the release `dataPlane` says when it was read (Cilium's, from its DaemonSet's image). */
export function dataPlaneOf(mode: ProxyMode, dataPlane?: DataPlaneFacts): DataPlane {
  if (mode === 'cilium' && dataPlane?.ciliumVersion) return ciliumAt(dataPlane.ciliumVersion) ?? PLANES[mode];
  return PLANES[mode];
}

/**
 * The severity of a Service address equal to a node's or API server's: error where the data plane takes it whole;
 * where it takes only the Service's ports, a warning, or an error when one of them is a port the node serves itself
 * (`criticalHit`; kube-proxy's iptables/nftables modes leave that to externalip-critical-port).
 */
export function collisionSeverity(mode: ProxyMode, dataPlane?: DataPlaneFacts, criticalHit = false): 'error' | 'warning' {
  const plane = dataPlaneOf(mode, dataPlane);
  return plane.takesWholeAddress || (criticalHit && mode === 'cilium') ? 'error' : 'warning';
}

/** Does a CIDR, as Go's net.ParseCIDR reads it (host bits masked), hold the address? */
function cidrHolds(cidr: string, ip: ParsedIP): boolean {
  const slash = cidr.indexOf('/');
  const base = slash > 0 ? parseIP(cidr.slice(0, slash).trim()) : undefined;
  const prefix = Number(cidr.slice(slash + 1).trim());
  if (!base?.ok || base.ip.family !== ip.effectiveFamily || !Number.isInteger(prefix)) return false;
  const bits = base.ip.family === 'IPv4' ? 32 : 128;
  if (prefix < 0 || prefix > bits) return false;
  const shift = BigInt(bits - prefix);
  return ipToBigInt(base.ip) >> shift === ipToBigInt(ip) >> shift;
}

/**
 * Why kube-router's service proxy does not program this address, if it does not: with strict external IP validation
 * (v2.8.0+, cloudnativelabs/kube-router pkg/svcip/validator.go FilterExternalIPs / FilterLoadBalancerIPs, applied in
 * pkg/controllers/proxy/network_services_controller.go) an address outside its range, or inside a cluster IP range,
 * is dropped, and so is every address when the range is empty.
 */
export function kubeRouterDrops(mode: ProxyMode, dp: DataPlaneFacts | undefined, ip: ParsedIP, field: 'externalIP' | 'loadBalancerIP'): string | undefined {
  const kr = dp?.kubeRouter;
  if (mode !== 'kube-router' || !kr?.strict) return undefined;
  const who = `kube-router${kr.version ? ` v${kr.version}` : ''} validates service addresses strictly (--strict-external-ip-validation)`;
  const flag = field === 'externalIP' ? '--service-external-ip-range' : '--loadbalancer-ip-range';
  const ranges = field === 'externalIP' ? kr.externalIPRanges : kr.loadBalancerIPRanges;
  const what = field === 'externalIP' ? 'externalIPs' : 'load-balancer IPs';
  if (ranges.length === 0) return `${who} and has no ${flag}, so it programs no ${what}`;
  if (kr.clusterIPRanges.some((r) => cidrHolds(r, ip))) return `${who} and the address is inside --service-cluster-ip-range (${kr.clusterIPRanges.join(', ')})`;
  if (!ranges.some((r) => cidrHolds(r, ip))) return `${who} and programs only ${what} inside ${flag} (${ranges.join(', ')})`;
  return undefined;
}
