// Why an address collision breaks the cluster, per kube-proxy mode. IPVS binds every programmed externalIP and VIP
// ingress IP to kube-ipvs0 on every node (pkg/proxy/ipvs/proxier.go, except on a node that has the address:
// shouldBind). iptables and nftables bind nothing: their rules match (address, protocol, port) and DNAT to the
// endpoints, REJECT when there are none, DROP for externalTrafficPolicy: Local without a local endpoint
// (pkg/proxy/iptables/proxier.go, pkg/proxy/nftables/proxier.go).
import type { DataPlaneFacts, ProxyMode } from '../facts';
import { dataPlaneOf } from '../dataPlanes';

export function proxyModeName(mode: ProxyMode, dp?: DataPlaneFacts): string {
  return dataPlaneOf(mode, dp).name;
}

export function portsText(ports: readonly { port: number | undefined; protocol: string }[]): string {
  const known = ports.filter((p) => p.port !== undefined);
  if (known.length === 0) return 'its ports';
  return known.map((p) => `${p.port}/${p.protocol}`).join(', ');
}

// Diagnostics say it in one clause (they are listed in the Problems panel and shown above the hover); the hover
// explains it in full. Each data plane's words are in dataPlanes.ts.

/** The one-clause consequence, for a diagnostic message. */
export function nodeCollisionShort(mode: ProxyMode, nodes: string, ports: string, dp?: DataPlaneFacts): string {
  return dataPlaneOf(mode, dp).nodeShort(nodes, ports);
}

export function apiServerCollisionShort(mode: ProxyMode, ports: string, dp?: DataPlaneFacts): string {
  return dataPlaneOf(mode, dp).apiServerShort(ports);
}

/** Consequence of a Service address equal to a node's address. */
export function nodeCollisionWhy(mode: ProxyMode, nodes: string, ports: string, dp?: DataPlaneFacts): string {
  return dataPlaneOf(mode, dp).nodeWhy(nodes, ports);
}

/** Consequence of a Service address equal to an API server address. */
export function apiServerCollisionWhy(mode: ProxyMode, ports: string, dp?: DataPlaneFacts): string {
  return dataPlaneOf(mode, dp).apiServerWhy(ports);
}
