// Listeners that pile up: one per request on a session's shared abort signal (an audit runs a dozen lists at once),
// one 'exit' listener per temporary directory. Node warns at eleven (MaxListenersExceededWarning); the warning goes to
// the CLI's stderr and the server's log though nothing leaks. Many sessions and directories later: no warning.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { runCli } from '../../server/src/cli';
import { loadClusterFacts } from '../../server/src/facts/cluster/load';
import { whenAborted } from '../../server/src/facts/cluster/abort';
import { StandinApiServer, writeKubeconfig } from './standin';
import { poolObjects, seedObjects } from './auditFixtures';
import { tmpDir } from './helpers';

const TOKEN = 'sekret-token-LISTENERS';
const warnings: string[] = [];
const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
process.on('warning', onWarning);
let server: StandinApiServer | undefined;
after(async () => {
  process.off('warning', onWarning);
  await server?.stop();
});

/** Warnings are emitted on a later tick: let them arrive before looking. */
const settle = () => new Promise<void>((r) => setImmediate(r));

test('twelve audits and loads, each with more than ten requests in flight on one signal, and twenty temporary directories: no MaxListenersExceededWarning', async () => {
  server = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' }, objects: { ...seedObjects(), ...poolObjects() } });
  const dir = tmpDir();
  for (let i = 0; i < 20; i++) tmpDir();
  const kc = writeKubeconfig(dir, [{ server: server.url, auth: 'token', token: TOKEN, context: 'lab' }]);
  const outer = new AbortController();
  for (let i = 0; i < 6; i++) {
    const err: string[] = [];
    const code = await runCli(['audit', '--kubeconfig', kc], { out: () => undefined, err: (t) => err.push(t), cwd: process.cwd() });
    assert.equal(code, 1, err.join('\n'));
    const r = await loadClusterFacts({ kubeconfigPath: kc, signal: outer.signal });
    assert.equal(r.state, 'ok', r.message);
  }
  // Twelve sessions at once on one caller's signal.
  const all = await Promise.all(Array.from({ length: 12 }, () => loadClusterFacts({ kubeconfigPath: kc, signal: outer.signal })));
  assert.deepEqual([...new Set(all.map((r) => r.state))], ['ok']);
  await settle();
  assert.deepEqual(warnings.filter((w) => /MaxListeners/.test(w)), []);

  // The built CLI says nothing about listeners on its stderr either.
  const r = await new Promise<{ stderr: string }>((done) =>
    execFile(process.execPath, ['server/out/cli.js', 'audit', '--kubeconfig', kc], { encoding: 'utf8', timeout: 60_000 }, (_err, _stdout, stderr) => done({ stderr })),
  );
  assert.match(r.stderr, /services: \d+ read/);
  assert.doesNotMatch(r.stderr, /MaxListeners|memory leak/);
});

test('whenAborted: one listener per signal; each waiter called once, a stopped one never', async () => {
  const ctl = new AbortController();
  const calls: number[] = [];
  const stops = Array.from({ length: 50 }, (_, i) => whenAborted(ctl.signal, () => calls.push(i)));
  stops[7]();
  ctl.abort();
  ctl.abort();
  assert.equal(calls.length, 49);
  assert.ok(!calls.includes(7));
  let late = 0;
  whenAborted(ctl.signal, () => late++);
  assert.equal(late, 1, 'an aborted signal calls at once');
  await settle();
  assert.deepEqual(warnings.filter((w) => /MaxListeners/.test(w)), []);
});
