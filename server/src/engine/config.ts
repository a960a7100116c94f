// The workspace config file `.kube-ip-guard.yaml` and Node manifests (`kubectl get nodes -o yaml`), read into facts.
// Pure: the caller reads files. Every problem names the key and carries the exact span, so the language server can
// show it in the file and the CLI can print file:line.
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument, type Node, type YAMLMap } from 'yaml';
import { parseAddressRange, parseCIDR, parseIP, splitHostPort } from './addresses';
import { parseKubernetesVersion } from './kubernetesVersions';
import { PROXY_MODES, type ApiServerFact, type CidrFact, type FactContribution, type FactLocation, type FactSource, type FactSourceKind, type NodeAddressType, type NodeFact, type ProxyMode, type RuleSeveritySetting } from './facts';
import type { Span } from './manifest';
import { RULE_IDS } from './rules/index';

export const CONFIG_FILE_NAME = '.kube-ip-guard.yaml';

export interface ConfigProblem {
  message: string;
  span: Span;
  severity: 'error' | 'warning';
}

export interface WorkspaceConfig {
  contribution: FactContribution;
  /** `nodeManifests` entries, relative to the config file, for the caller to read. */
  nodeManifests: { path: string; span: Span }[];
  /** `apiServer` entries that are hostnames, for the caller to resolve. */
  apiServerHosts: { host: string; port?: number; span: Span; location: FactLocation }[];
  ignore: string[];
  /** Globs of files (relative to the config file) that hold Helm values, besides `*values*.y*ml`. */
  helmValues: string[];
  problems: ConfigProblem[];
}

const KEYS = ['nodes', 'nodeManifests', 'apiServer', 'proxyMode', 'kubernetesVersion', 'kubeProxyFeatureGates', 'serviceCIDRs', 'podCIDRs', 'externalIPPool', 'rules', 'ignore', 'helmValues', 'strictARP', 'serviceLB', 'kubeVipServices'] as const;
const SEVERITIES = ['error', 'warning', 'info', 'off'];

/** A function from a span to an LSP-style location in the file. */
function locator(uri: string, lc: LineCounter): (s: Span) => FactLocation {
  return (s) => {
    const a = lc.linePos(s.start);
    const b = lc.linePos(s.end);
    return { uri, line: a.line - 1, character: a.col - 1, endLine: b.line - 1, endCharacter: b.col - 1 };
  };
}

function spanOf(n: unknown): Span {
  const r = (n as Node | undefined)?.range;
  return r ? { start: r[0], end: r[1] } : { start: 0, end: 0 };
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

/** A parser error's place, kept inside the text (at the end of input the parser points one past it). */
function errorSpan(text: string, pos: [number, number]): Span {
  const start = Math.max(0, Math.min(pos[0], text.length - 1));
  return { start, end: Math.max(start + 1, Math.min(pos[1], text.length)) };
}

export function parseConfig(text: string, uri: string, label = CONFIG_FILE_NAME): WorkspaceConfig {
  const lc = new LineCounter();
  const loc = locator(uri, lc);
  const source = (s: Span): FactSource => ({ kind: 'config', label, location: loc(s) });
  const contribution: FactContribution = { source: { kind: 'config', label } };
  const result: WorkspaceConfig = { contribution, nodeManifests: [], apiServerHosts: [], ignore: [], helmValues: [], problems: [] };
  // A node without a place of its own (an empty value, a missing key) is reported on the key being read.
  let currentKey: Span = { start: 0, end: 0 };
  const problem = (n: unknown, message: string, severity: 'error' | 'warning' = 'error') => {
    const span = spanOf(n);
    result.problems.push({ message, span: span.end > span.start ? span : currentKey, severity });
  };
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  for (const e of doc.errors) {
    result.problems.push({ message: `${label} is not valid YAML: ${e.message.split('\n')[0].replace(/:$/, '')}`, span: errorSpan(text, e.pos), severity: 'error' });
  }
  if (doc.errors.length) return result;
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return result;
  if (!isMap(root)) {
    problem(root, `${label} must be a mapping of keys (${KEYS.join(', ')})`);
    return result;
  }
  const strings = (key: string, value: unknown): { text: string; node: unknown }[] => {
    if (isScalar(value) && value.value === null) return [];
    if (!isSeq(value)) {
      problem(value, `${key} must be a list`);
      return [];
    }
    const out: { text: string; node: unknown }[] = [];
    for (const item of value.items) {
      if (isScalar(item) && (typeof item.value === 'string' || typeof item.value === 'number')) out.push({ text: String(item.value), node: item });
      else problem(item, `${key}: each entry must be a string`);
    }
    return out;
  };
  const cidrs = (key: string, value: unknown, allowRanges: boolean): CidrFact[] => {
    const out: CidrFact[] = [];
    for (const { text: t, node } of strings(key, value)) {
      const r = allowRanges ? parseAddressRange(t) : parseCIDR(t);
      if (!r.ok) problem(node, `${key}: ${r.message}`);
      else out.push({ cidr: t, source: source(spanOf(node)) });
    }
    return out;
  };
  for (const pair of (root as YAMLMap).items) {
    currentKey = spanOf(pair.key);
    if (!isPair(pair) || !isScalar(pair.key)) {
      problem(pair.key, 'keys must be plain strings');
      continue;
    }
    const key = String(pair.key.value);
    const value = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
    switch (key) {
      case 'nodes':
        contribution.nodes = readNodes(value, source, problem);
        break;
      case 'nodeManifests':
        for (const { text: t, node } of strings(key, value)) result.nodeManifests.push({ path: t, span: spanOf(node) });
        break;
      case 'apiServer': {
        const apis: ApiServerFact[] = [];
        for (const { text: t, node } of strings(key, value)) {
          const hp = splitHostPort(t);
          const ip = hp && parseIP(hp.host);
          if (!hp) problem(node, `apiServer: "${t}" is not an address, host:port or URL`);
          else if (hp.port !== undefined && (hp.port < 1 || hp.port > 65535)) problem(node, `apiServer: port ${hp.port} is out of range`);
          else if (ip && ip.ok) apis.push({ address: hp.host, ...(hp.port ? { port: hp.port } : {}), source: source(spanOf(node)) });
          else if (/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(hp.host)) {
            result.apiServerHosts.push({ host: hp.host, ...(hp.port ? { port: hp.port } : {}), span: spanOf(node), location: loc(spanOf(node)) });
          } else problem(node, `apiServer: "${t}" is not a valid IP address or hostname`);
        }
        contribution.apiServers = apis;
        break;
      }
      case 'proxyMode':
        if (isScalar(value) && PROXY_MODES.includes(value.value as ProxyMode)) {
          contribution.proxyMode = { mode: value.value as ProxyMode, source: source(spanOf(value)) };
        } else problem(value, `proxyMode must be one of ${PROXY_MODES.join(', ')}`);
        break;
      case 'kubernetesVersion': {
        // `kubernetesVersion: 1.30` is the YAML number 1.3: read the scalar as written.
        const r = (value as Node | undefined)?.range;
        const written = isScalar(value) && r ? text.slice(r[0], r[1]).replace(/^["']|["']$/g, '') : undefined;
        const minor = written !== undefined ? parseKubernetesVersion(written) : undefined;
        if (minor === undefined) problem(value, 'kubernetesVersion must be a Kubernetes version such as "1.35"');
        else contribution.kubernetesVersion = { minor, text: written!, source: source(spanOf(value)) };
        break;
      }
      case 'kubeProxyFeatureGates': {
        // kube-proxy's own featureGates (KubeProxyConfiguration): gate name -> true/false.
        if (!isMap(value)) {
          problem(value, 'kubeProxyFeatureGates must be a mapping of feature gate to true or false');
          break;
        }
        const gates: Record<string, boolean> = {};
        for (const item of value.items) {
          const name = isScalar(item.key) ? String(item.key.value) : '';
          if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) problem(item.key, `kubeProxyFeatureGates: "${name}" is not a feature gate name`);
          else if (!isScalar(item.value) || typeof item.value.value !== 'boolean') problem(item.value ?? item.key, `kubeProxyFeatureGates.${name} must be true or false`);
          else gates[name] = item.value.value;
        }
        contribution.kubeProxyFeatureGates = { gates, source: source(spanOf(value)) };
        break;
      }
      case 'serviceCIDRs':
        contribution.serviceCIDRs = cidrs(key, value, false);
        break;
      case 'podCIDRs':
        contribution.podCIDRs = cidrs(key, value, false);
        break;
      case 'externalIPPool':
        contribution.externalIPPool = cidrs(key, value, true);
        break;
      case 'rules':
        contribution.rules = readRules(value, problem);
        break;
      case 'ignore':
        result.ignore = strings(key, value).map((s) => s.text);
        break;
      case 'strictARP':
      case 'serviceLB':
      case 'kubeVipServices':
        // What the live cluster would tell (facts/cluster/load.ts), for when it is not read: kube-proxy's
        // ipvs.strictARP (KubeProxyIPVSConfiguration; metallb-l2-strictarp, kube-vip-arp-strictarp), k3s ServiceLB running (svclb-*
        // DaemonSets) and kube-vip in services mode (svc_enable: "true"; loadbalancer-ingress-node).
        if (isScalar(value) && typeof value.value === 'boolean') contribution.dataPlane = { ...contribution.dataPlane, [key]: value.value, source: contribution.dataPlane?.source ?? source(spanOf(value)) };
        else problem(value, `${key} must be true or false`);
        break;
      case 'helmValues':
        result.helmValues = strings(key, value).map((s) => s.text);
        break;
      default: {
        const guess = closest(key, KEYS);
        problem(pair.key, `unknown key "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}; expected one of ${KEYS.join(', ')}`);
      }
    }
  }
  return result;
}

type ProblemFn = (n: unknown, message: string, severity?: 'error' | 'warning') => void;

function readRules(value: unknown, problem: ProblemFn): Record<string, RuleSeveritySetting> {
  const rules: Record<string, RuleSeveritySetting> = {};
  if (!isMap(value)) {
    problem(value, 'rules must be a mapping of rule id to error, warning, info or off');
    return rules;
  }
  for (const pair of value.items) {
    const id = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!RULE_IDS.includes(id)) {
      const guess = closest(id, RULE_IDS);
      problem(pair.key, `rules: unknown rule "${id}"${guess ? ` (did you mean "${guess}"?)` : ''}`);
      continue;
    }
    const sev = isScalar(pair.value) ? String(pair.value.value) : '';
    if (!SEVERITIES.includes(sev)) problem(pair.value, `rules.${id} must be one of ${SEVERITIES.join(', ')}`);
    else rules[id] = sev as RuleSeveritySetting;
  }
  return rules;
}

function readNodes(value: unknown, source: (s: Span) => FactSource, problem: ProblemFn): NodeFact[] {
  const nodes: NodeFact[] = [];
  if (!isSeq(value)) {
    problem(value, 'nodes must be a list of {name, addresses}');
    return nodes;
  }
  value.items.forEach((item, i) => {
    if (!isMap(item)) {
      problem(item, `nodes[${i}] must be a mapping with name and addresses`);
      return;
    }
    const nameNode = item.get('name', true);
    const name = isScalar(nameNode) && nameNode.value !== null ? String(nameNode.value) : undefined;
    if (!name) problem(item, `nodes[${i}].name is required`);
    for (const pair of item.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : '';
      if (k !== 'name' && k !== 'addresses') problem(pair.key, `nodes[${i}]: unknown key "${k}"; expected name, addresses`);
    }
    const addrs = item.get('addresses', true);
    const node: NodeFact = { name: name ?? `nodes[${i}]`, addresses: [] };
    if (!isSeq(addrs)) {
      problem(addrs ?? item, `nodes[${i}].addresses must be a list`);
    } else {
      addrs.items.forEach((a, j) => {
        let text: string | undefined;
        let type: NodeAddressType = 'InternalIP';
        let at: unknown = a;
        if (isScalar(a)) text = a.value === null ? '' : String(a.value);
        else if (isMap(a)) {
          const addrNode = a.get('address', true);
          at = addrNode ?? a;
          text = isScalar(addrNode) ? String(addrNode.value) : undefined;
          const t = a.get('type');
          if (t !== undefined) {
            if (t === 'InternalIP' || t === 'ExternalIP') type = t;
            else problem(a.get('type', true), `nodes[${i}].addresses[${j}].type must be InternalIP or ExternalIP`);
          }
          if (text === undefined) problem(a, `nodes[${i}].addresses[${j}].address is required`);
        } else problem(a, `nodes[${i}].addresses[${j}] must be an address or {address, type}`);
        if (text === undefined) return;
        if (!parseIP(text).ok) {
          problem(at, `nodes[${i}].addresses[${j}]: "${text}" is not a valid IP address`);
          return;
        }
        node.addresses.push({ address: text, type, source: source(spanOf(at)) });
      });
    }
    nodes.push(node);
  });
  return nodes;
}

export interface NodeManifestResult {
  nodes: NodeFact[];
  problems: ConfigProblem[];
}

/**
 * Nodes from `kind: Node` objects, or a NodeList/List of them (`kubectl get nodes -o yaml`). Every InternalIP and
 * ExternalIP entry counts, both families: `kubectl get nodes -o wide` shows only the first of each.
 */
export function parseNodeManifest(text: string, uri: string, label: string, kind: FactSourceKind = 'node-manifest'): NodeManifestResult {
  const lc = new LineCounter();
  const loc = locator(uri, lc);
  const out: NodeManifestResult = { nodes: [], problems: [] };
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const visit = (obj: unknown, depth: number) => {
    if (!isMap(obj) || depth > 2) return;
    const kindValue = obj.get('kind');
    if (kindValue === 'Node') {
      const metadata = obj.get('metadata', true);
      const name = isMap(metadata) ? metadata.get('name') : undefined;
      const status = obj.get('status', true);
      const addresses = isMap(status) ? status.get('addresses', true) : undefined;
      const node: NodeFact = { name: typeof name === 'string' ? name : '(unnamed node)', addresses: [] };
      if (isSeq(addresses)) for (const a of addresses.items) {
        if (!isMap(a)) continue;
        const type = a.get('type');
        const addrNode = a.get('address', true);
        if ((type === 'InternalIP' || type === 'ExternalIP') && isScalar(addrNode) && parseIP(String(addrNode.value)).ok) {
          node.addresses.push({ address: String(addrNode.value), type, source: { kind, label, location: loc(spanOf(addrNode)) } });
        }
      }
      out.nodes.push(node);
    } else if (typeof kindValue === 'string' && (kindValue === 'List' || kindValue.endsWith('List'))) {
      const items = obj.get('items', true);
      if (isSeq(items)) for (const item of items.items) visit(item, depth + 1);
    }
  };
  for (const doc of list) {
    if (doc.errors.length) {
      const e = doc.errors[0];
      out.problems.push({ message: `${label} is not valid YAML: ${e.message.split('\n')[0].replace(/:$/, '')}`, span: errorSpan(text, e.pos), severity: 'error' });
      continue;
    }
    visit(doc.contents, 0);
  }
  if (out.problems.length === 0 && out.nodes.length === 0) {
    out.problems.push({ message: `${label} holds no kind: Node objects (expected the output of kubectl get nodes -o yaml)`, span: { start: 0, end: 0 }, severity: 'warning' });
  }
  return out;
}
