// What three former wall-clock budgets of the tests protected, measured here instead (issue 15: a test that reads the
// clock lies on a busy machine), each as a ratio against a baseline measured in the same run, one line per ratio:
//
// 1. One-line files (the robustness suite's "a 1-line 20 MB file returns within seconds"): analyze() on a single line
//    of 20 MB (5 MB in --quick) against yaml's parseAllDocuments of the same text (the parse floor). A ratio that
//    grows with the size would be a cost worse than linear in the length of a line.
// 2. A hover while the cluster is read (the cluster fault suite's "a hover waited < 1,000 ms"): the language server's
//    hover latency while the API server stand-in holds its node list, against the same hover when nothing is read.
// 3. stop() of the cluster watcher with a load in flight (the watcher suite's "stop < 500 ms"): against stop() of an
//    idle watcher. The load is held by the stand-in: stop() must abort it, not wait for its time bounds.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { analyze, type ClusterFacts } from '../../server/src/engine/index';
import { ClusterFactsWatcher } from '../../server/src/facts/cluster/index';
import { StandinApiServer, writeKubeconfig } from '../../test/cluster/standin';
import { BenchClient, fileUri } from './lsp';
import { oneLineList } from './scale';

const MB = 1024 * 1024;

export interface Ratio {
  name: string;
  /** Median ms of what is measured, and of its baseline. */
  ms: number;
  baselineMs: number;
  baseline: string;
  ratio: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function until(what: string, f: () => boolean, timeoutMs = 120_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!f()) {
    if (performance.now() > end) throw new Error(`bench: gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** 1. analyze() on one-line files against the parse floor, alternating the two, medians of `runs`. */
export function longLines(facts: ClusterFacts, bytes: number, runs: number): Ratio[] {
  const inputs: [string, string][] = [
    ['plain scalar', 'x'.repeat(bytes)],
    ['a key with a keyword', 'externalIPs: ' + 'a'.repeat(bytes)],
    ['a comment', '# ' + 'c'.repeat(bytes)],
    ['a quoted scalar in flow style', `spec: {externalIPs: ["${'q'.repeat(bytes)}"]}`],
    ['a JSON List of Services', oneLineList(bytes)],
  ];
  const out: Ratio[] = [];
  for (const [name, text] of inputs) {
    const floor: number[] = [];
    const engine: number[] = [];
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      parseAllDocuments(text);
      floor.push(performance.now() - t);
      t = performance.now();
      analyze(text, facts);
      engine.push(performance.now() - t);
    }
    const [e, f] = [median(engine), median(floor)];
    out.push({ name: `one line of ${(text.length / MB).toFixed(0)} MB, ${name}: analyze()`, ms: e, baselineMs: f, baseline: 'the parse floor', ratio: e / f });
  }
  return out;
}

const TOKEN = 'bench-token';

/** 2. Hover latency while the stand-in holds the node list of a cluster refresh, against hovers with nothing read. */
export async function hoverWhileClusterRead(server: string, hovers: number): Promise<Ratio> {
  const standin = await StandinApiServer.start({ tokens: { [TOKEN]: 'bench' } });
  const home = mkdtempSync(join(tmpdir(), 'kig-bench-hover-'));
  let client: BenchClient | undefined;
  try {
    const kubeconfig = writeKubeconfig(join(home, 'kube'), [{ server: standin.url, context: 'standin', auth: 'token', token: TOKEN }]);
    const ws = join(home, 'ws');
    mkdirSync(ws, { recursive: true });
    client = await BenchClient.start({
      name: 'kube-ip-guard',
      command: process.execPath,
      args: [server],
      rootDir: ws,
      env: { ...process.env, KUBECONFIG: kubeconfig, HOME: home },
      configuration: () => ({ cluster: { mode: 'on', connectTimeoutMs: 120_000, requestTimeoutMs: 120_000 } }),
    });
    const uri = fileUri(join(ws, 'svc.yaml'));
    const text = 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  externalIPs: [192.168.0.11]\n';
    writeFileSync(join(ws, 'svc.yaml'), text);
    const refresh = () => client!.conn.sendRequest('kubeIpGuard/refreshCluster', {});
    await refresh(); // the cluster read once, so the hover below has the same facts both times
    client.open(uri, text);
    await client.waitFor(uri, { version: 1, timeoutMs: 120_000 });
    const hover = async () => (await client!.timed('textDocument/hover', { textDocument: { uri }, position: { line: 4, character: 18 } })).ms;
    for (let i = 0; i < 30; i++) await hover(); // warm
    const idle: number[] = [];
    const held: number[] = [];
    for (let i = 0; i < hovers; i++) idle.push(await hover());
    standin.setBehavior('/api/v1/nodes', { hold: true });
    const refreshing = refresh();
    await until('the node list to be held', () => standin.heldLists > 0);
    for (let i = 0; i < hovers; i++) held.push(await hover());
    standin.setBehavior('/api/v1/nodes', undefined);
    standin.release();
    await refreshing;
    const [h, b] = [median(held), median(idle)];
    return { name: 'hover while the cluster is read (node list held by the API server)', ms: h, baselineMs: b, baseline: 'the same hover with nothing read', ratio: h / b };
  } finally {
    await client?.stop();
    await standin.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

/** 3. stop() of a watcher whose load the stand-in holds, against stop() of an idle watcher (its node watch open). */
export async function watcherStop(runs: number): Promise<Ratio> {
  const standin = await StandinApiServer.start({ tokens: { [TOKEN]: 'bench' } });
  const dir = mkdtempSync(join(tmpdir(), 'kig-bench-stop-'));
  try {
    const kubeconfigPath = writeKubeconfig(dir, [{ server: standin.url, context: 'standin', auth: 'token', token: TOKEN }]);
    const opts = { kubeconfigPath, requestTimeoutMs: 600_000, totalTimeoutMs: 600_000 };
    const idle: number[] = [];
    const busy: number[] = [];
    for (let i = 0; i < runs; i++) {
      const w = new ClusterFactsWatcher(opts);
      await w.start();
      await until('the node watch', () => standin.openWatches > 0);
      let t = performance.now();
      await w.stop();
      idle.push(performance.now() - t);
      await until('the node watch to close', () => standin.openWatches === 0);

      standin.setBehavior('/api/v1/nodes', { hold: true });
      const held = new ClusterFactsWatcher(opts);
      const started = held.start();
      await until('the node list to be held', () => standin.heldLists > 0);
      t = performance.now();
      await held.stop();
      busy.push(performance.now() - t);
      await started;
      standin.setBehavior('/api/v1/nodes', undefined);
      standin.release();
    }
    const [s, b] = [median(busy), median(idle)];
    return { name: 'cluster watcher stop() with a load in flight', ms: s, baselineMs: b, baseline: 'stop() of an idle watcher', ratio: s / b };
  } finally {
    await standin.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function responsiveness(opts: { server: string; facts: ClusterFacts; quick: boolean; log: (s: string) => void }): Promise<Ratio[]> {
  opts.log(`responsiveness: one-line files of ${opts.quick ? 5 : 20} MB`);
  const out = longLines(opts.facts, (opts.quick ? 5 : 20) * MB, opts.quick ? 3 : 5);
  opts.log('responsiveness: a hover while the cluster is read');
  out.push(await hoverWhileClusterRead(opts.server, opts.quick ? 20 : 50));
  opts.log('responsiveness: stop() of the cluster watcher');
  out.push(await watcherStop(opts.quick ? 5 : 15));
  return out;
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** One line per ratio. */
export function responsivenessLines(rs: Ratio[]): string[] {
  return rs.map((r) => `${r.name}: ${fmt(r.ms)} ms vs ${fmt(r.baselineMs)} ms for ${r.baseline} = ${r.ratio.toFixed(2)}×`);
}
