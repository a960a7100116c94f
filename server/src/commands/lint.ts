// `kube-ip-guard lint`: the same engine as the language server, for CI.
import { dirname, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyze, checkModel, DEFAULT_MAX_LENGTH, isHelmValuesFile, readManifest, type Analysis, type FactContribution, type Finding, type NodeFact, type WorkspaceService } from '../engine/index';
import { parseIP, splitHostPort } from '../engine/addresses';
import { findConfigUpward, loadFolderFacts, readTextFromDisk, type FileProblem, type FolderFacts } from '../facts/workspaceFacts';
import { LineIndex } from '../engine/lineIndex';
import { findManifestFiles } from '../workspace/files';
import { toWorkspaceServices } from '../workspace/serviceIndex';
import { isLoaded, loadClusterFacts, loadFactsCache, saveFactsCache } from '../facts/cluster/index';
import { choiceOf, positiveNumberOf, stringOf, stringsOf, UsageError, type CliIO, type Command, type OptionSpecs, type Parsed } from './command';
import { FORMATS, render, type CliResult, type Format } from './output';

const USAGE = `Usage: kube-ip-guard lint [files or directories ...] [options]

Checks Kubernetes manifests for Service addresses that collide with the cluster's own nodes or API server.
Directories are searched for *.yaml and *.yml (node_modules and .git are skipped).

Options:
  --config FILE          use this .kube-ip-guard.yaml (default: the nearest one upward from each file)
  --node-ip [NAME=]IP    a node address (repeatable)
  --api-server ADDR      an API server address or host:port (repeatable)
  --proxy-mode MODE      ipvs | iptables | nftables (default: from the config file, else ipvs)
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

Exit status: 0 no errors, 1 errors found, 2 usage or configuration error.`;

const OPTIONS: OptionSpecs = {
  config: { type: 'string' },
  'node-ip': { type: 'string', multiple: true },
  'api-server': { type: 'string', multiple: true },
  'proxy-mode': { type: 'string' },
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
  nodeIPs: string[];
  apiServers: string[];
  proxyMode?: string;
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
  return {
    paths: p.positionals,
    config: stringOf(v, 'config'),
    nodeIPs: stringsOf(v, 'node-ip'),
    apiServers: stringsOf(v, 'api-server'),
    proxyMode: choiceOf(v, 'proxy-mode', ['ipvs', 'iptables', 'nftables']),
    format: choiceOf(v, 'format', FORMATS) ?? 'text',
    maxFileSizeMB: positiveNumberOf(v, 'max-file-size', 'MB'),
    cluster,
    kubeconfig: stringOf(v, 'kubeconfig'),
    context: stringOf(v, 'context'),
    clusterCache: stringOf(v, 'cluster-cache'),
    clusterTimeoutMs: positiveNumberOf(v, 'cluster-timeout', 'milliseconds'),
  };
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
  if (!nodes.length && !apiServers.length && !o.proxyMode) return undefined;
  return {
    source: { kind: 'cli', label: 'command line' },
    nodes,
    apiServers,
    ...(o.proxyMode ? { proxyMode: { mode: o.proxyMode as 'ipvs', source: { kind: 'cli', label: '--proxy-mode' } } } : {}),
  };
}

function formatProblem(p: FileProblem, cwd: string): string {
  if (!p.file) return `settings: ${p.severity}: ${p.message}`;
  const text = readTextFromDisk(p.file) ?? '';
  const pos = new LineIndex(text).position(p.span?.start ?? 0);
  return `${relative(cwd, p.file) || p.file}:${pos.line}:${pos.column}: ${p.severity}: ${p.message}`;
}

async function lint(opts: Options, io: CliIO): Promise<number> {
  let files: string[];
  let first: FactContribution | undefined;
  try {
    first = cliContribution(opts);
    const roots = (opts.paths.length ? opts.paths : ['.']).map((p) => resolve(io.cwd, p));
    files = await findManifestFiles(roots, { onSkip: (p, reason) => io.err(`kube-ip-guard: skipped ${relative(io.cwd, p) || p}: ${reason}`) }).catch((e: Error) => {
      throw new UsageError(e.message.replace(io.cwd + '/', ''));
    });
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`kube-ip-guard: ${e.message}`);
      return 2;
    }
    throw e;
  }
  // Facts per config file (one run may span several projects, each with its own .kube-ip-guard.yaml).
  const explicitConfig = opts.config ? resolve(io.cwd, opts.config) : undefined;
  if (explicitConfig && readTextFromDisk(explicitConfig) === undefined) {
    io.err(`kube-ip-guard: --config ${opts.config}: no such file`);
    return 2;
  }
  if (!opts.cluster && (opts.kubeconfig || opts.context || opts.clusterCache)) {
    io.err('kube-ip-guard: --kubeconfig, --context and --cluster-cache need --cluster');
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
      f = loadFolderFacts({ configPath, first: first ? [first] : [], extra: clusterFacts ? [clusterFacts] : [], trusted: true });
      factsByConfig.set(key, f);
    }
    return f;
  };
  const results: CliResult[] = [];
  const configProblems: string[] = [];
  const seenProblemFiles = new Set<string>();
  const maxLength = opts.maxFileSizeMB ? opts.maxFileSizeMB * 1048576 : DEFAULT_MAX_LENGTH;
  // First every file is read, so that cross-file rules (port clashes, ClusterIPs) see the Services of all of them.
  const read: { file: string; text: string; folder: FolderFacts; model?: ReturnType<typeof readManifest>; lines: LineIndex }[] = [];
  for (const file of files) {
    const configPath = explicitConfig ?? findConfigUpward(dirname(file));
    const folder = await factsFor(configPath);
    for (const p of folder.problems) {
      const line = formatProblem(p, io.cwd);
      if (!seenProblemFiles.has(line)) {
        seenProblemFiles.add(line);
        if (p.severity === 'error') configProblems.push(line);
        else io.err(line);
      }
    }
    if (configProblems.length) continue;
    const text = readTextFromDisk(file);
    if (text === undefined) {
      configProblems.push(`${relative(io.cwd, file)}: cannot be read`);
      continue;
    }
    const model = text.length > maxLength ? undefined : readManifest(text, { helmValues: isHelmValuesFile(file) });
    read.push({ file, text, folder, model, lines: new LineIndex(text) });
  }
  if (configProblems.length) {
    for (const line of configProblems) io.err(line);
    io.err(`kube-ip-guard: configuration error; nothing was checked`);
    return 2;
  }
  const servicesByFile = read.map((r) => {
    const services = r.model?.objects.filter((o) => o.kind === 'Service') ?? [];
    return services.length ? toWorkspaceServices({ uri: pathToFileURL(r.file).toString(), services: services as never, lines: r.lines }) : [];
  });
  for (const [i, r] of read.entries()) {
    const others: WorkspaceService[] = servicesByFile.flatMap((s, j) => (j === i ? [] : s));
    const analysis: Analysis = r.model ? checkModel(r.text, r.model, r.folder.facts, others) : analyze(r.text, r.folder.facts, { maxLength });
    for (const f of analysis.findings) results.push(toResult(relative(io.cwd, r.file) || r.file, r.lines, f));
  }
  io.out(render(opts.format, results, files.length, io.cwd));
  return results.some((r) => r.severity === 'error') ? 1 : 0;
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

function toResult(file: string, index: LineIndex, f: Finding): CliResult {
  const a = index.position(f.span.start);
  const b = index.position(f.span.end);
  return { file, line: a.line, column: a.column, endLine: b.line, endColumn: b.column, rule: f.rule, severity: f.severity, message: f.message };
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
