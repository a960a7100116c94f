// Cross-file findings stay current: a document's first analysis re-checks the others, and a change to anything the
// cross-file rules read of a Service (here its type) re-checks them too, so a clash never outlives its cause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileUri, LspTestClient } from './lspClient';

const svc = (name: string, extra = '') =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n${extra}  externalIPs:\n  - 203.0.113.7\n  ports:\n  - port: 80\n`;
const clashes = (d: { code?: unknown }[]) => d.filter((x) => x.code === 'externalip-port-clash').length;

test('two open files clash; the second one\'s first analysis tells the first; type: ExternalName in one clears both', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kig-cross-'));
  cpSync(resolve('examples/seed-cluster/.kube-ip-guard.yaml'), join(dir, '.kube-ip-guard.yaml'));
  const client = await LspTestClient.start({ rootDir: dir, settings: { cluster: { mode: 'off' } } });
  try {
    const a = fileUri(join(dir, 'a.yaml'));
    const b = fileUri(join(dir, 'b.yaml'));
    client.open(a, svc('a'));
    assert.equal(clashes(await client.waitForDiagnostics(a, () => true)), 0);
    client.open(b, svc('b'));
    // b sees a at once; a learns of b only because b's first analysis re-checks the other open documents.
    assert.equal(clashes(await client.waitForDiagnostics(b, (d) => clashes(d) === 1)), 1);
    assert.equal(clashes(await client.waitForDiagnostics(a, (d) => clashes(d) === 1)), 1);

    // kube-proxy programs nothing for an ExternalName Service: the clash is gone from both files.
    client.change(a, svc('a', '  type: ExternalName\n  externalName: example.com\n'));
    await client.waitForDiagnostics(a, (d) => clashes(d) === 0);
    await client.waitForDiagnostics(b, (d) => clashes(d) === 0);

    // And back.
    client.change(a, svc('a'));
    await client.waitForDiagnostics(a, (d) => clashes(d) === 1);
    await client.waitForDiagnostics(b, (d) => clashes(d) === 1);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
