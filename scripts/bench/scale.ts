// Two axes of the benchmark that the per-file tables do not show.
//
// 1. The longest block of the server's main thread while a large file (up to 64 MB) is opened and analyzed, measured
//    inside the server by an event-loop delay monitor (node:perf_hooks monitorEventLoopDelay, preloaded for the bench
//    only): a hover or a keystroke in another file waits at most that long. Goal: under 50 ms.
// 2. The number of files: the CLI over 1k, 10k (and 100k) one-Service files, and "Check workspace" over the same
//    folders, must grow linearly: the report gives each time per file and the ratio to the smallest count.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchClient, fileUri, type ServerSpec } from './lsp';

const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

export interface BlockResult {
  name: string;
  bytes: number;
  openToDiagnosticsMs: number;
  /** The longest event-loop delay seen from didOpen to the diagnostics (ms). */
  maxBlockMs: number;
  /** The longest while the didOpen was received: until a request sent right behind it was answered (ms). */
  receiveMaxBlockMs: number;
  /** The 99th percentile from then to the diagnostics (ms). */
  p99Ms: number;
  /** The server's peak resident memory (VmHWM) and its resident memory with the file open, in bytes. */
  peakRss: number;
  rssOpen: number;
  /** A one-line edit in the middle of the file, then its diagnostics: the longest block from the didChange on (ms). */
  editMaxBlockMs: number;
  editToDiagnosticsMs: number;
  /** How the server ended, when it did not survive the file. */
  crashed?: string;
}

export interface FilesResult {
  files: number;
  cliMs: number;
  checkWorkspaceMs: number;
}

/** Preloaded into the server: on SIGWINCH, writes the event-loop delay histogram since the last signal, then resets. */
function eldProbeSource(out: string): string {
  return `const { monitorEventLoopDelay } = require('node:perf_hooks');
const fs = require('fs');
const h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
process.on('SIGWINCH', () => {
  fs.writeFileSync(${JSON.stringify(out)} + '.tmp', JSON.stringify({ max: h.max / 1e6, p99: h.percentile(99) / 1e6 }));
  fs.renameSync(${JSON.stringify(out)} + '.tmp', ${JSON.stringify(out)});
  h.reset();
});
`;
}

async function readProbe(pid: number, out: string): Promise<{ max: number; p99: number }> {
  rmSync(out, { force: true });
  process.kill(pid, 'SIGWINCH');
  for (let i = 0; i < 6000 && !existsSync(out); i++) await sleep(10);
  return JSON.parse(readFileSync(out, 'utf8')) as { max: number; p99: number };
}

/** Open each input in a fresh server and measure its main thread's longest block until the diagnostics. */
export async function mainThreadBlocks(server: string, dir: string, inputs: { name: string; text: string }[], log: (s: string) => void): Promise<BlockResult[]> {
  const probe = join(dir, 'eldprobe.cjs');
  const out = join(dir, 'eldprobe.json');
  writeFileSync(probe, eldProbeSource(out));
  const results: BlockResult[] = [];
  for (const input of inputs) {
    log(`  main-thread blocks: ${input.name}`);
    const spec: ServerSpec = { name: 'kube-ip-guard', command: process.execPath, args: ['--require', probe, server], rootDir: dir, configuration: () => ({}) };
    const c = await BenchClient.start(spec);
    let peak = NaN;
    const watch = setInterval(() => {
      if (!c.exited) peak = c.memory().hwm;
    }, 500);
    try {
      const warm = fileUri(join(dir, 'warm.yaml'));
      c.open(warm, 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  externalIPs: [192.168.0.11]\n');
      await c.waitFor(warm, { version: 1, timeoutMs: 60_000 });
      await sleep(200);
      await readProbe(c.pid, out);
      const uri = fileUri(join(dir, 'open', input.name));
      const t0 = c.open(uri, input.text);
      // Answered once the server has received the didOpen and handled it (messages are handled in order).
      await c.ping();
      const received = await readProbe(c.pid, out);
      const p = await c.waitFor(uri, { version: 1, timeoutMs: 900_000 });
      const h = await readProbe(c.pid, out);
      const m = c.memory();
      // A comment line inserted in the middle: the edit is applied to the server's copy and the file analyzed again.
      const middle = input.text.slice(0, input.text.length >> 1).split('\n').length - 1;
      const edit = c.change(uri, { start: { line: middle, character: 0 }, end: { line: middle, character: 0 } }, '# edited\n');
      const e = await c.waitFor(uri, { version: edit.version, timeoutMs: 900_000 });
      const he = await readProbe(c.pid, out);
      results.push({ name: input.name, bytes: input.text.length, openToDiagnosticsMs: p.at - t0, maxBlockMs: Math.max(received.max, h.max), receiveMaxBlockMs: received.max, p99Ms: h.p99, peakRss: c.memory().hwm, rssOpen: m.rss, editMaxBlockMs: he.max, editToDiagnosticsMs: e.at - edit.at });
    } catch (e) {
      // A server that does not survive a file is a result too (the next file gets a fresh server).
      results.push({ name: input.name, bytes: input.text.length, openToDiagnosticsMs: NaN, maxBlockMs: NaN, receiveMaxBlockMs: NaN, p99Ms: NaN, peakRss: peak, rssOpen: NaN, editMaxBlockMs: NaN, editToDiagnosticsMs: NaN, crashed: (e as Error).message.slice(0, 200) });
    } finally {
      clearInterval(watch);
      await c.stop();
    }
  }
  return results;
}

/** A folder of `n` one-Service files; every 100th pair clashes on an address and port, every 1000th hits a node. */
function writeFolder(dir: string, n: number, config: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '.kube-ip-guard.yaml'), config);
  for (let i = 0; i < n; i++) {
    const sub = join(dir, `d${Math.floor(i / 1000)}`);
    if (i % 1000 === 0) mkdirSync(sub, { recursive: true });
    const ip = i % 1000 === 999 ? '192.168.0.11' : i % 100 < 2 ? `203.0.113.${(i / 100) & 255}` : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    writeFileSync(join(sub, `svc-${i}.yaml`), `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\nspec:\n  externalIPs: [${ip}]\n  ports: [{port: 80}]\n`);
  }
}

/** The CLI and "Check workspace" over folders of each count of files. */
export async function filesAxis(server: string, cli: string, root: string, counts: number[], config: string, log: (s: string) => void): Promise<FilesResult[]> {
  const results: FilesResult[] = [];
  for (const n of counts) {
    const dir = join(root, `files-${n}`);
    log(`  files axis: writing ${n} files`);
    writeFolder(dir, n, config);
    log(`  files axis: CLI over ${n} files`);
    let t0 = performance.now();
    try {
      execFileSync(process.execPath, [cli, 'lint', '.', '--format', 'json'], { cwd: dir, maxBuffer: 1024 * 1024 * 1024, stdio: ['ignore', 'ignore', 'ignore'] });
    } catch {
      // Exit status 1: errors found (every 1000th file collides with a node), as planted.
    }
    const cliMs = performance.now() - t0;
    log(`  files axis: Check workspace over ${n} files`);
    const c = await BenchClient.start({ name: 'kube-ip-guard', command: process.execPath, args: [server], rootDir: dir, configuration: () => ({}) });
    let checkWorkspaceMs: number;
    try {
      t0 = performance.now();
      await c.conn.sendRequest('kubeIpGuard/checkWorkspace', {});
      checkWorkspaceMs = performance.now() - t0;
    } finally {
      await c.stop();
    }
    results.push({ files: n, cliMs, checkWorkspaceMs });
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** A stream made only of Services (every document parsed and checked: the worst case for the keyword filter). */
export function servicesStream(bytes: number): string {
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const s = `apiVersion: v1\nkind: Service\nmetadata:\n  name: s${i}\nspec:\n  externalIPs: [10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}]\n  ports: [{port: 80}]\n`;
    parts.push(s);
    n += s.length + 4;
  }
  return parts.join('---\n');
}

/** Minified JSON on one line: a List of Services of about `bytes`, the last on a node. */
export function oneLineList(bytes: number): string {
  const items: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const s = `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s${i}"},"spec":{"externalIPs":["10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}"]}}`;
    items.push(s);
    n += s.length + 1;
  }
  items.push('{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad"},"spec":{"externalIPs":["192.168.0.11"]}}');
  return `{"apiVersion":"v1","kind":"List","items":[${items.join(',')}]}`;
}

export interface CliResult {
  name: string;
  bytes: number;
  ms: number;
  /** The CLI process's peak resident memory (process.resourceUsage().maxRSS), in bytes. */
  peakRss: number;
  findings: number;
}

/** `kube-ip-guard lint FILE --format json` on each input: wall time and peak memory (recorded by a preload). */
export function cliRuns(cli: string, dir: string, inputs: { name: string; text: string }[], log: (s: string) => void): CliResult[] {
  const probe = join(dir, 'maxrss.cjs');
  const out = join(dir, 'maxrss.json');
  writeFileSync(probe, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, String(process.resourceUsage().maxRSS * 1024)));\n`);
  const results: CliResult[] = [];
  for (const input of inputs) {
    log(`  CLI: ${input.name}`);
    const file = join(dir, 'cli', input.name);
    mkdirSync(join(dir, 'cli'), { recursive: true });
    writeFileSync(file, input.text);
    rmSync(out, { force: true });
    const t0 = performance.now();
    let stdout: string;
    try {
      stdout = execFileSync(process.execPath, ['--require', probe, cli, 'lint', file, '--format', 'json', '--max-file-size', '128'], { cwd: dir, maxBuffer: 1024 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    } catch (e) {
      // Exit status 1: errors found, as planted.
      stdout = String((e as { stdout?: Buffer }).stdout ?? '');
    }
    const ms = performance.now() - t0;
    let findings = NaN;
    try {
      findings = (JSON.parse(stdout) as unknown[]).length;
    } catch {
      // not JSON: counted as unknown
    }
    results.push({ name: input.name, bytes: input.text.length, ms, peakRss: existsSync(out) ? Number(readFileSync(out, 'utf8')) : NaN, findings });
    rmSync(file, { force: true });
  }
  return results;
}
