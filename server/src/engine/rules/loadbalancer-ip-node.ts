// spec.loadBalancerIP is never read by kube-proxy; it matters once a load-balancer controller copies it into
// status.loadBalancer.ingress (MetalLB #364), and then it is the IPVS outage. Deprecated since Kubernetes 1.24.
import { parseIP } from '../addresses';
import { describeOwners, ownerLocations, ownsAny } from '../inventory';
import type { Rule } from './rule';

export const loadBalancerIPNode: Rule = {
  id: 'loadbalancer-ip-node',
  defaultSeverity: 'warning',
  summary: "spec.loadBalancerIP equal to a node's or the API server's address",
  checkService(service, ctx) {
    const field = service.loadBalancerIP;
    const p = field?.value !== undefined && field.value !== '' ? parseIP(field.value) : undefined;
    if (!field || !p?.ok) return;
    const owners = ctx.inventory.lookup(p.ip.key);
    if (!ownsAny(owners)) return;
    const what = describeOwners(owners);
    ctx.report(this, {
      span: field.span,
      message: `${service.loadBalancerIPPath ?? 'spec.loadBalancerIP'} ${p.ip.text} is ${what}. kube-proxy ignores this field, but a load-balancer controller that honours it (MetalLB, for one) publishes it as the ingress IP, which kube-proxy then binds on every node.`,
      related: ownerLocations(owners),
      fixes: field.viaAlias ? [] : ['use-pool-address'],
      address: p.ip.text,
    });
  },
};
