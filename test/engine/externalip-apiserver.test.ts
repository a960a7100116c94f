// externalip-apiserver: an externalIP equal to an API server address, reported once even when it is also a node's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { factsFromConfig, findings, seedFacts, service, summarize } from './helpers';

describe('externalip-apiserver', () => {
  test('192.168.0.10 is exactly one finding: the API server one, which also names the node', () => {
    const text = service(['192.168.0.10']);
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['externalip-apiserver error "192.168.0.10"']);
    const f = fs[0];
    assert.match(f.message, /^192\.168\.0\.10 is an API server address \(192\.168\.0\.10:6443, from \.kube-ip-guard\.yaml\)/);
    assert.match(f.message, /InternalIP of node k8s-master-1/);
    assert.match(f.message, /leases expire/);
    assert.deepEqual(f.data.fixes, ['remove-address', 'use-pool-address', 'disable-line']);
    // Related: the apiServer line (5) and the node's line (2) of the config.
    assert.deepEqual(f.related.map((r) => r.location?.line), [5, 2]);
  });

  test('with externalip-apiserver off, externalip-node reports the address instead', () => {
    const text = service(['192.168.0.10']);
    const fs = findings(text, seedFacts({ extra: 'rules:\n  externalip-apiserver: off' }));
    assert.deepEqual(summarize(text, fs), ['externalip-node error "192.168.0.10"']);
    assert.match(fs[0].message, /InternalIP of node k8s-master-1/);
  });

  test('near miss: a node address that is not the API server is not this rule', () => {
    const text = service(['192.168.0.11', '192.168.0.15']);
    assert.deepEqual(findings(text).map((f) => f.rule), ['externalip-node']);
  });

  test('an API server that is no node: message does not mention a node', () => {
    const text = service(['192.168.0.5']);
    const fs = findings(text, seedFacts({ apiServer: '"https://192.168.0.5:6443"' }));
    assert.deepEqual(summarize(text, fs), ['externalip-apiserver error "192.168.0.5"']);
    assert.doesNotMatch(fs[0].message, /InternalIP|ExternalIP|of node|k8s-/);
  });

  test('IPv6 API server given as https://[v6]:port matches another spelling', () => {
    const facts = factsFromConfig('apiServer: ["https://[fd00::1]:6443"]\n');
    const text = service(['FD00:0::1']);
    const fs = findings(text, facts).filter((f) => f.rule === 'externalip-apiserver');
    assert.deepEqual(summarize(text, fs), ['externalip-apiserver error "FD00:0::1"']);
    assert.match(fs[0].message, /\[fd00::1\]:6443/);
  });

  test('iptables mode: a warning about the DNAT of the API server host', () => {
    const text = service(['192.168.0.10']);
    const fs = findings(text, seedFacts({ proxyMode: 'iptables' }));
    assert.deepEqual(summarize(text, fs), ['externalip-apiserver warning "192.168.0.10"']);
    assert.match(fs[0].message, /iptables mode/);
    assert.match(fs[0].message, /CVE-2020-8554/);
  });
});
