// What the live cluster says about its data plane, as the loader hands it to the engine (facts/cluster/load.ts):
// Cilium's release from its DaemonSet's image tag decides whether a node address given to a Service loses every port
// (1.19's wildcard entries, cilium #40684 / #43206, until cilium #45572) or only the Service's; Cilium node IPAM as
// the default for Services without a class (cilium-config `default-lb-service-ipam: nodeipam`, cilium/cilium
// operator/pkg/nodeipam/nodesvclb.go isServiceSupported) makes their node addresses published by design. The hover
// names each fact's source.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, hoverAt, type ClusterFacts, type DataPlaneFacts, type FactSource } from '../../server/src/engine/index';
import { factsFromConfig, findings, seedConfigText, serviceOnPort, summarize } from './helpers';

const lab: FactSource = { kind: 'cluster', label: 'context lab' };

function liveFacts(mode: 'cilium' | 'iptables' | 'ipvs' | 'kube-router', dataPlane: DataPlaneFacts): ClusterFacts {
  return factsFromConfig(seedConfigText({ proxyMode: mode }), [{ source: lab, dataPlane: { ...dataPlane, source: lab } }]);
}

const ciliumAt = (version: string) =>
  liveFacts('cilium', { ciliumVersion: version, sources: { ciliumVersion: { kind: 'cluster', label: `context lab, DaemonSet kube-system/cilium image v${version}` } } });

describe('Cilium\'s release decides the consequence of a node address', () => {
  test('1.19: every port of the node is lost unless the fix of #45572 is in: an error, naming the release', () => {
    const text = serviceOnPort(['192.168.0.11'], 8888);
    const fs = findings(text, ciliumAt('1.19.2'));
    assert.deepEqual(summarize(text, fs), ['externalip-node error "192.168.0.11"']);
    assert.match(fs[0].message, /and Cilium 1\.19\.2 drops every other packet to it too unless it carries the fix of cilium #45572/);
  });

  test('before 1.19 and from 1.20 only the Service\'s ports are taken: a warning; a port the node serves: an error', () => {
    for (const version of ['1.18.6', '1.20.1']) {
      const text = serviceOnPort(['192.168.0.11'], 8888);
      const fs = findings(text, ciliumAt(version));
      assert.deepEqual(summarize(text, fs), ['externalip-node warning "192.168.0.11"'], version);
      assert.match(fs[0].message, new RegExp(`Cilium ${version.replace(/\./g, '\\.')}'s kube-proxy replacement matches it in eBPF on every node, so traffic meant for k8s-node-1 on 8888/TCP is taken by the Service; other ports keep working`));
      const ssh = serviceOnPort(['192.168.0.11'], 22);
      assert.deepEqual(summarize(ssh, findings(ssh, ciliumAt(version))), ['externalip-node error "192.168.0.11"'], version);
      const api = serviceOnPort(['192.168.0.10'], 6443);
      assert.deepEqual(summarize(api, findings(api, ciliumAt(version))), ['externalip-apiserver error "192.168.0.10"'], version);
    }
  });

  test('near miss: the release unknown (no tag read) keeps the worst case, and the release is ignored outside cilium mode', () => {
    const text = serviceOnPort(['192.168.0.11'], 8888);
    const unknown = findings(text, liveFacts('cilium', {}));
    assert.deepEqual(summarize(text, unknown), ['externalip-node error "192.168.0.11"']);
    assert.match(unknown[0].message, /a Cilium 1\.19 without the fix of cilium #45572 drops every other packet/);
    const ipvs = findings(text, liveFacts('ipvs', { ciliumVersion: '1.18.6' }));
    assert.deepEqual(summarize(text, ipvs), ['externalip-node error "192.168.0.11"']);
    assert.match(ipvs[0].message, /in IPVS mode kube-proxy binds it/);
  });

  test('the hover names the release and where it was read', () => {
    const text = serviceOnPort(['192.168.0.11'], 8888);
    const facts = ciliumAt('1.18.6');
    const h = hoverAt(analyze(text, facts), text.indexOf('192.168.0.11') + 2, facts)!;
    assert.match(h.markdown, /Proxy mode: Cilium 1\.18\.6 kube-proxy replacement/);
    assert.match(h.markdown, /Cilium 1\.18\.6 \(from context lab, DaemonSet kube-system\/cilium image v1\.18\.6\)/);
  });
});

// A LoadBalancer Service without a class, with the node addresses node IPAM writes into its status (the selected
// nodes' ExternalIPs, else InternalIPs, no ipMode: nodesvclb.go getNodeLoadBalancerIngresses).
function classless(port: number): string {
  return [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: web',
    '  namespace: default',
    'spec:',
    '  type: LoadBalancer',
    '  ports:',
    `  - {name: web, port: ${port}, protocol: TCP, targetPort: 8080}`,
    '  selector: {app: web}',
    'status:',
    '  loadBalancer:',
    '    ingress:',
    '    - ip: 192.168.0.11',
    '',
  ].join('\n');
}

describe('Cilium node IPAM as the default for Services without a class', () => {
  const nodeIPAM: DataPlaneFacts = { ciliumNodeIPAMDefault: true, sources: { ciliumNodeIPAMDefault: { kind: 'cluster', label: 'context lab, cilium-config enable-node-ipam: true, default-lb-service-ipam: nodeipam' } } };

  test('published by design: silent in iptables mode on a port the node does not serve, an error on SSH', () => {
    assert.deepEqual(findings(classless(80), liveFacts('iptables', nodeIPAM)), []);
    const fs = findings(classless(22), liveFacts('iptables', nodeIPAM));
    assert.deepEqual(summarize(classless(22), fs), ['loadbalancer-ingress-node error "192.168.0.11"']);
    assert.match(fs[0].message, /published by Cilium node IPAM \(its default for Services without a class\) by design, but this Service claims 22\/TCP \(SSH\)/);
  });

  test('IPVS takes it whole: an error that says node IPAM published it', () => {
    const fs = findings(classless(80), liveFacts('ipvs', nodeIPAM));
    assert.deepEqual(summarize(classless(80), fs), ['loadbalancer-ingress-node error "192.168.0.11"']);
    assert.match(fs[0].message, /published by Cilium node IPAM \(its default for Services without a class\) by design: in IPVS mode/);
  });

  test('near miss: without the default (lbipam), a classless Service\'s node address is the plain collision warning', () => {
    assert.deepEqual(summarize(classless(80), findings(classless(80), liveFacts('iptables', {}))), ['loadbalancer-ingress-node warning "192.168.0.11"']);
    // A Service of another class is never node IPAM's, default or not.
    const classed = classless(80).replace('  type: LoadBalancer\n', '  type: LoadBalancer\n  loadBalancerClass: metallb.io/metallb\n');
    assert.deepEqual(summarize(classed, findings(classed, liveFacts('iptables', nodeIPAM))), ['loadbalancer-ingress-node warning "192.168.0.11"']);
  });

  test('the hover says node IPAM takes classless Services, and from which keys of which cluster', () => {
    const text = classless(80);
    const facts = liveFacts('ipvs', nodeIPAM);
    const h = hoverAt(analyze(text, facts), text.indexOf('192.168.0.11') + 2, facts)!;
    assert.match(h.markdown, /Cilium node IPAM takes Services without a class \(from context lab, cilium-config enable-node-ipam: true, default-lb-service-ipam: nodeipam\)/);
  });
});

// kube-router v2.8.0+ with --strict-external-ip-validation (default true) programs an externalIP only inside
// --service-external-ip-range and a load-balancer IP only inside --loadbalancer-ip-range, never inside
// --service-cluster-ip-range (cloudnativelabs/kube-router pkg/svcip/validator.go, applied in
// pkg/controllers/proxy/network_services_controller.go).
describe('kube-router\'s strict external IP validation, as its DaemonSet runs it', () => {
  const router = (kubeRouter: Partial<NonNullable<DataPlaneFacts['kubeRouter']>>) =>
    liveFacts('kube-router', { kubeRouter: { version: '2.8.1', strict: true, externalIPRanges: [], loadBalancerIPRanges: [], clusterIPRanges: ['10.96.0.0/12'], ...kubeRouter } });

  test('no range: the node address is never programmed, so no outage; externalip-ignored says why, as information', () => {
    const text = serviceOnPort(['192.168.0.11'], 80);
    const fs = findings(text, router({}));
    assert.deepEqual(summarize(text, fs), ['externalip-ignored info "192.168.0.11"']);
    assert.equal(
      fs[0].message,
      'kube-router ignores 192.168.0.11: kube-router v2.8.1 validates service addresses strictly (--strict-external-ip-validation) and has no --service-external-ip-range, so it programs no externalIPs. It is the InternalIP of node k8s-node-1 (from .kube-ip-guard.yaml): harmless here, an outage once kube-router programs it.',
    );
    const outside = findings(text, router({ externalIPRanges: ['203.0.113.0/24'] }));
    assert.match(outside[0].message, /programs only externalIPs inside --service-external-ip-range \(203\.0\.113\.0\/24\)/);
  });

  test('a range holding the node address (host bits masked as Go does), or validation off: the outage error as before', () => {
    const text = serviceOnPort(['192.168.0.11'], 80);
    for (const kr of [{ externalIPRanges: ['192.168.0.0/24'] }, { externalIPRanges: ['192.168.0.7/24'] }, { strict: false }]) {
      const fs = findings(text, router(kr));
      assert.deepEqual(summarize(text, fs), ['externalip-node error "192.168.0.11"'], JSON.stringify(kr));
      assert.match(fs[0].message, /kube-router's service proxy binds it to kube-dummy-if on every node/);
    }
  });

  test('load-balancer IPs follow --loadbalancer-ip-range, not the externalIP range', () => {
    const lb = classless(80);
    assert.deepEqual(findings(lb, router({ externalIPRanges: ['192.168.0.0/24'] })), []);
    assert.deepEqual(summarize(lb, findings(lb, router({ loadBalancerIPRanges: ['192.168.0.0/24'] }))), ['loadbalancer-ingress-node error "192.168.0.11"']);
  });

  test('near miss: the same facts in another mode change nothing', () => {
    const text = serviceOnPort(['192.168.0.11'], 80);
    const ipvs = factsFromConfig(seedConfigText({ proxyMode: 'ipvs' }), [{ source: lab, dataPlane: { kubeRouter: { version: '2.8.1', strict: true, externalIPRanges: [], loadBalancerIPRanges: [], clusterIPRanges: [] }, source: lab } }]);
    assert.deepEqual(summarize(text, findings(text, ipvs)), ['externalip-node error "192.168.0.11"']);
  });
});
