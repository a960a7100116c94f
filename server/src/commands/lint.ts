// `kube-ip-guard lint`: the same engine as the language server, for CI.
import { dirname, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyze, checkModel, declaredApiServerFacts, parseKubernetesVersion, DEFAULT_MAX_LENGTH, readManifest, type Analysis, type ApiServerFact, type FactContribution, type Finding, type NodeFact, type ServiceObject, CrossFileIndex } from '../engine/index';
import { parseIP, splitHostPort } from '../engine/addresses';
import { PROXY_MODES, type ProxyMode } from '../engine/facts';
import { cliDiscoveryStop, discoverConfig, loadFolderFacts, readTextFromDisk, type FileProblem, type FolderFacts } from '../facts/workspaceFacts';
import { LineIndex } from '../engine/lineIndex';
import { findManifestFiles, isHelmValuesPath, isIgnored } from '../workspace/files';
import { locatorOf, viewsOf } from '../workspace/serviceIndex';
import { isLoaded, loadClusterFacts, loadFactsCache, saveFactsCache } from '../facts/cluster/index';
import { choiceOf, positiveNumberOf, stringOf, stringsOf, UsageError, type CliIO, type Command, type OptionSpecs, type Parsed } from './command';
import { displayPath, escapeText, FORMATS, render, type CliResult, type Format } from './output';
import { readPathBounded } from './inputs';
import { renderedSources, type RenderedSource } from './rendered';

const USAGE = `Usage: kube-ip-guard lint [files, directories or - ...] [options]

Checks Kubernetes manifests for Service addresses that collide with the cluster's own nodes or API server.
Directories are searched for *.yaml and *.yml (node_modules and .git are skipped); - reads standard input
(helm template ... | kube-ip-guard lint -), and so do /dev/stdin and <(...). With no path at all, the current
directory is checked, unless standard input is a pipe or a file: then give - (or .) to say which you mean.

Options:
  --config FILE          use this .kube-ip-guard.yaml (default: the nearest one upward from each file, up to
                         the repository root or the current directory, whichever is nearer)
  --stdin-filename PATH  the name of standard input in findings; its config file and Helm-values handling
                         follow from it (default: <stdin> in the current directory)
  --node-ip [NAME=]IP    a node address (repeatable)
  --api-server ADDR      an API server address or host:port (repeatable)
  --proxy-mode MODE      ipvs | iptables | nftables | kube-router | cilium (default: from the config file, else ipvs)
  --kubernetes-version V the cluster's release, e.g. 1.35: whose API validation, warnings and kube-proxy
                         behaviour the verdicts follow (default: the config file's, the cluster's with
                         --cluster, else the newest release known)
  --require-facts        exit 2 when no node or API server address is known for a file (only the checks
                         that need none could run)
  --cluster[=optional]   also read the nodes, API server addresses, kube-proxy mode and CIDRs from the
                         kubeconfig's current context; if it cannot be read: exit 2, or with =optional
                         go on without it (or with --cluster-cache's last facts) and say so on stderr
  --kubeconfig FILE      the kubeconfig to use (default: KUBECONFIG, else ~/.kube/config)
  --context NAME         the kubeconfig context to use (default: its current-context)
  --cluster-cache DIR    keep the last facts read per context here (never credentials); use them, marked
                         stale, when the cluster cannot be read
  --cluster-timeout MS   bound for each request to the API server (default 10000)
  --format FORMAT        text | json | sarif (default: text)
  --max-file-size MB     skip files larger than this (default: ${DEFAULT_MAX_LENGTH / 1048576})
  -h, --help             show this help
  --version              show the version

Exit status: 0 no errors, 1 errors found, 2 usage or configuration error, a file that could not be read
(the others are still checked and reported), or --require-facts without facts.`;

const OPTIONS: OptionSpecs = {
  config: { type: 'string' },
  'stdin-filename': { type: 'string' },
  'node-ip': { type: 'string', multiple: true },
  'api-server': { type: 'string', multiple: true },
  'proxy-mode': { type: 'string' },
  'kubernetes-version': { type: 'string' },
  'require-facts': { type: 'boolean' },
  cluster: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'cluster-cache': { type: 'string' },
  'cluster-timeout': { type: 'string' },
  format: { type: 'string' },
  'max-file-size': { type: 'string' },
};

interface Options {
  paths: string[];
  config?: string;
  stdinFilename?: string;
  nodeIPs: string[];
  apiServers: string[];
  proxyMode?: string;
  kubernetesVersion?: { minor: number; text: string };
  requireFacts: boolean;
  format: Format;
  maxFileSizeMB?: number;
  cluster?: 'required' | 'optional';
  kubeconfig?: string;
  context?: string;
  clusterCache?: string;
  clusterTimeoutMs?: number;
}

function toOptions(p: Parsed): Options {
  const v = p.values;
  const cluster = stringOf(v, 'cluster');
  if (cluster !== undefined && cluster !== 'optional' && cluster !== 'required') throw new UsageError(`--cluster takes no value or =optional, not "${cluster}"`);
  const o: Options = {
    paths: p.positionals,
    config: stringOf(v, 'config'),
    stdinFilename: stringOf(v, 'stdin-filename'),
    nodeIPs: stringsOf(v, 'node-ip'),
    apiServers: stringsOf(v, 'api-server'),
    proxyMode: choiceOf(v, 'proxy-mode', PROXY_MODES),
    kubernetesVersion: kubernetesVersionOf(stringOf(v, 'kubernetes-version')),
    requireFacts: v['require-facts'] === true,
    format: choiceOf(v, 'format', FORMATS) ?? 'text',
    maxFileSizeMB: positiveNumberOf(v, 'max-file-size', 'MB'),
    cluster,
    kubeconfig: stringOf(v, 'kubeconfig'),
    context: stringOf(v, 'context'),
    clusterCache: stringOf(v, 'cluster-cache'),
    clusterTimeoutMs: positiveNumberOf(v, 'cluster-timeout', 'milliseconds'),
  };
  if (o.paths.filter((x) => x === '-').length > 1) throw new UsageError('- (standard input) can be given once');
  if (o.stdinFilename !== undefined && !o.paths.includes('-')) throw new UsageError('--stdin-filename names standard input: give - among the paths');
  return o;
}

function kubernetesVersionOf(text: string | undefined): Options['kubernetesVersion'] {
  if (text === undefined) return undefined;
  const minor = parseKubernetesVersion(text);
  if (minor === undefined) throw new UsageError(`--kubernetes-version: "${text}" is not a Kubernetes version such as 1.35`);
  return { minor, text };
}

function cliContribution(o: Options): FactContribution | undefined {
  const nodes: NodeFact[] = [];
  for (const n of o.nodeIPs) {
    const eq = n.indexOf('=');
    const name = eq > 0 ? n.slice(0, eq) : n;
    const ip = eq > 0 ? n.slice(eq + 1) : n;
    if (!parseIP(ip).ok) throw new UsageError(`--node-ip: "${ip}" is not a valid IP address`);
    nodes.push({ name, addresses: [{ address: ip, type: 'InternalIP', source: { kind: 'cli', label: '--node-ip' } }] });
  }
  const apiServers = o.apiServers.map((a) => {
    const hp = splitHostPort(a);
    if (!hp || !parseIP(hp.host).ok) throw new UsageError(`--api-server: "${a}" is not an IP address or IP:port`);
    return { address: hp.host, ...(hp.port ? { port: hp.port } : {}), source: { kind: 'cli' as const, label: '--api-server' } };
  });
  if (!nodes.length && !apiServers.length && !o.proxyMode && !o.kubernetesVersion) return undefined;
  return {
    source: { kind: 'cli', label: 'command line' },
    nodes,
    apiServers,
    ...(o.proxyMode ? { proxyMode: { mode: o.proxyMode as ProxyMode, source: { kind: 'cli', label: '--proxy-mode' } } } : {}),
    ...(o.kubernetesVersion ? { kubernetesVersion: { ...o.kubernetesVersion, source: { kind: 'cli', label: '--kubernetes-version' } } } : {}),
  };
}

/** One thing to check: a file found on disk, or standard input. */
interface Input {
  /** Absolute path: of the file, or the path standard input stands for (config discovery, Helm values, ignore). */
  path: string;
  /** As shown in findings. */
  name: string;
  stdin: boolean;
}

/** The standard input's name when --stdin-filename does not give one. */
export const STDIN_NAME = '<stdin>';

async function lint(opts: Options, io: CliIO): Promise<number> {
  const say = (line: string) => io.err(`kube-ip-guard: ${escapeText(line)}`);
  const show = (path: string) => shownPath(path, io.cwd);
  let first: FactContribution | undefined;
  const inputs: Input[] = [];
  /** Files already listed (a file named twice, or inside two directories given). */
  const seen = new Set<string>();
  try {
    first = cliContribution(opts);
    let paths = opts.paths;
    if (paths.length === 0) {
      // Never read standard input unasked, and never check the directory when the user meant the pipe.
      if (io.stdinKind?.() === 'piped') {
        throw new UsageError('no path given, and standard input is a pipe or a file: give - to check standard input (... | kube-ip-guard lint -), or . to check the current directory');
      }
      paths = ['.'];
    }
    for (const p of paths) {
      if (p === '-') {
        const path = resolve(io.cwd, opts.stdinFilename ?? STDIN_NAME);
        inputs.push({ path, name: opts.stdinFilename ?? STDIN_NAME, stdin: true });
        continue;
      }
      const found = await findManifestFiles([resolve(io.cwd, p)], { onSkip: (q, reason) => say(`skipped ${show(q)}: ${reason}`) }).catch((e: Error) => {
        throw new UsageError(e.message.replace(io.cwd + '/', ''));
      });
      for (const f of found) {
        if (seen.has(f)) continue;
        seen.add(f);
        inputs.push({ path: f, name: show(f), stdin: false });
      }
    }
  } catch (e) {
    if (e instanceof UsageError) {
      say(e.message);
      return 2;
    }
    throw e;
  }
  // Facts per config file (one run may span several projects, each with its own .kube-ip-guard.yaml).
  const explicitConfig = opts.config ? resolve(io.cwd, opts.config) : undefined;
  if (explicitConfig && readTextFromDisk(explicitConfig) === undefined) {
    say(`--config ${opts.config}: no such file`);
    return 2;
  }
  if (!opts.cluster && (opts.kubeconfig || opts.context || opts.clusterCache)) {
    say('--kubeconfig, --context and --cluster-cache need --cluster');
    return 2;
  }
  let clusterFacts: FactContribution | undefined;
  if (opts.cluster) {
    const r = await readCluster(opts, io);
    if (r === 'fail') return 2;
    clusterFacts = r;
  }
  const factsByConfig = new Map<string, Promise<FolderFacts>>();
  const factsFor = (configPath: string | undefined) => {
    const key = configPath ?? '';
    let f = factsByConfig.get(key);
    if (!f) {
      if (configPath) say(`using ${show(configPath)}${configPath === explicitConfig ? ' (--config)' : ''}`);
      f = loadFolderFacts({ configPath, first: first ? [first] : [], extra: clusterFacts ? [clusterFacts] : [], trusted: true });
      factsByConfig.set(key, f);
    }
    return f;
  };
  const skippedConfigs = new Set<string>();
  // Files of one directory share their config: search once per directory (100,000 files are not 100,000 searches).
  const configByDir = new Map<string, string | undefined>();
  const configOf = (input: Input): string | undefined => {
    if (explicitConfig) return explicitConfig;
    const dir = dirname(input.path);
    if (configByDir.has(dir)) return configByDir.get(dir);
    const found = discoverConfig(dir, { stopAt: cliDiscoveryStop(dir, io.cwd), checkOwnership: true });
    configByDir.set(dir, found.path);
    for (const k of found.skipped) {
      if (skippedConfigs.has(k.path)) continue;
      skippedConfigs.add(k.path);
      say(`not using ${show(k.path)}: ${k.reason}`);
    }
    return found.path;
  };
  const results: CliResult[] = [];
  const configProblems: string[] = [];
  const seenProblems = new Set<string>();
  const unreadable: string[] = [];
  const withoutFacts: string[] = [];
  const maxLength = opts.maxFileSizeMB ? opts.maxFileSizeMB * 1048576 : DEFAULT_MAX_LENGTH;
  // First every file is read, so that cross-file rules (port clashes, ClusterIPs) see the Services of all of them.
  const read: { input: Input; text: string; folder: FolderFacts; configKey: string; model?: ReturnType<typeof readManifest>; lines: LineIndex }[] = [];
  for (const input of inputs) {
    const configPath = configOf(input);
    const folder = await factsFor(configPath);
    for (const p of folder.problems) {
      const line = formatProblem(p, io.cwd);
      if (!seenProblems.has(line)) {
        seenProblems.add(line);
        if (p.severity === 'error') configProblems.push(line);
        else io.err(line);
      }
    }
    if (configProblems.length) continue;
    if (configPath && isIgnored(input.path, dirname(configPath), folder.ignore)) {
      // Named on the command line (a pre-commit file list) or found in a directory: the config's `ignore` wins.
      say(`skipped ${input.name}: ignored by ${show(configPath)}`);
      continue;
    }
    let text: string;
    try {
      text = input.stdin ? await readStdin(io, maxLength) : await readPathBounded(input.path, maxLength);
    } catch (e) {
      unreadable.push(`${escapeText(input.name)}: error: cannot be read: ${escapeText((e as Error).message.replace(/^[A-Z]+: /, ''))}`);
      continue;
    }
    const model = text.length > maxLength ? undefined : readManifest(text, { helmValues: isHelmValuesPath(input.path, folder) });
    read.push({ input, text, folder, configKey: configPath ?? '', model, lines: new LineIndex(text) });
  }
  if (configProblems.length) {
    for (const line of configProblems) io.err(line);
    say('configuration error; nothing was checked');
    return 2;
  }
  // A control-plane VIP a file declares (kube-vip, kubeadm) is an API server address for every file that shares its
  // config file (the same cluster), as it is in the editor.
  const uris = read.map((r) => pathToFileURL(r.input.path).toString());
  const declared = new Map<string, { uri: string; facts: ApiServerFact[] }[]>();
  for (const [i, r] of read.entries()) {
    const facts = r.model ? declaredApiServerFacts(r.model, uris[i], r.text, r.input.name) : [];
    if (!facts.length) continue;
    const list = declared.get(r.configKey) ?? [];
    list.push({ uri: uris[i], facts });
    declared.set(r.configKey, list);
  }
  // A file has facts when its config (or the command line, or the cluster) gives nodes or API servers, or when a file
  // of its config declares a control-plane address.
  for (const r of read) if (r.folder.noFacts && !declared.has(r.configKey)) withoutFacts.push(r.input.name);
  if (withoutFacts.length) {
    const which = withoutFacts.length === read.length ? (read.length === 1 ? withoutFacts[0] : `all ${read.length} files`) : `${withoutFacts.length} of ${read.length} files (${withoutFacts.slice(0, 3).join(', ')}${withoutFacts.length > 3 ? ', ...' : ''})`;
    const why = `no node or API server address is known for ${which} (no nodes or apiServer in a .kube-ip-guard.yaml, no --node-ip or --api-server, no --cluster)`;
    if (opts.requireFacts) {
      say(`${why}; --require-facts: nothing was checked`);
      return 2;
    }
    say(`${why}: only the checks that need no cluster facts ran`);
  }
  // The cross-file index is built once, then each file is checked against it less its own Services.
  const index = new CrossFileIndex();
  for (const [i, r] of read.entries()) {
    const services = r.model?.objects.filter((o) => o.kind === 'Service') ?? [];
    if (services.length) index.set(uris[i], viewsOf(services as ServiceObject[], locatorOf(uris[i], r.text, r.lines)));
  }
  for (const [i, r] of read.entries()) {
    const workspaceApiServers = (declared.get(r.configKey) ?? []).filter((d) => d.uri !== uris[i]).flatMap((d) => d.facts);
    const analysis: Analysis = r.model
      ? checkModel(r.text, r.model, r.folder.facts, index.except(uris[i]), { uri: uris[i], workspaceApiServers })
      : analyze(r.text, r.folder.facts, { maxLength });
    const sourceAt = renderedSources(r.text, r.lines);
    for (const f of analysis.findings) results.push(toResult(r.input.name, r.lines, f, sourceAt?.(f.span.start)));
  }
  for (const line of unreadable) io.err(line);
  io.out(render(opts.format, results, read.length, io.cwd));
  if (unreadable.length) {
    say(`${unreadable.length} file${unreadable.length === 1 ? '' : 's'} could not be read; the others were checked`);
    return 2;
  }
  return results.some((r) => r.severity === 'error') ? 1 : 0;
}

/** Relative to the current directory, unless the two share nothing but the root (/dev/stdin seen from a project). */
function shownPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  if (rel === '') return path;
  return rel.startsWith('..') && path.split(sep)[1] !== resolve(cwd).split(sep)[1] ? path : rel;
}

async function readStdin(io: CliIO, maxLength: number): Promise<string> {
  if (!io.readStdin) throw new Error('no standard input');
  return io.readStdin(maxLength);
}

function formatProblem(p: FileProblem, cwd: string): string {
  if (!p.file) return `settings: ${p.severity}: ${escapeText(p.message)}`;
  const text = readTextFromDisk(p.file) ?? '';
  const pos = new LineIndex(text).position(p.span?.start ?? 0);
  return `${displayPath(shownPath(p.file, cwd))}:${pos.line}:${pos.column}: ${p.severity}: ${escapeText(p.message)}`;
}

/** The live cluster's facts, or 'fail' (exit 2) when required and unreadable; one line on stderr either way. */
async function readCluster(opts: Options, io: CliIO): Promise<FactContribution | undefined | 'fail'> {
  const r = await loadClusterFacts({
    kubeconfigPath: opts.kubeconfig ? resolve(io.cwd, opts.kubeconfig) : undefined,
    context: opts.context,
    ...(opts.clusterTimeoutMs ? { requestTimeoutMs: opts.clusterTimeoutMs } : {}),
  });
  const cacheDir = opts.clusterCache ? resolve(io.cwd, opts.clusterCache) : undefined;
  const where = r.context ? `context ${r.context}` : 'the cluster';
  if (isLoaded(r)) {
    if (cacheDir) await saveFactsCache(cacheDir, r);
    if (r.missing.length) io.err(`kube-ip-guard: ${where}: not read: ${r.missing.join('; ')}`);
    return r.contribution;
  }
  const cached = cacheDir && r.context ? await loadFactsCache(cacheDir, r.context, r.server ?? '') : undefined;
  if (opts.cluster === 'optional') {
    io.err(`kube-ip-guard: ${where}: ${r.message}${cached ? `; using the facts cached ${cached.contribution?.source.staleSince}` : '; going on without cluster facts'}`);
    return cached?.contribution;
  }
  io.err(`kube-ip-guard: ${where}: ${r.message}`);
  return 'fail';
}

function toResult(file: string, index: LineIndex, f: Finding, source: RenderedSource | undefined): CliResult {
  const a = index.position(f.span.start);
  const b = index.position(f.span.end);
  return { file, line: a.line, column: a.column, endLine: b.line, endColumn: b.column, rule: f.rule, severity: f.severity, message: f.message, ...(source ? { source } : {}) };
}

export const lintCommand: Command = {
  name: 'lint',
  summary: 'check manifests (files, directories, or - for standard input)',
  usage: USAGE,
  options: OPTIONS,
  // `--cluster` alone means required; `--cluster=optional` is the only other form.
  preprocess: (argv) => argv.map((a) => (a === '--cluster' ? '--cluster=required' : a)),
  run: (args, io) => lint(toOptions(args), io),
};
