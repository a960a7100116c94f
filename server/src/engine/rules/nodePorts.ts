// Ports a node itself serves (kubernetes.io "Ports and Protocols", plus SSH, DNS, BGP and the usual overlay
// networks). In iptables/nftables mode an externalIP equal to a node address hijacks exactly the Service's ports on
// that node (CVE-2020-8554), so these are the ones that take the node down.
import type { ServicePort } from '../manifest';

export const CRITICAL_NODE_PORTS: Readonly<Record<string, Record<number, string>>> = {
  TCP: {
    22: 'SSH',
    53: 'DNS',
    179: 'BGP (Calico and other BGP speakers)',
    2379: 'etcd client API',
    2380: 'etcd peer API',
    6443: 'the Kubernetes API server',
    10250: 'the kubelet API',
    10256: 'kube-proxy health check',
    10257: 'kube-controller-manager',
    10259: 'kube-scheduler',
  },
  UDP: {
    53: 'DNS',
    4789: 'VXLAN',
    8472: 'VXLAN (flannel, Cilium)',
    51820: 'WireGuard',
  },
};

export function criticalPorts(ports: readonly ServicePort[]): { port: number; protocol: string; what: string }[] {
  const out: { port: number; protocol: string; what: string }[] = [];
  for (const p of ports) {
    if (p.port === undefined) continue;
    const protocol = (p.protocol || 'TCP').toUpperCase();
    const what = CRITICAL_NODE_PORTS[protocol]?.[p.port];
    if (what) out.push({ port: p.port, protocol, what });
  }
  return out;
}
