// The scheduler: one analysis per (document, version) that publishing, hover and code actions all await. Hovering a
// large file again and again must join the analysis in flight, not restart it: its diagnostics arrive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileUri, LspTestClient } from './lspClient';
import { services } from './manyServices';

test('hovers on a 1.35 MB file, each arriving before the previous is answered, never starve its diagnostics', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kig-sched-'));
  cpSync(resolve('examples/seed-cluster/.kube-ip-guard.yaml'), join(dir, '.kube-ip-guard.yaml'));
  const client = await LspTestClient.start({ rootDir: dir, settings: { cluster: { mode: 'off' } } });
  try {
    const uri = fileUri(join(dir, 'big.yaml'));
    const text = services(12_000);
    assert.ok(text.length > 1024 * 1024, 'above the size read in the worker');
    client.open(uri, text);
    const small = fileUri(join(dir, 'small.yaml'));
    client.open(small, 'apiVersion: v1\nkind: Service\nmetadata: {name: small}\nspec:\n  externalIPs: [192.168.0.11]\n');
    await client.waitForDiagnostics(small, () => true);
    let published = false;
    let failed: unknown;
    const diagnostics = client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'externalip-node'), 180_000).then(
      (d) => {
        published = true;
        return d;
      },
      (e) => {
        failed = e;
        return [];
      },
    );
    // Hovers keep arriving while the analysis runs, each before the previous is answered (an editor hovering every
    // second over a file that takes longer): every one must join the one analysis of this version. Before, each
    // started a new read that cancelled the one in flight, and nothing was ever published. The round trip of a hover
    // on a small document says the server has taken the big one's hover in, without reading a clock.
    const hovers: Promise<unknown>[] = [];
    while (!published && !failed) {
      hovers.push(client.hover(uri, 6, 17));
      await client.hover(small, 4, 18);
    }
    assert.equal(failed, undefined, `no diagnostics while hovered (${hovers.length} hovers sent)`);
    await Promise.all(hovers);
    const d = await diagnostics;
    assert.ok(d.some((x) => x.code === 'externalip-node'));
    // And once published, a hover is answered from the same analysis.
    const h = await client.hover(uri, text.split('\n').length - 3, 17);
    assert.ok(h, `a hover on the colliding address answers (after ${hovers.length} hovers during the analysis)`);
    // Counted (kubeIpGuard/analyzerStatus): none of those hovers started an analysis. Version 1 ran once, and once
    // more if the small document's first analysis (a change of other files' Services) came while it ran.
    const [status] = await client.settled([uri]);
    const [v1] = status.versions;
    assert.deepEqual([status.versions.length, v1.version, v1.cancelled, v1.finished, v1.inWorker], [1, 1, 0, v1.started, v1.started], JSON.stringify(status));
    assert.ok(v1.started === 1 + v1.staleReruns && v1.staleReruns <= 1, `${hovers.length} hovers, ${JSON.stringify(v1)}`);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
