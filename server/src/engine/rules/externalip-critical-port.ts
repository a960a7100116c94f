// iptables/nftables mode: an externalIP equal to a node (or API server) address DNATs the Service's ports on that
// node for everybody (CVE-2020-8554). When one of those ports is one the node itself serves (kubelet, the API
// server, SSH, etcd, DNS, the overlay network), the node is cut off just as in IPVS mode.
import type { ExternalIPEntry, Rule, RuleContext } from './rule';
import { criticalPorts } from './nodePorts';
import { dataPlaneOf } from '../dataPlanes';
import { ownerLocations, ownsAny } from '../inventory';

/** In iptables/nftables mode, the critical-port finding replaces the plain collision warning of the same address. */
export function supersededByCriticalPort(entry: ExternalIPEntry, ctx: RuleContext): boolean {
  return !dataPlaneOf(ctx.facts.proxyMode).takesWholeAddress && ctx.isEnabled('externalip-critical-port') && criticalPorts(entry.service.ports).length > 0;
}

export const externalIPCriticalPort: Rule = {
  id: 'externalip-critical-port',
  defaultSeverity: 'error',
  severityNote: 'error (iptables/nftables mode only)',
  summary: "iptables/nftables mode: an externalIP equal to a node's address on a port the node itself serves",
  checkExternalIP(entry, ctx) {
    if (dataPlaneOf(ctx.facts.proxyMode).takesWholeAddress || !entry.ip || entry.special || entry.ignoredBecause) return;
    const owners = ctx.inventory.lookup(entry.ip.key);
    if (!ownsAny(owners)) return;
    const hits = criticalPorts(entry.service.ports);
    if (hits.length === 0) return;
    const who = owners.nodes.length
      ? `node ${[...new Set(owners.nodes.map((n) => n.node))].join(', ')}`
      : 'the API server host';
    const ports = hits.map((h) => `${h.port}/${h.protocol} (${h.what})`).join(', ');
    ctx.report(this, {
      span: entry.field.span,
      message: `${entry.ip.text} is the address of ${who}, and this Service claims ${ports} on it. In ${ctx.facts.proxyMode} mode kube-proxy binds nothing, but on every node its rules send that port for this address to the Service (DNAT to its endpoints, REJECT when it has none), so ${who} no longer answers it (CVE-2020-8554).`,
      related: ownerLocations(owners),
      fixes: entry.field.viaAlias ? [] : ['remove-address', 'use-pool-address'],
      address: entry.ip.text,
    });
  },
};
