// Generators for the robustness suite: manifests that exercise every rule (addresses of every kind, written in every
// YAML style), generic YAML, random bytes decoded as the server decodes them, and mutations of real manifests.
// Seeds and case counts come from one place (fuzzConfig), so the soak script can turn them up.
import fc from 'fast-check';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { mergeFacts, parseConfig, type ClusterFacts } from '../../server/src/engine/index';

// ---- run parameters ----------------------------------------------------------------------------------------------

/**
 * KIG_FUZZ_SEED: the seed of every property (default fixed, so CI is reproducible); KIG_FUZZ_SCALE multiplies the
 * case counts (the soak script sets both). A failure prints the seed and the shrunk counterexample.
 */
export const FUZZ_SEED = process.env.KIG_FUZZ_SEED ? Number(process.env.KIG_FUZZ_SEED) : 20240420;
export const FUZZ_SCALE = process.env.KIG_FUZZ_SCALE ? Math.max(0.01, Number(process.env.KIG_FUZZ_SCALE)) : 1;

/** Options for fc.assert: fixed seed, `runs` scaled, a clear report. */
export function fuzzConfig(runs: number, extra: Partial<fc.Parameters<unknown>> = {}): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(runs * FUZZ_SCALE)), verbose: 1, includeErrorInReport: true, endOnFailure: false, ...extra };
}

/** Cases tried, per property name (printed at the end of each suite for the report). */
export const casesTried = new Map<string, number>();
export function counted<T extends unknown[], R>(name: string, f: (...a: T) => R): (...a: T) => R {
  return (...a: T) => {
    casesTried.set(name, (casesTried.get(name) ?? 0) + 1);
    return f(...a);
  };
}
export function reportCases(suite: string): void {
  const lines = [...casesTried].map(([k, v]) => `  ${k}: ${v}`);
  console.log(`# ${suite}: cases tried (seed ${FUZZ_SEED}, scale ${FUZZ_SCALE})\n${lines.join('\n')}`);
}

// ---- facts -------------------------------------------------------------------------------------------------------

export const NODE_IPS = ['192.168.0.10', '192.168.0.11', 'fd00::11'];
export const API_IP = '192.168.0.10';

export function configText(proxyMode: string, pool: boolean): string {
  return [
    'nodes:',
    '  - name: k8s-master-1',
    '    addresses: [192.168.0.10]',
    '  - name: k8s-node-1',
    '    addresses: [192.168.0.11, {address: fd00::11, type: ExternalIP}]',
    'apiServer: [192.168.0.10:6443]',
    `proxyMode: ${proxyMode}`,
    'serviceCIDRs: [10.96.0.0/12]',
    'podCIDRs: [10.244.0.0/16]',
    ...(pool ? ['externalIPPool: [192.168.0.15-192.168.0.30, "fd00::100/120"]'] : []),
    // Every rule on, so every rule's findings and fixes are exercised.
    'rules: {externalip-deprecated: info}',
  ].join('\n');
}

export function factsFor(proxyMode: 'ipvs' | 'iptables' | 'nftables' = 'ipvs', pool = true): ClusterFacts {
  const cfg = parseConfig(configText(proxyMode, pool), 'file:///ws/.kube-ip-guard.yaml');
  if (cfg.problems.length) throw new Error(`robustness facts have problems: ${JSON.stringify(cfg.problems)}`);
  return mergeFacts([cfg.contribution]);
}

/** Facts that print as their name in a counterexample (not as a page of JSON). */
function named(name: string, facts: ClusterFacts): ClusterFacts {
  Object.defineProperty(facts, fc.toStringMethod, { value: () => name, enumerable: false });
  return facts;
}

export const FACTS = {
  ipvs: named('FACTS.ipvs', factsFor('ipvs')),
  iptables: named('FACTS.iptables', factsFor('iptables')),
  nftables: named('FACTS.nftables', factsFor('nftables', false)),
};
export const factsArb = fc.constantFrom(FACTS.ipvs, FACTS.iptables, FACTS.nftables);

// ---- addresses and scalars ---------------------------------------------------------------------------------------

/** Addresses that trigger each rule, plus random ones. */
const interesting = [
  ...NODE_IPS, '192.168.0.10', '192.168.000.011', '010.0.0.5', '::ffff:192.168.0.11', 'FD00::11', 'fd00:0::11',
  '127.0.0.1', '0.0.0.0', '::', '::1', '169.254.3.4', 'fe80::1', '224.0.0.5', 'ff02::1',
  '1.2.3', '10.0.0.0/8', '', 'abc', '1.2.3.4%eth0', '1.2.3.4 ', ' 1.2.3.4', '300.1.1.1', '2001:db8::1:0:0:1', '2001:DB8::1',
  '10.96.0.10', '10.244.3.3', '192.168.0.15', '192.168.0.20', '192.168.0.20', '203.0.113.9', 'fd00::105',
];
export const addressArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...interesting) },
  { weight: 1, arbitrary: fc.ipV4() },
  { weight: 1, arbitrary: fc.ipV6() },
  { weight: 1, arbitrary: fc.ipV4Extended() },
);

/** A scalar written plain, quoted, or as a non-string (number, null, bool, map, sequence). */
export const scalarArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: addressArb.map((a) => (a === '' || /^[\s:]|[\s:]$|%/.test(a) ? JSON.stringify(a) : a)) },
  { weight: 2, arbitrary: addressArb.map((a) => JSON.stringify(a)) },
  { weight: 2, arbitrary: addressArb.map((a) => `'${a.replace(/'/g, "''")}'`) },
  { weight: 1, arbitrary: fc.constantFrom('42', '3.14', 'null', '~', 'true', '{a: 1}', '[1, 2]', '!!str 192.168.0.11', '!custom 1.2.3.4', '0x1F') },
);

const PORTS = ['22', '53', '80', '443', '6443', '10250', '8472', '4789', '8080', '"http"', '179'];

// ---- manifests ---------------------------------------------------------------------------------------------------

export interface ManifestStyle {
  indent: number;
  /** Sequences under a key indented (`  - x`) or flush (`- x`). */
  indentSeq: boolean;
  eol: '\n' | '\r\n';
}

const styleArb: fc.Arbitrary<ManifestStyle> = fc.record({
  indent: fc.constantFrom(2, 2, 4, 1),
  indentSeq: fc.boolean(),
  eol: fc.constantFrom<'\n' | '\r\n'>('\n', '\n', '\n', '\r\n'),
});

/** An address list value: flow (`[a, b]`) or block lines. Returns the lines after the key (key line included). */
function listLines(key: string, items: string[], flow: boolean, pad: string, st: ManifestStyle, trailing: string): string[] {
  if (flow) return [`${pad}${key}: [${items.join(', ')}]${trailing}`];
  const seqPad = st.indentSeq ? pad + ' '.repeat(st.indent) : pad;
  return [`${pad}${key}:${trailing}`, ...items.map((i) => `${seqPad}- ${i}`)];
}

const commentArb = fc.constantFrom('', '', '', ' # note', ' # kube-ip-guard-disable-line', ' # kube-ip-guard-disable-line externalip-node', ' #kube-ip-guard-disable-line -- why');

function serviceArbOf(scalar: fc.Arbitrary<string>, anchors: boolean) {
  return fc.record({
  name: fc.constantFrom('web', 'api', 'bad', 'x'),
  type: fc.constantFrom(undefined, 'ClusterIP', 'LoadBalancer', 'NodePort', 'ExternalName'),
  clusterIP: fc.constantFrom(undefined, 'None', '10.96.0.20', '192.168.0.11'),
  ipFamilies: fc.constantFrom(undefined, '[IPv4]', '[IPv6]', '[IPv4, IPv6]'),
  proxyLabel: fc.boolean(),
  ext: fc.option(fc.array(scalar, { minLength: 0, maxLength: 5 }), { nil: undefined, freq: 5 }),
  extComments: fc.array(commentArb, { minLength: 5, maxLength: 5 }),
  extFlow: fc.boolean(),
  extNotList: fc.constantFrom(undefined, undefined, undefined, undefined, '192.168.0.11', '{a: 1}', 'null'),
  lbip: fc.option(scalar, { nil: undefined, freq: 4 }),
  ingress: fc.option(fc.array(fc.record({ ip: scalar, ipMode: fc.constantFrom(undefined, 'VIP', 'Proxy') }), { maxLength: 3 }), { nil: undefined, freq: 4 }),
  ports: fc.array(fc.record({ port: fc.constantFrom(...PORTS), protocol: fc.constantFrom(undefined, 'TCP', 'UDP', 'SCTP') }), { maxLength: 3 }),
  anchorFirst: anchors ? fc.boolean() : fc.constant(false),
  aliasExt: anchors ? fc.boolean() : fc.constant(false),
  style: styleArb,
  suppressNext: fc.constantFrom('', '', '', '# kube-ip-guard-disable-next-line'),
  });
}
const serviceArb = serviceArbOf(scalarArb, true);

type ServiceGen = typeof serviceArb extends fc.Arbitrary<infer T> ? T : never;

function renderService(s: ServiceGen): string {
  const st = s.style;
  const p1 = ' '.repeat(st.indent);
  const p2 = p1 + p1;
  const seq = (pad: string) => (st.indentSeq ? pad + p1 : pad);
  const lines = ['apiVersion: v1', 'kind: Service', 'metadata:', `${p1}name: ${s.name}`];
  if (s.proxyLabel) lines.push(`${p1}labels:`, `${p2}service.kubernetes.io/service-proxy-name: custom`);
  lines.push('spec:');
  if (s.type) lines.push(`${p1}type: ${s.type}`);
  if (s.clusterIP) lines.push(`${p1}clusterIP: ${s.clusterIP}`);
  if (s.ipFamilies) lines.push(`${p1}ipFamilies: ${s.ipFamilies}`);
  if (s.ports.length) {
    lines.push(`${p1}ports:`);
    for (const p of s.ports) {
      lines.push(`${seq(p1)}- port: ${p.port}`);
      if (p.protocol) lines.push(`${seq(p1)}  protocol: ${p.protocol}`);
    }
  }
  if (s.extNotList !== undefined) lines.push(`${p1}externalIPs: ${s.extNotList}`);
  else if (s.ext) {
    let items = s.ext.map((v, i) => (i < s.extComments.length && !s.extFlow ? v + s.extComments[i] : v));
    if (s.anchorFirst && items.length) items = [`&first ${items[0]}`, ...items.slice(1), '*first'];
    if (s.suppressNext) lines.push(`${p1}${s.suppressNext}`);
    if (s.aliasExt) {
      lines.push(`${p1}x-addresses: &addrs [${s.ext.join(', ')}]`, `${p1}externalIPs: *addrs`);
    } else lines.push(...listLines('externalIPs', items, s.extFlow, p1, st, ''));
  }
  if (s.lbip !== undefined) lines.push(`${p1}loadBalancerIP: ${s.lbip}`);
  if (s.ingress) {
    lines.push('status:', `${p1}loadBalancer:`, `${p2}ingress:`);
    for (const i of s.ingress) {
      lines.push(`${seq(p2)}- ip: ${i.ip}`);
      if (i.ipMode) lines.push(`${seq(p2)}  ipMode: ${i.ipMode}`);
    }
  }
  return lines.join(st.eol) + st.eol;
}

export const serviceDocArb: fc.Arbitrary<string> = serviceArb.map(renderService);

/**
 * Services whose address entries are single-line scalars (plain or quoted, any value) and that use no anchors:
 * the inputs every quick fix is known to handle today (the suite's always-on guard for fixes).
 */
const singleLineScalarArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: addressArb.filter((a) => a !== '').map((a) => (/^[\s:]|[\s:]$|%/.test(a) ? JSON.stringify(a) : a)) },
  { weight: 2, arbitrary: addressArb.map((a) => JSON.stringify(a)) },
  { weight: 1, arbitrary: fc.constantFrom('42', 'null', 'true', '0x1F') },
);
export const plainServiceDocArb: fc.Arbitrary<string> = serviceArbOf(singleLineScalarArb, false).map(renderService);
export const plainManifestArb: fc.Arbitrary<string> = fc
  .array(fc.oneof({ weight: 4, arbitrary: plainServiceDocArb }, { weight: 1, arbitrary: fc.constantFrom('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n', '# comment\n') }), { minLength: 1, maxLength: 3 })
  .map((docs) => docs.join('---\n'));

export const poolDocArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('metallb', 'calico', 'gateway'), fc.array(fc.oneof(scalarArb, fc.constantFrom('192.168.0.0/24', '192.168.0.5-192.168.0.12', '10.0.0.0/8', 'fd00::/64')), { minLength: 1, maxLength: 3 }), styleArb)
  .map(([kind, addrs, st]) => {
    const p1 = ' '.repeat(st.indent);
    const seq = st.indentSeq ? p1 + p1 : p1;
    let lines: string[];
    if (kind === 'metallb') lines = ['apiVersion: metallb.io/v1beta1', 'kind: IPAddressPool', 'metadata: {name: pool}', 'spec:', ...listLines('addresses', addrs, false, p1, st, '')];
    else if (kind === 'calico') lines = ['apiVersion: crd.projectcalico.org/v1', 'kind: IPPool', 'metadata: {name: pool}', 'spec:', `${p1}cidr: ${addrs[0]}`];
    else lines = ['apiVersion: gateway.networking.k8s.io/v1', 'kind: Gateway', 'metadata: {name: gw}', 'spec:', `${p1}addresses:`, ...addrs.map((a) => `${seq}- {type: IPAddress, value: ${a}}`)];
    return lines.join(st.eol) + st.eol;
  });

/** Generic YAML: any JSON-ish value, printed by the yaml library in one of its styles, sometimes as a Service. */
export const genericDocArb: fc.Arbitrary<string> = fc
  .tuple(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom<'none' | 'service' | 'spec'>('none', 'service', 'spec'), fc.record({ flow: fc.boolean(), indent: fc.constantFrom(1, 2, 4), lineWidth: fc.constantFrom(0, 20, 80) }))
  .map(([v, wrap, o]) => {
    const value = wrap === 'service' ? { apiVersion: 'v1', kind: 'Service', metadata: { name: 'g' }, spec: { externalIPs: v } } : wrap === 'spec' ? { apiVersion: 'v1', kind: 'Service', spec: v } : v;
    return stringify(value, { indent: o.indent, lineWidth: o.lineWidth, collectionStyle: o.flow ? 'flow' : 'any' });
  });

const otherDocArb = fc.constantFrom(
  'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: "i", args: ["192.168.0.11"]}]\n',
  '# just a comment\n',
  '',
  'apiVersion: v1\nkind: ConfigMap\ndata:\n  externalIPs: "192.168.0.11"\n',
  'key: |\n  ---\n  externalIPs: [192.168.0.11]\n',
);

/** A List of Services, or a Service in a Helm template. */
const wrappedDocArb = fc.oneof(
  fc.array(serviceDocArb, { minLength: 1, maxLength: 2 }).map((docs) => 'apiVersion: v1\nkind: List\nitems:\n' + docs.map((d) => d.replace(/\r/g, '').trimEnd().split('\n').map((l, i) => (i === 0 ? '- ' : '  ') + l).join('\n')).join('\n') + '\n'),
  serviceDocArb.map((d) => d.replace(/^(\s*)name: (\w+)/m, '$1name: {{ .Release.Name }}-$2').replace(/externalIPs:(.*)$/m, 'externalIPs:$1\n  {{- with .Values.extra }}\n  - {{ . }}\n  {{- end }}')),
);

/** A stream of 1..4 documents, with optional leading `---`, `...` end markers and a %YAML directive. */
export const manifestArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.oneof({ weight: 5, arbitrary: serviceDocArb }, { weight: 2, arbitrary: poolDocArb }, { weight: 1, arbitrary: genericDocArb }, { weight: 1, arbitrary: otherDocArb }, { weight: 1, arbitrary: wrappedDocArb }), { minLength: 1, maxLength: 4 }),
    fc.constantFrom('', '', '---\n', '%YAML 1.2\n---\n'),
    fc.constantFrom('---\n', '---\n', '...\n---\n', '--- # next\n'),
  )
  .map(([docs, head, sep]) => head + docs.join(sep));

// ---- bytes -------------------------------------------------------------------------------------------------------

/** Random bytes decoded as VS Code and the server decode a file: UTF-8 with U+FFFD for invalid sequences. */
export const randomBytesTextArb: fc.Arbitrary<string> = fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b).toString('utf8'));

/** Invalid UTF-8 spliced into a manifest (overlong, lone continuation, truncated sequence, surrogate encoded). */
const BAD_UTF8 = [[0xc0, 0xaf], [0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xff, 0xfe], [0xf4, 0x90, 0x80, 0x80]];
export function spliceBytes(text: string, at: number, bytes: number[]): string {
  const buf = Buffer.from(text, 'utf8');
  const i = Math.min(at, buf.length);
  return Buffer.concat([buf.subarray(0, i), Buffer.from(bytes), buf.subarray(i)]).toString('utf8');
}
export const badUtf8Arb = fc.constantFrom(...BAD_UTF8);

// ---- mutations ---------------------------------------------------------------------------------------------------

export type Mutation =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number; ch: string }
  | { op: 'delete'; at: number; len: number }
  | { op: 'duplicate'; at: number; len: number }
  | { op: 'indent'; line: number; delta: number; tab: boolean }
  | { op: 'huge'; at: number; kind: 'scalar' | 'list' | 'line' }
  | { op: 'deep'; at: number; depth: number; flow: boolean }
  | { op: 'anchors'; at: number; count: number }
  | { op: 'nul'; at: number }
  | { op: 'utf8'; at: number; bytes: number[] }
  | { op: 'surrogate'; at: number }
  | { op: 'crlf'; at: number };

const SIGNIFICANT = [':', '-', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`', '\t', '\n', ' ', ',', '?', '\r', '\u2028', '\ufeff', '\u0085'];

/** Positions are fractions of the text length (in [0,1)), so one mutation fits any text. */
const frac = fc.double({ min: 0, max: 0.999999, noNaN: true });
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  frac.map((at): Mutation => ({ op: 'truncate', at })),
  fc.tuple(frac, fc.oneof(fc.constantFrom(...SIGNIFICANT), fc.string({ minLength: 1, maxLength: 1 }))).map(([at, ch]): Mutation => ({ op: 'flip', at, ch })),
  fc.tuple(frac, fc.integer({ min: 1, max: 40 })).map(([at, len]): Mutation => ({ op: 'delete', at, len })),
  fc.tuple(frac, fc.integer({ min: 1, max: 200 })).map(([at, len]): Mutation => ({ op: 'duplicate', at, len })),
  fc.tuple(frac, fc.integer({ min: -4, max: 4 }), fc.boolean()).map(([line, delta, tab]): Mutation => ({ op: 'indent', line, delta, tab })),
  fc.tuple(frac, fc.constantFrom<'scalar' | 'list' | 'line'>('scalar', 'list', 'line')).map(([at, kind]): Mutation => ({ op: 'huge', at, kind })),
  // Deeper nesting makes the YAML parser overflow the stack at a depth that varies from run to run (a known bug,
  // checked by deepNestingArb's own property): the everyday mutations stay below it.
  fc.tuple(frac, fc.integer({ min: 20, max: 300 }), fc.boolean()).map(([at, depth, flow]): Mutation => ({ op: 'deep', at, depth, flow })),
  fc.tuple(frac, fc.integer({ min: 100, max: 2000 })).map(([at, count]): Mutation => ({ op: 'anchors', at, count })),
  frac.map((at): Mutation => ({ op: 'nul', at })),
  fc.tuple(frac, badUtf8Arb).map(([at, bytes]): Mutation => ({ op: 'utf8', at, bytes })),
  frac.map((at): Mutation => ({ op: 'surrogate', at })),
  frac.map((at): Mutation => ({ op: 'crlf', at })),
);

function lineStartAt(text: string, i: number): number {
  return text.lastIndexOf('\n', i - 1) + 1;
}

export function mutate(text: string, m: Mutation): string {
  const pos = (f: number) => Math.floor(f * (text.length + 1));
  switch (m.op) {
    case 'truncate':
      return text.slice(0, pos(m.at));
    case 'flip': {
      const i = pos(m.at);
      return text.slice(0, i) + m.ch + text.slice(i + 1);
    }
    case 'delete': {
      const i = pos(m.at);
      return text.slice(0, i) + text.slice(i + m.len);
    }
    case 'duplicate': {
      const i = pos(m.at);
      return text.slice(0, i + m.len) + text.slice(i, i + m.len) + text.slice(i + m.len);
    }
    case 'indent': {
      const ls = lineStartAt(text, pos(m.line));
      if (m.tab) return text.slice(0, ls) + '\t' + text.slice(ls);
      if (m.delta >= 0) return text.slice(0, ls) + ' '.repeat(m.delta) + text.slice(ls);
      let k = 0;
      while (k < -m.delta && text[ls + k] === ' ') k++;
      return text.slice(0, ls) + text.slice(ls + k);
    }
    case 'huge': {
      const ls = lineStartAt(text, pos(m.at));
      const insert =
        m.kind === 'scalar' ? `huge: ${'a'.repeat(300_000)}\n`
        : m.kind === 'list' ? `externalIPs: [${Array.from({ length: 5_000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.1`).join(', ')}]\n`
        : `${'x'.repeat(200_000)}: ${'192.168.0.11 '.repeat(1000)}\n`;
      return text.slice(0, ls) + insert + text.slice(ls);
    }
    case 'deep': {
      const ls = lineStartAt(text, pos(m.at));
      const insert = m.flow ? `deep: ${'['.repeat(m.depth)}192.168.0.11${']'.repeat(m.depth)}\n` : Array.from({ length: Math.min(m.depth, 2000) }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 192.168.0.11\n';
      return text.slice(0, ls) + insert + text.slice(ls);
    }
    case 'anchors': {
      const ls = lineStartAt(text, pos(m.at));
      const lines = ['anchors:'];
      for (let i = 0; i < m.count; i++) lines.push(`  a${i}: &a${i} ${i === 0 ? '192.168.0.11' : `[*a${i - 1}, *a${i - 1}]`}`);
      lines.push(`externalIPs: *a${m.count - 1}`);
      return text.slice(0, ls) + lines.join('\n') + '\n' + text.slice(ls);
    }
    case 'nul': {
      const i = pos(m.at);
      return text.slice(0, i) + '\0' + text.slice(i);
    }
    case 'utf8':
      return spliceBytes(text, pos(m.at), m.bytes);
    case 'surrogate': {
      const i = pos(m.at);
      return text.slice(0, i) + '\ud800' + text.slice(i);
    }
    case 'crlf': {
      const i = pos(m.at);
      return text.slice(0, i) + '\r' + text.slice(i);
    }
  }
}

export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 3 });

/** Nesting from 600 to 4,000 levels, flow or block, anywhere in a document. */
export const deepNestingArb = fc.tuple(frac, fc.integer({ min: 600, max: 4000 }), fc.boolean()).map(([at, depth, flow]): Extract<Mutation, { op: 'deep' }> => ({ op: 'deep', at, depth, flow }));

// ---- corpus ------------------------------------------------------------------------------------------------------

export const CORPUS = resolve('..', 'shared', 'corpus');

export interface CorpusFile {
  path: string;
  text: string;
}

let corpusCache: CorpusFile[] | undefined;

/** Every YAML file of the corpus below `maxBytes` (sorted, so seeds pick the same files), or [] when absent. */
export function corpusFiles(maxBytes = 150_000): CorpusFile[] {
  if (!existsSync(CORPUS)) return [];
  if (!corpusCache) {
    const out: CorpusFile[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir).sort()) {
        const p = join(dir, name);
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else if (/\.ya?ml$/i.test(name)) out.push({ path: p, text: readFileSync(p, 'utf8') });
      }
    };
    walk(CORPUS);
    corpusCache = out;
  }
  return corpusCache.filter((f) => f.text.length <= maxBytes);
}

export const CORPUS_SKIP = `corpus not found at ${CORPUS}: corpus-based robustness cases skipped (they run where ../shared/corpus exists)`;

// ---- amplification: small texts that ask for a lot of work ---------------------------------------------------------

/** 1,000 Services in one `List` whose externalIPs alias one anchored list of `addresses` entries (the last a node's). */
export function aliasFanOut(addresses: number, services: number, block = false): string {
  const ips = Array.from({ length: addresses }, (_, i) => (i === addresses - 1 ? '192.168.0.11' : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`));
  const items = [`- apiVersion: v1\n  kind: Service\n  metadata: {name: s0}\n  spec:\n    ports: [{port: 80}]\n    externalIPs: &ips ${block ? '\n' + ips.map((ip) => `    - ${ip}\n`).join('') : `[${ips.join(', ')}]\n`}`];
  for (let i = 1; i < services; i++) items.push(`- apiVersion: v1\n  kind: Service\n  metadata: {name: s${i}}\n  spec:\n    ports: [{port: 80}]\n    externalIPs: *ips\n`);
  return `apiVersion: v1\nkind: List\nitems:\n${items.join('')}`;
}

/** A Service whose spec merges a chain of maps, each merging `fanOut` aliases of the one below, `levels` deep. */
export function mergeKeyBomb(fanOut: number, levels: number): string {
  const lines = ['apiVersion: v1', 'kind: Service', 'metadata: {name: merge-bomb}', 'x:', '  l0: &l0 {loadBalancerClass: none}'];
  for (let i = 1; i <= levels; i++) lines.push(`  l${i}: &l${i} {<<: [${Array(fanOut).fill(`*l${i - 1}`).join(', ')}]}`);
  lines.push('spec:', `  <<: *l${levels}`, '  ports: [{port: 80}]', '  externalIPs: [192.168.0.11]', '');
  return lines.join('\n');
}

/** Compact nested sequences on one line (`- - - … x`) under a Service beside a colliding address. */
export function compactNesting(depth: number): string {
  return `apiVersion: v1\nkind: Service\nmetadata: {name: compact}\nspec:\n  externalIPs: [192.168.0.11]\n  deep:\n  ${'- '.repeat(depth)}x\n`;
}

/** One anchored map (`labels`, ports, a whole spec) aliased by every item of a List. */
export function aliasedSpecs(services: number, ports: number): string {
  const portList = Array.from({ length: ports }, (_, i) => `{port: ${1000 + i}}`).join(', ');
  const items = [`- apiVersion: v1\n  kind: Service\n  metadata: {name: s0}\n  spec: &spec\n    externalIPs: [192.168.0.11, 10.1.2.3]\n    ports: [${portList}]\n`];
  for (let i = 1; i < services; i++) items.push(`- {apiVersion: v1, kind: Service, metadata: {name: s${i}}, spec: *spec}\n`);
  return `apiVersion: v1\nkind: List\nitems:\n${items.join('')}`;
}

/** Many anchors of one name, each aliased right after: resolving must not scan them all each time. */
export function reusedAnchors(n: number): string {
  const lines = ['apiVersion: v1', 'kind: Service', 'metadata: {name: anchors}', 'spec:', '  x:'];
  for (let i = 0; i < n; i++) lines.push(`    a${i}: &a 10.0.${(i >> 8) & 255}.${i & 255}`, `    b${i}: *a`);
  lines.push('  externalIPs: [*a, 192.168.0.11]', '');
  return lines.join('\n');
}

/** A Service whose spec holds `keys` keys (the YAML parser's duplicate-key check compares each with every other). */
export function wideMap(keys: number, duplicate = false): string {
  const lines = ['apiVersion: v1', 'kind: Service', 'metadata: {name: wide}', 'spec:', '  externalIPs: [192.168.0.11]'];
  for (let i = 0; i < keys; i++) lines.push(`  k${i}: v`);
  if (duplicate) lines.push('  k0: again');
  lines.push('');
  return lines.join('\n');
}

/** One Service with `ips` externalIPs and `ports` ports: ips × ports triples for the port-clash rule. */
export function portsTimesAddresses(ips: number, ports: number): string {
  const list = Array.from({ length: ips }, (_, i) => (i === 0 ? '192.168.0.11' : `10.9.${(i >> 8) & 255}.${i & 255}`));
  const portList = Array.from({ length: ports }, (_, i) => `{port: ${1 + i}}`);
  return `apiVersion: v1\nkind: Service\nmetadata: {name: wide-claims}\nspec:\n  externalIPs: [${list.join(', ')}]\n  ports: [${portList.join(', ')}]\n`;
}

/** Each shape at a size that stays quick in the properties (the issue's full sizes are in amplification.test.ts). */
export const amplificationArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 200 }), fc.boolean()).map(([a, s, b]) => aliasFanOut(a, s, b)),
  fc.tuple(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 16 })).map(([f, l]) => mergeKeyBomb(f, l)),
  fc.integer({ min: 1, max: 2000 }).map(compactNesting),
  fc.tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 100 })).map(([s, p]) => aliasedSpecs(s, p)),
  fc.integer({ min: 1, max: 2000 }).map(reusedAnchors),
  fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.boolean()).map(([k, d]) => wideMap(k, d)),
  fc.tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 })).map(([i, p]) => portsTimesAddresses(i, p)),
);
