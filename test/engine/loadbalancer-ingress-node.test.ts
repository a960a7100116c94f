// loadbalancer-ingress-node: kube-proxy binds status.loadBalancer.ingress[].ip (ipMode unset or VIP, family served)
// like an externalIP, so a load-balancer controller handing out a node's or the API server's address causes the
// same outage: an error in IPVS mode, a warning otherwise.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, seedFacts, summarize } from './helpers';

/** A LoadBalancer Service whose status has one ingress entry: `ingress` lines go under `- ip: <ip>`. */
function lbService(ip: string, o: { ingress?: string[]; spec?: string[]; port?: number } = {}): string {
  return [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: lb',
    'spec:',
    '  type: LoadBalancer',
    ...(o.spec ?? []),
    '  ports:',
    `  - port: ${o.port ?? 80}`,
    '    protocol: TCP',
    'status:',
    '  loadBalancer:',
    '    ingress:',
    `    - ip: ${ip}`,
    ...(o.ingress ?? []),
    '',
  ].join('\n');
}

describe('loadbalancer-ingress-node', () => {
  test('ipMode unset, node address, IPVS: an error on the ingress ip', () => {
    const text = lbService('192.168.0.11');
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['loadbalancer-ingress-node error "192.168.0.11"']);
    assert.match(fs[0].message, /^status\.loadBalancer\.ingress\[0\]\.ip 192\.168\.0\.11 is the InternalIP of node k8s-node-1/);
    assert.match(fs[0].message, /binds it to kube-ipvs0 on every node/);
    assert.equal(fs[0].data.address, '192.168.0.11');
    assert.equal(fs[0].related[0].location?.line, 4);
  });

  test('ipMode VIP is the same as unset', () => {
    const text = lbService('192.168.0.11', { ingress: ['      ipMode: VIP'] });
    assert.deepEqual(summarize(text, findings(text)), ['loadbalancer-ingress-node error "192.168.0.11"']);
  });

  test('iptables and nftables: a warning', () => {
    for (const mode of ['iptables', 'nftables'] as const) {
      const text = lbService('192.168.0.11');
      const fs = findings(text, seedFacts({ proxyMode: mode }));
      assert.deepEqual(summarize(text, fs), ['loadbalancer-ingress-node warning "192.168.0.11"'], mode);
      assert.match(fs[0].message, new RegExp(`in ${mode} mode`));
      assert.match(fs[0].message, /80\/TCP on k8s-node-1/);
    }
  });

  test('the API server address: says so', () => {
    const text = lbService('192.168.0.10');
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['loadbalancer-ingress-node error "192.168.0.10"']);
    assert.match(fs[0].message, /API server address \(192\.168\.0\.10:6443/);
    assert.match(fs[0].message, /NotReady/);
  });

  test('the second ingress entry: index and span of that entry only', () => {
    const text = lbService('192.168.0.20', { ingress: ['    - ip: 192.168.0.11'] });
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['loadbalancer-ingress-node error "192.168.0.11"']);
    assert.match(fs[0].message, /ingress\[1\]\.ip/);
  });

  test('near miss: ipMode Proxy is not bound by kube-proxy', () => {
    for (const mode of ['ipvs', 'iptables'] as const) {
      assert.deepEqual(findings(lbService('192.168.0.11', { ingress: ['      ipMode: Proxy'] }), seedFacts({ proxyMode: mode })), [], mode);
    }
  });

  test('near miss: a family not in spec.ipFamilies is not bound', () => {
    assert.deepEqual(findings(lbService('192.168.0.11', { spec: ['  ipFamilies: [IPv6]'] })), []);
    // The family served still is.
    const served = lbService('192.168.0.11', { spec: ['  ipFamilies: [IPv6, IPv4]'] });
    assert.deepEqual(summarize(served, findings(served)), ['loadbalancer-ingress-node error "192.168.0.11"']);
  });

  test('near miss: an address no node owns, and a hostname-only ingress', () => {
    assert.deepEqual(findings(lbService('192.168.0.15')), []);
    const hostname = lbService('192.168.0.15').replace('    - ip: 192.168.0.15', '    - hostname: lb.example.com');
    assert.deepEqual(findings(hostname), []);
  });

  test('configured severity overrides the mode: warning in IPVS, info, off', () => {
    const text = lbService('192.168.0.11');
    assert.deepEqual(summarize(text, findings(text, seedFacts({ extra: 'rules:\n  loadbalancer-ingress-node: warning' }))), ['loadbalancer-ingress-node warning "192.168.0.11"']);
    assert.deepEqual(summarize(text, findings(text, seedFacts({ proxyMode: 'iptables', extra: 'rules:\n  loadbalancer-ingress-node: error' }))), ['loadbalancer-ingress-node error "192.168.0.11"']);
    assert.deepEqual(findings(text, seedFacts({ extra: 'rules:\n  loadbalancer-ingress-node: off' })), []);
  });
});

// k3s ServiceLB: a LoadBalancer Service's status as k3s writes it (node addresses as ingress IPs; k3s
// pkg/cloudprovider/servicelb.go, `kubectl get svc traefik -n kube-system -o yaml` on a k3s node).
describe('loadbalancer-ingress-node with k3s ServiceLB', () => {
  const traefik = [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: traefik',
    '  namespace: kube-system',
    'spec:',
    '  type: LoadBalancer',
    '  ports:',
    '  - {name: web, port: 80, protocol: TCP}',
    'status:',
    '  loadBalancer:',
    '    ingress:',
    '    - ip: 192.168.0.11',
    '      ipMode: VIP',
    '',
  ].join('\n');
  const withPlane = (mode: 'iptables' | 'ipvs', dataPlane: { serviceLB?: boolean; kubeVipServices?: boolean }) => {
    const f = seedFacts({ proxyMode: mode });
    return { ...f, dataPlane };
  };

  test('node addresses in the status by design: silent in iptables mode (near miss)', () => {
    assert.deepEqual(findings(traefik, withPlane('iptables', { serviceLB: true })), []);
    // Without ServiceLB the same status is a warning in iptables mode.
    assert.deepEqual(summarize(traefik, findings(traefik, seedFacts({ proxyMode: 'iptables' }))), ['loadbalancer-ingress-node warning "192.168.0.11"']);
  });

  test('an error with IPVS, and with kube-vip in services mode whatever the proxy mode', () => {
    assert.deepEqual(summarize(traefik, findings(traefik, withPlane('ipvs', { serviceLB: true }))), ['loadbalancer-ingress-node error "192.168.0.11"']);
    assert.deepEqual(summarize(traefik, findings(traefik, withPlane('iptables', { serviceLB: true, kubeVipServices: true }))), ['loadbalancer-ingress-node error "192.168.0.11"']);
  });
});

// Cilium node IPAM: a LoadBalancer Service of class io.cilium/node (Cilium Documentation/network/node-ipam.rst), its
// status as the operator writes it (operator/pkg/nodeipam/node_svc_lb_reconciler.go: the selected nodes' ExternalIPs,
// else InternalIPs, no ipMode).
describe('loadbalancer-ingress-node with Cilium node IPAM', () => {
  const nodeIPAM = (port = 80, cls = 'io.cilium/node') =>
    [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: web',
      '  namespace: default',
      'spec:',
      '  type: LoadBalancer',
      `  loadBalancerClass: ${cls}`,
      '  externalTrafficPolicy: Cluster',
      '  ipFamilies: [IPv4]',
      '  ports:',
      `  - {name: web, port: ${port}, protocol: TCP, targetPort: 8080}`,
      '  selector: {app: web}',
      'status:',
      '  loadBalancer:',
      '    ingress:',
      '    - ip: 192.168.0.10',
      '    - ip: 192.168.0.11',
      '',
    ].join('\n');

  test('node addresses by design: silent with iptables, nftables and Cilium\'s kube-proxy replacement (near miss)', () => {
    for (const mode of ['iptables', 'nftables', 'cilium'] as const) assert.deepEqual(findings(nodeIPAM(), seedFacts({ proxyMode: mode })), [], mode);
  });

  test('an error where the data plane takes the address whole (kube-proxy IPVS, kube-router), or kube-vip binds it', () => {
    for (const mode of ['ipvs', 'kube-router'] as const) {
      const fs = findings(nodeIPAM(), seedFacts({ proxyMode: mode }));
      assert.deepEqual(summarize(nodeIPAM(), fs), ['loadbalancer-ingress-node error "192.168.0.10"', 'loadbalancer-ingress-node error "192.168.0.11"'], mode);
      assert.match(fs[1].message, /k8s-node-1 \(from \.kube-ip-guard\.yaml\), published by Cilium node IPAM by design: .*kube-(ipvs0|dummy-if) on every node/);
    }
    assert.equal(findings(nodeIPAM(), seedFacts({ proxyMode: 'iptables', extra: 'kubeVipServices: true' })).length, 2);
  });

  test('by design but on a port the node serves itself: an error in every mode', () => {
    const ssh = nodeIPAM(22);
    const fs = findings(ssh, seedFacts({ proxyMode: 'cilium' }));
    assert.deepEqual(summarize(ssh, fs), ['loadbalancer-ingress-node error "192.168.0.10"', 'loadbalancer-ingress-node error "192.168.0.11"']);
    assert.match(fs[0].message, /published by Cilium node IPAM by design, but this Service claims 22\/TCP \(SSH\) on it: Cilium's kube-proxy replacement sends that port/);
    // The API server's own port on its host (the seed's 192.168.0.10:6443), in iptables mode.
    const api = nodeIPAM(6443);
    assert.deepEqual(summarize(api, findings(api, seedFacts({ proxyMode: 'iptables' }))), ['loadbalancer-ingress-node error "192.168.0.10"', 'loadbalancer-ingress-node error "192.168.0.11"']);
    assert.match(findings(api, seedFacts({ proxyMode: 'iptables' }))[0].message, /6443\/TCP \(the Kubernetes API server\)/);
  });

  test('another class is not node IPAM: the plain collision warning in iptables mode', () => {
    const other = nodeIPAM(80, 'io.cilium/l2-announcer');
    assert.deepEqual(summarize(other, findings(other, seedFacts({ proxyMode: 'iptables' }))), ['loadbalancer-ingress-node warning "192.168.0.10"', 'loadbalancer-ingress-node warning "192.168.0.11"']);
  });

  test('k3s ServiceLB declared in the config file (serviceLB: true) when the cluster is not read', () => {
    const text = nodeIPAM().replace('  loadBalancerClass: io.cilium/node\n', '');
    assert.deepEqual(findings(text, seedFacts({ proxyMode: 'iptables', extra: 'serviceLB: true' })), []);
    assert.equal(findings(text, seedFacts({ proxyMode: 'iptables' })).length, 2);
    // A Service of another class is not ServiceLB's (a cloud provider's service controller skips classed Services).
    const classed = nodeIPAM(80, 'metallb.io/metallb');
    assert.equal(findings(classed, seedFacts({ proxyMode: 'iptables', extra: 'serviceLB: true' })).length, 2);
  });
});
