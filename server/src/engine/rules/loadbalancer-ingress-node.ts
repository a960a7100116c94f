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
import { collisionSeverity, dataPlaneOf, kubeRouterDrops } from '../dataPlanes';
import type { DataPlaneFacts } from '../facts';
import type { ServiceObject } from '../manifest';
import { criticalPorts } from './nodePorts';

/** Cilium node IPAM's load-balancer class (cilium/cilium operator/pkg/nodeipam: `annotation.Prefix + "/node"`). */
export const CILIUM_NODE_IPAM_CLASS = 'io.cilium/node';

/**
 * The controller that publishes node addresses as this Service's ingress IPs by design, if any:
 * - Cilium node IPAM (cilium/cilium operator/pkg/nodeipam/nodesvclb.go): a LoadBalancer Service of class
 *   `io.cilium/node` (or without a class, when cilium-config's `default-lb-service-ipam` is `nodeipam`) gets the ExternalIPs (else InternalIPs) of the selected nodes, without an ipMode, so kube-proxy
 *   programs them as VIPs. Cilium's own data plane programs no whole-address entries for node addresses (cilium
 *   #45572, after the node IPAM breakage of cilium #43206), so there only the Service's ports are taken.
 * - k3s ServiceLB (klipper-lb; k3s pkg/cloudprovider/servicelb.go podIPs): the nodes running its pods, for a
 *   Service without a loadBalancerClass (a cloud provider's service controller skips classed Services), served with
 *   host ports (k3s #2804, #5000).
 * Either is harmless unless the data plane takes the whole address (kube-proxy IPVS, kube-router) or kube-vip in
 * services mode binds it, or a Service port is one the node itself serves.
 */
function nodeAddressPublisher(service: ServiceObject, dp: DataPlaneFacts | undefined): string | undefined {
  if (service.type !== 'LoadBalancer') return undefined;
  if (service.loadBalancerClass === CILIUM_NODE_IPAM_CLASS) return 'Cilium node IPAM';
  // `default-lb-service-ipam: nodeipam` hands node IPAM the Services without a class too (cilium/cilium
  // operator/pkg/nodeipam/nodesvclb.go isServiceSupported: `LoadBalancerClass == nil` returns DefaultIPAM).
  if (service.loadBalancerClass === undefined && dp?.ciliumNodeIPAMDefault) return 'Cilium node IPAM (its default for Services without a class)';
  if (dp?.serviceLB && service.loadBalancerClass === undefined) return 'k3s ServiceLB';
  return undefined;
}

/** The Service's ports that the node serves itself: the critical node ports and the API server's port there. */
function servedPorts(service: ServiceObject, apiServerPorts: readonly (number | undefined)[]): string[] {
  const out = criticalPorts(service.ports).map((h) => `${h.port}/${h.protocol} (${h.what})`);
  for (const p of service.ports) {
    const protocol = (p.protocol || 'TCP').toUpperCase();
    if (p.port !== undefined && protocol === 'TCP' && apiServerPorts.includes(p.port) && !out.some((o) => o.startsWith(`${p.port}/TCP`))) out.push(`${p.port}/TCP (the API server)`);
  }
  return out;
}

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
      if (kubeRouterDrops(ctx.facts.proxyMode, ctx.facts.dataPlane, v.ip, 'loadBalancerIP')) continue;
      const owners = ctx.inventory.lookup(v.ip.key);
      if (!ownsAny(owners)) continue;
      const mode = ctx.facts.proxyMode;
      const dp = ctx.facts.dataPlane;
      const what = describeOwners(owners);
      const nodes = [...new Set(owners.nodes.map((n) => n.node))].join(', ');
      const publisher = nodeAddressPublisher(service, dp);
      if (publisher && !dp?.kubeVipServices && (mode === 'cilium' || !dataPlaneOf(mode).takesWholeAddress)) {
        // By design: the Service's own ports on the node's address reach the Service, nothing else does. Only a
        // port the node (or the API server on it) serves itself is lost.
        const hits = servedPorts(service, owners.apiServers.map((a) => a.port));
        if (hits.length === 0) continue;
        ctx.report(this, {
          span: field.span,
          message: `status.loadBalancer.ingress[${field.index}].ip ${v.ip.text} is ${what}, published by ${publisher} by design, but this Service claims ${hits.join(', ')} on it: ${mode === 'cilium' ? "Cilium's kube-proxy replacement" : `kube-proxy (${mode} mode)`} sends that port to the Service on every node, so the node no longer answers it.`,
          severity: 'error',
          related: ownerLocations(owners),
          address: v.ip.text,
        });
        continue;
      }
      const why = owners.apiServers.length ? apiServerCollisionShort(mode, portsText(service.ports), dp) : nodeCollisionShort(mode, nodes, portsText(service.ports), dp);
      const byDesign = publisher ? `, published by ${publisher} by design${dp?.kubeVipServices ? ' and bound by kube-vip in services mode' : ''}` : '';
      ctx.report(this, {
        span: field.span,
        message: `status.loadBalancer.ingress[${field.index}].ip ${v.ip.text} is ${what}${byDesign}: ${why}`,
        severity: dp?.kubeVipServices ? 'error' : collisionSeverity(mode, dp, servedPorts(service, owners.apiServers.map((a) => a.port)).length > 0),
        related: ownerLocations(owners),
        address: v.ip.text,
      });
    }
  },
};
