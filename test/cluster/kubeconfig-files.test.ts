// Kubeconfigs that are not regular files, or too big: a named pipe, /dev/zero, 17 MiB, a token file that is a pipe.
// Each is refused before it is read, with a clear state and message; the CLI exits and the server keeps answering.
// (Before, a pipe froze the thread that read it, and /dev/zero filled the memory.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadClusterFacts } from '../../server/src/facts/cluster';
import { MAX_KUBECONFIG_BYTES } from '../../server/src/facts/cluster/kubeconfig';
import { fileUri, LspTestClient } from '../protocol/lspClient';
import { statuses } from '../robustness/harness';
import { StandinApiServer, writeKubeconfig } from './standin';
import { tmpDir } from './helpers';
import { waitFor, withTimeout } from '../waitFor';
import { expectExit, fromExecFile } from '../childExit';

const SEED = path.resolve('examples/seed-cluster/deployment.yaml');
const CLI = path.resolve('server/out/cli.js');
const children: ChildProcess[] = [];
const servers: StandinApiServer[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.stop()));
});

function fifo(dir: string, name = 'kubeconfig'): string {
  const p = path.join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
}

/** The CLI with `--cluster --kubeconfig kubeconfig`, in a child process (a blocked read would block it, not us). */
async function cliWith(kubeconfig: string): Promise<{ code: number | null; stderr: string }> {
  const r = await withTimeout(
    new Promise<ReturnType<typeof fromExecFile>>((resolve) => {
      const child = execFile(process.execPath, [CLI, 'lint', SEED, '--cluster', '--kubeconfig', kubeconfig], (err, out, stderr) => resolve(fromExecFile(err, out, stderr)));
      children.push(child);
    }),
    'the CLI to exit',
    60_000,
  );
  return { code: expectExit('the CLI', r).status, stderr: r.stderr };
}

test('a kubeconfig that is a named pipe: the CLI says so and exits 2', { timeout: 120_000 }, async () => {
  const r = await cliWith(fifo(tmpDir()));
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /kubeconfig: a named pipe, not a regular file; not read/);
});

test('/dev/zero as the kubeconfig: refused as a device, nothing read', async () => {
  const r = await loadClusterFacts({ kubeconfigPath: '/dev/zero' });
  assert.equal(r.state, 'error');
  assert.equal(r.message, '/dev/zero: a device, not a regular file; not read');
});

test('a kubeconfig over 16 MiB: refused by its size before it is read', async () => {
  const dir = tmpDir();
  const big = path.join(dir, 'kubeconfig');
  fs.writeFileSync(big, 'apiVersion: v1\n');
  fs.truncateSync(big, MAX_KUBECONFIG_BYTES + 1024 * 1024); // sparse: no disk, no time
  const r = await loadClusterFacts({ kubeconfigPath: big });
  assert.equal(r.state, 'error');
  assert.match(r.message, /kubeconfig: 17 MiB, over the 16 MiB a kubeconfig may have; not read$/);
});

test('a token file that is a named pipe: refused, not read by the library while it parses', { timeout: 120_000 }, async () => {
  const s = await StandinApiServer.start({ tokens: { 'x-token': 'alice' } });
  servers.push(s);
  const dir = tmpDir();
  const kc = writeKubeconfig(dir, [{ server: s.url, auth: 'token-file', token: 'x-token', context: 'lab' }]);
  const obj = JSON.parse(fs.readFileSync(kc, 'utf8'));
  obj.users[0].user['token-file'] = fifo(dir, 'token');
  fs.writeFileSync(kc, JSON.stringify(obj), { mode: 0o600 });
  const r = await cliWith(kc);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /its token-file .*token is a named pipe, not a regular file; not read/);
  assert.equal(s.requests.length, 0);
});

test('the server in auto mode with a named pipe as kubeconfig: still answers, and its status says why', { timeout: 120_000 }, async () => {
  const dir = tmpDir();
  const pipe = fifo(dir);
  const client = await LspTestClient.start({ rootDir: dir, env: { ...process.env, KUBECONFIG: pipe, HOME: dir }, settings: { cluster: { mode: 'auto' } } });
  try {
    const uri = fileUri(path.join(dir, 'deployment.yaml'));
    client.open(uri, fs.readFileSync(SEED, 'utf8'));
    await client.waitForDiagnostics(uri, () => true, 60_000);
    const status = await waitFor('a cluster error status', () => statuses(client).find((x) => x.cluster?.state === 'error'), 60_000);
    assert.match(status.cluster!.message, /a named pipe, not a regular file/);
    assert.notEqual(await withTimeout(client.hover(uri, 28, 6), 'a hover', 60_000), undefined);
  } finally {
    await client.stop();
  }
});
