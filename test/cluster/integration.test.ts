// Issue 3's acceptance, end to end through the built server and CLI: the seed's two nodes served by the stand-in,
// a kubeconfig pointing at it and no .kube-ip-guard.yaml; then the cluster goes away and comes back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StandinApiServer, writeKubeconfig } from './standin';
import { readTree, tmpDir } from './helpers';
import { fileUri, LspTestClient } from '../protocol/lspClient';
import { waitFor } from '../waitFor';
import { expectExit, fromExecFile } from '../childExit';

const SEED = resolve('examples/seed-cluster/deployment.yaml');
const CLI = resolve('server/out/cli.js');
const TOKEN = 'sekret-integration-token-XYZ';

/** Run the CLI without blocking this process's event loop (the stand-in answers from it). */
async function cli(args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const r = await new Promise<ReturnType<typeof fromExecFile>>((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' }, (err, stdout, stderr) => done(fromExecFile(err, stdout, stderr)));
  });
  return expectExit('the CLI', r);
}

type Status = { text: string; state: string; cluster?: { state: string; context?: string; staleSince?: string }; warning?: string };

function statuses(client: LspTestClient): Status[] {
  return client.notifications.filter((n) => n.method === 'kubeIpGuard/status').map((n) => n.params as Status);
}

function until<T>(what: string, ms: number, f: () => T | undefined): Promise<T> {
  return waitFor(what, f, ms);
}

describe('facts from the kubeconfig context, through the server and the CLI', () => {
  let standin: StandinApiServer;
  let home: string;
  let kubeconfig: string;
  let workspace: string;
  before(async () => {
    standin = await StandinApiServer.start({ tokens: { [TOKEN]: 'integration-user' } });
    home = tmpDir();
    kubeconfig = writeKubeconfig(join(home, 'kube'), [{ server: standin.url, context: 'standin', auth: 'token', token: TOKEN }]);
    workspace = tmpDir();
    copyFileSync(SEED, join(workspace, 'deployment.yaml'));
  });
  after(async () => {
    await standin.stop();
  });

  test('CLI --cluster reports externalip-node naming k8s-node-1 and the context', async () => {
    const r = await cli(['lint', 'deployment.yaml', '--cluster', '--kubeconfig', kubeconfig, '--format', 'json'], workspace);
    assert.equal(r.status, 1, r.stderr);
    const [f] = JSON.parse(r.stdout);
    assert.equal(f.rule, 'externalip-node');
    assert.equal(f.line, 29);
    assert.match(f.message, /k8s-node-1/);
    assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
  });

  test('CLI --cluster against a cluster that is away: exit 2 with one line, or go on with =optional', async () => {
    const dead = writeKubeconfig(join(home, 'dead'), [{ server: 'https://127.0.0.1:9', context: 'dead', auth: 'token', token: TOKEN }]);
    const r = await cli(['lint', 'deployment.yaml', '--cluster', '--kubeconfig', dead], workspace);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^kube-ip-guard: context dead: /);
    const o = await cli(['lint', 'deployment.yaml', '--cluster=optional', '--kubeconfig', dead], workspace);
    assert.equal(o.status, 0, 'no facts, no findings');
    assert.match(o.stderr, /going on without cluster facts/);
    // With a cache filled while the cluster was up, =optional uses the cached facts, and says so.
    const cache = join(home, 'cli-cache');
    const up = await cli(['lint', 'deployment.yaml', '--cluster', '--kubeconfig', kubeconfig, '--cluster-cache', cache], workspace);
    assert.equal(up.status, 1);
    assert.ok(!readTree(cache).includes(TOKEN), 'the cache holds no credentials');
    assert.match(readTree(cache), /192\.168\.0\.11/);
  });

  test('the server: diagnostics from the context; the cluster goes away (stale cache) and comes back without a reload', async () => {
    const storage = tmpDir();
    mkdirSync(storage, { recursive: true });
    const client = await LspTestClient.start({
      rootDir: workspace,
      env: { ...process.env, KUBECONFIG: kubeconfig, HOME: home },
      initializationOptions: { storagePath: storage },
      settings: { cluster: { mode: 'auto', connectTimeoutMs: 1000, requestTimeoutMs: 2000 } },
    });
    try {
      const uri = fileUri(join(workspace, 'deployment.yaml'));
      client.open(uri, readFileSync(SEED, 'utf8'));
      const [d] = await client.waitForDiagnostics(uri, (x) => x.length === 1, 60_000);
      assert.equal(d.code, 'externalip-node');
      assert.match(d.message, /k8s-node-1/);
      const hover = await client.hover(uri, d.range.start.line, d.range.start.character + 2);
      const md = (hover?.contents as { value: string }).value;
      assert.match(md, /k8s-node-1/);
      assert.match(md, /context standin/);
      // The release comes from the cluster's GET /version (the stand-in says v1.31.0), and the hover says so.
      assert.match(md, /Kubernetes 1\.31 \(from context standin\)\./);
      const ok = await until('status ok', 60_000, () => statuses(client).find((s) => s.cluster?.state === 'ok' && /context standin/.test(s.text)));
      assert.match(ok.text, / · 1\.31 · /);

      // The cluster goes away: within the timeouts the status says so, once; the finding stays, from cached facts.
      const port = standin.port;
      await standin.stop();
      const down = await until('status unreachable', 60_000, () => statuses(client).find((s) => s.cluster && !['ok', 'loading', 'partial'].includes(s.cluster.state)));
      assert.match(down.text, /context standin: (unreachable|timed out)/);
      assert.ok(down.cluster?.staleSince, 'the facts in use are the cached ones');
      const warnings = statuses(client).filter((s) => s.warning).map((s) => s.warning);
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      client.change(uri, readFileSync(SEED, 'utf8') + '\n');
      const again = await client.waitForDiagnostics(uri, (x) => x.length === 1);
      assert.equal(again[0].code, 'externalip-node', 'edits are still checked with the facts at hand');
      const staleHover = (await client.hover(uri, d.range.start.line, d.range.start.character + 2))?.contents as { value: string };
      assert.match(staleHover.value, /cached/);

      // It comes back on the same address: the watcher's retry recovers, no reload needed.
      standin = await StandinApiServer.start({ tokens: { [TOKEN]: 'integration-user' }, port });
      const n = statuses(client).length;
      await until('status ok again', 60_000, () => statuses(client).slice(n).find((s) => s.cluster?.state === 'ok'));

      // Nothing the server wrote (logs, diagnostics, hovers, status, its cache) holds the token.
      const everything = JSON.stringify(client.notifications) + client.logs.join('\n') + client.stderr + JSON.stringify([...client.published.values()]) + readTree(storage);
      assert.ok(!everything.includes(TOKEN), 'no credentials in anything the server wrote');
      assert.match(readTree(storage), /k8s-node-1/, 'the cache was written');
    } finally {
      await client.stop();
    }
  });
});
