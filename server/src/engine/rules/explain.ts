// Why an address collision breaks the cluster, per kube-proxy mode. IPVS binds every programmed externalIP and VIP
// ingress IP to kube-ipvs0 on every node (pkg/proxy/ipvs/proxier.go, except on a node that has the address:
// shouldBind). iptables and nftables bind nothing: their rules match (address, protocol, port) and DNAT to the
// endpoints, REJECT when there are none, DROP for externalTrafficPolicy: Local without a local endpoint
// (pkg/proxy/iptables/proxier.go, pkg/proxy/nftables/proxier.go).
import type { ProxyMode } from '../facts';

export function proxyModeName(mode: ProxyMode): string {
  return mode === 'ipvs' ? 'IPVS' : mode;
}

export function portsText(ports: readonly { port: number | undefined; protocol: string }[]): string {
  const known = ports.filter((p) => p.port !== undefined);
  if (known.length === 0) return 'its ports';
  return known.map((p) => `${p.port}/${p.protocol}`).join(', ');
}

// Diagnostics say it in one clause (they are listed in the Problems panel and shown above the hover); the hover
// explains it in full.

/** The one-clause consequence, for a diagnostic message. */
export function nodeCollisionShort(mode: ProxyMode, nodes: string, ports: string): string {
  if (mode === 'ipvs') return `in IPVS mode kube-proxy binds it to kube-ipvs0 on every node, which cuts ${nodes} off the cluster.`;
  return `in ${mode} mode kube-proxy binds nothing, but on every node its rules send ${ports} for this address to the Service (REJECT when it has no endpoints), so ${ports} on ${nodes} no longer reaches the node (CVE-2020-8554); other ports keep working.`;
}

export function apiServerCollisionShort(mode: ProxyMode, ports: string): string {
  if (mode === 'ipvs') return 'in IPVS mode kube-proxy binds it to kube-ipvs0 on every node, so every node loses the API server: leases expire, nodes go NotReady.';
  return `in ${mode} mode kube-proxy binds nothing, but on every node its rules send ${ports} for this address to the Service (REJECT when it has no endpoints), so ${ports} on the API server's host no longer reaches it (CVE-2020-8554).`;
}

/** Consequence of a Service address equal to a node's address. */
export function nodeCollisionWhy(mode: ProxyMode, nodes: string, ports: string): string {
  if (mode === 'ipvs') {
    return `In IPVS mode kube-proxy binds every externalIP to kube-ipvs0 on every node, so every other node delivers traffic for ${nodes} locally (ARP, kubelet, pings): ${nodes} drops out of the cluster.`;
  }
  return `In ${mode} mode kube-proxy binds nothing; on every node its rules catch packets to this address on ${ports}: DNAT to the Service's endpoints, REJECT when it has none, DROP with externalTrafficPolicy: Local and no local endpoint. So ${ports} on ${nodes} stops reaching the node itself, for everybody (CVE-2020-8554); other ports keep working.`;
}

/** Consequence of a Service address equal to an API server address. */
export function apiServerCollisionWhy(mode: ProxyMode, ports: string): string {
  if (mode === 'ipvs') {
    return 'In IPVS mode kube-proxy binds every externalIP to kube-ipvs0 on every node, so kubelet, kube-proxy and the CNI on every node send API server traffic to themselves: leases expire and nodes go NotReady.';
  }
  return `In ${mode} mode kube-proxy binds nothing; on every node its rules catch packets to this address on ${ports}: DNAT to the Service's endpoints, REJECT when it has none, DROP with externalTrafficPolicy: Local and no local endpoint. So ${ports} of the API server's host stops reaching it, for everybody (CVE-2020-8554).`;
}
