// The externalip-node refinement (issue 5): in IPVS mode a node's address as an externalIP takes the node out of the
// cluster (error); in iptables/nftables mode only the Service's own ports on that node are hijacked (warning), unless
// one of them is a port the node serves, where externalip-critical-port reports it instead.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { factsFromConfig, findings, seedConfigText, seedFacts, service, serviceOnPort, summarize } from './helpers';

describe('proxy mode: externalip-node refined', () => {
  test('acceptance: iptables, the seed Service (8888/TCP, externalIPs [192.168.0.11]) is exactly one warning', () => {
    const text = service(['192.168.0.11']);
    const fs = findings(text, seedFacts({ proxyMode: 'iptables' }));
    assert.deepEqual(summarize(text, fs), ['externalip-node warning "192.168.0.11"']);
    assert.match(fs[0].message, /^192\.168\.0\.11 is the InternalIP of node k8s-node-1: /);
    assert.match(fs[0].message, /in iptables mode/);
    assert.match(fs[0].message, /8888\/TCP on k8s-node-1/);
    assert.match(fs[0].message, /CVE-2020-8554/);
    assert.match(fs[0].message, /other ports keep working/);
  });

  test('acceptance: iptables, the same Service on port 10250 is an error (externalip-critical-port)', () => {
    const text = serviceOnPort(['192.168.0.11'], 10250);
    const fs = findings(text, seedFacts({ proxyMode: 'iptables' }));
    assert.deepEqual(summarize(text, fs), ['externalip-critical-port error "192.168.0.11"']);
    assert.equal(fs.filter((f) => f.severity === 'error').length, 1);
  });

  test('protocol-aware: UDP 10250 and TCP 4789 stay warnings; UDP 53 and UDP 4789 are errors', () => {
    const facts = seedFacts({ proxyMode: 'iptables' });
    const cases: [number, string, string][] = [
      [10250, 'UDP', 'externalip-node warning "192.168.0.11"'],
      [4789, 'TCP', 'externalip-node warning "192.168.0.11"'],
      [53, 'UDP', 'externalip-critical-port error "192.168.0.11"'],
      [4789, 'UDP', 'externalip-critical-port error "192.168.0.11"'],
    ];
    for (const [port, protocol, expected] of cases) {
      const text = serviceOnPort(['192.168.0.11'], port, protocol);
      assert.deepEqual(summarize(text, findings(text, facts)), [expected], `${port}/${protocol}`);
    }
  });

  test('nftables behaves like iptables', () => {
    const facts = seedFacts({ proxyMode: 'nftables' });
    const seed = service(['192.168.0.11']);
    const fs = findings(seed, facts);
    assert.deepEqual(summarize(seed, fs), ['externalip-node warning "192.168.0.11"']);
    assert.match(fs[0].message, /in nftables mode/);
    const kubelet = serviceOnPort(['192.168.0.11'], 10250);
    assert.deepEqual(summarize(kubelet, findings(kubelet, facts)), ['externalip-critical-port error "192.168.0.11"']);
    const udp = serviceOnPort(['192.168.0.11'], 10250, 'UDP');
    assert.deepEqual(summarize(udp, findings(udp, facts)), ['externalip-node warning "192.168.0.11"']);
  });

  test('IPVS stays an error on any port, and says kube-ipvs0', () => {
    for (const [port, protocol] of [[8888, 'TCP'], [10250, 'TCP'], [10250, 'UDP'], [53, 'UDP']] as const) {
      const text = serviceOnPort(['192.168.0.11'], port, protocol);
      const fs = findings(text, seedFacts({ proxyMode: 'ipvs' }));
      assert.deepEqual(summarize(text, fs), ['externalip-node error "192.168.0.11"'], `${port}/${protocol}`);
      assert.match(fs[0].message, /kube-ipvs0/);
    }
  });

  test('no proxyMode in the config means IPVS, the worst case', () => {
    const facts = factsFromConfig(seedConfigText().replace(/^proxyMode: .*\n/m, ''));
    const text = service(['192.168.0.11']);
    assert.deepEqual(summarize(text, findings(text, facts)), ['externalip-node error "192.168.0.11"']);
  });

  test('near miss: a free address is silent in every mode, on a critical port too', () => {
    for (const mode of ['ipvs', 'iptables', 'nftables'] as const) {
      assert.deepEqual(findings(service(['192.168.0.15']), seedFacts({ proxyMode: mode })), [], mode);
      assert.deepEqual(findings(serviceOnPort(['192.168.0.15'], 10250), seedFacts({ proxyMode: mode })), [], mode);
    }
  });

  test('a configured severity wins over the mode: externalip-node: error in iptables mode', () => {
    const text = service(['192.168.0.11']);
    const facts = seedFacts({ proxyMode: 'iptables', extra: 'rules:\n  externalip-node: error' });
    assert.deepEqual(summarize(text, findings(text, facts)), ['externalip-node error "192.168.0.11"']);
  });

  // kube-router's service proxy (cloudnativelabs/kube-router pkg/controllers/proxy/network_services_controller.go,
  // kube-dummy-if) and Cilium's kube-proxy replacement take the whole address on every node, like IPVS.
  test('kube-router and cilium: errors on any port, each with its own consequence, and no critical-port finding', () => {
    for (const [mode, words] of [['kube-router', /kube-dummy-if on every node, which cuts k8s-node-1 off/], ['cilium', /eBPF on every node, so traffic meant for k8s-node-1 on \d+\/TCP is taken by the Service, and a Cilium 1\.19 without the fix of cilium #45572 drops every other packet/]] as const) {
      const facts = seedFacts({ proxyMode: mode });
      for (const port of [8888, 10250]) {
        const text = serviceOnPort(['192.168.0.11'], port);
        const fs = findings(text, facts);
        assert.deepEqual(summarize(text, fs), ['externalip-node error "192.168.0.11"'], `${mode} ${port}`);
        assert.match(fs[0].message, words);
      }
      const api = service(['192.168.0.10']);
      assert.deepEqual(summarize(api, findings(api, facts)), ['externalip-apiserver error "192.168.0.10"'], mode);
    }
  });

  test('the config file accepts kube-router and cilium, and names the choices when it is something else', () => {
    for (const mode of ['kube-router', 'cilium']) assert.equal(factsFromConfig(seedConfigText().replace('proxyMode: ipvs', `proxyMode: ${mode}`)).proxyMode, mode);
  });
});
