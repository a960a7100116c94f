// Live objects for the audit's tests: the seed cluster's Services, pools and load-balancer status.
import type { StandinOptions } from './standin';
import type { KubeObject } from './standinObjects';

export function service(ns: string, name: string, spec: Record<string, unknown> = {}, status?: Record<string, unknown>): KubeObject {
  return {
    metadata: { name, namespace: ns, uid: `uid-${ns}-${name}`, resourceVersion: '100', creationTimestamp: '2024-04-20T08:32:40Z', managedFields: [{ manager: 'kubectl', operation: 'Update' }] },
    spec: { clusterIP: '10.70.0.50', clusterIPs: ['10.70.0.50'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { app: name }, type: 'ClusterIP', ...spec },
    status: status ?? { loadBalancer: {} },
  };
}

/** The seed cluster (two nodes, IPVS, API server 192.168.0.10:6443) whose default/busybox has a node's address at index 1. */
export function seedObjects(): NonNullable<StandinOptions['objects']> {
  return {
    '/api/v1/services': {
      kind: 'Service',
      items: [
        service('default', 'kubernetes', { clusterIP: '10.70.0.1', clusterIPs: ['10.70.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], selector: undefined }),
        service('default', 'busybox', { clusterIP: '10.70.0.60', clusterIPs: ['10.70.0.60'], externalIPs: ['192.168.0.20', '192.168.0.11'] }),
        service('kube-system', 'kube-dns', { clusterIP: '10.70.0.10', clusterIPs: ['10.70.0.10'], ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }] }),
      ],
    },
  };
}

export function poolObjects(): NonNullable<StandinOptions['objects']> {
  const objects = seedObjects();
  (objects['/api/v1/services'].items[1].spec as { externalIPs: string[] }).externalIPs = ['192.168.0.20'];
  objects['/api/v1/services'].items.push(
    service('web', 'ingress', { type: 'LoadBalancer', clusterIP: '10.70.0.70', clusterIPs: ['10.70.0.70'] }, { loadBalancer: { ingress: [{ ip: '192.168.0.30', ipMode: 'VIP' }, { ip: '192.168.0.11', ipMode: 'VIP' }] } }),
  );
  objects['/apis/metallb.io/v1beta1/ipaddresspools'] = {
    kind: 'IPAddressPool',
    items: [{ metadata: { name: 'lan', namespace: 'metallb-system', resourceVersion: '7' }, spec: { addresses: ['192.168.1.0/24', '192.168.0.8-192.168.0.15'], autoAssign: true } }],
  };
  objects['/apis/crd.projectcalico.org/v1/ippools'] = {
    kind: 'IPPool',
    items: [{ metadata: { name: 'default-ipv4-ippool', resourceVersion: '8' }, spec: { cidr: '10.0.0.0/16', ipipMode: 'Always', natOutgoing: true } }],
  };
  return objects;
}

