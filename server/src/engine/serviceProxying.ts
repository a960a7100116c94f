// Which Service addresses kube-proxy programs at all, release by release.
//
// - cmd/kube-proxy/app/server.go: kube-proxy watches Services with the label selector
//   `!service.kubernetes.io/service-proxy-name, !service.kubernetes.io/headless` (any value of either label hides
//   the Service from it).
// - pkg/proxy/servicechangetracker.go / service.go: no ClusterIP of the proxier's family (ExternalName, headless
//   `clusterIP: None`, or a Service of the other family) means no service info at all; externalIPs and ingress IPs of
//   the other family are dropped (FilterIncorrectIPVersion / GetIPFamilyFromIP, with ParseIPSloppy: IPv4-mapped IPv6
//   counts as IPv4); ingress IPs with `ipMode: Proxy` are skipped once LoadBalancerIPMode is on (IsVIPMode).
// - The API server fills spec.ipFamilies from spec.clusterIP(s) (registry/core/service/storage alloc.go), so a
//   manifest without ipFamilies has the family of its ClusterIP; without either, the cluster default (unknown here).
// - 1.36's kube-proxy gate AllowServiceExternalIPs (KEP-5707) decides whether externalIPs are programmed at all.
import { parseIP, type IPFamily, type ParsedIP } from './addresses';
import { kubeRouterDrops } from './dataPlanes';
import type { ClusterFacts } from './facts';
import { behaviourSource, type KubernetesBehaviour } from './kubernetesVersions';
import type { KubernetesContext } from './rules/rule';
import type { LoadBalancerIngress, ServiceObject } from './manifest';

export const SERVICE_PROXY_NAME_LABEL = 'service.kubernetes.io/service-proxy-name';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** The families the Service will have once the API server has defaulted it; undefined when that depends on the cluster. */
export function serviceFamilies(service: ServiceObject): IPFamily[] | undefined {
  const declared = service.ipFamilies.filter((f): f is IPFamily => f === 'IPv4' || f === 'IPv6');
  if (declared.length > 0) return declared;
  const ips = service.clusterIPs.length > 0 ? service.clusterIPs : service.clusterIP !== undefined ? [service.clusterIP] : [];
  const families: IPFamily[] = [];
  for (const ip of ips) {
    const p = parseIP(ip);
    if (p.ok && !families.includes(p.ip.effectiveFamily)) families.push(p.ip.effectiveFamily);
  }
  if (families.length === 0) return undefined;
  // A dual-stack policy with one ClusterIP given gets the other family allocated too, on a dual-stack cluster.
  if (families.length === 1 && (service.ipFamilyPolicy === 'PreferDualStack' || service.ipFamilyPolicy === 'RequireDualStack')) return undefined;
  return families;
}

/** Why kube-proxy never programs any address of this Service, or one of `family`, if it does not. */
export function ignoredBecause(service: ServiceObject, family?: IPFamily): string | undefined {
  if (service.type === 'ExternalName') return 'the Service is of type ExternalName';
  if (service.clusterIP === 'None') return 'the Service is headless (clusterIP: None)';
  if (SERVICE_PROXY_NAME_LABEL in service.labels) {
    return `the Service has the ${SERVICE_PROXY_NAME_LABEL} label, so kube-proxy leaves it to another proxy`;
  }
  if (HEADLESS_LABEL in service.labels) return `the Service has the ${HEADLESS_LABEL} label, which kube-proxy's Service watch excludes`;
  if (family) {
    const families = serviceFamilies(service);
    if (families && !families.includes(family)) {
      return service.ipFamilies.length > 0
        ? `its family ${family} is not in spec.ipFamilies (${service.ipFamilies.join(', ')})`
        : `it is ${family} and the Service is ${families.join('/')} only (the API server sets ipFamilies from clusterIP ${service.clusterIPs[0] ?? service.clusterIP})`;
    }
  }
  return undefined;
}

/** For an externalIP: the Service-wide reasons, and kube-proxy's AllowServiceExternalIPs gate. */
export function externalIPIgnoredBecause(service: ServiceObject, family: IPFamily, k: KubernetesContext, facts?: ClusterFacts, ip?: ParsedIP): string | undefined {
  const why = ignoredBecause(service, family);
  if (why) return why;
  const dropped = facts && ip ? kubeRouterDrops(facts.proxyMode, facts.dataPlane, ip, 'externalIP') : undefined;
  if (dropped) return dropped;
  if (!k.behaviour.externalIPsProgrammed) {
    const set = k.gates.externalIPsProgrammed;
    return set
      ? `kube-proxy's AllowServiceExternalIPs gate is off (featureGates, from ${set.source}), so no externalIP is programmed`
      : `kube-proxy's AllowServiceExternalIPs gate is off by default in 1.${k.minor} (${behaviourSource('externalIPsProgrammed', k.minor)}), so no externalIP is programmed`;
  }
  return undefined;
}

/** For a status.loadBalancer.ingress[] entry: the Service-wide reasons, and ipMode Proxy where kube-proxy honours it. */
export function ingressIgnoredBecause(service: ServiceObject, ingress: LoadBalancerIngress, family: IPFamily, b: KubernetesBehaviour): string | undefined {
  const why = ignoredBecause(service, family);
  if (why) return why;
  // IsVIPMode: with LoadBalancerIPMode on, anything but an absent ipMode or "VIP" is left to the load balancer.
  if (b.ipModeHonoured && ingress.ipMode !== undefined && ingress.ipMode !== 'VIP') return `its ipMode is ${ingress.ipMode}: the load balancer delivers the traffic and kube-proxy programs nothing for it`;
  return undefined;
}
