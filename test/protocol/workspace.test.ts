// The workspace index: cross-file rules see files that are not open, follow them on disk, and "Check workspace"
// reports every manifest of the folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileUri, LspTestClient } from './lspClient';

const svc = (name: string, ip: string, port = 80) =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  externalIPs:\n  - ${ip}\n  ports:\n  - port: ${port}\n`;

test('a port clash with a file that is not open, followed through disk changes; Check workspace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kig-ws-'));
  cpSync(resolve('examples/seed-cluster/.kube-ip-guard.yaml'), join(dir, '.kube-ip-guard.yaml'));
  mkdirSync(join(dir, 'base'));
  mkdirSync(join(dir, 'node_modules', 'pkg'), { recursive: true });
  writeFileSync(join(dir, 'base', 'a.yaml'), svc('a', '203.0.113.7'));
  writeFileSync(join(dir, 'node_modules', 'pkg', 'c.yaml'), svc('c', '203.0.113.7'));
  writeFileSync(join(dir, 'broken-node.yaml'), svc('d', '192.168.0.11', 22));
  const client = await LspTestClient.start({ rootDir: dir });
  try {
    const b = fileUri(join(dir, 'b.yaml'));
    writeFileSync(join(dir, 'b.yaml'), svc('b', '203.0.113.7'));
    // The index is built in the background: wait until the clash with base/a.yaml shows.
    client.open(b, svc('b', '203.0.113.7'));
    let diags = await client.waitForDiagnostics(b, (d) => d.length === 1, 60_000).catch(async () => {
      client.change(b, svc('b', '203.0.113.7') + '\n');
      return client.waitForDiagnostics(b, (d) => d.length === 1);
    });
    assert.equal(diags[0].code, 'externalip-port-clash');
    assert.match(diags[0].message, /203\.0\.113\.7:80\/TCP is also claimed by Service default\/a/);
    assert.doesNotMatch(diags[0].message, /default\/c/, 'node_modules is not indexed');
    const rel = diags[0].relatedInformation?.[0];
    assert.equal(rel?.location.uri, fileUri(join(dir, 'base', 'a.yaml')));
    assert.equal(rel?.location.range.start.line, 6);

    // a.yaml moves to another address on disk: the watcher event clears the clash in the open b.yaml.
    writeFileSync(join(dir, 'base', 'a.yaml'), svc('a', '203.0.113.8'));
    client.didChangeWatchedFiles([{ uri: fileUri(join(dir, 'base', 'a.yaml')), type: 2 }]);
    diags = await client.waitForDiagnostics(b, (d) => d.length === 0 && client.published.get(b) !== undefined);
    assert.deepEqual(diags, []);

    // Check workspace: every manifest of the folder is reported, open or not, node_modules skipped.
    const result = (await client.conn.sendRequest('kubeIpGuard/checkWorkspace', {})) as { files: number; errors: number; warnings: number };
    assert.equal(result.files, 3, 'base/a.yaml, b.yaml, broken-node.yaml');
    assert.equal(result.errors, 1);
    const closed = client.published.get(fileUri(join(dir, 'broken-node.yaml')));
    assert.deepEqual(closed?.diagnostics.map((d) => d.code), ['externalip-node']);
    assert.equal(client.published.get(fileUri(join(dir, 'node_modules', 'pkg', 'c.yaml'))), undefined);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
