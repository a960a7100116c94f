// ippool-node: a MetalLB IPAddressPool entry (CIDR or inclusive a-b range), a Calico IPPool cidr or a Gateway API
// Gateway IPAddress that contains a node's or the API server's address: an error. Ranges are exact; a CIDR with host
// bits set is reported, never silently masked.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, seedFacts, summarize } from './helpers';

function metallb(addresses: string[], o: { apiVersion?: string; name?: string } = {}): string {
  return [
    `apiVersion: ${o.apiVersion ?? 'metallb.io/v1beta1'}`,
    'kind: IPAddressPool',
    'metadata:',
    `  name: ${o.name ?? 'lan'}`,
    '  namespace: metallb-system',
    'spec:',
    '  addresses:',
    ...addresses.map((a) => `  - ${a}`),
    '',
  ].join('\n');
}

function calico(cidr: string, apiVersion = 'crd.projectcalico.org/v1'): string {
  return [`apiVersion: ${apiVersion}`, 'kind: IPPool', 'metadata:', '  name: default-ipv4-ippool', 'spec:', `  cidr: ${cidr}`, '  ipipMode: Always', ''].join('\n');
}

function gateway(addresses: string[][], apiVersion = 'gateway.networking.k8s.io/v1'): string {
  return [
    `apiVersion: ${apiVersion}`,
    'kind: Gateway',
    'metadata:',
    '  name: edge',
    'spec:',
    '  gatewayClassName: cilium',
    '  addresses:',
    ...addresses.flatMap(([first, ...rest]) => [`  - ${first}`, ...rest.map((l) => `    ${l}`)]),
    '  listeners:',
    '  - name: http',
    '    port: 80',
    '    protocol: HTTP',
    '',
  ].join('\n');
}

describe('ippool-node', () => {
  test('MetalLB: a CIDR containing both nodes is an error listing them', () => {
    const text = metallb(['192.168.0.0/24']);
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['ippool-node error "192.168.0.0/24"']);
    assert.match(fs[0].message, /^IPAddressPool lan range 192\.168\.0\.0\/24 contains 192\.168\.0\.10 /);
    assert.match(fs[0].message, /192\.168\.0\.11 \(the InternalIP of node k8s-node-1/);
    assert.match(fs[0].message, /API server address/);
    assert.equal(fs[0].related.length, 3);
  });

  test('MetalLB: an inclusive range whose last address is a node address is an error', () => {
    const text = metallb(['192.168.0.2-192.168.0.11']);
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['ippool-node error "192.168.0.2-192.168.0.11"']);
    assert.match(fs[0].message, /192\.168\.0\.11/);
    // A range whose first address is the node: inclusive at both ends.
    const first = metallb(['192.168.0.11-192.168.0.30']);
    assert.deepEqual(summarize(first, findings(first)), ['ippool-node error "192.168.0.11-192.168.0.30"']);
  });

  test('exactness near miss: a range ending one below a node (and one starting one above) is silent', () => {
    assert.deepEqual(findings(metallb(['192.168.0.1-192.168.0.9'])), []);
    assert.deepEqual(findings(metallb(['192.168.0.12-192.168.0.40'])), []);
    assert.deepEqual(findings(metallb(['192.168.0.1-192.168.0.9', '192.168.0.12-192.168.0.40', '192.168.1.0/24'])), []);
    // A /31 right below the master: 192.168.0.8-192.168.0.9.
    assert.deepEqual(findings(metallb(['192.168.0.8/31'])), []);
  });

  test('only the offending entry of several is reported', () => {
    const text = metallb(['192.168.0.100-192.168.0.120', '192.168.0.11/32']);
    assert.deepEqual(summarize(text, findings(text)), ['ippool-node error "192.168.0.11/32"']);
  });

  test('MetalLB: a CIDR with host bits is checked as the network MetalLB builds from it (ParseCIDR masks it)', () => {
    const text = metallb(['192.168.0.5/24']);
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['ippool-node error "192.168.0.5/24"']);
    assert.match(fs[0].message, /MetalLB reads it as 192\.168\.0\.0\/24, a CIDR with host bits set/);
    assert.match(fs[0].message, /192\.168\.0\.11/);
    // Near miss: the network it builds holds no node.
    assert.deepEqual(findings(metallb(['192.168.0.17/28'])), []);
  });

  test('Calico IPPool: a CIDR with host bits is a warning that says so, never silently masked', () => {
    const text = calico('192.168.0.5/24');
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['ippool-node warning "192.168.0.5/24"']);
    assert.match(fs[0].message, /host bits/);
    assert.match(fs[0].message, /192\.168\.0\.0\/24/);
  });

  test('near miss: a pool of another apiVersion is not MetalLB', () => {
    assert.deepEqual(findings(metallb(['192.168.0.0/24'], { apiVersion: 'example.com/v1' })), []);
  });

  test('Calico IPPool: a cidr containing a node is an error; the usual pod range is silent', () => {
    const text = calico('192.168.0.0/16');
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['ippool-node error "192.168.0.0/16"']);
    assert.match(fs[0].message, /^IPPool default-ipv4-ippool range 192\.168\.0\.0\/16 contains/);
    assert.match(fs[0].message, /k8s-node-1/);
    assert.deepEqual(findings(calico('10.244.0.0/16')), []);
  });

  test('Gateway: an IPAddress equal to a node address is an error', () => {
    const text = gateway([['type: IPAddress', 'value: 192.168.0.11']]);
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['ippool-node error "192.168.0.11"']);
    assert.match(fs[0].message, /^Gateway edge address 192\.168\.0\.11/);
    assert.match(fs[0].message, /k8s-node-1/);
  });

  test('Gateway: type omitted defaults to IPAddress', () => {
    const text = gateway([['value: 192.168.0.11']]);
    assert.deepEqual(summarize(text, findings(text)), ['ippool-node error "192.168.0.11"']);
  });

  // Istio's multi-network east-west peering (istio pilot/pkg/config/kube/gateway; istioctl's multicluster check): a
  // Gateway of class istio-remote names the other network's gateway address and provisions nothing in this cluster.
  test('near miss: a Gateway of class istio-remote is not an address claim', () => {
    const text = gateway([['type: IPAddress', 'value: 192.168.0.11']]).replace('gatewayClassName: cilium', 'gatewayClassName: istio-remote');
    assert.deepEqual(findings(text), []);
    // The same Gateway of class istio is one.
    const local = gateway([['type: IPAddress', 'value: 192.168.0.11']]).replace('gatewayClassName: cilium', 'gatewayClassName: istio');
    assert.deepEqual(summarize(local, findings(local)), ['ippool-node error "192.168.0.11"']);
  });

  test('Gateway near misses: type Hostname, a free IPAddress', () => {
    assert.deepEqual(findings(gateway([['type: Hostname', 'value: 192.168.0.11']])), []);
    assert.deepEqual(findings(gateway([['type: IPAddress', 'value: 192.168.0.15']])), []);
  });

  test('configured severity: warning, off', () => {
    const text = metallb(['192.168.0.0/24']);
    assert.deepEqual(summarize(text, findings(text, seedFacts({ extra: 'rules:\n  ippool-node: warning' }))), ['ippool-node warning "192.168.0.0/24"']);
    assert.deepEqual(findings(text, seedFacts({ extra: 'rules:\n  ippool-node: off' })), []);
  });
});
