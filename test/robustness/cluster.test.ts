// Cluster faults through the server, against the API server stand-in: a connection reset mid-list, garbage JSON, an
// answer slower than the request timeout, a node watch that drops, a kubeconfig edited to nonsense while open. The
// server keeps serving diagnostics with the facts at hand (the config file's, and the cluster's last known ones),
// answers hovers while the cluster is slow, and says what happened once: at most one status `warning` per failing
// cluster state, every status carrying `cluster.state`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StandinApiServer, writeKubeconfig } from '../cluster/standin';
import { tmpDir } from '../cluster/helpers';
import { fileUri, type LspTestClient } from '../protocol/lspClient';
import { alive, diagnosticsForCurrentVersion, startServer, statuses, until, type Status } from './harness';
import { withTimeout } from '../waitFor';

const TOKEN = 'robustness-token-ZYX';
/** Waits only bound a hang (a busy machine may be many times slower than a laptop). */
const HANG = 60_000;
const DOC = 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  externalIPs: [192.168.0.11, 192.168.0.99, 192.168.0.12]\n';
// 192.168.0.11: a node only the cluster knows (k8s-node-1); 192.168.0.99: a node of the config file; .12: added later.

describe('cluster faults', () => {
  let standin: StandinApiServer;
  let kubeconfig: string;
  let kubeconfigText: string;
  let ws: string;
  let client: LspTestClient;
  let uri: string;
  let edits = 0;

  before(async () => {
    standin = await StandinApiServer.start({ tokens: { [TOKEN]: 'robustness' } });
    const home = tmpDir('kig-robust-home-');
    kubeconfig = writeKubeconfig(join(home, 'kube'), [{ server: standin.url, context: 'standin', auth: 'token', token: TOKEN }]);
    kubeconfigText = readFileSync(kubeconfig, 'utf8');
    ws = tmpDir('kig-robust-cluster-');
    writeFileSync(join(ws, '.kube-ip-guard.yaml'), 'nodes:\n  - name: config-node\n    addresses: [192.168.0.99]\n');
    const storage = join(home, 'storage');
    mkdirSync(storage, { recursive: true });
    client = await startServer(ws, {
      env: { ...process.env, KUBECONFIG: kubeconfig, HOME: home },
      initializationOptions: { storagePath: storage },
      // Bounds beyond any hover: a request the stand-in holds ends when the test releases it, not by a timer.
      settings: { cluster: { mode: 'auto', connectTimeoutMs: HANG, requestTimeoutMs: HANG } },
    });
    uri = fileUri(join(ws, 'svc.yaml'));
    client.open(uri, DOC);
  });
  after(async () => {
    await client.stop();
    await standin.stop();
  });

  /** Re-check the document (an edit) and return the node names its findings mention. */
  async function nodesFound(): Promise<string> {
    client.change(uri, DOC + '#'.repeat(++edits) + '\n');
    const d = await diagnosticsForCurrentVersion(client, uri, HANG);
    return d.filter((x) => x.code === 'externalip-node').map((x) => x.message).join('\n');
  }

  const refresh = () => client.conn.sendRequest('kubeIpGuard/refreshCluster', {}) as Promise<{ state: string; message: string }>;
  const failing = (s: Status) => !!s.cluster && !['ok', 'partial', 'loading', 'off'].includes(s.cluster.state);

  /** Warnings must not repeat while the cluster stays in one failing state; each names the state in `cluster`. */
  function assertSaidOnce(): void {
    let seen = new Set<string>();
    for (const s of statuses(client)) {
      if (s.cluster && (s.cluster.state === 'ok' || s.cluster.state === 'partial')) seen = new Set();
      if (!s.warning) continue;
      if (!/cluster|context/.test(s.warning)) continue;
      assert.ok(s.cluster?.state, `a warning without cluster.state: ${JSON.stringify(s)}`);
      const k = `${s.cluster!.state} ${s.warning}`;
      assert.ok(!seen.has(k), `said twice: ${k}\n${JSON.stringify(statuses(client).map((x) => [x.cluster?.state, x.warning]))}`);
      seen.add(k);
    }
  }

  test('the cluster is read: its node and the config file\'s both give findings', async () => {
    await until('status ok', HANG, () => statuses(client).find((s) => s.cluster?.state === 'ok'));
    const found = await nodesFound();
    assert.match(found, /k8s-node-1/);
    assert.match(found, /config-node/);
  });

  /** Restart the cluster source with another request timeout; resolves once its first load is done. */
  async function requestTimeout(ms: number): Promise<void> {
    const loaded = () => client.logs.filter((l) => l.startsWith('Kube IP Guard: cluster standin: ok')).length;
    const before = loaded();
    client.didChangeConfiguration({ ...client.settings, cluster: { mode: 'auto', connectTimeoutMs: HANG, requestTimeoutMs: ms } });
    await until(`the cluster read again with a ${ms} ms request timeout`, HANG, () => loaded() > before);
  }

  // Each fault comes after the stand-in held the node list: while it holds it, the server is waiting on the cluster,
  // and a hover must be answered meanwhile (the refresh cannot end before the test releases the list). The timeout
  // case holds it until the server's own request timeout gives up.
  for (const [name, fault, state] of [
    ['a connection reset in the middle of the node list', { drop: true }, /unreachable|error/],
    ['garbage instead of JSON', { garbage: true }, /error/],
    ['an answer slower than the request timeout', undefined, /timeout/],
  ] as const) {
    test(`${name}: the facts at hand keep serving, said once, hovers answered meanwhile`, async () => {
      if (!fault) await requestTimeout(2000);
      standin.setBehavior('/api/v1/nodes', { hold: true, ...(fault ? { then: fault } : {}) });
      try {
        const n = statuses(client).length;
        let settled = false;
        const r = refresh().finally(() => (settled = true));
        // A node watch restarting meanwhile is held too: wait for the refresh's list itself.
        await until('the node list to be under way', HANG, () => standin.heldLists > 0);
        assert.ok(await withTimeout(client.hover(uri, 4, 18), 'a hover while the cluster is read', HANG), 'the hover has an answer');
        if (fault) {
          assert.equal(settled, false, 'the refresh waits for the node list the stand-in holds');
          standin.release();
        }
        const result = await r;
        assert.match(result.state, state, JSON.stringify(result));
        await until(`a failing status (${name})`, HANG, () => statuses(client).slice(n).find(failing));
        // The same fault again: nothing new to say (the diagnostics of the edit below come after its status).
        standin.setBehavior('/api/v1/nodes', fault ?? { hold: true });
        await refresh();
        const found = await nodesFound();
        assert.match(found, /config-node/, 'the config file\'s facts still apply');
        assert.match(found, /k8s-node-1/, 'the cluster\'s last known facts still apply (marked stale)');
        const after = statuses(client).slice(n);
        assert.ok(after.filter(failing).every((s) => s.cluster?.state), 'every status says the cluster state');
        assert.equal(after.filter((s) => s.warning).length, 1, JSON.stringify(after.map((s) => [s.cluster?.state, s.warning])));
        assertSaidOnce();
        assert.ok(alive(client), client.describeProcess());
      } finally {
        standin.setBehavior('/api/v1/nodes', undefined);
        standin.release();
      }
      const back = await refresh();
      assert.equal(back.state, 'ok', JSON.stringify(back));
    });
  }

  test('a node watch that drops: the watch comes back and a new node is seen', async () => {
    await until('a node watch', HANG, () => standin.openWatches > 0);
    // Drop every open watch connection (as a proxy or load balancer would), then add a node.
    const watchers = (standin as unknown as { watchers: Set<{ res: { destroy(): void } }> }).watchers;
    for (const w of [...watchers]) w.res.destroy();
    standin.putNode({ name: 'k8s-node-2', internal: ['192.168.0.12'] });
    // The watch comes back (from the last resourceVersion, so the ADDED is replayed), the facts reload, and the open
    // document is checked again with them.
    await until('diagnostics naming k8s-node-2', HANG, () => client.published.get(uri)?.diagnostics.some((d) => /k8s-node-2/.test(d.message)));
    assert.match(await nodesFound(), /k8s-node-2/);
    assertSaidOnce();
    assert.ok(alive(client), client.describeProcess());
  });

  test('a kubeconfig edited to nonsense while open: the facts at hand keep serving, said once, and it recovers', async (t) => {
    const n = statuses(client).length;
    for (const nonsense of ['::: this is {{ not a kubeconfig\n\t- [', 'apiVersion: v1\nkind: Config\nclusters: 5\ncontexts: {a: b}\ncurrent-context: [x]\n']) {
      writeFileSync(kubeconfig, nonsense);
      const m = statuses(client).length;
      // The kubeconfig is polled about every second.
      await until('a failing status after the edit', HANG, () => statuses(client).slice(m).find(failing));
      const found = await nodesFound();
      assert.match(found, /config-node/);
    }
    const warnings = statuses(client).slice(n).filter((s) => s.warning);
    t.diagnostic(`warnings: ${JSON.stringify(warnings.map((s) => [s.cluster?.state, s.warning]))}`);
    assert.ok(warnings.length >= 1 && warnings.length <= 2, JSON.stringify(warnings.map((s) => [s.cluster?.state, s.warning])));
    assertSaidOnce();
    writeFileSync(kubeconfig, kubeconfigText);
    const m = statuses(client).length;
    await until('ok again after the kubeconfig is restored', HANG, () => statuses(client).slice(m).find((s) => s.cluster?.state === 'ok'));
    assert.match(await nodesFound(), /k8s-node-1/);
    assert.ok(alive(client), client.describeProcess());
  });
});
