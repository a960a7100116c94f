// Hostile documents and workspaces, through the built server: one bad document never affects another, and strings
// the workspace controls never become markup in hovers or the status tooltip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileUri, LspTestClient } from './lspClient';

const SEED_DIR = resolve('examples/seed-cluster');
const SEED = readFileSync(join(SEED_DIR, 'deployment.yaml'), 'utf8');

test('a document with a file://remotehost/… URI never breaks the analysis of the others', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kig-hostile-'));
  copyFileSync(join(SEED_DIR, '.kube-ip-guard.yaml'), join(dir, '.kube-ip-guard.yaml'));
  const client = await LspTestClient.start({ rootDir: dir, settings: { cluster: { mode: 'off' } } });
  try {
    const remote = 'file://remotehost/share/x.yaml';
    client.open(remote, SEED);
    await client.waitForDiagnostics(remote);
    await client.hover(remote, 28, 6);
    for (const name of ['a.yaml', 'b.yaml']) {
      const uri = fileUri(join(dir, name));
      writeFileSync(join(dir, name), SEED);
      client.open(uri, SEED);
      const diags = await client.waitForDiagnostics(uri, (d) => d.length > 0);
      assert.deepEqual(diags.map((d) => d.code), ['externalip-node'], name);
    }
    client.change(remote, SEED + '\n');
    await client.waitForDiagnostics(remote);
    assert.doesNotMatch(JSON.stringify([...client.published.values()]), /internal-error|could not check/);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('node names and config values from the workspace are escaped in hover markdown and the status tooltip', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kig-hostile-md-'));
  const evil = '![x](https://attacker.example/p.png)<img src=x>*b*`c`';
  writeFileSync(join(dir, 'nodes.yaml'), `apiVersion: v1\nkind: NodeList\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: '${evil}'}\n  status:\n    addresses:\n    - {type: InternalIP, address: 192.168.0.11}\n`);
  writeFileSync(join(dir, '.kube-ip-guard.yaml'), `nodeManifests: [nodes.yaml]\napiServer: ['[y](https://attacker.example/)']\n`);
  const client = await LspTestClient.start({ rootDir: dir, settings: { cluster: { mode: 'off' } } });
  try {
    const uri = fileUri(join(dir, 'deployment.yaml'));
    client.open(uri, SEED);
    const [d] = await client.waitForDiagnostics(uri, (x) => x.some((y) => y.code === 'externalip-node'));
    const hover = await client.hover(uri, d.range.start.line, d.range.start.character + 1);
    const md = (hover?.contents as { value: string }).value;
    const unescaped = (s: string) => [/(?<!\\)!(?<!\\)\[/, /(?<!\\)\]\(/, /(?<!\\)<img/, /(?<!\\):\/\//, /(?<!\\)`c/, /(?<!\\)\*b/].filter((r) => r.test(s));
    assert.match(md, /attacker\\\.example|attacker\.example/);
    assert.deepEqual(unescaped(md.replace(/\[externalip-node\]\([^)]*\)/g, '')), [], md);
    const tooltips = client.notifications.filter((n) => n.method === 'kubeIpGuard/status').map((n) => (n.params as { tooltip: string }).tooltip);
    assert.ok(tooltips.length > 0);
    for (const t of tooltips) assert.deepEqual(unescaped(t), [], t);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
