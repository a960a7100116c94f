// parseConfig (.kube-ip-guard.yaml) and parseNodeManifest (kubectl get nodes -o yaml): every wrong shape is a problem
// that names the key, with a span on the right line.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeFacts, parseConfig, parseNodeManifest, type ConfigProblem } from '../../server/src/engine/index';
import { CONFIG_URI, lineOf, seedConfigText, seedFacts } from './helpers';

function problems(text: string): { line: number; text: string; message: string; severity: string }[] {
  return parseConfig(text, CONFIG_URI).problems.map((p: ConfigProblem) => ({
    line: lineOf(text, p.span.start),
    text: text.slice(p.span.start, p.span.end),
    message: p.message,
    severity: p.severity,
  }));
}

function only(text: string) {
  const ps = problems(text);
  assert.equal(ps.length, 1, JSON.stringify(ps));
  return ps[0];
}

describe('parseConfig', () => {
  test('the seed config: no problems; facts as expected', () => {
    const cfg = parseConfig(seedConfigText(), CONFIG_URI);
    assert.deepEqual(cfg.problems, []);
    const facts = seedFacts();
    assert.deepEqual(facts.nodes.map((n) => [n.name, n.addresses.map((a) => `${a.address}/${a.type}`)]), [
      ['k8s-master-1', ['192.168.0.10/InternalIP']],
      ['k8s-node-1', ['192.168.0.11/InternalIP']],
    ]);
    assert.deepEqual(facts.apiServers.map((a) => [a.address, a.port]), [['192.168.0.10', 6443]]);
    assert.equal(facts.proxyMode, 'ipvs');
    assert.deepEqual(facts.externalIPPool.map((p) => p.cidr), ['192.168.0.15-192.168.0.30']);
    assert.deepEqual(facts.sources, [{ kind: 'config', label: '.kube-ip-guard.yaml', nodes: 2, apiServers: 1 }]);
    assert.equal(facts.nodes[1].addresses[0].source.location?.line, 4);
  });

  test('an empty file is fine', () => {
    assert.deepEqual(problems(''), []);
    assert.deepEqual(problems('# nothing yet\n'), []);
  });

  test('unknown key with did-you-mean', () => {
    const p = only('nodes: []\nproxymode: ipvs\n');
    assert.equal(p.line, 1);
    assert.equal(p.text, 'proxymode');
    assert.match(p.message, /unknown key "proxymode" \(did you mean "proxyMode"\?\)/);
    const far = only('nodes: []\ncolour: blue\n');
    assert.match(far.message, /unknown key "colour"/);
    assert.doesNotMatch(far.message, /did you mean/);
  });

  test('bad node address', () => {
    const p = only('nodes:\n  - name: a\n    addresses:\n      - 10.0.0.1\n      - 192.168.0.300\n');
    assert.equal(p.line, 4);
    assert.equal(p.text, '192.168.0.300');
    assert.match(p.message, /nodes\[0\]\.addresses\[1\]/);
    assert.match(p.message, /"192\.168\.0\.300" is not a valid IP address/);
  });

  test('bad node address type', () => {
    const p = only('nodes:\n  - name: a\n    addresses:\n      - {address: 10.0.0.1, type: Hostname}\n');
    assert.equal(p.line, 3);
    assert.match(p.message, /nodes\[0\]\.addresses\[0\]\.type must be InternalIP or ExternalIP/);
  });

  test('nodes entry without name', () => {
    const text = 'nodes:\n  - name: a\n    addresses: [10.0.0.1]\n  - addresses: [10.0.0.2]\n';
    const p = only(text);
    assert.equal(p.line, 3);
    assert.match(p.message, /nodes\[1\]\.name is required/);
  });

  test('nodes entry with an unknown key, and nodes that is not a list', () => {
    const p = only('nodes:\n  - name: a\n    adresses: [10.0.0.1]\n    addresses: []\n');
    assert.equal(p.line, 2);
    assert.match(p.message, /nodes\[0\]: unknown key "adresses"/);
    const q = only('nodes: k8s-node-1\n');
    assert.equal(q.line, 0);
    assert.match(q.message, /^nodes must be a list/);
  });

  test('bad apiServer entries: not an address, port out of range', () => {
    const ps = problems('apiServer:\n  - 192.168.0.10:6443\n  - "bad host!"\n  - 10.0.0.1:99999\n');
    assert.deepEqual(ps.map((p) => [p.line, p.text]), [[2, '"bad host!"'], [3, '10.0.0.1:99999']]);
    assert.match(ps[0].message, /^apiServer: "bad host!"/);
    assert.match(ps[1].message, /^apiServer: port 99999 is out of range/);
  });

  test('apiServer hostnames are handed back for the caller to resolve', () => {
    const cfg = parseConfig('apiServer: [api.example.com:6443, "https://[fd00::1]:6443"]\n', CONFIG_URI);
    assert.deepEqual(cfg.problems, []);
    assert.deepEqual(cfg.apiServerHosts.map((h) => [h.host, h.port]), [['api.example.com', 6443]]);
    assert.deepEqual(cfg.contribution.apiServers?.map((a) => [a.address, a.port]), [['fd00::1', 6443]]);
  });

  test('CIDR with host bits set: 10.0.0.1/8 names the key and the network', () => {
    const p = only('serviceCIDRs:\n  - 10.96.0.0/12\n  - 10.0.0.1/8\n');
    assert.equal(p.line, 2);
    assert.equal(p.text, '10.0.0.1/8');
    assert.match(p.message, /^serviceCIDRs: "10\.0\.0\.1\/8" has host bits set; did you mean 10\.0\.0\.0\/8\?/);
    const pod = only('podCIDRs: [10.244.0.1/16]\n');
    assert.match(pod.message, /^podCIDRs: /);
  });

  test('bad CIDRs and pool ranges name their key', () => {
    assert.match(only('podCIDRs: [10.244.0.0]\n').message, /^podCIDRs: "10\.244\.0\.0" is not a CIDR/);
    assert.match(only('podCIDRs: [10.244.0.0/33]\n').message, /^podCIDRs: .*prefix length/);
    assert.match(only('podCIDRs: nope\n').message, /^podCIDRs must be a list/);
    const pool = only('externalIPPool:\n  - 192.168.0.30-192.168.0.15\n');
    assert.equal(pool.line, 1);
    assert.match(pool.message, /^externalIPPool: "192\.168\.0\.30-192\.168\.0\.15" ends before it starts/);
    assert.match(only('externalIPPool: [10.0.0.1-fd00::1]\n').message, /^externalIPPool: .*mixes IPv4 and IPv6/);
  });

  test('bad proxyMode', () => {
    const p = only('nodes: []\nproxyMode: userspace\n');
    assert.equal(p.line, 1);
    assert.equal(p.text, 'userspace');
    assert.match(p.message, /^proxyMode must be one of ipvs, iptables, nftables/);
  });

  test('rules: bad severity and unknown rule (with did-you-mean)', () => {
    const ps = problems('rules:\n  externalip-node: loud\n  externalip-nod: error\n  externalip-apiserver: off\n');
    assert.deepEqual(ps.map((p) => [p.line, p.text]), [[1, 'loud'], [2, 'externalip-nod']]);
    assert.match(ps[0].message, /^rules\.externalip-node must be one of error, warning, info, off/);
    assert.match(ps[1].message, /^rules: unknown rule "externalip-nod" \(did you mean "externalip-node"\?\)/);
    const cfg = parseConfig('rules:\n  externalip-apiserver: off\n  yaml-syntax: warning\n', CONFIG_URI);
    assert.deepEqual(cfg.contribution.rules, { 'externalip-apiserver': 'off', 'yaml-syntax': 'warning' });
    assert.match(only('rules: [externalip-node]\n').message, /^rules must be a mapping/);
  });

  test('not valid YAML, and not a mapping', () => {
    const p = problems('nodes: [\n');
    assert.ok(p.length >= 1);
    assert.match(p[0].message, /^\.kube-ip-guard\.yaml is not valid YAML/);
    assert.match(only('- nodes\n').message, /must be a mapping of keys/);
  });

  test('several problems at once, each on its own line', () => {
    const text = 'nodez: []\nproxyMode: fast\nserviceCIDRs: [10.0.0.1/8]\nrules: {externalip-node: loud}\n';
    assert.deepEqual(problems(text).map((p) => p.line), [0, 1, 2, 3]);
  });

  test('mergeFacts: first proxy mode and rule setting win, nodes of the same name are merged', () => {
    const a = parseConfig('nodes: [{name: n, addresses: [10.0.0.1]}]\nproxyMode: iptables\nrules: {externalip-node: warning}\n', CONFIG_URI).contribution;
    const b = parseConfig('nodes: [{name: n, addresses: [10.0.0.2]}]\nproxyMode: nftables\nrules: {externalip-node: off}\n', 'file:///other.yaml', 'other').contribution;
    const facts = mergeFacts([a, b]);
    assert.equal(facts.proxyMode, 'iptables');
    assert.deepEqual(facts.rules, { 'externalip-node': 'warning' });
    assert.deepEqual(facts.nodes.map((n) => [n.name, n.addresses.map((x) => x.address)]), [['n', ['10.0.0.1', '10.0.0.2']]]);
    assert.equal(mergeFacts([]).proxyMode, 'ipvs');
  });
});

describe('parseNodeManifest', () => {
  const nodeList = [
    'apiVersion: v1',
    'kind: NodeList',
    'items:',
    '- apiVersion: v1',
    '  kind: Node',
    '  metadata:',
    '    name: k8s-master-1',
    '    labels: {node-role.kubernetes.io/control-plane: ""}',
    '  spec:',
    '    podCIDR: 10.244.0.0/24',
    '  status:',
    '    addresses:',
    '    - address: 192.168.0.10',
    '      type: InternalIP',
    '    - address: fd00::10',
    '      type: InternalIP',
    '    - address: k8s-master-1',
    '      type: Hostname',
    '    - address: 203.0.113.10',
    '      type: ExternalIP',
    '    - address: 2001:db8::10',
    '      type: ExternalIP',
    '    - address: master.example.internal',
    '      type: InternalDNS',
    '- apiVersion: v1',
    '  kind: Node',
    '  metadata:',
    '    name: k8s-node-1',
    '  status:',
    '    addresses:',
    '    - {address: 192.168.0.11, type: InternalIP}',
    '    - {address: 192.168.0.111, type: InternalIP}',
    '    - {address: 10.1.1.1, type: Hostname}',
    'metadata:',
    '  resourceVersion: ""',
    '',
  ].join('\n');

  test('a NodeList: every InternalIP and ExternalIP of both families, Hostname ignored', () => {
    const r = parseNodeManifest(nodeList, 'file:///ws/nodes.yaml', 'nodes.yaml');
    assert.deepEqual(r.problems, []);
    assert.deepEqual(
      r.nodes.map((n) => [n.name, n.addresses.map((a) => `${a.type} ${a.address}`)]),
      [
        ['k8s-master-1', ['InternalIP 192.168.0.10', 'InternalIP fd00::10', 'ExternalIP 203.0.113.10', 'ExternalIP 2001:db8::10']],
        ['k8s-node-1', ['InternalIP 192.168.0.11', 'InternalIP 192.168.0.111']],
      ],
    );
    const second = r.nodes[1].addresses[1];
    assert.equal(second.source.label, 'nodes.yaml');
    assert.equal(second.source.kind, 'node-manifest');
    assert.equal(second.source.location?.uri, 'file:///ws/nodes.yaml');
    assert.equal(second.source.location?.line, 31);
  });

  test('single Node documents in a stream, and a kind: List of them', () => {
    const node = (name: string, ip: string) => `apiVersion: v1\nkind: Node\nmetadata: {name: ${name}}\nstatus:\n  addresses: [{type: InternalIP, address: ${ip}}]\n`;
    const stream = parseNodeManifest(node('a', '10.0.0.1') + '---\n' + node('b', '10.0.0.2'), 'file:///n.yaml', 'n.yaml');
    assert.deepEqual(stream.nodes.map((n) => n.name), ['a', 'b']);
    const list = parseNodeManifest('apiVersion: v1\nkind: List\nitems:\n' + node('c', '10.0.0.3').replace(/^/gm, '  ').replace(/^ {2}apiVersion/, '- apiVersion'), 'file:///n.yaml', 'n.yaml');
    assert.deepEqual(list.nodes.map((n) => [n.name, n.addresses[0]?.address]), [['c', '10.0.0.3']]);
  });

  test('no Node in the file: a warning; broken YAML: an error', () => {
    const none = parseNodeManifest('apiVersion: v1\nkind: ConfigMap\n', 'file:///n.yaml', 'n.yaml');
    assert.deepEqual(none.nodes, []);
    assert.equal(none.problems.length, 1);
    assert.equal(none.problems[0].severity, 'warning');
    assert.match(none.problems[0].message, /no kind: Node objects/);
    const broken = parseNodeManifest('kind: NodeList\nitems: [\n', 'file:///n.yaml', 'n.yaml');
    assert.equal(broken.problems[0].severity, 'error');
    assert.match(broken.problems[0].message, /^n\.yaml is not valid YAML/);
  });
});

test('data-plane keys for when the cluster is not read: strictARP, serviceLB, kubeVipServices (booleans only)', () => {
  const cfg = parseConfig('strictARP: true\nserviceLB: true\nkubeVipServices: false\n', CONFIG_URI);
  assert.deepEqual(cfg.problems, []);
  const { source, ...dp } = cfg.contribution.dataPlane!;
  assert.deepEqual(dp, { strictARP: true, serviceLB: true, kubeVipServices: false });
  assert.equal(source?.location?.line, 0);
  const bad = parseConfig('serviceLB: "yes"\nkubeVipServices: 1\n', CONFIG_URI);
  assert.deepEqual(bad.problems.map((p) => p.message), ['serviceLB must be true or false', 'kubeVipServices must be true or false']);
});
