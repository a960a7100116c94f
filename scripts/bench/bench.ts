// The benchmark of issue 7 (run it with `npm run bench`, or `npm run bench -- --quick`; see scripts/bench/run.mjs).
//
// Side by side in one run, so the ratios hold on a noisy machine:
//   floor    yaml's parseAllDocuments of the whole text, in this process;
//   engine   analyze() cold (no document cache) on the whole text, in this process, interleaved with the floor;
//   ours     the language server (server/out/server.js --stdio), didOpen -> publishDiagnostics of version 1;
//   peer     yaml-language-server (scripts/bench/node_modules), didOpen -> its first publishDiagnostics for a fresh
//            URI (it sends no version; a fresh URI per open makes the first one the opened version's);
// on every corpus file and on generated bundles of ~1/10/50 MB, against a 5,000-node inventory. Then, on the 10 and
// 50 MB bundles, each in a fresh server: one-line edits in the middle (didChange -> diagnostics of the new version;
// and the engine's own incremental re-check with a shared cache), hover and code-action latency, how long the
// server's main loop is blocked while it analyzes (ping round trips), stale publishes in a typing burst, and the
// server's memory (VmRSS/VmHWM from /proc) before, with the file open, and after closing it.
// Medians everywhere. Writes .bench/results.json and prints tables.
//
// `npm run bench -- --no-peer --blocks [--block-sizes 1,10,64] [--shapes bundle,services,one-line] [--cli]` runs only
// the main-thread blocks on large files of each shape (a fresh server per file), each against its baseline in the same
// run (decoding and parsing its didOpen message on the main thread, as vscode-jsonrpc's own decoder would; the server
// parses messages of 1 MB or more in a worker, lsp/messageDecoder.ts, so this is a baseline), with open→diagnostics
// and peak memory, and with --cli the CLI's time and peak memory on the same files. `--server PATH` (and
// `--cli-path PATH`) measure another build (e.g. the one before a change). Writes .bench/blocks.json.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze, checkModel, mergeFacts, NodeInventory, parseConfig, readManifest, splitDocuments, Suppressions, type ClusterFacts, type DocumentCache } from '../../server/src/engine/index';
import { generateInventoryConfig, generateManifest, middleAddressLine, nodeAddress } from './generate';
import { BenchClient, fileUri, type ServerSpec } from './lsp';
import { cliRuns, filesAxis, mainThreadBlocks, oneLineList, servicesStream } from './scale';
import { responsiveness, responsivenessLines } from './responsiveness';

// ---------------------------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const NO_PEER = argv.includes('--no-peer');
const PROFILE = argv.includes('--profile');
/** Only the main-thread blocks (and, with --cli, the CLI) on large files of each shape: `--blocks [--block-sizes 1,10,64] [--shapes bundle,services,one-line] [--cli]`. */
const BLOCKS = argv.includes('--blocks');
const argValue = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const ROOT = resolve(argValue('root') ?? '.');
const OUT = resolve(ROOT, '.bench');
const CORPUS = resolve(ROOT, '..', 'shared', 'corpus');
const MB = 1024 * 1024;
const SIZES = argValue('sizes')?.split(',').map(Number) ?? (QUICK ? [1, 10] : [1, 10, 50]);
/** Only inputs whose name contains this (for investigating one file). */
const ONLY = argValue('only');
const NODES = 5000;
const R = QUICK
  ? { minRuns: 3, minMs: 60, maxRuns: 10, lspCorpus: 1, lspGen: 1, peerBig: 1, edits: 6, requests: 8 }
  : { minRuns: 7, minMs: 300, maxRuns: 40, lspCorpus: 3, lspGen: 5, peerBig: 3, edits: 15, requests: 25 };
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

// ---------------------------------------------------------------------------------------------------------------
// Statistics and formatting

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
const max = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const ms = (x: number) => (Number.isNaN(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');
const mb = (bytes: number) => (bytes / MB).toFixed(bytes >= 10 * MB ? 0 : 2);
const log = (s: string) => process.stderr.write(s + '\n');
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  return [line(cells[0]), '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|', ...cells.slice(1).map(line)].join('\n');
}

/**
 * Median time per call of each function, sampled in alternation (a, b, a, b, ...) so that both see the same machine
 * state. Short calls are batched so one sample lasts at least ~2 ms (the timer's resolution stays irrelevant).
 */
function interleaved(fns: Record<string, () => unknown>, opts: { minRuns: number; minMs: number; maxRuns: number }): Record<string, number> {
  const names = Object.keys(fns);
  const batch: Record<string, number> = {};
  for (const n of names) {
    const t = performance.now();
    fns[n]();
    const once = performance.now() - t;
    if (once < 1000) fns[n](); // warm (a call of a second or more has warmed itself)
    batch[n] = once >= 2 ? 1 : Math.min(2000, Math.ceil(2 / Math.max(once, 0.001)));
  }
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  let total = 0;
  for (let run = 0; run < opts.maxRuns && (run < opts.minRuns || total < opts.minMs); run++) {
    for (const n of names) {
      if (batch[n] === 1) gc();
      const t = performance.now();
      for (let i = 0; i < batch[n]; i++) fns[n]();
      const dt = performance.now() - t;
      samples[n].push(dt / batch[n]);
      total += dt;
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n])]));
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

interface Input {
  name: string;
  category: string;
  text: string;
  bytes: number;
  generated?: number;
}

function corpusInputs(): Input[] {
  const out: Input[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const rel = relative(CORPUS, p);
        const text = readFileSync(p, 'utf8');
        out.push({ name: rel, category: rel.includes('/') ? rel.split('/')[0] : '(notes, *.md)', text, bytes: Buffer.byteLength(text) });
      }
    }
  };
  walk(CORPUS);
  return out;
}

function factsFrom(configText: string): ClusterFacts {
  const cfg = parseConfig(configText, fileUri(join(OUT, 'ws', '.kube-ip-guard.yaml')));
  if (cfg.problems.length) throw new Error(`inventory config: ${cfg.problems[0].message}`);
  return mergeFacts([cfg.contribution]);
}

// ---------------------------------------------------------------------------------------------------------------
// Servers

const WS = join(OUT, 'ws');
/** `--server PATH` measures another build of the server (e.g. a patched bundle in .bench/), A/B against the default. */
const SERVER = resolve(ROOT, argValue('server') ?? 'server/out/server.js');
const PEER = resolve(ROOT, 'scripts/bench/node_modules/yaml-language-server/bin/yaml-language-server');

/**
 * Preloaded into the server for the memory runs only (the server itself is unchanged): on SIGUSR2 it writes
 * process.memoryUsage() before and after two full GCs, so retained memory can be told from heap V8 has not given
 * back yet.
 */
const PROBE = join(OUT, 'memprobe.cjs');
const PROBE_OUT = join(OUT, 'memprobe.json');
const PROBE_SOURCE = `const fs = require('fs');
process.on('SIGUSR2', () => {
  const before = process.memoryUsage();
  global.gc(); global.gc();
  const after = process.memoryUsage();
  fs.writeFileSync(${JSON.stringify(PROBE_OUT)} + '.tmp', JSON.stringify({ before, after }));
  fs.renameSync(${JSON.stringify(PROBE_OUT)} + '.tmp', ${JSON.stringify(PROBE_OUT)});
});
`;

interface Probe {
  before: NodeJS.MemoryUsage;
  after: NodeJS.MemoryUsage;
  rssAfterGc: number;
}

async function probe(c: BenchClient): Promise<Probe> {
  rmSync(PROBE_OUT, { force: true });
  process.kill(c.pid, 'SIGUSR2');
  for (let i = 0; i < 6000 && !existsSync(PROBE_OUT); i++) await sleep(10);
  const r = JSON.parse(readFileSync(PROBE_OUT, 'utf8')) as Omit<Probe, 'rssAfterGc'>;
  return { ...r, rssAfterGc: c.memory().rss };
}

function oursSpec(opts: { profile?: boolean; probe?: boolean } = {}): ServerSpec {
  return {
    name: 'kube-ip-guard',
    command: process.execPath,
    args: [...(opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(OUT, 'prof')}`] : []), ...(opts.probe ? ['--expose-gc', '--require', PROBE] : []), SERVER],
    rootDir: WS,
    configuration: () => ({}),
  };
}

function peerSpec(): ServerSpec {
  return {
    name: 'yaml-language-server',
    command: process.execPath,
    args: [PEER],
    rootDir: WS,
    // No schemas, no schema store (no network): syntax and structure validation only, as the issue asks.
    configuration: (section) =>
      section === 'yaml'
        ? { validate: true, hover: true, completion: true, format: { enable: false }, schemas: {}, schemaStore: { enable: false }, kubernetesCRDStore: { enable: false }, maxItemsComputed: 5000 }
        : section === 'http'
          ? { proxy: '', proxyStrictSSL: false }
          : section === '[yaml]' || section === 'editor'
            ? {}
            : null,
  };
}

let uriCounter = 0;
function freshUri(name: string): string {
  return fileUri(join(WS, 'open', String(++uriCounter), name.replace(/[^\w.-]+/g, '_')));
}

/** didOpen -> the opened version's diagnostics; closes the document again. */
async function openToDiagnostics(c: BenchClient, name: string, text: string, versioned: boolean, timeoutMs: number): Promise<{ ms: number; diagnostics: number }> {
  const uri = freshUri(name);
  const t = c.open(uri, text);
  const p = await c.waitFor(uri, { version: versioned ? 1 : undefined, after: t, timeoutMs });
  c.close(uri);
  return { ms: p.at - t, diagnostics: p.diagnostics.length };
}

function positionAt(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, character: offset - lineStart };
}

// ---------------------------------------------------------------------------------------------------------------
// Phases

interface FileResult {
  name: string;
  category: string;
  bytes: number;
  documents: number;
  checkedObjects: number;
  minority: boolean;
  floorMs: number;
  engineMs: number;
  engineParseAllMs?: number;
  oursOpenMs?: number;
  peerOpenMs?: number;
  oursDiagnostics?: number;
  peerDiagnostics?: number;
  peerError?: string;
}

function inProcess(inputs: Input[], facts: ClusterFacts, withParseAll: (i: Input) => boolean): FileResult[] {
  const results: FileResult[] = [];
  inputs.forEach((input, k) => {
    if (input.bytes > MB || k % 50 === 0) log(`  in-process ${k + 1}/${inputs.length} ${input.name} (${mb(input.bytes)} MB)`);
    const docs = parseAllDocuments(input.text);
    const documents = Array.isArray(docs) ? docs.length : 1;
    const checkedObjects = readManifest(input.text, { parseAll: true }).objects.length;
    const big = input.bytes > 5 * MB;
    const opts = big ? { minRuns: 3, minMs: 0, maxRuns: 3 } : R;
    const fns: Record<string, () => unknown> = {
      floor: () => parseAllDocuments(input.text),
      engine: () => analyze(input.text, facts),
    };
    if (withParseAll(input)) fns.parseAll = () => analyze(input.text, facts, { parseAll: true });
    const m = interleaved(fns, opts);
    results.push({
      name: input.name,
      category: input.category,
      bytes: input.bytes,
      documents,
      checkedObjects,
      minority: checkedObjects < documents / 2,
      floorMs: m.floor,
      engineMs: m.engine,
      ...(m.parseAll !== undefined ? { engineParseAllMs: m.parseAll } : {}),
    });
  });
  return results;
}

/** A language server for a run of measurements: started on demand, warmed on a small file, restarted if it died. */
class ServerSlot {
  client?: BenchClient;
  readonly crashes: string[] = [];
  constructor(
    private readonly spec: () => ServerSpec,
    private readonly versioned: boolean,
  ) {}

  async get(): Promise<BenchClient> {
    if (this.client?.exited) {
      this.crashes.push(this.client.exited);
      this.client = undefined;
    }
    if (!this.client) {
      this.client = await BenchClient.start(this.spec());
      await openToDiagnostics(this.client, 'warmup.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  externalIPs: [192.168.0.11]\n', this.versioned, 120_000);
    }
    return this.client;
  }

  async stop(): Promise<void> {
    if (this.client?.exited) this.crashes.push(this.client.exited);
    else await this.client?.stop();
    this.client = undefined;
  }
}

async function lspOpens(inputs: Input[], results: FileResult[], ours: ServerSlot, peer: ServerSlot | undefined): Promise<void> {
  for (let k = 0; k < inputs.length; k++) {
    const input = inputs[k];
    const res = results[k];
    // --quick: every generated input, every corpus file over 100 KB and every third of the others.
    if (QUICK && !input.generated && input.bytes < 100 * 1024 && k % 3 !== 0) continue;
    const huge = input.bytes > 20 * MB;
    const repeats = huge ? R.peerBig : input.generated ? R.lspGen : R.lspCorpus;
    if (input.bytes > MB || k % 50 === 0) log(`  LSP ${k + 1}/${inputs.length} ${input.name} (${mb(input.bytes)} MB) ×${repeats}`);
    const oursMs: number[] = [];
    const peerMs: number[] = [];
    const timeout = 60_000 + (input.bytes / MB) * 30_000;
    for (let r = 0; r < repeats; r++) {
      // Each open of a huge file in a fresh process for both servers (yaml-language-server runs out of heap when
      // one process opens 50 MB files again and again; that is recorded as a crash below).
      if (huge) {
        await ours.stop();
        await peer?.stop();
      }
      const o = await openToDiagnostics(await ours.get(), input.name, input.text, true, timeout);
      oursMs.push(o.ms);
      res.oursDiagnostics = o.diagnostics;
      if (peer) {
        try {
          const p = await openToDiagnostics(await peer.get(), input.name, input.text, false, timeout);
          peerMs.push(p.ms);
          res.peerDiagnostics = p.diagnostics;
        } catch (e) {
          res.peerError = (e as Error).message.slice(0, 300);
          log(`  peer failed on ${input.name}: ${res.peerError}`);
        }
      }
    }
    if (huge) {
      await ours.stop();
      await peer?.stop();
    }
    res.oursOpenMs = median(oursMs);
    if (peerMs.length) res.peerOpenMs = median(peerMs);
  }
}

interface Burst {
  intervalMs: number;
  edits: number;
  lastEditToDiagnosticsMs: number;
  publishes: number;
  /** Diagnostics published for a version older than one the client had already sent when they arrived. */
  stalePublishes: number;
  finalVersionPublished: boolean;
  maxPingMs: number;
}

interface BigFileResult {
  name: string;
  bytes: number;
  documents: number;
  engineIncrementalMs: number;
  engineIncrementalParsedDocs: number;
  oursEditMs: number;
  oursEditSamples: number[];
  editsWithFreshFindings: number;
  hoverMs: number;
  codeActionMs: number;
  codeActions: number;
  openMs: number;
  maxPingDuringOpenMs: number;
  maxPingDuringEditsMs: number;
  bursts: Burst[];
  memory: {
    baselineRss: number;
    baselineHeap: number;
    openRss: number;
    openHwm: number;
    /** Live heap (heapUsed + external) after a forced full GC, with the file open and analyzed. */
    openLive: number;
    afterWorkHwm: number;
    afterWorkLive: number;
    closedRss1s: number;
    closedRss5s: number;
    closedLive: number;
    closedRssAfterGc: number;
    growth: number;
    growthPerFileSize: number;
    retainedAfterClose: number;
  };
  costs: Record<string, number>;
}

/** Where an incremental re-check of one edited line spends its time (engine and the server's text handling). */
function incrementalCosts(text: string, facts: ClusterFacts, edit: (i: number) => string): Record<string, number> {
  const RELEVANT = /externalIPs|loadBalancer|IPAddressPool|IPPool|Gateway|clusterIP/; // as in manifest.ts
  const cache: DocumentCache = new Map();
  analyze(text, facts, { cache });
  const runs = QUICK ? 3 : 7;
  const samples: Record<string, number[]> = {};
  const time = (k: string, f: () => unknown) => {
    const t = performance.now();
    const r = f();
    (samples[k] ??= []).push(performance.now() - t);
    return r;
  };
  let doc = TextDocument.create('file:///x.yaml', 'yaml', 1, text);
  doc.positionAt(0);
  for (let i = 0; i < runs; i++) {
    gc();
    // A fresh text, as after an edit: a cons string, flattened by the first full scan.
    const t = edit(i);
    time('flatten (first scan of the new string)', () => t.includes('\u0000'));
    time('`^%` directive test + isTemplate', () => /^%/m.test(t) || t.includes('{{'));
    const chunks = time('splitDocuments (`---` regex + slices)', () => splitDocuments(t)) as ReturnType<typeof splitDocuments>;
    const relevant = time('RELEVANT test of every chunk', () => chunks.filter((c) => RELEVANT.test(c.text))) as typeof chunks;
    time('cache lookups (hash every relevant chunk)', () => relevant.map((c) => cache.get(c.text)));
    const model = time('readManifest with cache (all of the above + shifting)', () => readManifest(t, { cache })) as ReturnType<typeof readManifest>;
    time('Suppressions(text)', () => new Suppressions(t));
    time('checkModel (rules + suppressions + sort)', () => checkModel(t, model, facts));
    time('analyze with cache (total)', () => analyze(t, facts, { cache }));
    // The server's side of an edit: TextDocument.update (incremental), then getText and positions for diagnostics.
    const mid = Math.floor(t.length / 2);
    const pos = doc.positionAt(mid);
    time('server: TextDocument.update + getText', () => {
      doc = TextDocument.update(doc, [{ range: { start: pos, end: pos }, text: '' }], doc.version + 1);
      return doc.getText().length;
    });
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

async function bigFile(input: Input, facts: ClusterFacts, floorMs: number): Promise<BigFileResult> {
  const text = input.text;
  const mid = middleAddressLine(text)!;
  const original = mid.address;
  const conflict = nodeAddress(4095);
  const startPos = positionAt(text, mid.start);
  const lineOf = startPos.line;
  const variant = (i: number) => text.slice(0, mid.start) + (i % 2 === 0 ? conflict : original) + text.slice(mid.end);

  // Engine, in-process: one edited line re-checked with the cache shared across versions.
  log(`  engine incremental on ${input.name}`);
  const cache: DocumentCache = new Map();
  analyze(text, facts, { cache });
  const inc: number[] = [];
  let parsedDocs = 0;
  for (let i = 0; i < R.edits; i++) {
    const t = variant(i);
    gc();
    const t0 = performance.now();
    const a = analyze(t, facts, { cache });
    inc.push(performance.now() - t0);
    parsedDocs = Math.max(parsedDocs, a.model.parsedDocuments);
  }
  log(`  incremental cost breakdown on ${input.name}`);
  const costs = incrementalCosts(text, facts, variant);

  // The server, fresh, for memory.
  log(`  server on ${input.name}: open, edits, hover, code actions, memory`);
  writeFileSync(PROBE, PROBE_SOURCE);
  const c = await BenchClient.start(oursSpec({ profile: PROFILE, probe: true }));
  await openToDiagnostics(c, 'warmup.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  externalIPs: [192.168.0.11]\n', true, 60_000);
  await sleep(300);
  const baselineProbe = await probe(c);
  await sleep(200);
  const baseline = c.memory();
  const uri = fileUri(join(WS, input.name));
  // Pings while it reads and analyzes the file: how long does its main loop stay blocked?
  const pings: number[] = [];
  let opening = true;
  const t0 = c.open(uri, text);
  const pinger = (async () => {
    while (opening) {
      pings.push(await c.ping());
      await sleep(10);
    }
  })();
  const first = await c.waitFor(uri, { version: 1, timeoutMs: 600_000 });
  opening = false;
  await pinger;
  const openMs = first.at - t0;
  const openMem = c.memory();
  const openProbe = await probe(c);

  // One-line edits in the middle: the address toggles between a free one and a node's, so the findings change.
  const editMs: number[] = [];
  const editPings: number[] = [];
  let fresh = 0;
  let current = original;
  let lastDiagnostics = first.diagnostics;
  // The first R.edits edits measure latency alone; a few more run a pinger (a no-op request every 5 ms) from the
  // change to its diagnostics, to see how long the main loop stays blocked by the re-check.
  const pinged = QUICK ? 3 : 5;
  for (let i = 0; i < R.edits + pinged; i++) {
    const next = current === original ? conflict : original;
    const range = { start: startPos, end: { line: lineOf, character: startPos.character + current.length } };
    const { version, at } = c.change(uri, range, next);
    let waiting = i >= R.edits;
    const pinger = (async () => {
      while (waiting) {
        editPings.push(await c.ping());
        await sleep(5);
      }
    })();
    const p = await c.waitFor(uri, { version, timeoutMs: 600_000 });
    waiting = false;
    await pinger;
    if (i < R.edits) editMs.push(p.at - at);
    const flagged = p.diagnostics.some((d) => d.range.start.line === lineOf);
    if (flagged === (next === conflict)) fresh++;
    current = next;
    lastDiagnostics = p.diagnostics;
    await sleep(60);
  }
  // Leave the conflict in place for hover and code actions.
  if (current !== conflict) {
    const range = { start: startPos, end: { line: lineOf, character: startPos.character + current.length } };
    const { version } = c.change(uri, range, conflict);
    lastDiagnostics = (await c.waitFor(uri, { version, timeoutMs: 600_000 })).diagnostics;
    current = conflict;
  }
  const diag = lastDiagnostics.find((d) => d.range.start.line === lineOf);
  const hover: number[] = [];
  const action: number[] = [];
  let actions = 0;
  for (let i = 0; i < R.requests; i++) {
    hover.push((await c.timed('textDocument/hover', { textDocument: { uri }, position: { line: lineOf, character: startPos.character + 2 } })).ms);
    if (diag) {
      const r = await c.timed<unknown[]>('textDocument/codeAction', { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag], only: ['quickfix'] } });
      action.push(r.ms);
      actions = r.result?.length ?? 0;
    }
  }

  // Typing bursts of five keystrokes on the same line: 25 ms apart (inside the 40 ms debounce), then 80 ms apart
  // (longer than the debounce, shorter than an analysis of a big file).
  const bursts: Burst[] = [];
  for (const intervalMs of [25, 80]) {
    await sleep(500);
    const before = (c.published.get(uri) ?? []).length;
    const sent: { version: number; at: number }[] = [];
    const burstPings: Promise<number>[] = [];
    for (let i = 0; i < 5; i++) {
      const next = current === original ? conflict : original;
      const range = { start: startPos, end: { line: lineOf, character: startPos.character + current.length } };
      sent.push(c.change(uri, range, next));
      burstPings.push(c.ping());
      current = next;
      await sleep(intervalMs);
    }
    const last = sent[sent.length - 1];
    const final = await c.waitFor(uri, { version: last.version, timeoutMs: 600_000 });
    await sleep(500);
    const publishes = (c.published.get(uri) ?? []).slice(before);
    bursts.push({
      intervalMs,
      edits: sent.length,
      lastEditToDiagnosticsMs: final.at - last.at,
      publishes: publishes.length,
      stalePublishes: publishes.filter((p) => p.version !== undefined && sent.some((s) => s.at <= p.at && s.version > p.version!)).length,
      finalVersionPublished: publishes.some((p) => p.version === last.version),
      maxPingMs: max(await Promise.all(burstPings)),
    });
  }
  const afterWork = c.memory();
  const afterWorkProbe = await probe(c);

  c.close(uri);
  await sleep(1000);
  const closed1 = c.memory();
  await sleep(4000);
  const closed5 = c.memory();
  const closedProbe = await probe(c);
  await c.stop();
  const live = (p: Probe) => p.after.heapUsed + p.after.external;

  const growth = openMem.hwm - baseline.rss;
  return {
    name: input.name,
    bytes: input.bytes,
    documents: input.generated ?? 0,
    engineIncrementalMs: median(inc),
    engineIncrementalParsedDocs: parsedDocs,
    oursEditMs: median(editMs),
    oursEditSamples: editMs.map((x) => Math.round(x)),
    editsWithFreshFindings: fresh,
    hoverMs: median(hover),
    codeActionMs: median(action),
    codeActions: actions,
    openMs,
    maxPingDuringOpenMs: max(pings),
    maxPingDuringEditsMs: max(editPings),
    bursts,
    memory: {
      baselineRss: baseline.rss,
      baselineHeap: live(baselineProbe),
      openRss: openMem.rss,
      openHwm: openMem.hwm,
      openLive: live(openProbe),
      afterWorkHwm: afterWork.hwm,
      afterWorkLive: live(afterWorkProbe),
      closedRss1s: closed1.rss,
      closedRss5s: closed5.rss,
      closedLive: live(closedProbe),
      closedRssAfterGc: closedProbe.rssAfterGc,
      growth,
      growthPerFileSize: growth / input.bytes,
      retainedAfterClose: closed5.rss - baseline.rss,
    },
    costs: { ...costs, 'floor: parseAllDocuments (cold, same file)': floorMs },
  };
}

async function peerMemory(input: Input): Promise<{ openMs: number; hwm: number; baselineRss: number } | { error: string }> {
  const c = await BenchClient.start(peerSpec());
  try {
    await openToDiagnostics(c, 'warmup.yaml', 'a: 1\n', false, 60_000);
    await sleep(300);
    const baseline = c.memory();
    const r = await openToDiagnostics(c, input.name, input.text, false, 1_800_000);
    return { openMs: r.ms, hwm: c.memory().hwm, baselineRss: baseline.rss };
  } catch (e) {
    return { error: (e as Error).message.slice(0, 300) };
  } finally {
    await c.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------------

/** The commit measured, and whether server/ had uncommitted changes (the bench builds the working tree). */
function revision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'server'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${head} + uncommitted server/ changes` : head;
  } catch {
    return 'unknown';
  }
}

/** A large input of one shape, just under `mbs` MB (the default size limit is 64 MB). */
function shapeText(shape: string, mbs: number): string {
  const bytes = mbs * MB - 4096;
  if (shape === 'bundle') return generateManifest(bytes).text;
  if (shape === 'services') return servicesStream(bytes);
  if (shape === 'one-line') return oneLineList(bytes);
  throw new Error(`unknown shape ${shape} (bundle, services, one-line)`);
}

/**
 * The baseline of the main thread's longest block for a file: decoding and parsing its didOpen message, which
 * vscode-jsonrpc's own decoder does on the main thread before any of our code runs (median of 3, in this process).
 * The server's decoder (lsp/messageDecoder.ts) does it in a worker from 1 MB, so its longest block can be below this.
 */
function receiveFloorMs(uri: string, text: string): number {
  const bytes = Buffer.from(JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'yaml', version: 1, text } } }), 'utf8');
  const xs: number[] = [];
  for (let i = 0; i < 3; i++) {
    gc();
    const t = performance.now();
    // What vscode-jsonrpc does with the message's bytes on the main thread: decode them, then parse.
    JSON.parse(bytes.toString('utf8'));
    xs.push(performance.now() - t);
  }
  return median(xs);
}

/** `--blocks`: the longest main-thread block while large files of each shape are analyzed, against the floor. */
async function blocksOnly(): Promise<void> {
  const sizes = argValue('block-sizes')?.split(',').map(Number) ?? [1, 10, 64];
  const shapes = argValue('shapes')?.split(',') ?? ['bundle', 'services', 'one-line'];
  const inputs = sizes.flatMap((mbs) => shapes.map((shape) => ({ name: `${shape}-${mbs}mb.yaml`, text: shapeText(shape, mbs) })));
  const floors = new Map(inputs.map((i) => [i.name, receiveFloorMs(fileUri(join(WS, 'open', i.name)), i.text)]));
  log(`main-thread blocks (${SERVER}): ${inputs.map((i) => i.name).join(', ')}`);
  const blocks = await mainThreadBlocks(SERVER, WS, inputs, log);
  const cli = argv.includes('--cli') ? cliRuns(resolve(ROOT, argValue('cli-path') ?? 'server/out/cli.js'), WS, inputs, log) : [];
  const out: string[] = [];
  out.push(
    table(
      ['main thread while a large file is analyzed', 'MB', 'baseline ms (vscode-jsonrpc decode + JSON.parse of didOpen)', 'receiving: longest block ms', 'receiving / baseline', 'longest block ms', 'longest block / baseline', 'p99 ms', 'open→diagnostics ms', 'edit: longest block ms', 'edit→diagnostics ms', 'peak RSS MB'],
      blocks.map((b) => [b.name, mb(b.bytes), ms(floors.get(b.name)!), b.crashed ? 'CRASHED' : ms(b.receiveMaxBlockMs), ratio(b.receiveMaxBlockMs / floors.get(b.name)!), b.crashed ? 'CRASHED' : ms(b.maxBlockMs), ratio(b.maxBlockMs / floors.get(b.name)!), ms(b.p99Ms), ms(b.openToDiagnosticsMs), ms(b.editMaxBlockMs), ms(b.editToDiagnosticsMs), mb(b.peakRss)]),
    ),
  );
  out.push('(a fresh server per file, 5,000-node inventory; event-loop delay inside the server, node:perf_hooks monitorEventLoopDelay, from didOpen to its diagnostics; receiving: until a request sent right behind the didOpen is answered; p99 after that; edit: a comment line inserted in the middle, from the didChange to its diagnostics; the baseline is what receiving the message would cost the main thread with vscode-jsonrpc\'s own decoder, measured in the bench process: the server parses messages of 1 MB or more in a worker)');
  for (const b of blocks) if (b.crashed) out.push(`CRASH on ${b.name}: ${b.crashed}`);
  if (cli.length) {
    out.push('');
    out.push(table(['kube-ip-guard lint FILE', 'MB', 'ms', 'ms/MB', 'peak RSS MB', 'findings'], cli.map((c) => [c.name, mb(c.bytes), ms(c.ms), ms(c.ms / (c.bytes / MB)), mb(c.peakRss), c.findings])));
  }
  const report = out.join('\n');
  console.log(report);
  writeFileSync(join(OUT, 'blocks.json'), JSON.stringify({ date: new Date().toISOString(), server: SERVER, revision: revision(), floors: Object.fromEntries(floors), blocks, cli, report }, null, 2));
  log(`wrote ${join(OUT, 'blocks.json')}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const rev = revision();
  mkdirSync(WS, { recursive: true });
  const config = generateInventoryConfig(NODES);
  writeFileSync(join(WS, '.kube-ip-guard.yaml'), config);
  if (BLOCKS) return blocksOnly();
  const facts = factsFrom(config);
  log(`inventory: ${facts.nodes.length} nodes (${mb(config.length)} MB config) in ${WS}`);
  if (argv.includes('--responsiveness')) {
    // Only the ratios of scripts/bench/responsiveness.ts (about a minute with --quick).
    console.log(responsivenessLines(await responsiveness({ server: SERVER, facts, quick: QUICK, log })).join('\n'));
    return;
  }
  // Reading the inventory: the server does this once per workspace folder, before the first diagnostics.
  const inventory = interleaved(
    {
      floor: () => parseAllDocuments(config),
      parseConfig: () => parseConfig(config, 'file:///bench/.kube-ip-guard.yaml'),
      index: () => new NodeInventory(facts),
    },
    { minRuns: QUICK ? 3 : 7, minMs: 0, maxRuns: QUICK ? 3 : 7 },
  );

  const only = (i: Input) => !ONLY || i.name.includes(ONLY);
  const corpus = (statSync(CORPUS, { throwIfNoEntry: false }) ? corpusInputs() : []).filter(only);
  if (!corpus.length) log(`corpus not found at ${CORPUS}${ONLY ? ` (or nothing matches --only ${ONLY})` : ''}: generated inputs only`);
  const generated: Input[] = SIZES.filter((s) => only({ name: `generated-${s}mb.yaml` } as Input)).map((s) => {
    const g = generateManifest(s * MB);
    const name = `generated-${s}mb.yaml`;
    writeFileSync(join(OUT, name), g.text);
    log(`generated ${name}: ${g.documents} documents, ${g.services} Services, ${g.conflicts} planted conflicts`);
    return { name, category: 'generated', text: g.text, bytes: g.text.length, generated: g.documents };
  });
  const inputs = [...generated, ...corpus];

  log(`in-process: floor and engine on ${inputs.length} inputs`);
  const ARGO = 'installs/argoproj__argo-cd/manifests__install.yaml';
  const results = inProcess(inputs, facts, (i) => !QUICK && (!!i.generated || i.name === ARGO));

  log('language servers: didOpen -> diagnostics');
  const ours = new ServerSlot(() => oursSpec(), true);
  const peer = NO_PEER ? undefined : new ServerSlot(peerSpec, false);
  // Warm both (JIT, facts loading) on a few files, unmeasured.
  for (const i of [...corpus.slice(0, 5), ...generated.slice(0, 1)]) {
    await openToDiagnostics(await ours.get(), i.name, i.text, true, 120_000);
    if (peer) await openToDiagnostics(await peer.get(), i.name, i.text, false, 120_000);
  }
  await lspOpens(inputs, results, ours, peer);
  await ours.stop();
  await peer?.stop();
  const crashes = { ours: ours.crashes, peer: peer?.crashes ?? [] };

  log('big files: edits, hover, code actions, memory');
  const big: BigFileResult[] = [];
  for (const g of generated.filter((x) => x.bytes >= 10 * MB)) {
    const floor = results.find((r) => r.name === g.name)!.floorMs;
    big.push(await bigFile(g, facts, floor));
  }
  log('main-thread blocks while large files are analyzed');
  const blockInputs = [
    ...generated,
    { name: 'services-10mb.yaml', text: servicesStream(10 * MB) },
    { name: 'one-line-list-10mb.yaml', text: oneLineList(10 * MB) },
    ...(QUICK ? [] : [{ name: 'services-60mb.yaml', text: servicesStream(60 * MB) }, { name: 'generated-64mb.yaml', text: generateManifest(64 * MB - 4096).text }]),
  ];
  const blocks = await mainThreadBlocks(SERVER, WS, blockInputs, log);
  log('files axis: the CLI and Check workspace over 1k, 10k (, 100k) files');
  const filesCounts = argValue('files')?.split(',').map(Number) ?? (QUICK ? [1000, 10000] : [1000, 10000, 100000]);
  const filesRuns = await filesAxis(SERVER, resolve(ROOT, 'server/out/cli.js'), OUT, filesCounts, config, log);

  log('responsiveness: one-line files, a hover while the cluster is read, stopping the cluster watcher');
  const responsive = await responsiveness({ server: SERVER, facts, quick: QUICK, log });

  const biggest = generated[generated.length - 1];
  const peerMem = NO_PEER || QUICK || !biggest || biggest.bytes < 10 * MB ? undefined : await peerMemory(biggest);

  // ------------------------------------------------------------------------------------------------------------
  // Report

  const rowOf = (label: string, rs: FileResult[]): (string | number)[] => {
    const f = sum(rs.map((r) => r.floorMs));
    const e = sum(rs.map((r) => r.engineMs));
    // Open→diagnostics over the inputs both servers were measured on (all of them, except in --quick).
    const both = rs.filter((r) => r.oursOpenMs !== undefined && r.peerOpenMs !== undefined);
    const oursOnly = rs.filter((r) => r.oursOpenMs !== undefined);
    const o = both.length ? sum(both.map((r) => r.oursOpenMs!)) : oursOnly.length ? sum(oursOnly.map((r) => r.oursOpenMs!)) : NaN;
    const p = both.length ? sum(both.map((r) => r.peerOpenMs!)) : NaN;
    const docs = sum(rs.map((r) => r.documents));
    const parseAll = rs.length === 1 && rs[0].engineParseAllMs !== undefined ? ms(rs[0].engineParseAllMs) : '';
    const measured = both.length || oursOnly.length;
    const part = rs.length > 1 && measured < rs.length ? ` [LSP: ${measured}]` : '';
    return [label + part, mb(sum(rs.map((r) => r.bytes))), docs, ms(f), ms(e), ratio(e / f), parseAll, ms(o), ms(p), ratio(o / p)];
  };
  const header = ['input', 'MB', 'docs', 'floor ms', 'engine ms', 'engine/floor', 'parseAll ms', 'ours open→diag ms', 'peer open→diag ms', 'ours/peer'];
  const rows: (string | number)[][] = [];
  for (const r of results.filter((x) => x.category === 'generated')) rows.push(rowOf(r.name, [r]));
  const argo = results.find((r) => r.name === ARGO);
  if (argo) rows.push(rowOf('argo-cd install.yaml', [argo]));
  const corpusResults = results.filter((x) => x.category !== 'generated');
  for (const cat of [...new Set(corpusResults.map((r) => r.category))]) rows.push(rowOf(`corpus ${cat.startsWith('(') ? cat : `${cat}/`} (sum)`, corpusResults.filter((r) => r.category === cat)));
  if (corpusResults.length) rows.push(rowOf(`corpus, all ${corpusResults.length} files (sum)`, corpusResults));

  const perFile = results.map((r) => ({ ...r, engineRatio: r.engineMs / r.floorMs, peerRatio: (r.oursOpenMs ?? NaN) / (r.peerOpenMs ?? NaN) }));
  const worstEngine = [...perFile].sort((a, b) => b.engineRatio - a.engineRatio).slice(0, 5);
  const minority = perFile.filter((r) => r.minority);
  const worstMinority = [...minority].sort((a, b) => b.engineRatio - a.engineRatio).slice(0, 5);
  const withPeer = perFile.filter((r) => Number.isFinite(r.peerRatio));
  const worstPeer = [...withPeer].sort((a, b) => b.peerRatio - a.peerRatio).slice(0, 5);
  // yaml-language-server waits validationDelayMs (200 ms) before validating; ours waits 0 ms after didOpen.
  const PEER_DELAY = 200;
  const peerRatioNoDelay = (r: (typeof perFile)[number]) => (r.oursOpenMs ?? NaN) / Math.max(1, (r.peerOpenMs ?? NaN) - PEER_DELAY);

  const bigRows = big.map((b) => {
    const floor = results.find((r) => r.name === b.name)!.floorMs;
    return [
      b.name,
      ms(floor),
      `${ms(b.engineIncrementalMs)} (${ratio(b.engineIncrementalMs / floor)})`,
      `${ms(b.oursEditMs)} (${ratio(b.oursEditMs / floor)})`,
      `${b.editsWithFreshFindings}/${R.edits + (QUICK ? 3 : 5)}`,
      ms(b.hoverMs),
      ms(b.codeActionMs),
      ms(b.maxPingDuringOpenMs),
      ms(b.maxPingDuringEditsMs),
      b.bursts.map((x) => `${x.stalePublishes}/${x.publishes} @${x.intervalMs}ms`).join(', '),
    ];
  });
  const memRows = big.map((b) => [
    b.name,
    `${mb(b.memory.baselineRss)} (live ${mb(b.memory.baselineHeap)})`,
    mb(b.memory.openHwm),
    `${mb(b.memory.growth)} (${b.memory.growthPerFileSize.toFixed(1)}× file)`,
    mb(b.memory.openLive),
    `${mb(b.memory.afterWorkHwm)} (live ${mb(b.memory.afterWorkLive)})`,
    `${mb(b.memory.closedRss1s)} / ${mb(b.memory.closedRss5s)}`,
    `${mb(b.memory.closedRssAfterGc)} (live ${mb(b.memory.closedLive)})`,
  ]);

  // Targets (issue 7).
  const gen = perFile.filter((r) => r.category === 'generated');
  const over1 = perFile.filter((r) => r.engineRatio > 1);
  const overQuarter = minority.filter((r) => r.engineRatio > 0.25);
  const overPeer = withPeer.filter((r) => r.peerRatio > 0.3);
  const tenMb = big.find((b) => b.name === 'generated-10mb.yaml');
  const tenFloor = tenMb ? results.find((r) => r.name === tenMb.name)!.floorMs : NaN;
  const targets = [
    {
      target: 'cold analysis ≤ 1.0× parse floor, every input',
      met: over1.length === 0,
      detail: `${perFile.length - over1.length}/${perFile.length} inputs within; worst ${worstEngine[0]?.name} ${ratio(worstEngine[0]?.engineRatio)}; generated ${gen.map((g) => ratio(g.engineRatio)).join(' / ')}`,
    },
    {
      target: 'cold analysis ≤ 0.25× floor where checked kinds are a minority',
      met: overQuarter.length === 0,
      detail: `${minority.length - overQuarter.length}/${minority.length} minority inputs within; worst ${worstMinority[0]?.name} ${ratio(worstMinority[0]?.engineRatio)}; sum over minority inputs ${ratio(sum(minority.map((r) => r.engineMs)) / sum(minority.map((r) => r.floorMs)))}`,
    },
    {
      target: 'one-line edit in 10 MB re-checked < 0.1× full parse',
      met: tenMb ? tenMb.engineIncrementalMs < 0.1 * tenFloor && tenMb.oursEditMs < 0.1 * tenFloor : false,
      detail: tenMb ? `engine ${ms(tenMb.engineIncrementalMs)} ms = ${ratio(tenMb.engineIncrementalMs / tenFloor)}; server didChange→diagnostics ${ms(tenMb.oursEditMs)} ms = ${ratio(tenMb.oursEditMs / tenFloor)} (incl. 40 ms debounce) of floor ${ms(tenFloor)} ms` : 'not measured',
    },
    {
      target: 'open→diagnostics ≤ 0.3× yaml-language-server, every input',
      met: withPeer.length > 0 && overPeer.length === 0,
      detail: `${withPeer.length - overPeer.length}/${withPeer.length} inputs within; worst ${worstPeer[0]?.name} ${ratio(worstPeer[0]?.peerRatio)}; generated ${gen.map((g) => ratio(g.peerRatio)).join(' / ')}; without the peer's 200 ms delay, worst ${ratio(max(withPeer.map(peerRatioNoDelay)))}`,
    },
    {
      target: 'typing never waits; no stale publishes',
      met: big.length > 0 && big.every((b) => b.bursts.every((x) => x.stalePublishes === 0 && x.finalVersionPublished) && b.maxPingDuringEditsMs < 100 && b.maxPingDuringOpenMs < 100),
      detail: big
        .map((b) => `${b.name}: stale publishes ${b.bursts.map((x) => `${x.stalePublishes}/${x.publishes} (keys ${x.intervalMs} ms apart)`).join(', ')}; main loop blocked up to ${ms(b.maxPingDuringOpenMs)} ms on open, ${ms(b.maxPingDuringEditsMs)} ms on an edit`)
        .join('; '),
    },
    {
      target: 'memory growth ≤ 3× file size, returns after close',
      met: big.length > 0 && big.every((b) => b.memory.afterWorkHwm - b.memory.baselineRss <= 3 * b.bytes && b.memory.closedRss5s - b.memory.baselineRss < 0.5 * b.bytes),
      detail: big
        .map((b) => `${b.name}: peak +${mb(b.memory.growth)} MB (${b.memory.growthPerFileSize.toFixed(1)}×) after open, +${mb(b.memory.afterWorkHwm - b.memory.baselineRss)} MB (${((b.memory.afterWorkHwm - b.memory.baselineRss) / b.bytes).toFixed(1)}×) after edits; RSS 5 s after close +${mb(b.memory.closedRss5s - b.memory.baselineRss)} MB, after forced GC +${mb(b.memory.closedRssAfterGc - b.memory.baselineRss)} MB (live heap +${mb(b.memory.closedLive - b.memory.baselineHeap)} MB)`)
        .join('; '),
    },
  ];

  targets.push({
    target: 'main thread never blocked ≥ 50 ms while a file ≤ 64 MB is analyzed',
    met: blocks.length > 0 && blocks.every((b) => Math.max(b.maxBlockMs, b.editMaxBlockMs) < 50),
    detail: blocks.map((b) => `${b.name} ${ms(b.maxBlockMs)} ms (edit ${ms(b.editMaxBlockMs)} ms)`).join(', '),
  });
  const perFileCli = filesRuns.map((f) => f.cliMs / f.files);
  const perFileCheck = filesRuns.map((f) => f.checkWorkspaceMs / f.files);
  const growth = (xs: number[]) => max(xs.map((x) => x / xs[0]));
  targets.push({
    target: 'CLI and Check workspace linear in the number of files (time per file ≤ 2× the smallest count\'s)',
    met: filesRuns.length > 1 && growth(perFileCli) <= 2 && growth(perFileCheck) <= 2,
    detail: `time per file vs ${filesRuns[0]?.files} files: CLI ${perFileCli.map((x) => ratio(x / perFileCli[0])).join(' / ')}, Check workspace ${perFileCheck.map((x) => ratio(x / perFileCheck[0])).join(' / ')}`,
  });

  const out: string[] = [];
  out.push(`Kube IP Guard benchmark (${QUICK ? 'quick' : 'full'}) of ${rev} — ${new Date().toISOString()}, ${cpus().length}× ${cpus()[0]?.model?.trim()}, ${(totalmem() / 1024 ** 3).toFixed(0)} GB, node ${process.version}, ${NODES}-node inventory`);
  out.push('Medians. floor = yaml parseAllDocuments in-process; engine = analyze() cold in-process; parseAll = analyze({parseAll:true}); open→diag over stdio, peer = yaml-language-server 2.0.0 (no schemas, its 200 ms validation delay included).');
  out.push(`Inventory (${facts.nodes.length} nodes, ${mb(config.length)} MB .kube-ip-guard.yaml): floor ${ms(inventory.floor)} ms, parseConfig ${ms(inventory.parseConfig)} ms (${ratio(inventory.parseConfig / inventory.floor)}), address index ${ms(inventory.index)} ms; read once per workspace folder before its first diagnostics.`);
  out.push('');
  out.push(table(header, rows));
  out.push('');
  out.push(`Per file: engine/floor worst: ${worstEngine.map((r) => `${r.name} ${ratio(r.engineRatio)}`).join(', ')}`);
  out.push(`Checked kinds a minority (${minority.length} inputs): worst engine/floor ${worstMinority.map((r) => `${r.name} ${ratio(r.engineRatio)}`).join(', ')}`);
  if (withPeer.length) out.push(`ours/peer worst: ${worstPeer.map((r) => `${r.name} ${ratio(r.peerRatio)} (${ms(r.oursOpenMs!)} vs ${ms(r.peerOpenMs!)} ms)`).join(', ')}`);
  out.push('');
  if (bigRows.length) {
    out.push(table(['edit in the middle', 'floor ms', 'engine incr. ms (/floor)', 'server didChange→diag ms (/floor)', 'fresh', 'hover ms', 'code action ms', 'max ping open ms', 'max ping edit ms', 'stale publishes / publishes'], bigRows));
    out.push('(engine incr. = analyze() with the shared cache after the edit; server = didChange → diagnostics of that version, incl. its 40 ms debounce; fresh = diagnostics matched the edit; ping = round trip of a no-op request while it works)');
    out.push('');
    out.push(table(['server memory (MB)', 'baseline RSS', 'peak RSS, file open', 'peak − baseline', 'live heap, file open', 'peak RSS after edits', 'RSS 1 s / 5 s after close', 'RSS after close + forced GC'], memRows));
    out.push('(RSS from /proc/<pid>/status VmRSS/VmHWM; live = heapUsed + external after two forced full GCs, read by a bench-only preload)');
    for (const [who, list] of Object.entries(crashes)) for (const c of list) out.push(`CRASH (${who}): ${c}`);
    if (peerMem && 'hwm' in peerMem) out.push(`yaml-language-server on ${biggest.name}: open→diagnostics ${ms(peerMem.openMs)} ms, peak RSS ${mb(peerMem.hwm)} MB (baseline ${mb(peerMem.baselineRss)} MB)`);
    else if (peerMem) out.push(`yaml-language-server on ${biggest.name}: ${peerMem.error}`);
    out.push('');
    for (const b of big) {
      out.push(`Incremental cost breakdown, ${b.name} (median ms):`);
      for (const [k, v] of Object.entries(b.costs)) out.push(`  ${k.padEnd(58)} ${ms(v)}`);
    }
    out.push('');
  }
  out.push(table(['main thread while a large file is analyzed', 'MB', 'open→diagnostics ms', 'receiving: longest block ms', 'longest block ms', 'p99 block ms', 'edit: longest block ms'], blocks.map((b) => [b.name, mb(b.bytes), ms(b.openToDiagnosticsMs), ms(b.receiveMaxBlockMs), ms(b.maxBlockMs), ms(b.p99Ms), ms(b.editMaxBlockMs)])));
  out.push('(a fresh server per file; event-loop delay inside the server, node:perf_hooks monitorEventLoopDelay, from didOpen to its diagnostics; receiving: until a request sent right behind the didOpen is answered)');
  out.push('');
  out.push(table(['files (one Service each)', 'CLI ms', 'CLI ms/file (× smallest)', 'Check workspace ms', 'Check workspace ms/file (× smallest)'], filesRuns.map((f, i) => [f.files, ms(f.cliMs), `${(perFileCli[i]).toFixed(3)} (${ratio(perFileCli[i] / perFileCli[0])})`, ms(f.checkWorkspaceMs), `${perFileCheck[i].toFixed(3)} (${ratio(perFileCheck[i] / perFileCheck[0])})`])));
  out.push('');
  out.push('Responsiveness (scripts/bench/responsiveness.ts: what former test budgets protected, against a baseline of this run):');
  for (const line of responsivenessLines(responsive)) out.push(`  ${line}`);
  out.push('');
  out.push(table(['target (issue 7)', 'met', 'measured'], targets.map((t) => [t.target, t.met ? 'yes' : 'NO', t.detail])));
  out.push(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  const report = out.join('\n');
  console.log(report);

  const json = {
    date: new Date().toISOString(),
    mode: QUICK ? 'quick' : 'full',
    revision: rev,
    server: SERVER,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryBytes: totalmem(), node: process.version },
    inventoryNodes: facts.nodes.length,
    inventory: { bytes: config.length, ...inventory },
    repeats: R,
    files: perFile.map((r) => ({ ...r, engineRatio: r.engineRatio, peerRatio: Number.isFinite(r.peerRatio) ? r.peerRatio : null })),
    summary: rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))),
    bigFiles: big,
    mainThreadBlocks: blocks,
    filesAxis: filesRuns,
    responsiveness: responsive,
    peerBiggestFile: peerMem ?? null,
    crashes,
    targets,
    report,
  };
  writeFileSync(join(OUT, 'results.json'), JSON.stringify(json, null, 2));
  writeFileSync(join(OUT, 'results.txt'), report + '\n');
  log(`wrote ${join(OUT, 'results.json')} and results.txt`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
