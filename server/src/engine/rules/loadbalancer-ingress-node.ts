// kube-proxy binds every status.loadBalancer.ingress[].ip whose ipMode is unset or VIP (and whose family the
// Service serves) to kube-ipvs0, exactly like an externalIP (pkg/proxy/ipvs/proxier.go). A load-balancer
// controller that hands out a node's own address (MetalLB #364) therefore causes the same outage.
import { parseIP } from '../addresses';
import { ignoredBecause } from '../serviceProxying';
import { describeOwners, ownerLocations, ownsAny } from '../inventory';
import { nodeCollisionShort, apiServerCollisionShort, portsText } from './explain';
import type { Rule } from './rule';
import { collisionSeverity, dataPlaneOf } from '../dataPlanes';

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
      // k3s ServiceLB (klipper-lb; k3s pkg/cloudprovider/servicelb.go) publishes node addresses as ingress IPs by
      // design and serves them with host ports: harmless unless the data plane takes the whole address (IPVS,
      // kube-router, Cilium) or kube-vip in services mode binds it (k3s #2804, #5000).
      const dp = ctx.facts.dataPlane;
      if (dp?.serviceLB && !dp.kubeVipServices && !dataPlaneOf(mode).takesWholeAddress && owners.apiServers.length === 0) continue;
      const what = describeOwners(owners);
      const nodes = [...new Set(owners.nodes.map((n) => n.node))].join(', ');
      const why = owners.apiServers.length ? apiServerCollisionShort(mode, portsText(service.ports)) : nodeCollisionShort(mode, nodes, portsText(service.ports));
      ctx.report(this, {
        span: field.span,
        message: `status.loadBalancer.ingress[${field.index}].ip ${p.ip.text} is ${what}: ${why}`,
        severity: dp?.kubeVipServices ? 'error' : collisionSeverity(mode),
        related: ownerLocations(owners),
        address: p.ip.text,
      });
    }
  },
};
