// Why an address collision breaks the cluster, per kube-proxy mode (DOMAIN.md: "Which addresses get bound").
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
  return `in ${mode} mode kube-proxy hijacks ${ports} on ${nodes} (CVE-2020-8554); other ports keep working.`;
}

export function apiServerCollisionShort(mode: ProxyMode, ports: string): string {
  if (mode === 'ipvs') return 'in IPVS mode kube-proxy binds it to kube-ipvs0 on every node, so every node loses the API server: leases expire, nodes go NotReady.';
  return `in ${mode} mode kube-proxy hijacks ${ports} on the API server's host (CVE-2020-8554).`;
}

/** Consequence of a Service address equal to a node's address. */
export function nodeCollisionWhy(mode: ProxyMode, nodes: string, ports: string): string {
  if (mode === 'ipvs') {
    return `In IPVS mode kube-proxy binds every externalIP to kube-ipvs0 on every node, so every other node delivers traffic for ${nodes} locally (ARP, kubelet, pings): ${nodes} drops out of the cluster.`;
  }
  return `In ${mode} mode kube-proxy DNATs this address on every node, so ${ports} on ${nodes} is hijacked for everybody (CVE-2020-8554); other ports keep working.`;
}

/** Consequence of a Service address equal to an API server address. */
export function apiServerCollisionWhy(mode: ProxyMode, ports: string): string {
  if (mode === 'ipvs') {
    return 'In IPVS mode kube-proxy binds every externalIP to kube-ipvs0 on every node, so kubelet, kube-proxy and the CNI on every node send API server traffic to themselves: leases expire and nodes go NotReady.';
  }
  return `In ${mode} mode kube-proxy DNATs this address on every node, so ${ports} of the API server's host is hijacked for everybody (CVE-2020-8554).`;
}
