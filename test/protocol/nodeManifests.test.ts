// A config naming one large node list fifty times (allowed in Restricted Mode): the server reads the file once,
// parses it in a worker, and meanwhile answers other documents; a keystroke in the config reads it no more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileUri, LspTestClient } from './lspClient';
import { waitFor } from '../waitFor';

const svc = (ip: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  externalIPs:\n  - ${ip}\n`;

function nodeList(n: number): string {
  const lines = ['apiVersion: v1', 'kind: NodeList', 'items:'];
  for (let i = 0; i < n; i++) {
    lines.push(`- apiVersion: v1\n  kind: Node\n  metadata: {name: node-${i}, labels: {kubernetes.io/hostname: node-${i}, node.kubernetes.io/instance-type: m5.large}}\n  status:\n    addresses:\n    - {type: InternalIP, address: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}}\n    - {type: Hostname, address: node-${i}}`);
  }
  return lines.join('\n') + '\n';
}

test('nodeManifests: [nodes.yaml × 50] of 30,000 nodes: read once, parsed off the main thread (a hover elsewhere answered meanwhile), not read again on a config keystroke', async () => {
  const root = mkdtempSync(join(tmpdir(), 'kig-nodemanifests-'));
  const a = join(root, 'a');
  const b = join(root, 'b');
  mkdirSync(a);
  mkdirSync(b);
  const config = `nodeManifests: [${Array(50).fill('nodes.yaml').join(', ')}]\n`;
  writeFileSync(join(a, '.kube-ip-guard.yaml'), config);
  writeFileSync(join(a, 'nodes.yaml'), nodeList(30_000));
  // Dated back: a file changed less than 2 s before it is read is read again (racy), whatever its stamp.
  utimesSync(join(a, 'nodes.yaml'), new Date(2020, 0, 1), new Date(2020, 0, 1));
  writeFileSync(join(a, 'svc.yaml'), svc('10.0.1.2'));
  writeFileSync(join(b, '.kube-ip-guard.yaml'), 'nodes:\n- name: b-node\n  addresses: [192.168.7.11]\n');
  writeFileSync(join(b, 'svc.yaml'), svc('192.168.7.11'));
  const client = await LspTestClient.start({ rootDir: a, folders: [a, b], settings: { cluster: { mode: 'off' } } });
  const readsOfNodes = () => client.logs.filter((l) => l.includes(`read node manifest ${join(a, 'nodes.yaml')} `));
  const statusesOfA = () => client.notifications.filter((n) => n.method === 'kubeIpGuard/status' && (n.params as { scope: string | null }).scope === fileUri(a));
  try {
    const bUri = fileUri(join(b, 'svc.yaml'));
    const aUri = fileUri(join(a, 'svc.yaml'));
    client.open(bUri, svc('192.168.7.11'));
    await client.waitForDiagnostics(bUri, (d) => d.length === 1);
    client.open(aUri, svc('10.0.1.2'));
    // The server says it read the file and hands it to the worker; a hover on the other folder's document is
    // answered before this folder's facts are known (its status comes after the parse).
    const line = await waitFor('the node list to be read', () => readsOfNodes()[0], 120_000, () => client.logs.join('\n'));
    assert.match(line, /parsing it in a worker/);
    const hover = await client.hover(bUri, 6, 5);
    assert.match(JSON.stringify(hover), /b-node/);
    assert.deepEqual(statusesOfA(), [], "the hover was answered while folder a's node list was being parsed");

    const diags = await client.waitForDiagnostics(aUri, (d) => d.some((x) => x.code === 'externalip-node'), 120_000);
    assert.match(diags.find((x) => x.code === 'externalip-node')!.message, /node-258/);
    assert.equal((statusesOfA().at(-1)!.params as { nodeCount: number }).nodeCount, 30_000);
    assert.equal(readsOfNodes().length, 1, 'one read for fifty names');

    // Keystrokes in the open config: the facts reload each time, the node list is neither read nor parsed again.
    const configUri = fileUri(join(a, '.kube-ip-guard.yaml'));
    client.open(configUri, config);
    for (let i = 1; i <= 3; i++) {
      const before = statusesOfA().length;
      client.change(configUri, `${config}# edit ${i}\n`);
      await waitFor(`the facts reloaded after edit ${i}`, () => statusesOfA().length > before, 120_000);
    }
    assert.equal((statusesOfA().at(-1)!.params as { nodeCount: number }).nodeCount, 30_000);
    assert.equal(readsOfNodes().length, 1, 'unchanged on disk: not read again');
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
