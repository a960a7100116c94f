// Code actions on a line with many findings: VS Code asks whenever the cursor lands on the line, sending back every
// diagnostic of it. Only the findings under the cursor matter, and a request answers a bounded number of fixes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileUri, LspTestClient } from './lspClient';

test('a line of 1,000 colliding entries: the fixes of the entry under the cursor only, one disable action, few in all', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kig-actions-'));
  cpSync(resolve('examples/seed-cluster/.kube-ip-guard.yaml'), join(dir, '.kube-ip-guard.yaml'));
  const client = await LspTestClient.start({ rootDir: dir, settings: { cluster: { mode: 'off' } } });
  try {
    const uri = fileUri(join(dir, 'many.yaml'));
    const entries = Array.from({ length: 1000 }, () => '192.168.0.11');
    const line = `  externalIPs: [${entries.join(', ')}]`;
    const text = `apiVersion: v1\nkind: Service\nmetadata: {name: many}\nspec:\n${line}\n`;
    client.open(uri, text);
    const diagnostics = await client.waitForDiagnostics(uri, (d) => d.filter((x) => x.code === 'externalip-node').length >= 900, 120_000);
    const onLine = diagnostics.filter((d) => d.range.start.line === 4);
    // The cursor on the 501st entry; the client sends back every diagnostic of the line, as VS Code does.
    const at = line.indexOf('192.168.0.11', 15 + 500 * 14) + 3;
    const actions = await client.codeActions(uri, { start: { line: 4, character: at }, end: { line: 4, character: at } }, onLine);
    const starts = new Set(actions.flatMap((a) => a.diagnostics ?? []).map((d) => d.range.start.character));
    assert.deepEqual([...starts], [at - 3], `actions for the entry under the cursor only: ${[...starts].slice(0, 5).join(', ')}`);
    assert.equal(actions.filter((a) => /^Disable /.test(a.title)).length, 1, actions.map((a) => a.title).join('; '));
    assert.ok(actions.some((a) => a.isPreferred && /^Remove this address/.test(a.title)), actions.map((a) => a.title).join('; '));
    // A selection over the whole line: still a bounded answer.
    const all = await client.codeActions(uri, { start: { line: 4, character: 0 }, end: { line: 4, character: line.length } }, onLine);
    assert.ok(all.length > 0 && all.length <= 100, `${all.length} actions`);
    // A client that sends no diagnostics back (ALE) gets the same fixes.
    const none = await client.codeActions(uri, { start: { line: 4, character: at }, end: { line: 4, character: at } }, []);
    assert.deepEqual(none.map((a) => a.title), actions.map((a) => a.title));
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
