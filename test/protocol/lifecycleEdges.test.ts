// Point 8 of issue 10, the edges the lifecycle tests leave: notifications before `initialize` are dropped (not
// queued, not answered), `exit` before `initialize` ends the process (1: no shutdown), a second `initialize` is an
// InvalidRequest and the session goes on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { fileUri, LspTestClient } from './lspClient';

function exited(proc: ChildProcess, timeoutMs = 60_000): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not exit within ${timeoutMs} ms`)), timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise(code);
    });
  });
}

const SEED = 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  externalIPs: [127.0.0.1]\n';

describe('lifecycle edges', () => {
  test('a didOpen before initialize is dropped: after initialize the document is unknown until opened again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kig-life-'));
    const client = await LspTestClient.start({ skipInitialize: true, settings: { cluster: { mode: 'off' } } });
    try {
      const uri = fileUri(join(dir, 'early.yaml'));
      client.open(uri, SEED);
      await client.conn.sendRequest('initialize', { processId: null, rootUri: fileUri(dir), capabilities: { workspace: { configuration: true } } });
      await client.conn.sendNotification('initialized', {});
      // The hover is answered (the server runs) but knows no such document.
      assert.equal(await client.hover(uri, 4, 17), null);
      client.open(uri, SEED);
      const d = await client.diagnostics(uri, (x) => x.length === 1);
      assert.equal(d[0].code, 'externalip-special');
    } finally {
      await client.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('exit before initialize ends the process with 1', async () => {
    const client = await LspTestClient.start({ skipInitialize: true });
    await client.conn.sendNotification('exit');
    assert.equal(await exited(client.proc), 1);
    client.conn.dispose();
  });

  test('a second initialize is answered InvalidRequest; the session goes on', async () => {
    const client = await LspTestClient.start({ settings: { cluster: { mode: 'off' } } });
    try {
      await assert.rejects(client.conn.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} }), (e: { code?: number }) => e.code === -32600);
      const uri = 'file:///tmp/kig-life-second/a.yaml';
      client.open(uri, SEED);
      assert.equal((await client.diagnostics(uri, (x) => x.length === 1))[0].code, 'externalip-special');
    } finally {
      await client.stop();
    }
  });
});
