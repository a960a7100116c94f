// Shared fixtures for the engine tests: the seed cluster's facts (the outage in the README: two nodes, IPVS), a Service
// builder, and helpers to read a finding's span and a hover cursor out of inline fixture strings.
import assert from 'node:assert/strict';
import { analyze, mergeFacts, parseConfig, type ProxyMode, type AnalyzeOptions, type ClusterFacts, type Finding, type FactContribution } from '../../server/src/engine/index';

export const CONFIG_URI = 'file:///workspace/.kube-ip-guard.yaml';

export interface SeedOptions {
  proxyMode?: ProxyMode;
  /** Extra YAML lines appended to the config (e.g. a `rules:` block). */
  extra?: string;
  /** Replace the default node list (YAML lines under `nodes:`). */
  nodes?: string;
  /** Replace the API server list (flow items); '' for none. */
  apiServer?: string;
  /** Replace the pool (flow items); '' for none. */
  pool?: string;
}

/** The seed cluster's `.kube-ip-guard.yaml`. */
export function seedConfigText(o: SeedOptions = {}): string {
  const lines = [
    'nodes:',
    o.nodes ??
      ['  - name: k8s-master-1', '    addresses: [192.168.0.10]', '  - name: k8s-node-1', '    addresses: [192.168.0.11]'].join('\n'),
  ];
  const api = o.apiServer ?? '192.168.0.10:6443';
  if (api) lines.push(`apiServer: [${api}]`);
  lines.push(`proxyMode: ${o.proxyMode ?? 'ipvs'}`);
  const pool = o.pool ?? '192.168.0.15-192.168.0.30';
  if (pool) lines.push(`externalIPPool: [${pool}]`);
  if (o.extra) lines.push(o.extra);
  return lines.join('\n') + '\n';
}

/** Facts from a config text, built the way the server does (parseConfig + mergeFacts). The config must be clean. */
export function factsFromConfig(text: string, more: FactContribution[] = []): ClusterFacts {
  const cfg = parseConfig(text, CONFIG_URI);
  assert.deepEqual(cfg.problems, [], 'test config has problems');
  return mergeFacts([cfg.contribution, ...more]);
}

/** Nodes k8s-master-1 192.168.0.10 and k8s-node-1 192.168.0.11, API server 192.168.0.10:6443, IPVS, pool .15-.30. */
export function seedFacts(o: SeedOptions = {}): ClusterFacts {
  return factsFromConfig(seedConfigText(o));
}

export interface ServiceExtra {
  name?: string;
  apiVersion?: string;
  kind?: string;
  /** spec.type (default ClusterIP). */
  type?: string;
  /** Extra lines under `spec:` (already indented by two spaces). */
  spec?: string[];
  /** Line ending (default '\n'). */
  eol?: string;
}

/**
 * A Service manifest. `externalIPs` as an array is written as a block sequence, each item verbatim (so callers can
 * pass quoted values); as a string it is written verbatim after `externalIPs:` (a flow sequence, an alias...).
 */
export function service(externalIPs: readonly string[] | string, extra: ServiceExtra = {}): string {
  const lines = [
    `apiVersion: ${extra.apiVersion ?? 'v1'}`,
    `kind: ${extra.kind ?? 'Service'}`,
    'metadata:',
    `  name: ${extra.name ?? 'busybox'}`,
    'spec:',
    `  type: ${extra.type ?? 'ClusterIP'}`,
    ...(typeof externalIPs === 'string'
      ? [`  externalIPs: ${externalIPs}`]
      : ['  externalIPs:', ...externalIPs.map((ip) => `  - ${ip}`)]),
    '  ports:',
    '  - port: 8888',
    '    targetPort: 80',
    '    protocol: TCP',
    ...(extra.spec ?? []),
    '  selector:',
    '    app: httpd',
  ];
  return lines.join(extra.eol ?? '\n') + (extra.eol ?? '\n');
}

/** The text each finding's span covers. */
export function spanText(text: string, f: { span: { start: number; end: number } }): string {
  return text.slice(f.span.start, f.span.end);
}

/** Findings as `rule severity "span text"` lines: compact exact assertions. */
export function summarize(text: string, findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.rule} ${f.severity} ${JSON.stringify(spanText(text, f))}`);
}

export function findings(text: string, facts: ClusterFacts = seedFacts(), options?: AnalyzeOptions): Finding[] {
  return analyze(text, facts, options).findings;
}

/**
 * Several Services with the same address and port in one stream also clash (externalip-port-clash, tested in its
 * own file); tests about other behaviour use these facts to look at that behaviour alone.
 */
export function seedFactsWithoutClash(o: SeedOptions = {}): ClusterFacts {
  return seedFacts({ ...o, extra: [o.extra, 'rules:\n  externalip-port-clash: off'].filter(Boolean).join('\n') });
}

/** Only the findings of one rule. */
export function findingsOf(rule: string, text: string, facts: ClusterFacts = seedFacts(), options?: AnalyzeOptions): Finding[] {
  return findings(text, facts, options).filter((f) => f.rule === rule);
}

/** A fixture where `|` marks the cursor: the text without it, and the cursor's offset. */
export function cursor(fixture: string): { text: string; offset: number } {
  const offset = fixture.indexOf('|');
  assert.ok(offset >= 0, 'fixture has no | cursor');
  assert.equal(fixture.indexOf('|', offset + 1), -1, 'fixture has more than one |');
  return { text: fixture.slice(0, offset) + fixture.slice(offset + 1), offset };
}

/** 0-based line of an offset. */
export function lineOf(text: string, offset: number): number {
  let n = 0;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') n++;
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Fixtures for the rules of issue 5 (proxy-mode nuance, load balancers, CIDRs, pools, cross-file clashes).
import { readManifest as readManifestForWorkspace, type ServiceObject as WorkspaceServiceObject, type WorkspaceService, type FactLocation } from '../../server/src/engine/index';

/** The seed Service (`service()`) with its one port changed to `port`/`protocol`. */
export function serviceOnPort(externalIPs: readonly string[] | string, port: number, protocol = 'TCP', extra: ServiceExtra = {}): string {
  return service(externalIPs, extra)
    .replace(/^ {2}- port: 8888(?=\r?\n)/m, `  - port: ${port}`)
    .replace(/^ {4}protocol: TCP(?=\r?\n)/m, `    protocol: ${protocol}`);
}

/** Maps a span of `text` to an LSP-style location (0-based line and character) in the file `uri`. */
export function locatorOf(uri: string, text: string): (span: { start: number; end: number }) => FactLocation {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const pos = (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - starts[lo] };
  };
  return (span) => {
    const a = pos(span.start);
    const b = pos(span.end);
    return { uri, line: a.line, character: a.character, endLine: b.line, endCharacter: b.character };
  };
}

/** The Services of another workspace file, as `analyze(..., { workspaceServices })` takes them. */
export function workspaceServicesOf(uri: string, text: string): WorkspaceService[] {
  const locate = locatorOf(uri, text);
  return readManifestForWorkspace(text)
    .objects.filter((o): o is WorkspaceServiceObject => o.kind === 'Service')
    .map((s) => ({ uri, service: s, locate }));
}
