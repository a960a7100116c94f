// The annotations that replace spec.loadBalancerIP ask the load-balancer controller for exact addresses:
// MetalLB (`metallb.io/loadBalancerIPs`, `metallb.universe.tf/loadBalancerIPs`; metallb internal/k8s/controllers/
// service_controller.go), Cilium LB IPAM (`lbipam.cilium.io/ips`, `io.cilium/lb-ipam-ips`; cilium operator/pkg/
// lbipam/lbipam.go) and kube-vip (`kube-vip.io/loadbalancerIPs`; kube-vip-cloud-provider pkg/provider/
// loadBalancer.go). Unlike spec.loadBalancerIP these are always honoured: the controller publishes the address as
// the Service's ingress IP, which the data plane then takes on every node (an error where it takes the whole
// address, IPVS, kube-router, Cilium; a warning where only the ports are DNATed). kube-vip in services mode also
// adds the address to the leader node's own interface (kube-vip #1288), whatever the proxy mode: always an error.
import { parseIP } from '../addresses';
import { collisionSeverity, kubeRouterDrops } from '../dataPlanes';
import { describeOwners, ownerLocations, ownsAny } from '../inventory';
import type { AnnotationAddress, ServiceObject } from '../manifest';
import { ignoredBecause } from '../serviceProxying';
import { apiServerCollisionShort, nodeCollisionShort, portsText } from './explain';
import { criticalPorts } from './nodePorts';
import type { Rule } from './rule';

const CONTROLLER: Record<AnnotationAddress['annotation'], string> = {
  'metallb.io/loadBalancerIPs': 'MetalLB',
  'metallb.universe.tf/loadBalancerIPs': 'MetalLB',
  'lbipam.cilium.io/ips': 'Cilium LB IPAM',
  'io.cilium/lb-ipam-ips': 'Cilium LB IPAM',
  'kube-vip.io/loadbalancerIPs': 'kube-vip',
};

/** Where an annotation address is, for messages: `metadata.annotations[metallb.io/loadBalancerIPs]`. */
export function annotationPath(service: ServiceObject, field: AnnotationAddress): string {
  return `${service.annotationsPath ?? 'metadata.annotations'}[${field.annotation}]`;
}

/** Load-balancer controllers act only on Services of type LoadBalancer; Helm values do not say their type. */
export function isLoadBalancer(service: ServiceObject): boolean {
  return service.type === 'LoadBalancer' || (service.annotationsPath !== undefined && service.type === undefined);
}

export const loadBalancerAnnotationNode: Rule = {
  id: 'loadbalancer-annotation-node',
  defaultSeverity: 'error',
  severityNote: 'error (warning in iptables/nftables mode, except kube-vip)',
  summary: "a load-balancer address annotation (MetalLB, Cilium, kube-vip) asking for a node's or the API server's address",
  checkService(service, ctx) {
    if (!isLoadBalancer(service)) return;
    for (const field of service.annotationAddresses) {
      const p = field.value !== undefined ? parseIP(field.value) : undefined;
      if (!p?.ok) continue;
      const owners = ctx.inventory.lookup(p.ip.key);
      if (!ownsAny(owners)) continue;
      const kubeVip = field.annotation === 'kube-vip.io/loadbalancerIPs';
      if (!kubeVip && ignoredBecause(service, p.ip.effectiveFamily)) continue;
      // The annotation's address becomes the ingress IP, which kube-router's strict validation may drop.
      if (!kubeVip && kubeRouterDrops(ctx.facts.proxyMode, ctx.facts.dataPlane, p.ip, 'loadBalancerIP')) continue;
      const mode = ctx.facts.proxyMode;
      const nodes = [...new Set(owners.nodes.map((n) => n.node))].join(', ');
      const ports = portsText(service.ports);
      const why = kubeVip
        ? `kube-vip adds it to the leader node's interface and answers ARP for it, so ${owners.apiServers.length ? 'the API server' : nodes} and the leader fight over it (kube-vip #1288).`
        : `${CONTROLLER[field.annotation]} publishes it as the ingress IP, and ${owners.apiServers.length ? apiServerCollisionShort(mode, ports, ctx.facts.dataPlane) : nodeCollisionShort(mode, nodes, ports, ctx.facts.dataPlane)}`;
      ctx.report(this, {
        span: field.span,
        message: `${annotationPath(service, field)} ${p.ip.text} is ${describeOwners(owners)}: ${why}`,
        severity: kubeVip ? 'error' : collisionSeverity(mode, ctx.facts.dataPlane, criticalPorts(service.ports).length > 0),
        related: ownerLocations(owners),
        fixes: field.viaAlias ? [] : ['use-pool-address'],
        address: p.ip.text,
      });
    }
  },
};
