// Large LSP messages through the built server: a didOpen of 1 MB or more is parsed in the message decoding worker
// (server/src/lsp/messageDecoder.ts), and the small messages sent right behind it are still handled after it, in the
// order they were sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileUri, LspTestClient } from './lspClient';
import { services } from './manyServices';

test('a 1.35 MB didOpen, then at once an edit and a hover of it: the hover and the diagnostics of the edit are of that document', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kig-large-msg-'));
  cpSync(resolve('examples/seed-cluster/.kube-ip-guard.yaml'), join(dir, '.kube-ip-guard.yaml'));
  const client = await LspTestClient.start({ rootDir: dir, settings: { cluster: { mode: 'off' } } });
  try {
    const uri = fileUri(join(dir, 'big.yaml'));
    const text = services(12_000);
    assert.ok(Buffer.byteLength(text) > 1024 * 1024, 'above the size decoded in the worker');
    const lines = text.split('\n');
    const line = lines.length - 3; // `  externalIPs: [192.168.0.11]` of the last Service, on the seed's node
    assert.match(lines[line], /192\.168\.0\.11/);
    // Written back to back: the edit and the hover are in the pipe while the didOpen is parsed in the worker. (The
    // hover comes after the edit: a hover of version 1 would be answered null once version 2 supersedes it.)
    client.open(uri, text);
    assert.equal(client.append(uri, '# edited after the open\n'), 2);
    const h = await client.hover(uri, line, 17);
    assert.ok(h, 'the hover found the document the didOpen before it opened');
    assert.match(JSON.stringify(h.contents), /k8s-node-1/);
    // Version 2 exists only if the edit came after the didOpen (an edit of a document not yet open is dropped).
    const d = await client.waitForDiagnostics(uri, (x) => x.some((y) => y.code === 'externalip-node'), 180_000);
    assert.equal(d.find((x) => x.code === 'externalip-node')?.range.start.line, line);
    assert.equal(client.published.get(uri)?.version, 2);
    assert.ok(client.logs.some((l) => /LSP messages of 1 MB or more are decoded in a worker thread/.test(l)), `the didOpen went through the worker; logs: ${client.logs.join(' | ')}`);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
