// spec.loadBalancerIP is never read by kube-proxy (pkg/proxy/service.go reads status.loadBalancer.ingress only); it
// matters once a load-balancer controller copies it into status.loadBalancer.ingress (MetalLB #364). What happens
// then depends on the mode: IPVS binds the ingress IP to kube-ipvs0 on every node (the outage); iptables and nftables
// bind nothing and only catch the Service's ports for that address. Deprecated since Kubernetes 1.24.
import { verdictForLoadBalancerIP } from '../apiValidation';
import { ignoredBecause } from '../serviceProxying';
import { describeOwners, ownerLocations, ownsAny } from '../inventory';
import { portsText } from './explain';
import type { Rule } from './rule';

export const loadBalancerIPNode: Rule = {
  id: 'loadbalancer-ip-node',
  defaultSeverity: 'warning',
  summary: "spec.loadBalancerIP equal to a node's or the API server's address",
  checkService(service, ctx) {
    const field = service.loadBalancerIP;
    if (!field || field.value === '') return;
    const path = service.loadBalancerIPPath ?? 'spec.loadBalancerIP';
    const v = verdictForLoadBalancerIP(path, field);
    if (!v.ip) return;
    const owners = ctx.inventory.lookup(v.ip.key);
    if (!ownsAny(owners)) return;
    const what = describeOwners(owners);
    const mode = ctx.facts.proxyMode;
    const skipped = ignoredBecause(service, v.ip.effectiveFamily);
    const then = skipped
      ? `kube-proxy would program nothing for it even then: ${skipped}.`
      : mode === 'ipvs'
        ? 'kube-proxy in IPVS mode then binds it to kube-ipvs0 on every node, which cuts the owner off.'
        : `kube-proxy in ${mode} mode then binds nothing, but its rules send ${portsText(service.ports)} for that address to the Service on every node (REJECT when it has no endpoints).`;
    ctx.report(this, {
      span: field.span,
      message: `${path} ${v.ip.text} is ${what}. kube-proxy never reads this field; a load-balancer controller that honours it (MetalLB, for one) publishes it as status.loadBalancer.ingress[].ip, and ${then}`,
      related: ownerLocations(owners),
      fixes: field.viaAlias ? [] : ['use-pool-address'],
      address: v.ip.text,
    });
  },
};
