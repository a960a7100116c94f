// Which Services kube-proxy programs at all (DOMAIN.md: "kube-proxy skips ..."; pkg/proxy/servicechangetracker.go
// and pkg/proxy/serviceport.go).
import type { ServiceObject } from './manifest';

/** Why kube-proxy never programs this Service's external addresses, if it does not (DOMAIN.md). */
export function ignoredBecause(service: ServiceObject, family?: 'IPv4' | 'IPv6'): string | undefined {
  if (service.type === 'ExternalName') return 'the Service is of type ExternalName';
  if (service.clusterIP === 'None') return 'the Service is headless (clusterIP: None)';
  if ('service.kubernetes.io/service-proxy-name' in service.labels) {
    return 'the Service has the service.kubernetes.io/service-proxy-name label, so kube-proxy leaves it to another proxy';
  }
  if (family && service.ipFamilies.length > 0 && !service.ipFamilies.includes(family)) {
    return `its family ${family} is not in spec.ipFamilies (${service.ipFamilies.join(', ')})`;
  }
  return undefined;
}
