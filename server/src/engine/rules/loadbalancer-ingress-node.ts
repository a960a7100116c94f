// kube-proxy binds every status.loadBalancer.ingress[].ip whose ipMode is unset or VIP (and whose family the
// Service serves) to kube-ipvs0, exactly like an externalIP (pkg/proxy/ipvs/proxier.go). A load-balancer
// controller that hands out a node's own address (MetalLB #364) therefore causes the same outage.
import { parseIP } from '../addresses';
import { ignoredBecause } from '../serviceProxying';
import { describeOwners, ownerLocations, ownsAny } from '../inventory';
import { nodeCollisionShort, apiServerCollisionShort, portsText } from './explain';
import type { Rule } from './rule';
import { collisionSeverity } from '../dataPlanes';

export const loadBalancerIngressNode: Rule = {
  id: 'loadbalancer-ingress-node',
  defaultSeverity: 'error',
  summary: "status.loadBalancer.ingress[].ip (ipMode VIP or unset) equal to a node's or the API server's address",
  checkService(service, ctx) {
    for (const field of service.ingress) {
      if (field.ipMode && field.ipMode !== 'VIP') continue; // ipMode Proxy: kube-proxy does not bind it.
      const p = field.value !== undefined ? parseIP(field.value) : undefined;
      if (!p?.ok || ignoredBecause(service, p.ip.effectiveFamily)) continue;
      const owners = ctx.inventory.lookup(p.ip.key);
      if (!ownsAny(owners)) continue;
      const mode = ctx.facts.proxyMode;
      const what = describeOwners(owners);
      const nodes = [...new Set(owners.nodes.map((n) => n.node))].join(', ');
      const why = owners.apiServers.length ? apiServerCollisionShort(mode, portsText(service.ports)) : nodeCollisionShort(mode, nodes, portsText(service.ports));
      ctx.report(this, {
        span: field.span,
        message: `status.loadBalancer.ingress[${field.index}].ip ${p.ip.text} is ${what}: ${why}`,
        severity: collisionSeverity(mode),
        related: ownerLocations(owners),
        address: p.ip.text,
      });
    }
  },
};
