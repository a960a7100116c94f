// externalip-node: a Service's spec.externalIPs entry equal to a node's InternalIP or ExternalIP (the seed outage).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { factsFromConfig, findings, lineOf, seedFacts, service, spanText, summarize } from './helpers';

describe('externalip-node', () => {
  test('the seed outage: - 192.168.0.11 in a block sequence is one error on that scalar', () => {
    const text = service(['192.168.0.11']);
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['externalip-node error "192.168.0.11"']);
    const f = fs[0];
    assert.match(f.message, /^192\.168\.0\.11 is the InternalIP of node k8s-node-1: /);
    assert.match(f.message, /IPVS/);
    assert.match(f.message, /kube-ipvs0/);
    assert.equal(f.data.rule, 'externalip-node');
    assert.equal(f.data.address, '192.168.0.11');
    assert.deepEqual(f.data.fixes, ['remove-address', 'use-pool-address', 'disable-line']);
    // relatedInformation points at the config line that declared the node (line 4: `addresses: [192.168.0.11]`).
    assert.equal(f.related.length, 1);
    assert.equal(f.related[0].location?.uri, 'file:///workspace/.kube-ip-guard.yaml');
    assert.equal(f.related[0].location?.line, 4);
    assert.match(f.related[0].message, /k8s-node-1/);
  });

  test('near miss: addresses no node owns are silent', () => {
    for (const ip of ['192.168.0.15', '192.168.0.12', '192.168.0.110', '192.168.1.11', '10.0.0.11']) {
      assert.deepEqual(findings(service([ip])), [], ip);
    }
  });

  test('flow sequence [a, b]: only the colliding item, exact span', () => {
    const text = service('[192.168.0.20, 192.168.0.11]');
    assert.deepEqual(summarize(text, findings(text)), ['externalip-node error "192.168.0.11"']);
  });

  test('flow sequence spread over lines', () => {
    const text = service('[\n    192.168.0.20,\n    192.168.0.11,\n  ]');
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['externalip-node error "192.168.0.11"']);
    assert.equal(lineOf(text, fs[0].span.start), 8);
  });

  test('double- and single-quoted values: the span includes the quotes', () => {
    const text = service(['"192.168.0.11"', "'192.168.0.11'"]);
    assert.deepEqual(summarize(text, findings(text).filter((f) => f.rule === 'externalip-node')), [
      'externalip-node error "\\"192.168.0.11\\""',
      `externalip-node error "'192.168.0.11'"`,
    ]);
  });

  test('quoted keys "externalIPs": and \'externalIPs\':', () => {
    for (const key of ['"externalIPs"', "'externalIPs'"]) {
      const text = `apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  ${key}:\n  - 192.168.0.11\n`;
      assert.deepEqual(summarize(text, findings(text)), ['externalip-node error "192.168.0.11"'], key);
    }
  });

  test('JSON manifest (quoted everything)', () => {
    const text = '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}, "spec": {"externalIPs": ["192.168.0.11"]}}';
    assert.deepEqual(summarize(text, findings(text)), ['externalip-node error "\\"192.168.0.11\\""']);
  });

  test('CRLF line endings: exact span, right line', () => {
    const text = service(['192.168.0.20', '192.168.0.11'], { eol: '\r\n' });
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['externalip-node error "192.168.0.11"']);
    assert.equal(lineOf(text, fs[0].span.start), 8);
    const flow = service('[192.168.0.20, "192.168.0.11"]', { eol: '\r\n' });
    assert.deepEqual(summarize(flow, findings(flow)), ['externalip-node error "\\"192.168.0.11\\""']);
  });

  test('IPv6 node address matches another spelling (fd00::b vs fd00:0:0::B)', () => {
    const facts = factsFromConfig('nodes:\n  - name: v6-node\n    addresses: [fd00::b]\n');
    const text = service(['fd00:0:0::B', 'fd00::c']);
    const fs = findings(text, facts).filter((f) => f.rule === 'externalip-node');
    assert.deepEqual(summarize(text, fs), ['externalip-node error "fd00:0:0::B"']);
    assert.match(fs[0].message, /InternalIP of node v6-node/);
    // The node written in a long form matches the canonical externalIP too.
    const longNode = factsFromConfig('nodes:\n  - name: v6-node\n    addresses: ["FD00:0000:0000:0000:0000:0000:0000:000B"]\n');
    const canonical = service(['fd00::b']);
    assert.deepEqual(summarize(canonical, findings(canonical, longNode)), ['externalip-node error "fd00::b"']);
  });

  test('::ffff:192.168.0.11 and 192.168.000.011 match the IPv4 node on 1.35 (and are noncanonical); 1.36 rejects them', () => {
    for (const ip of ['::ffff:192.168.0.11', '192.168.000.011', '::FFFF:c0a8:b']) {
      const text = service([ip]);
      const fs = findings(text, seedFacts({ extra: 'kubernetesVersion: "1.35"' }));
      assert.deepEqual(fs.map((f) => f.rule), ['externalip-node', 'externalip-noncanonical'], ip);
      assert.equal(spanText(text, fs[0]), ip);
      assert.match(fs[0].message, /k8s-node-1/);
      assert.deepEqual(findings(text, seedFacts({ extra: 'kubernetesVersion: "1.36"' })).map((f) => f.rule), ['externalip-invalid'], ip);
    }
  });

  test('an ExternalIP-type node address is a collision, and says ExternalIP', () => {
    const facts = factsFromConfig('nodes:\n  - name: edge-1\n    addresses:\n      - 10.0.0.5\n      - {address: 203.0.113.7, type: ExternalIP}\n');
    const text = service(['203.0.113.7']);
    const fs = findings(text, facts);
    assert.deepEqual(summarize(text, fs), ['externalip-node error "203.0.113.7"']);
    assert.match(fs[0].message, /^203\.0\.113\.7 is the ExternalIP of node edge-1:/);
  });

  test('a node in the other family does not match', () => {
    // IPv6-only node whose low bits spell 192.168.0.11, and an IPv4-only node checked against IPv6 spellings.
    const v6 = factsFromConfig('nodes:\n  - name: v6-node\n    addresses: [fd00::c0a8:b, "::c0a8:b"]\n');
    assert.deepEqual(findings(service(['192.168.0.11']), v6), []);
    const v4 = seedFacts();
    assert.deepEqual(findings(service(['fd00::c0a8:b', '::c0a8:b', '64:ff9b::c0a8:b']), v4), []);
  });

  test('iptables and nftables modes: a warning, explaining the DNAT hijack of the Service ports', () => {
    for (const mode of ['iptables', 'nftables'] as const) {
      const text = service(['192.168.0.11']);
      const fs = findings(text, seedFacts({ proxyMode: mode }));
      assert.deepEqual(summarize(text, fs), ['externalip-node warning "192.168.0.11"'], mode);
      assert.match(fs[0].message, new RegExp(`in ${mode} mode`));
      assert.match(fs[0].message, /CVE-2020-8554/);
      assert.match(fs[0].message, /8888\/TCP on k8s-node-1/);
      assert.doesNotMatch(fs[0].message, /kube-ipvs0/);
    }
  });

  test('an address shared by two nodes names both', () => {
    const facts = factsFromConfig('nodes:\n  - name: a\n    addresses: [10.0.0.9]\n  - name: b\n    addresses: [10.0.0.9]\n');
    const text = service(['10.0.0.9']);
    const fs = findings(text, facts);
    assert.equal(fs.length, 1);
    assert.match(fs[0].message, /nodes a, b/);
    assert.equal(fs[0].related.length, 2);
  });

  test('kube-proxy ignores ExternalName and headless Services: no collision error, only the externalip-ignored information', () => {
    const en = service(['192.168.0.11'], { type: 'ExternalName', spec: ['  externalName: example.com'] });
    assert.deepEqual(summarize(en, findings(en)), ['externalip-ignored info "192.168.0.11"']);
    const headless = service(['192.168.0.11'], { spec: ['  clusterIP: None'] });
    assert.deepEqual(summarize(headless, findings(headless)), ['externalip-ignored info "192.168.0.11"']);
  });

  test('configured severity: off silences, warning downgrades', () => {
    const text = service(['192.168.0.11']);
    assert.deepEqual(findings(text, seedFacts({ extra: 'rules:\n  externalip-node: off' })), []);
    assert.deepEqual(summarize(text, findings(text, seedFacts({ extra: 'rules:\n  externalip-node: warning' }))), [
      'externalip-node warning "192.168.0.11"',
    ]);
  });

  test('no facts: nothing to collide with', () => {
    const facts = factsFromConfig('proxyMode: ipvs\n');
    assert.deepEqual(findings(service(['192.168.0.11']), facts), []);
  });
});
