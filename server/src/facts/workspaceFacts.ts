// Cluster facts of one workspace folder (or one CLI run): the config file, the Node manifests it names, the
// `kubeIpGuard.*` settings and any other contribution (CLI flags, the live cluster), merged in that order.
import { lookup } from 'node:dns/promises';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import {
  CONFIG_FILE_NAME,
  mergeFacts,
  parseConfig,
  parseNodeManifest,
  type ApiServerFact,
  type ClusterFacts,
  type FactContribution,
  type FactSource,
  type Span,
} from '../engine/index';
import type { Settings } from '../protocol';

export interface FileProblem {
  /** Absolute path of the file the problem is in; undefined for settings. */
  file?: string;
  message: string;
  span?: Span;
  severity: 'error' | 'warning';
}

export interface FolderFacts {
  facts: ClusterFacts;
  problems: FileProblem[];
  /** The config file in use, if one exists. */
  configPath?: string;
  /** Globs from the config's `ignore`. */
  ignore: string[];
  /** Files whose change must reload these facts (config + node manifests). */
  dependencies: string[];
}

export interface FolderFactsInput {
  /** The config file to read (need not exist). */
  configPath?: string;
  /** Text of a file: an editor passes its unsaved buffer for open files; undefined when missing. */
  readText?: (path: string) => string | undefined;
  settings?: Settings;
  /** Contributions with lower precedence than the file and the settings (the live cluster). */
  extra?: FactContribution[];
  /** Contributions with higher precedence (CLI flags). */
  first?: FactContribution[];
  /** In an untrusted workspace, node manifests must lie inside one of these roots. */
  trusted?: boolean;
  workspaceRoots?: string[];
  /** Resolve API server hostnames; defaults to DNS with a short timeout. */
  resolveHost?: (host: string) => Promise<string[]>;
}

export function readTextFromDisk(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const RESOLVE_TIMEOUT_MS = 2000;

export async function resolveHostWithTimeout(host: string, timeoutMs = RESOLVE_TIMEOUT_MS): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`resolving ${host} took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const found = await Promise.race([lookup(host, { all: true }), timeout]);
    return found.map((a) => (typeof a === 'string' ? a : a.address));
  } finally {
    clearTimeout(timer);
  }
}

/** `.kube-ip-guard.yaml` in `dir` or the nearest directory above it (up to `stopAt`, when given). */
export function findConfigUpward(dir: string, stopAt?: string): string | undefined {
  let cur = resolve(dir);
  for (;;) {
    const candidate = join(cur, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    if (stopAt && resolve(cur) === resolve(stopAt)) return undefined;
    const up = dirname(cur);
    if (up === cur) return undefined;
    cur = up;
  }
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function within(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(sep));
}

/** The `kubeIpGuard.*` facts settings, validated by the same code as the config file. */
export function settingsContribution(settings: Settings): { contribution?: FactContribution; problems: FileProblem[] } {
  const obj: Record<string, unknown> = {};
  if (settings.nodes.length) obj.nodes = settings.nodes;
  if (settings.apiServer.length) obj.apiServer = settings.apiServer;
  if (settings.proxyMode) obj.proxyMode = settings.proxyMode;
  if (settings.serviceCIDRs.length) obj.serviceCIDRs = settings.serviceCIDRs;
  if (settings.podCIDRs.length) obj.podCIDRs = settings.podCIDRs;
  if (settings.externalIPPool.length) obj.externalIPPool = settings.externalIPPool;
  if (Object.keys(settings.rules).length) obj.rules = settings.rules;
  if (Object.keys(obj).length === 0) return { problems: [] };
  const label = 'settings (kubeIpGuard.*)';
  const parsed = parseConfig(stringify(obj), '', label);
  const strip = (_: FactSource): FactSource => ({ kind: 'settings', label });
  const c = parsed.contribution;
  const contribution: FactContribution = {
    source: { kind: 'settings', label },
    nodes: c.nodes?.map((n) => ({ name: n.name, addresses: n.addresses.map((a) => ({ ...a, source: strip(a.source) })) })),
    apiServers: c.apiServers?.map((a) => ({ ...a, source: strip(a.source) })),
    proxyMode: c.proxyMode && { mode: c.proxyMode.mode, source: strip(c.proxyMode.source) },
    serviceCIDRs: c.serviceCIDRs?.map((x) => ({ ...x, source: strip(x.source) })),
    podCIDRs: c.podCIDRs?.map((x) => ({ ...x, source: strip(x.source) })),
    externalIPPool: c.externalIPPool?.map((x) => ({ ...x, source: strip(x.source) })),
    rules: c.rules,
  };
  return { contribution, problems: parsed.problems.map((p) => ({ message: `kubeIpGuard.${p.message}`, severity: p.severity })) };
}

export async function loadFolderFacts(input: FolderFactsInput): Promise<FolderFacts> {
  const read = input.readText ?? readTextFromDisk;
  const problems: FileProblem[] = [];
  const dependencies: string[] = [];
  const contributions: FactContribution[] = [...(input.first ?? [])];
  let configPath: string | undefined;
  let ignore: string[] = [];
  let configRules: FactContribution['rules'];
  if (input.configPath) {
    dependencies.push(input.configPath);
    const text = read(input.configPath);
    if (text !== undefined) {
      configPath = input.configPath;
      const uri = pathToFileURL(input.configPath).toString();
      const config = parseConfig(text, uri, CONFIG_FILE_NAME);
      ignore = config.ignore;
      for (const p of config.problems) problems.push({ file: input.configPath, message: p.message, span: p.span, severity: p.severity });
      const resolved: ApiServerFact[] = [];
      await Promise.all(
        config.apiServerHosts.map(async (h) => {
          try {
            const resolveHost = input.resolveHost ?? ((host: string) => resolveHostWithTimeout(host));
            for (const address of await resolveHost(h.host)) {
              resolved.push({ address, host: h.host, ...(h.port ? { port: h.port } : {}), source: { kind: 'config', label: CONFIG_FILE_NAME, location: h.location } });
            }
          } catch (e) {
            problems.push({ file: input.configPath, message: `apiServer: could not resolve ${h.host}: ${(e as Error).message}`, span: h.span, severity: 'warning' });
          }
        }),
      );
      config.contribution.apiServers = [...(config.contribution.apiServers ?? []), ...resolved];
      configRules = config.contribution.rules;
      contributions.push(config.contribution);
      for (const m of config.nodeManifests) {
        const path = resolve(dirname(input.configPath), m.path);
        dependencies.push(path);
        // Judged by where the file really is: a symlink in the workspace may point anywhere.
        if (input.trusted === false && !(input.workspaceRoots ?? []).some((root) => within(realPath(path), realPath(root)))) {
          problems.push({ file: input.configPath, message: `nodeManifests: ${m.path} is outside the workspace, which is not trusted; it was not read`, span: m.span, severity: 'error' });
          continue;
        }
        const manifestText = read(path);
        if (manifestText === undefined) {
          problems.push({ file: input.configPath, message: `nodeManifests: ${m.path} does not exist or cannot be read`, span: m.span, severity: 'error' });
          continue;
        }
        const label = relative(dirname(input.configPath), path) || m.path;
        const nodes = parseNodeManifest(manifestText, pathToFileURL(path).toString(), label);
        for (const p of nodes.problems) problems.push({ file: path, message: p.message, span: p.span, severity: p.severity });
        contributions.push({ source: { kind: 'node-manifest', label }, nodes: nodes.nodes });
      }
    }
  }
  let settingsRules: FactContribution['rules'];
  if (input.settings) {
    const s = settingsContribution(input.settings);
    problems.push(...s.problems);
    if (s.contribution) {
      settingsRules = s.contribution.rules;
      contributions.push(s.contribution);
    }
  }
  contributions.push(...(input.extra ?? []));
  const facts = mergeFacts(contributions);
  // Severities: a user's own settings override the shared config file (the ESLint customization model).
  facts.rules = { ...facts.rules, ...(configRules ?? {}), ...(settingsRules ?? {}) };
  return { facts, problems, configPath, ignore, dependencies };
}
