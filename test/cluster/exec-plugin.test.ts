// Exec credential plugins that leave processes behind (a wrapper script whose child outlives it): on a timeout and
// on a normal exit, the plugin's whole process group is killed and its pipes closed, so no orphan outlives the load
// and neither the loader nor the CLI waits on an orphan's pipe.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadClusterFacts } from '../../server/src/facts/cluster';
import { StandinApiServer, writeKubeconfig } from './standin';
import { tmpDir } from './helpers';
import { execFile } from 'node:child_process';
import { waitFor, withTimeout } from '../waitFor';
import { expectExit, fromExecFile } from '../childExit';

const TOKEN = 'sekret-token-EXEC';
const servers: StandinApiServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

/** Whether `pid` is gone (no such process, or a zombie waiting for init to reap it). */
function gone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 1).trim().startsWith('Z');
  } catch {
    return true;
  }
}

function pidsIn(dir: string): number[] {
  return ['plugin.pid', 'child.pid'].filter((f) => fs.existsSync(path.join(dir, f))).map((f) => Number(fs.readFileSync(path.join(dir, f), 'utf8').trim()));
}

/** A kubeconfig whose user runs `script` (a shell wrapper) as its exec plugin. */
function withWrapper(s: StandinApiServer, script: (dir: string) => string): { dir: string; kubeconfig: string } {
  const dir = tmpDir('kipg-exec-');
  const kubeconfig = writeKubeconfig(dir, [{ server: s.url, auth: 'exec', context: 'lab' }]);
  const wrapper = path.join(dir, 'plugin.sh');
  fs.writeFileSync(wrapper, `#!/bin/sh\necho $$ > "${dir}/plugin.pid"\n${script(dir)}\n`, { mode: 0o755 });
  const obj = JSON.parse(fs.readFileSync(kubeconfig, 'utf8'));
  obj.users[0].user.exec = { apiVersion: 'client.authentication.k8s.io/v1beta1', command: wrapper, args: [] };
  fs.writeFileSync(kubeconfig, JSON.stringify(obj), { mode: 0o600 });
  return { dir, kubeconfig };
}

const CREDENTIAL = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: TOKEN } });
/** A child that sleeps with the plugin's stdout and stderr open, its pid written down. */
const SLEEPING_CHILD = (dir: string) => `sleep 1000 &\necho $! > "${dir}/child.pid"`;

async function standin(): Promise<StandinApiServer> {
  const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' } });
  servers.push(s);
  return s;
}

function killLeftovers(dir: string): void {
  for (const pid of pidsIn(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
}

test('a hanging wrapper plugin: exec-failed, and neither it nor its child is left running', { timeout: 120_000 }, async () => {
  const s = await standin();
  const { dir, kubeconfig } = withWrapper(s, (d) => `${SLEEPING_CHILD(d)}\nsleep 1000`);
  try {
    const r = await loadClusterFacts({ kubeconfigPath: kubeconfig, requestTimeoutMs: 500 });
    assert.equal(r.state, 'exec-failed', r.message);
    assert.match(r.message, /did not finish within 500 ms/);
    const pids = await waitFor('both pid files', () => pidsIn(dir).length === 2 && pidsIn(dir), 60_000);
    await waitFor(`processes ${pids.join(', ')} to be gone`, () => pids.every(gone), 60_000);
  } finally {
    killLeftovers(dir);
  }
});

test('a wrapper that prints its credential and exits, leaving a child on its stdout: the load goes on, the child is killed', { timeout: 120_000 }, async () => {
  const s = await standin();
  const { dir, kubeconfig } = withWrapper(s, (d) => `${SLEEPING_CHILD(d)}\nprintf '%s' '${CREDENTIAL}'\nexit 0`);
  try {
    // Before, the library waited for the orphan's pipe to close: the load ran into its bound and failed.
    const r = await loadClusterFacts({ kubeconfigPath: kubeconfig, requestTimeoutMs: 30_000 });
    assert.equal(r.state, 'ok', r.message);
    assert.deepEqual([...new Set(s.requests.map((q) => q.identity))], ['token:alice']);
    const pids = pidsIn(dir);
    assert.equal(pids.length, 2);
    await waitFor(`processes ${pids.join(', ')} to be gone`, () => pids.every(gone), 60_000);
  } finally {
    killLeftovers(dir);
  }
});

test('the CLI with a hanging wrapper plugin says so and exits; nothing of the plugin is left', { timeout: 120_000 }, async () => {
  const s = await standin();
  const { dir, kubeconfig } = withWrapper(s, (d) => `${SLEEPING_CHILD(d)}\nsleep 1000`);
  try {
    const cli = path.resolve('server/out/cli.js');
    const manifest = path.resolve('examples/seed-cluster/deployment.yaml');
    // Before, the CLI said "did not finish" and then waited on the orphan's pipe until the orphan ended.
    const r = await withTimeout(
      new Promise<ReturnType<typeof fromExecFile>>((resolve) => {
        execFile(process.execPath, [cli, 'lint', manifest, '--cluster', '--kubeconfig', kubeconfig, '--cluster-timeout', '500'], { env: { ...process.env, HOME: dir } }, (err, stdout, stderr) =>
          resolve(fromExecFile(err, stdout, stderr)),
        );
      }),
      'the CLI to exit',
      60_000,
    );
    assert.equal(expectExit('the CLI', r).status, 2, r.stderr);
    assert.match(r.stderr, /did not finish within 500 ms/);
    const pids = pidsIn(dir);
    await waitFor(`processes ${pids.join(', ')} to be gone`, () => pids.every(gone), 60_000);
  } finally {
    killLeftovers(dir);
  }
});
