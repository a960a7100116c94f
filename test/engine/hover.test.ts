// hoverAt: on an externalIPs address, what it collides with and why in this proxy mode; on a clean address, that no
// known node or API server uses it and where the facts come from. `|` in a fixture marks the cursor.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, hoverAt, mergeFacts, parseConfig, parseIP, parseNodeManifest, type ClusterFacts } from '../../server/src/engine/index';
import { cursor, factsFromConfig, seedFacts, service } from './helpers';

function hover(fixture: string, facts: ClusterFacts = seedFacts()) {
  const { text, offset } = cursor(fixture);
  const r = hoverAt(analyze(text, facts), offset, facts);
  return r && { ...r, text: text.slice(r.span.start, r.span.end) };
}

describe('hoverAt', () => {
  test('on a colliding address: the node, its address type, the source label, the proxy mode and the rule', () => {
    const h = hover(service(['192.168.0.1|1']));
    assert.ok(h);
    assert.equal(h.text, '192.168.0.11');
    assert.match(h.markdown, /^\*\*192\.168\.0\.11\*\* collides with the cluster itself: node k8s-node-1 \(InternalIP, from \.kube-ip-guard\.yaml\)\.\n/);
    assert.match(h.markdown, /Proxy mode: IPVS \(from \.kube-ip-guard\.yaml\)/);
    // Editors that show diagnostics apart from the hover get why, too.
    assert.match(h.markdown, /kube-ipvs0/);
    assert.match(h.markdown, /\[externalip-node\]\(https:\/\/[^)]*externalip-node\.md\)/);
  });

  test('where the diagnostic is shown above the hover (VS Code): never its message or its consequence, but the fix', () => {
    const { text, offset } = cursor(service(['192.168.0.1|1']));
    const a = analyze(text, seedFacts());
    const shown = { diagnosticsShown: true };
    const h = hoverAt(a, offset, seedFacts(), shown)!;
    assert.equal(a.findings.length, 1);
    assert.ok(!h.markdown.includes(a.findings[0].message), h.markdown);
    // Nor its consequence clause in other words.
    assert.doesNotMatch(h.markdown, /kube-ipvs0|cuts k8s-node-1 off/);
    assert.match(h.markdown, /\*\*Fix:\*\* remove it, or use 192\.168\.0\.15, the first free address of `externalIPPool` \(both are quick fixes\)\./);
    // The address the quick fix would write: the first one no other Service uses.
    const taken = parseIP('192.168.0.15');
    assert.ok(taken.ok);
    const used = new Set([taken.ip.key]);
    assert.match(hoverAt(a, offset, seedFacts(), { ...shown, usedAddressKeys: used })!.markdown, /use 192\.168\.0\.16,/);
    // Without a pool: where to find an address, and how to have one offered.
    const noPool = factsFromConfig('nodes:\n  - name: k8s-node-1\n    addresses: [192.168.0.11]\n');
    assert.match(hoverAt(analyze(text, noPool), offset, noPool, shown)!.markdown, /your load balancer's range\); list that range as `externalIPPool`/);
    // Elsewhere the same hover explains why as well, and stays free of the message itself.
    const apart = hoverAt(a, offset, seedFacts())!.markdown;
    assert.ok(apart.startsWith(h.markdown.split('\n')[0]), apart);
    assert.match(apart, /every other node delivers traffic for k8s-node-1 locally/);
  });

  test('findings that are not collisions: the rules; their messages only where the diagnostics are not shown', () => {
    const { text, offset } = cursor(service(['"1.2|.3"']));
    const a = analyze(text, seedFacts());
    const h = hoverAt(a, offset, seedFacts(), { diagnosticsShown: true })!;
    const apart = hoverAt(a, offset, seedFacts())!;
    assert.ok(a.findings.length > 0);
    for (const f of a.findings) {
      assert.ok(!h.markdown.includes(f.message), h.markdown);
      assert.ok(h.markdown.includes(`[${f.rule}](`), h.markdown);
      assert.ok(apart.markdown.replace(/\\(.)/g, '$1').includes(f.message), apart.markdown);
    }
  });

  test('one screen in VS Code: a collision hover is at most three short paragraphs', () => {
    const { text, offset } = cursor(service(['"192.168|.0.10"']));
    const h = hoverAt(analyze(text, seedFacts()), offset, seedFacts(), { diagnosticsShown: true })!;
    const paragraphs = h.markdown.split('\n\n');
    assert.ok(paragraphs.length <= 3, h.markdown);
    // VS Code wraps hovers at about 100 columns at 1366 px: each paragraph is at most three such lines.
    for (const p of paragraphs) assert.ok(p.replace(/\]\([^)]*\)/g, ']').length <= 300, p);
  });

  test('cursor at either end of the scalar still hovers it', () => {
    assert.equal(hover(service(['|192.168.0.11']))?.text, '192.168.0.11');
    assert.equal(hover(service(['192.168.0.11|']))?.text, '192.168.0.11');
  });

  test('on the API server address: names the API server, the node too, and the API server consequence', () => {
    const h = hover(service(['"192.168|.0.10"']));
    assert.ok(h);
    assert.equal(h.text, '"192.168.0.10"');
    assert.match(h.markdown, /API server 192\.168\.0\.10:6443, from \.kube-ip-guard\.yaml/);
    assert.match(h.markdown, /node k8s-master-1 \(InternalIP/);
    assert.match(h.markdown, /leases expire/);
  });

  test('iptables mode: the hover says iptables and DNAT, not kube-ipvs0', () => {
    const h = hover(service(['192.168.0.1|1']), seedFacts({ proxyMode: 'iptables' }));
    assert.ok(h);
    assert.match(h.markdown, /In iptables mode/);
    assert.match(h.markdown, /DNAT/);
    assert.match(h.markdown, /Proxy mode: iptables \(from \.kube-ip-guard\.yaml\)/);
    assert.doesNotMatch(h.markdown, /kube-ipvs0/);
  });

  test('an ExternalIP from a node manifest: type and that source label', () => {
    const nodes = parseNodeManifest(
      'apiVersion: v1\nkind: NodeList\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: edge-1}\n  status:\n    addresses:\n    - {type: ExternalIP, address: "fd00::b"}\n',
      'file:///ws/nodes.yaml',
      'nodes.yaml',
    );
    const facts = mergeFacts([{ source: { kind: 'node-manifest', label: 'nodes.yaml' }, nodes: nodes.nodes }]);
    const h = hover(service(['fd00:0:0::|B']), facts);
    assert.ok(h);
    assert.equal(h.text, 'fd00:0:0::B');
    assert.match(h.markdown, /node edge-1 \(ExternalIP, from nodes\.yaml\)/);
    assert.match(h.markdown, /Checked against 1 node from nodes\.yaml/);
  });

  test('on a clean address: no known node or API server uses it; how many nodes from which source', () => {
    const h = hover(service(['192.168.0.2|0']));
    assert.ok(h);
    assert.equal(h.text, '192.168.0.20');
    assert.match(h.markdown, /no known node or API server uses this address/);
    assert.match(h.markdown, /2 nodes and 1 API server address from \.kube-ip-guard\.yaml/);
    assert.doesNotMatch(h.markdown, /collides/);
  });

  test('on a clean address with facts from two sources: both are counted', () => {
    const cfg = parseConfig('nodes:\n  - name: a\n    addresses: [10.0.0.1]\n', 'file:///ws/.kube-ip-guard.yaml');
    const facts = mergeFacts([
      cfg.contribution,
      { source: { kind: 'settings', label: 'setting kubeIpGuard.nodes' }, nodes: [{ name: 'b', addresses: [] }, { name: 'c', addresses: [] }] },
    ]);
    const h = hover(service(['10.0.0.|2']), facts);
    assert.ok(h);
    assert.match(h.markdown, /1 node from \.kube-ip-guard\.yaml/);
    assert.match(h.markdown, /2 nodes from setting kubeIpGuard\.nodes/);
  });

  test('on an invalid address: the rule, the API server message and the fix', () => {
    const h = hover(service(['"1.2|.3"']));
    assert.ok(h);
    assert.match(h.markdown, /^\*\*1\.2\.3\*\*: \[externalip-invalid\]/);
    assert.match(h.markdown, /must be a valid IP address/);
    assert.match(h.markdown, /\*\*Fix:\*\* remove it/);
  });

  test('not on an address: undefined', () => {
    const text = service(['192.168.0.11']);
    for (const at of ['kind: Ser|vice', 'name: busy|box', 'extern|alIPs', 'port: 88|88', '|apiVersion']) {
      const [before, after] = at.split('|');
      const fixture = text.replace(before + after, at);
      assert.notEqual(fixture, text, at);
      assert.equal(hover(fixture), undefined, at);
    }
  });

  test('an address-looking value outside a v1 Service: undefined', () => {
    assert.equal(hover(service(['192.168.0.1|1'], { apiVersion: 'serving.knative.dev/v1' })), undefined);
    assert.equal(hover('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  ip: 192.168.0.1|1\n'), undefined);
  });

  test('no facts at all: the hover says how to provide them', () => {
    const h = hover(service(['192.168.0.1|1']), factsFromConfig('proxyMode: ipvs\n'));
    assert.ok(h);
    assert.match(h.markdown, /No cluster facts are known yet/);
  });
});
