// ippool-node over every pool kind pools.ts lists, each from a file shaped like its project's docs:
// Cilium Documentation/network/lb-ipam.rst (blue-pool: blocks cidr, start/stop), MetalLB v0.12
// website/content/configuration/_index.md (ConfigMap metallb-system/config, `config: |`), kube-vip-cloud-provider
// README.md (ConfigMap kube-system/kubevip, cidr-<namespace>/range-<namespace>), OpenELB
// docs/content/en/docs/getting-started/usage/use-openelb-in-layer-2-mode.md (Eip eip-sample-pool), Calico
// calico/networking/configuring/advertise-service-ips.mdx (BGPConfiguration default) and
// calico/networking/ipam/service-loadbalancer.mdx (IPPool with allowedUses: [LoadBalancer]).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, lineOf, seedFacts, summarize } from './helpers';
import { POOL_KINDS } from '../../server/src/engine/index';

const cilium = (blocks: string[]) =>
  ['apiVersion: "cilium.io/v2alpha1"', 'kind: CiliumLoadBalancerIPPool', 'metadata:', '  name: "blue-pool"', 'spec:', '  blocks:', ...blocks, ''].join('\n');

const metallbConfigMap = (addresses: string[], o: { namespace?: string; name?: string } = {}) =>
  [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  namespace: ${o.namespace ?? 'metallb-system'}`,
    `  name: ${o.name ?? 'config'}`,
    'data:',
    '  config: |',
    '    address-pools:',
    '    - name: default',
    '      protocol: layer2',
    '      addresses:',
    ...addresses.map((a) => `      - ${a}`),
    '',
  ].join('\n');

const kubevip = (data: string[], name = 'kubevip') => ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: ${name}`, '  namespace: kube-system', 'data:', ...data.map((d) => `  ${d}`), ''].join('\n');

const eip = (address: string) =>
  [
    'apiVersion: network.kubesphere.io/v1alpha2',
    'kind: Eip',
    'metadata:',
    '  name: eip-sample-pool',
    '  annotations:',
    '    eip.openelb.kubesphere.io/is-default-eip: "true"',
    'spec:',
    `  address: ${address}`,
    '  protocol: layer2',
    '  interface: eth0',
    '  disable: false',
    '',
  ].join('\n');

const bgp = (lines: string[]) => ['apiVersion: projectcalico.org/v3', 'kind: BGPConfiguration', 'metadata:', '  name: default', 'spec:', ...lines, ''].join('\n');

const calicoLB = (cidr: string, uses: string[]) =>
  ['apiVersion: projectcalico.org/v3', 'kind: IPPool', 'metadata:', '  name: loadbalancer-ip-pool', 'spec:', `  cidr: ${cidr}`, '  blockSize: 24', '  natOutgoing: true', '  disabled: false', '  allowedUses:', ...uses.map((u) => `    - ${u}`), ''].join('\n');

describe('pools: CiliumLoadBalancerIPPool', () => {
  test('a block cidr containing a node (v2alpha1 and v2)', () => {
    for (const v of ['v2alpha1', 'v2']) {
      const text = cilium(['  - cidr: "10.0.10.0/24"', '  - cidr: "192.168.0.0/28"']).replace('v2alpha1', v);
      const fs = findings(text);
      assert.deepEqual(summarize(text, fs), ['ippool-node error "\\"192.168.0.0/28\\""'], v);
      assert.match(fs[0].message, /^CiliumLoadBalancerIPPool blue-pool range 192\.168\.0\.0\/28 contains 192\.168\.0\.10/);
    }
  });

  test('a start/stop block whose range holds the node; near miss: one that stops just before', () => {
    const text = cilium(['  - start: "192.168.0.2"', '    stop: "192.168.0.11"']);
    assert.deepEqual(summarize(text, findings(text)), ['ippool-node error "\\"192.168.0.2\\""']);
    assert.deepEqual(findings(cilium(['  - start: "192.168.0.2"', '    stop: "192.168.0.9"'])), []);
    assert.deepEqual(findings(cilium(['  - start: "192.168.0.12"'])), []);
  });

  test('a start-only block is that one address', () => {
    const text = cilium(['  - start: "192.168.0.11"']);
    assert.deepEqual(summarize(text, findings(text)), ['ippool-node error "\\"192.168.0.11\\""']);
  });

  test('near miss: the docs pool itself, and another group of the same kind name', () => {
    assert.deepEqual(findings(cilium(['  - cidr: "10.0.10.0/24"', '  - cidr: "2004::0/64"', '  - start: "20.0.20.100"', '    stop: "20.0.20.200"'])), []);
    assert.deepEqual(findings(cilium(['  - cidr: "192.168.0.0/24"']).replace('cilium.io/v2alpha1', 'example.com/v1')), []);
  });
});

describe('pools: the MetalLB ConfigMap (before 0.13)', () => {
  test('an address inside the config string is reported at its own line and column', () => {
    const text = metallbConfigMap(['192.168.1.240-192.168.1.250', '192.168.0.11/32']);
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['ippool-node error "192.168.0.11/32"']);
    assert.equal(lineOf(text, fs[0].span.start), 12);
    assert.match(fs[0].message, /^MetalLB ConfigMap metallb-system\/config pool default range 192\.168\.0\.11\/32 contains 192\.168\.0\.11/);
  });

  test('a CIDR with host bits is checked as the network MetalLB builds (net.ParseCIDR)', () => {
    const text = metallbConfigMap(['192.168.0.5/24']);
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['ippool-node error "192.168.0.5/24"']);
    assert.match(fs[0].message, /MetalLB reads it as 192\.168\.0\.0\/24/);
  });

  test('a YAML error inside the string is reported inside it', () => {
    const text = metallbConfigMap(['[192.168.0.11']);
    const fs = findings(text).filter((f) => f.rule === 'yaml-syntax');
    assert.equal(fs.length, 1);
    assert.ok(fs[0].span.start > text.indexOf('config: |'), 'inside the string');
    assert.match(fs[0].message, /embedded YAML/);
  });

  test('near misses: the docs range, a ConfigMap of another name or namespace', () => {
    assert.deepEqual(findings(metallbConfigMap(['192.168.1.240-192.168.1.250'])), []);
    assert.deepEqual(findings(metallbConfigMap(['192.168.0.0/24'], { name: 'other' })), []);
    assert.deepEqual(findings(metallbConfigMap(['192.168.0.0/24'], { namespace: 'default' })), []);
  });
});

describe('pools: the kube-vip cloud provider ConfigMap', () => {
  test('cidr-<ns> and range-<ns>, comma-separated: the offending item, exactly', () => {
    const text = kubevip(['cidr-default: 192.168.0.200/29', 'range-development: 192.168.0.210-192.168.0.219', 'cidr-finance: 192.168.0.220/29,192.168.0.8/29', 'range-global: 192.168.0.220-192.168.0.221']);
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['ippool-node error "192.168.0.8/29"']);
    assert.match(fs[0].message, /^kube-vip ConfigMap kube-system\/kubevip data\.cidr-finance range 192\.168\.0\.8\/29 contains 192\.168\.0\.10/);
  });

  test('near miss: the README pools, another ConfigMap, a key that is not a pool', () => {
    assert.deepEqual(findings(kubevip(['cidr-default: 192.168.0.200/29', 'range-global: 192.168.0.220-192.168.0.221'])), []);
    assert.deepEqual(findings(kubevip(['range-global: 192.168.0.2-192.168.0.20'], 'other')), []);
    assert.deepEqual(findings(kubevip(['allow-share-global: "true"', 'interface-global: eth0'])), []);
  });
});

describe('pools: OpenELB Eip', () => {
  test('a range, an address, a CIDR (masked as OpenELB does) holding a node', () => {
    for (const a of ['192.168.0.91-192.168.0.100'.replace('91', '1'), '192.168.0.11', '192.168.0.9/29']) {
      const text = eip(a);
      const fs = findings(text);
      assert.deepEqual(summarize(text, fs), [`ippool-node error ${JSON.stringify(a)}`], a);
      assert.match(fs[0].message, /^Eip eip-sample-pool range/);
    }
  });

  test('near miss: the docs range', () => {
    assert.deepEqual(findings(eip('192.168.0.91-192.168.0.100')), []);
  });
});

describe('pools: Calico', () => {
  test('BGPConfiguration service ranges: advertised and blackholed, an error naming the field', () => {
    const text = bgp(['  serviceClusterIPs:', '  - cidr: 10.96.0.0/12', '  serviceExternalIPs:', '  - cidr: 104.244.42.129/32', '  - cidr: 192.168.0.0/24', '  serviceLoadBalancerIPs:', '  - cidr: 192.168.0.11/32']);
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['ippool-node error "192.168.0.0/24"', 'ippool-node error "192.168.0.11/32"']);
    assert.match(fs[0].message, /^BGPConfiguration default spec\.serviceExternalIPs\[1\]\.cidr range 192\.168\.0\.0\/24 contains/);
    assert.match(fs[0].message, /blackhole route/);
    assert.match(fs[1].message, /serviceLoadBalancerIPs/);
  });

  test('near miss: the docs ranges', () => {
    assert.deepEqual(findings(bgp(['  serviceClusterIPs:', '  - cidr: 10.96.0.0/12', '  serviceExternalIPs:', '  - cidr: 104.244.42.129/32', '  - cidr: 172.217.3.0/24'])), []);
  });

  test('an IPPool with allowedUses LoadBalancer hands addresses to Services; with Workload only, to pods', () => {
    const lb = calicoLB('192.168.0.0/20', ['LoadBalancer']);
    const fs = findings(lb);
    assert.deepEqual(summarize(lb, fs), ['ippool-node error "192.168.0.0/20"']);
    assert.match(fs[0].message, /kube-ipvs0/);
    const pods = findings(calicoLB('192.168.0.0/20', ['Workload', 'Tunnel']));
    assert.match(pods[0].message, /to a pod/);
    assert.deepEqual(findings(calicoLB('192.210.0.0/20', ['LoadBalancer'])), []);
  });
});

describe('pools: data planes and the one list', () => {
  test('the consequence follows the data plane', () => {
    const text = eip('192.168.0.11');
    assert.match(findings(text, seedFacts({ proxyMode: 'kube-router' }))[0].message, /kube-dummy-if/);
    assert.match(findings(text, seedFacts({ proxyMode: 'iptables' }))[0].message, /caught by kube-proxy's rules on every node \(iptables mode: DNAT to its endpoints, REJECT without\)/);
  });

  test('POOL_KINDS names every kind read, once per source, with its upstream definition', () => {
    assert.deepEqual(POOL_KINDS.map((k) => k.source).sort(), ['calico-bgp', 'calico-ippool', 'cilium', 'gateway', 'kube-vip', 'metallb', 'metallb-configmap', 'openelb']);
    for (const k of POOL_KINDS) assert.ok(k.upstream && k.groups.length && k.versions.length, k.source);
  });
});
