// Cluster facts of one workspace folder (or one CLI run): the config file, the Node manifests it names, the
// `kubeIpGuard.*` settings and any other contribution (CLI flags, the live cluster), merged in that order.
import { lookup } from 'node:dns/promises';
import { closeSync, constants as fsConstants, existsSync, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import {
  CONFIG_FILE_NAME,
  mergeFacts,
  parseConfig,
  type ApiServerFact,
  type ClusterFacts,
  type FactContribution,
  type FactSource,
  type Span,
} from '../engine/index';
import type { Settings } from '../protocol';
import { nodeManifests, type ManifestRead, type NodeManifestLoader } from './nodeManifests';

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
  /** Globs from the config's `helmValues`: more files read as Helm values. */
  helmValues: string[];
  /** Files whose change must reload these facts (config + node manifests). */
  dependencies: string[];
  /** No node and no API server address is known: only the checks that need no cluster facts can run. */
  noFacts: boolean;
}

/** Is any node or API server address known? Without one, the collision rules have nothing to compare with. */
export function hasAddressFacts(facts: ClusterFacts): boolean {
  return facts.nodes.some((n) => n.addresses.length > 0) || facts.apiServers.length > 0;
}

export interface FolderFactsInput {
  /** The config file to read (need not exist). */
  configPath?: string;
  /** Text of the config file: an editor passes its unsaved buffer when it is open; undefined when missing. */
  readText?: (path: string) => string | undefined;
  /** An editor's buffer of a node manifest that is open (unsaved edits count); undefined: read from disk. */
  openText?: (path: string) => string | undefined;
  /** Reads and parses node manifests; default: the process's shared loader. */
  nodeManifests?: NodeManifestLoader;
  settings?: Settings;
  /** Contributions with lower precedence than the file and the settings (the live cluster). */
  extra?: FactContribution[];
  /** Contributions with higher precedence (CLI flags). */
  first?: FactContribution[];
  /** False in an untrusted workspace: node manifests must lie inside `workspaceRoots`, host names are not resolved. */
  trusted?: boolean;
  workspaceRoots?: string[];
  /** Resolve API server hostnames; defaults to DNS with a short timeout. */
  resolveHost?: (host: string) => Promise<string[]>;
}

/** The most a file read by readTextFromDisk may weigh (the default kubeIpGuard.maxFileSizeMB). */
export const MAX_TEXT_FILE_BYTES = 64 * 1024 * 1024;

/**
 * The text of a regular file within `max` bytes, else undefined. Checked on the open descriptor (opened with
 * O_NONBLOCK: a named pipe returns at once instead of blocking the thread for ever; /dev/zero is not regular).
 */
export function readTextFromDisk(path: string, max = MAX_TEXT_FILE_BYTES): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > max) return undefined;
    const buf = Buffer.alloc(st.size + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    return n > max ? undefined : buf.subarray(0, n).toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
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

export interface DiscoveryBounds {
  /** The last directory looked in (inclusive); a start outside it looks in the start directory only. */
  stopAt: string;
  /** Pass over config files in world-writable directories, world-writable ones, or owned by another user (the CLI). */
  checkOwnership?: boolean;
  /** Pass over config files whose real path is outside this directory (an untrusted workspace: no link out). */
  confineTo?: string;
}

export interface Discovery {
  /** The config file to use, if any. */
  path?: string;
  /** Config files passed over on the way, and why. */
  skipped: { path: string; reason: string }[];
}

/**
 * The one config discovery of the server and the CLI: the nearest `.kube-ip-guard.yaml` upward from `startDir`,
 * never above `bounds.stopAt`, passing over files that cannot be trusted (see DiscoveryBounds).
 */
export function discoverConfig(startDir: string, bounds: DiscoveryBounds): Discovery {
  const skipped: Discovery['skipped'] = [];
  const stop = resolve(bounds.stopAt);
  let cur = resolve(startDir);
  const bounded = within(cur, stop);
  for (;;) {
    const candidate = join(cur, CONFIG_FILE_NAME);
    if (existsSync(candidate)) {
      const reason = distrust(candidate, bounds);
      if (reason === undefined) return { path: candidate, skipped };
      skipped.push({ path: candidate, reason });
    }
    if (!bounded || cur === stop) return { skipped };
    const up = dirname(cur);
    if (up === cur) return { skipped };
    cur = up;
  }
}

/** Why a config file found by discovery is not used, or undefined when it may be. */
function distrust(path: string, bounds: DiscoveryBounds): string | undefined {
  if (bounds.confineTo !== undefined) {
    const real = realPath(path);
    if (!within(real, realPath(bounds.confineTo))) return `it leads out of the workspace (to ${real}), which is not trusted`;
  }
  if (bounds.checkOwnership) {
    let dirStat, fileStat;
    try {
      dirStat = statSync(dirname(path));
      fileStat = statSync(path);
    } catch (e) {
      return `it cannot be read: ${(e as Error).message}`;
    }
    if (dirStat.mode & 0o002) return 'its directory is writable by every user';
    if (fileStat.mode & 0o002) return 'it is writable by every user';
    const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
    // Like ssh's StrictModes: yours or root's. Root (a CI container on a checkout of another uid) may use any.
    if (uid !== undefined && uid !== 0 && fileStat.uid !== uid && fileStat.uid !== 0) return `it is owned by another user (uid ${fileStat.uid})`;
  }
  return undefined;
}

/**
 * Where the CLI's upward discovery from `dir` stops: the nearest of the current directory and a repository root
 * (a directory holding `.git`); `dir` itself when it is in neither.
 */
export function cliDiscoveryStop(dir: string, cwd: string): string {
  const root = resolve(cwd);
  for (let cur = resolve(dir); ; ) {
    if (cur === root || existsSync(join(cur, '.git'))) return cur;
    const up = dirname(cur);
    if (up === cur) return resolve(dir);
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
  if (settings.kubernetesVersion) obj.kubernetesVersion = settings.kubernetesVersion;
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
    kubernetesVersion: c.kubernetesVersion && { ...c.kubernetesVersion, source: strip(c.kubernetesVersion.source) },
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
  let helmValues: string[] = [];
  let configRules: FactContribution['rules'];
  const unresolvedHosts: { host: string; reason: string }[] = [];
  if (input.configPath) {
    dependencies.push(input.configPath);
    const text = read(input.configPath);
    if (text !== undefined) {
      configPath = input.configPath;
      const uri = pathToFileURL(input.configPath).toString();
      const config = parseConfig(text, uri, CONFIG_FILE_NAME);
      ignore = config.ignore;
      helmValues = config.helmValues;
      for (const p of config.problems) problems.push({ file: input.configPath, message: p.message, span: p.span, severity: p.severity });
      const resolved: ApiServerFact[] = [];
      // A hostile repository must not make the editor send DNS lookups of its choosing: names are resolved only in
      // a trusted workspace.
      if (input.trusted === false) {
        for (const h of config.apiServerHosts) {
          unresolvedHosts.push({ host: h.host, reason: 'the workspace is not trusted, so its host names are not looked up' });
          problems.push({ file: input.configPath, message: `apiServer: ${h.host} was not resolved: the workspace is not trusted (Restricted Mode), so its host names are not looked up; write the address instead`, span: h.span, severity: 'warning' });
        }
      }
      await Promise.all(
        (input.trusted === false ? [] : config.apiServerHosts).map(async (h) => {
          try {
            const resolveHost = input.resolveHost ?? ((host: string) => resolveHostWithTimeout(host));
            for (const address of await resolveHost(h.host)) {
              resolved.push({ address, host: h.host, ...(h.port ? { port: h.port } : {}), source: { kind: 'config', label: CONFIG_FILE_NAME, location: h.location } });
            }
          } catch (e) {
            unresolvedHosts.push({ host: h.host, reason: (e as Error).message });
            problems.push({ file: input.configPath, message: `apiServer: could not resolve ${h.host}: ${(e as Error).message}`, span: h.span, severity: 'warning' });
          }
        }),
      );
      config.contribution.apiServers = [...(config.contribution.apiServers ?? []), ...resolved];
      configRules = config.contribution.rules;
      contributions.push(config.contribution);
      // Each file is read once per load (and not at all while unchanged), parsed off the main thread, all at once;
      // the results are taken in the config's order. The same path named twice (or fifty times) counts once.
      const loader = input.nodeManifests ?? nodeManifests;
      const configDir = dirname(input.configPath);
      const configFile = input.configPath;
      const wanted = new Map<string, (typeof config.nodeManifests)[number]>();
      for (const m of config.nodeManifests) {
        const path = resolve(configDir, m.path);
        if (!wanted.has(path)) wanted.set(path, m);
      }
      // Another name (a link, a hard link) of a file already named: the same nodes, not read again.
      const identities = new Set<string>();
      const named = await Promise.all([...wanted].map(async ([path, m]) => ({ path, m, identity: await loader.identify(path) })));
      type Manifest = (typeof config.nodeManifests)[number];
      type Read = { path: string; m: Manifest; outside: true } | { path: string; m: Manifest; label: string; read: ManifestRead };
      const reads = named.flatMap(({ path, m, identity }): Promise<Read>[] => {
        dependencies.push(path);
        if (identity !== undefined) {
          if (identities.has(identity)) return [];
          identities.add(identity);
        }
        // Judged by where the file really is: a symlink in the workspace may point anywhere.
        if (input.trusted === false && !(input.workspaceRoots ?? []).some((root) => within(realPath(path), realPath(root)))) {
          return [Promise.resolve({ path, m, outside: true })];
        }
        const label = relative(configDir, path) || m.path;
        return [loader.load(path, pathToFileURL(path).toString(), label, input.openText?.(path)).then((read) => ({ path, m, label, read }))];
      });
      for (const r of await Promise.all(reads)) {
        if ('outside' in r) {
          problems.push({ file: configFile, message: `nodeManifests: ${r.m.path} is outside the workspace, which is not trusted; it was not read`, span: r.m.span, severity: 'error' });
          continue;
        }
        if (!r.read.ok) {
          problems.push({ file: configFile, message: `nodeManifests: ${r.m.path} ${r.read.reason}`, span: r.m.span, severity: 'error' });
          continue;
        }
        for (const p of r.read.result.problems) problems.push({ file: r.path, message: p.message, span: p.span, severity: p.severity });
        contributions.push({ source: { kind: 'node-manifest', label: r.label }, nodes: r.read.result.nodes });
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
  if (unresolvedHosts.length) facts.unresolvedHosts = unresolvedHosts;
  return { facts, problems, configPath, ignore, helmValues, dependencies, noFacts: !hasAddressFacts(facts) };
}
