// Benchmark: load cluster facts from a stand-in API server with 5,000 nodes, with our loader (bundled like the
// shipped server, run in a child process so its peak memory can be read) and with `kubectl get nodes -o json`
// against the same stand-in, several times; print medians, the ratio ours/kubectl and our peak RSS.
//   node scripts/bench-cluster.mjs [--nodes 5000] [--runs 5]
// Builds into .bench/cluster/ (git-ignored). kubectl's side is skipped with a message when it is not installed.
import * as esbuild from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve, delimiter } from 'node:path';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const NODES = arg('nodes', 5000);
const RUNS = arg('runs', 5);
const out = resolve('.bench/cluster');
mkdirSync(out, { recursive: true });

// The stand-in (test code; packages stay external) and a child entry with the loader fully bundled.
await esbuild.build({
  entryPoints: ['test/cluster/standin.ts'],
  outfile: join(out, 'standin.cjs'),
  bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', logLevel: 'warning',
});
await esbuild.build({
  stdin: {
    contents: `
      import { loadClusterFacts } from './server/src/facts/cluster';
      const t0 = performance.now();
      loadClusterFacts({ kubeconfigPath: process.argv[2], requestTimeoutMs: 60000, totalTimeoutMs: 120000 }).then((r) => {
        const ms = performance.now() - t0;
        process.stdout.write(JSON.stringify({ state: r.state, message: r.message, nodes: r.nodeCount, ms, maxRSSKiB: process.resourceUsage().maxRSS }));
      });`,
    resolveDir: process.cwd(),
    loader: 'ts',
  },
  outfile: join(out, 'loader-child.cjs'),
  bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning',
  external: ['bufferutil', 'utf-8-validate'],
});

const require = createRequire(import.meta.url);
const { StandinApiServer, manyNodes, writeKubeconfig } = require(join(out, 'standin.cjs'));

function findKubectl() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, process.platform === 'win32' ? 'kubectl.exe' : 'kubectl');
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch { /* next */ }
  }
  return undefined;
}

function run(cmd, args) {
  return new Promise((resolveRun, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    let err = '';
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => { err += c; });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}: ${err.slice(0, 400)}`));
      resolveRun({ wallMs, stdout: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms) => `${ms.toFixed(0)} ms`;

const work = mkdtempSync(join(tmpdir(), 'kipg-bench-'));
const server = await StandinApiServer.start({ nodes: manyNodes(NODES), tokens: { 'bench-token': 'bench' } });
try {
  const kubeconfig = writeKubeconfig(work, [{ server: server.url, auth: 'token', token: 'bench-token', context: 'bench' }]);
  const kubectl = findKubectl();
  if (!kubectl) console.log('kubectl: not on PATH (install the Debian package kubernetes-client): skipping its side');
  const ours = [];
  const theirs = [];
  const oursWall = [];
  let peakKiB = 0;
  for (let i = 0; i <= RUNS; i++) { // run 0 is a warm-up, not counted
    const r = await run(process.execPath, [join(out, 'loader-child.cjs'), kubeconfig]);
    const res = JSON.parse(r.stdout);
    if (res.state !== 'ok' || res.nodes !== NODES) throw new Error(`loader: ${res.state}: ${res.message} (${res.nodes} nodes)`);
    if (kubectl) {
      const k = await run(kubectl, ['--kubeconfig', kubeconfig, '--cache-dir', join(work, `cache-${i}`), 'get', 'nodes', '-o', 'json']);
      const n = JSON.parse(k.stdout).items.length;
      if (n !== NODES) throw new Error(`kubectl listed ${n} nodes`);
      if (i > 0) theirs.push(k.wallMs);
    }
    if (i > 0) {
      ours.push(res.ms);
      oursWall.push(r.wallMs);
      peakKiB = Math.max(peakKiB, res.maxRSSKiB);
    }
  }
  console.log(`cluster facts benchmark: ${NODES} nodes, ${RUNS} runs (after one warm-up), stand-in ${server.url}`);
  console.log(`  ours    load (in process):            median ${fmt(median(ours))}  [${ours.map(fmt).join(', ')}]`);
  console.log(`  ours    process (start+load+exit):    median ${fmt(median(oursWall))}  [${oursWall.map(fmt).join(', ')}]`);
  if (kubectl) {
    console.log(`  kubectl get nodes -o json (process):  median ${fmt(median(theirs))}  [${theirs.map(fmt).join(', ')}]`);
    console.log(`  ratio ours/kubectl (process vs process): ${(median(oursWall) / median(theirs)).toFixed(2)}`);
    console.log(`  ratio ours/kubectl (our load vs kubectl process): ${(median(ours) / median(theirs)).toFixed(2)}`);
  }
  console.log(`  our peak memory (maxRSS of the loader process): ${(peakKiB / 1024).toFixed(1)} MiB`);
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
