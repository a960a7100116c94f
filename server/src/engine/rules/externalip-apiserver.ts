// An externalIP equal to an API server address: in IPVS mode every node binds it to kube-ipvs0 and then sends its
// own API server traffic (kubelet leases, kube-proxy, the CNI) to itself. Reported even when the address is also a
// node's, because this is the worse of the two.
import { valuesPrefix, type Rule } from './rule';
import { collisionSeverity } from '../dataPlanes';
import { apiServerCollisionShort, portsText } from './explain';
import { describeApiServer, ownerLocations } from '../inventory';
import { supersededByCriticalPort } from './externalip-critical-port';
import { criticalPorts } from './nodePorts';

export const externalIPApiServer: Rule = {
  id: 'externalip-apiserver',
  defaultSeverity: 'error',
  severityNote: 'error (warning in iptables/nftables mode)',
  summary: 'spec.externalIPs entry equal to an API server address',
  checkExternalIP(entry, ctx) {
    if (!entry.ip || entry.special || entry.ignoredBecause) return;
    const owners = ctx.inventory.lookup(entry.ip.key);
    if (!owners || owners.apiServers.length === 0) return;
    if (supersededByCriticalPort(entry, ctx)) return;
    const mode = ctx.facts.proxyMode;
    const api = owners.apiServers.map(describeApiServer).join('; ');
    const alsoNode = owners.nodes.length
      ? `, and the ${owners.nodes[0].type} of node ${[...new Set(owners.nodes.map((n) => n.node))].join(', ')}`
      : '';
    ctx.report(this, {
      span: entry.field.span,
      message: `${valuesPrefix(entry)}${entry.ip.text} is an API server address (${api})${alsoNode}: ${apiServerCollisionShort(mode, portsText(entry.service.ports), ctx.facts.dataPlane)}`,
      severity: collisionSeverity(mode, ctx.facts.dataPlane, criticalPorts(entry.service.ports).length > 0 || entry.service.ports.some((p) => owners.apiServers.some((a) => a.port !== undefined && a.port === p.port))),
      related: ownerLocations(owners),
      fixes: entry.field.viaAlias ? [] : ['remove-address', 'use-pool-address'],
      address: entry.ip.text,
    });
  },
};
