// kube-proxy programs every status.loadBalancer.ingress[].ip of a served Service whose ipMode is VIP or unset (from
// 1.30; before, every one: LoadBalancerIPMode, pkg/proxy/util IsVIPMode) and whose family the Service serves; IPVS
// binds it to kube-ipvs0 on every node exactly like an externalIP (pkg/proxy/ipvs/proxier.go). A load-balancer
// controller that hands out a node's own address (MetalLB #364) therefore causes the same outage.
//
// A status in a file is read as what it is when it has ingress entries: the state of a live object, as
// `kubectl get -o yaml` (or the live cluster) gives it. Manifests to apply carry no ingress (generators write
// `status: {loadBalancer: {}}`), and the API server discards any status they carry (registry/core/service/
// strategy.go PrepareForCreate). The address judged is the one kube-proxy programs: ParseIPSloppy's reading of the
// text, so `0192.168.0.11` is 192.168.0.11.
import { verdictForIngressIP } from '../apiValidation';
import { ingressIgnoredBecause } from '../serviceProxying';
import { describeOwners, ownerLocations, ownsAny } from '../inventory';
import { nodeCollisionShort, apiServerCollisionShort, portsText } from './explain';
import type { Rule } from './rule';
import { collisionSeverity, dataPlaneOf } from '../dataPlanes';

export const loadBalancerIngressNode: Rule = {
  id: 'loadbalancer-ingress-node',
  defaultSeverity: 'error',
  severityNote: 'error (warning in iptables/nftables mode)',
  summary: "status.loadBalancer.ingress[].ip that kube-proxy programs (ipMode VIP or unset), equal to a node's or the API server's address",
  checkService(service, ctx) {
    const b = ctx.kubernetes.behaviour;
    // From 1.29 the API server refuses a load-balancer status on any other type (loadbalancer-ingress-invalid).
    if (b.lbStatusOnlyOnLoadBalancer && service.type !== 'LoadBalancer' && service.ingress.length > 0) return;
    for (const field of service.ingress) {
      const v = verdictForIngressIP(`status.loadBalancer.ingress[${field.index}].ip`, field, b);
      if (v.rejection || !v.ip) continue;
      if (ingressIgnoredBecause(service, field, v.ip.effectiveFamily, b)) continue;
      const owners = ctx.inventory.lookup(v.ip.key);
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
        message: `status.loadBalancer.ingress[${field.index}].ip ${v.ip.text} is ${what}: ${why}`,
        severity: dp?.kubeVipServices ? 'error' : collisionSeverity(mode),
        related: ownerLocations(owners),
        address: v.ip.text,
      });
    }
  },
};
