// An externalIP equal to a node's own address. In IPVS mode kube-proxy binds it to kube-ipvs0 on every node
// (pkg/proxy/ipvs/proxier.go), which makes the real node unreachable from the rest of the cluster: the outage of
// ../../../../docs/rules/externalip-node.md. In iptables/nftables mode only the Service's ports on that node are
// hijacked (CVE-2020-8554), a warning; `externalip-critical-port` raises it when that port is one the node serves.
import { valuesPrefix, type Rule } from './rule';
import { collisionSeverity } from '../dataPlanes';
import { nodeCollisionShort, portsText } from './explain';
import { ownerLocations } from '../inventory';
import { supersededByCriticalPort } from './externalip-critical-port';
import { criticalPorts } from './nodePorts';

export const externalIPNode: Rule = {
  id: 'externalip-node',
  defaultSeverity: 'error',
  severityNote: 'error (warning in iptables/nftables mode)',
  summary: "spec.externalIPs entry equal to a node's InternalIP or ExternalIP",
  checkExternalIP(entry, ctx) {
    if (!entry.ip || entry.special || entry.ignoredBecause) return;
    const owners = ctx.inventory.lookup(entry.ip.key);
    if (!owners || owners.nodes.length === 0) return;
    // An address that is also an API server's is reported once, by externalip-apiserver, unless that rule is off.
    if (owners.apiServers.length > 0 && ctx.isEnabled('externalip-apiserver')) return;
    if (supersededByCriticalPort(entry, ctx)) return;
    const mode = ctx.facts.proxyMode;
    const names = [...new Set(owners.nodes.map((n) => n.node))];
    const nodes = names.length === 1 ? `node ${names[0]}` : `nodes ${names.join(', ')}`;
    const m = owners.nodes[0];
    ctx.report(this, {
      span: entry.field.span,
      message: `${valuesPrefix(entry)}${entry.ip.text} is the ${m.type} of ${nodes}: ${nodeCollisionShort(mode, names.join(', '), portsText(entry.service.ports), ctx.facts.dataPlane)}`,
      severity: collisionSeverity(mode, ctx.facts.dataPlane, criticalPorts(entry.service.ports).length > 0),
      related: ownerLocations({ nodes: owners.nodes, apiServers: [] }),
      fixes: entry.field.viaAlias ? [] : ['remove-address', 'use-pool-address'],
      address: entry.ip.text,
    });
  },
};
