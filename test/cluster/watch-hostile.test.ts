// The node watch against a hostile API server: an endless line (no newline, ever) ends the watch with a clear error
// and a growing pause before the next try, memory bounded by the line limit; a redirect is not followed, so the
// bearer token and the client certificate never reach the address it points to.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterFactsWatcher } from '../../server/src/facts/cluster';
import { MAX_WATCH_LINE_BYTES } from '../../server/src/facts/cluster/watchStream';
import { StandinApiServer, writeKubeconfig } from './standin';
import { tmpDir } from './helpers';
import { waitFor } from '../waitFor';

const TOKEN = 'sekret-token-WATCH';
const servers: StandinApiServer[] = [];
const watchers: ClusterFactsWatcher[] = [];
after(async () => {
  await Promise.all(watchers.map((w) => w.stop()));
  await Promise.all(servers.map((s) => s.stop()));
});

async function standin(): Promise<StandinApiServer> {
  const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' } });
  servers.push(s);
  return s;
}

function watcher(kubeconfigPath: string): { w: ClusterFactsWatcher; logs: string[] } {
  const logs: string[] = [];
  const w = new ClusterFactsWatcher({ kubeconfigPath, reloadDebounceMs: 50, kubeconfigPollMs: 50, minBackoffMs: 200, maxBackoffMs: 60_000, log: (l) => logs.push(l) });
  watchers.push(w);
  return { w, logs };
}

const watchRequests = (s: StandinApiServer) => s.requests.filter((q) => q.path === '/api/v1/nodes' && q.query.includes('watch=true'));

test('an endless line on the node watch: a clear error, the facts kept, retries that back off', { timeout: 120_000 }, async () => {
  const s = await standin();
  s.watchBehavior = { endlessLine: true };
  for (const auth of ['token', 'cert'] as const) {
    const { w, logs } = watcher(writeKubeconfig(tmpDir(), [{ server: s.url, auth, token: TOKEN, context: 'lab' }]));
    const first = await w.start();
    assert.equal(first.state, 'ok', first.message);
    await waitFor('the line-length error', () => logs.find((l) => /node watch sent a line longer than 4 MiB; retrying in \d+ s/.test(l)), 60_000, () => logs.join('\n'));
    await waitFor('a second try after the pause', () => logs.filter((l) => /line longer than/.test(l)).length >= 2, 60_000, () => logs.join('\n'));
    const pauses = logs.filter((l) => /line longer than/.test(l)).map((l) => Number(/retrying in (\d+) s/.exec(l)![1]));
    assert.ok(pauses[1] >= pauses[0], `the pause grows: ${pauses.join(', ')}`);
    assert.equal(w.current?.state, 'ok', 'the facts read by the list stay');
    // The stand-in wrote far more than the limit; what the watch kept of it is bounded by the limit.
    assert.ok(s.watchBytesWritten > 2 * MAX_WATCH_LINE_BYTES, `${s.watchBytesWritten} bytes written`);
    await w.stop();
  }
});

test('a redirect on the node watch is not followed: the target never sees the token or the client certificate', { timeout: 120_000 }, async () => {
  const s = await standin();
  const target = await standin();
  s.watchBehavior = { redirectTo: target.url };
  for (const auth of ['token', 'cert'] as const) {
    const { w, logs } = watcher(writeKubeconfig(tmpDir(), [{ server: s.url, auth, token: TOKEN, context: 'lab' }]));
    const first = await w.start();
    assert.equal(first.state, 'ok', first.message);
    await waitFor('the redirect refused', () => logs.find((l) => /answered HTTP 302 \(a redirect\) to the node watch; redirects are not followed/.test(l)), 60_000, () => logs.join('\n'));
    assert.ok(watchRequests(s).length >= 1);
    assert.deepEqual(target.requests, [], 'nothing reached the redirect target');
    assert.ok(!logs.join('\n').includes(TOKEN));
    await w.stop();
  }
});
