// Point 11 of issue 10 as two kinds of client see it: a push client that asks for plain-text hovers and echoes no
// diagnostics (ALE) and a pull client (coc.nvim, which pulls again at each refresh). Hovers and code actions keep
// arriving on a 1.35 MB file, each before the previous is answered; they all join the one analysis of its version, so
// its diagnostics arrive (pushed, or answered to the pull), and a version typed meanwhile is the one reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { ALE, COC } from './clients';
import { fileUri, LspTestClient } from './lspClient';
import { services } from './manyServices';

for (const profile of [ALE, COC]) {
  test(`${profile.name}: a storm of hovers and code actions on a 1.35 MB file never starves its diagnostics`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kig-sched-clients-'));
    cpSync(resolve('examples/seed-cluster/.kube-ip-guard.yaml'), join(dir, '.kube-ip-guard.yaml'));
    const settings = { cluster: { mode: 'off' } };
    const client = await LspTestClient.start({ rootDir: dir, profile, settings, initializationOptions: { settings } });
    try {
      const small = fileUri(join(dir, 'small.yaml'));
      client.open(small, 'apiVersion: v1\nkind: Service\nmetadata: {name: small}\nspec:\n  externalIPs: [192.168.0.11]\n');
      await client.diagnostics(small, (d) => d.length === 1);
      const uri = fileUri(join(dir, 'big.yaml'));
      const text = services(12_000);
      assert.ok(text.length > 1024 * 1024, 'above the size read in the worker');
      client.open(uri, text);
      // A second version while the first is being analysed: only it may be reported.
      const edited = text.replace('name: svc-0\n', 'name: svc-zero\n');
      client.change(uri, edited);
      let done = false;
      let failed: unknown;
      const found = client.diagnostics(uri, (d) => d.some((x) => x.code === 'externalip-node'), 180_000).then(
        (d: Diagnostic[]) => {
          done = true;
          return d;
        },
        (e: unknown) => {
          failed = e;
          done = true;
          return [] as Diagnostic[];
        },
      );
      const lastLine = edited.split('\n').length - 3;
      const range = { start: { line: lastLine, character: 17 }, end: { line: lastLine, character: 17 } };
      const storm: Promise<unknown>[] = [];
      while (!done) {
        storm.push(client.hover(uri, 6, 17));
        storm.push(client.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics: [] } }));
        // The round trip of a hover on the small document says the server has read the big one's requests.
        await client.hover(small, 4, 18);
      }
      assert.equal(failed, undefined, `no diagnostics while ${storm.length} requests arrived`);
      await Promise.all(storm);
      const d = await found;
      assert.equal(d.filter((x) => x.code === 'externalip-node').length, 1);
      // Once reported, the fix at the address comes from the same analysis.
      const actions = (await client.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics: [] } })) as { title: string }[];
      assert.ok(actions.some((a) => a.title.startsWith('Remove this address')), JSON.stringify(actions.map((a) => a.title)));
      // Counted: version 2 ran once (none of the storm's requests started one); version 1, if it started before
      // version 2 arrived, was cancelled.
      const [status] = await client.settled([uri]);
      const v2 = status.versions.find((v) => v.version === 2);
      assert.deepEqual(v2 && [v2.started, v2.finished, v2.cancelled, v2.staleReruns, v2.inWorker], [1, 1, 0, 0, 1], JSON.stringify(status));
      const v1 = status.versions.find((v) => v.version === 1);
      if (v1) assert.deepEqual([v1.started, v1.finished, v1.cancelled], [1, 0, 1], JSON.stringify(status));
    } finally {
      await client.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
