// Files the server reads, changed on disk behind the editor's back (a `git pull`): a client that cannot watch files
// (Neovim on Linux, ALE) sends no didChangeWatchedFiles, so the server watches them itself; and a broken config file
// that is not open is shown in every editor, as that file's diagnostics and one warning per new problem.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, unlinkSync, writeFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NEOVIM_07, NEOVIM_010 } from './clients';
import { fileUri, inTempWorkspace, type LspTestClient } from './lspClient';
import { waitFor } from '../waitFor';

const SEED = readFileSync(resolve('examples/seed-cluster/deployment.yaml'), 'utf8');
const config = (ip: string) => `nodes:\n  - name: k8s-node-1\n    addresses: [${ip}]\n`;
const nodeList = (ip: string) => `apiVersion: v1\nkind: NodeList\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: worker-7}\n  status:\n    addresses:\n    - {type: InternalIP, address: ${ip}}\n`;

const session = (profile: typeof NEOVIM_07, files: Record<string, string>, body: (c: LspTestClient, dir: string) => Promise<void>) => inTempWorkspace('kig-watch-', profile, files, body);

describe('a client that cannot watch files (Neovim 0.7)', () => {
  test('the config file edited, replaced, deleted and created on disk re-checks the open manifest', async () => {
    await session(NEOVIM_07, { '.kube-ip-guard.yaml': config('192.168.0.11'), 'deployment.yaml': SEED }, async (client, dir) => {
      const uri = fileUri(join(dir, 'deployment.yaml'));
      client.open(uri, SEED);
      assert.equal((await client.diagnostics(uri, (d) => d.length === 1))[0].code, 'externalip-node');
      await client.serverWatcherReady();
      const path = join(dir, '.kube-ip-guard.yaml');
      writeFileSync(path, config('192.168.0.12'));
      await client.diagnostics(uri, (d) => d.length === 0);
      // Replaced by a rename, as git and many editors write files.
      writeFileSync(path + '.tmp', config('192.168.0.11'));
      renameSync(path + '.tmp', path);
      await client.diagnostics(uri, (d) => d.length === 1);
      unlinkSync(path);
      await client.diagnostics(uri, (d) => d.length === 0);
      writeFileSync(path, config('192.168.0.11'));
      await client.diagnostics(uri, (d) => d.length === 1);
      assert.ok(client.logs.some((l) => /watching \d+ file\(s\) itself/.test(l)));
    });
  });

  test('a node manifest named by the config, changed on disk', async () => {
    await session(NEOVIM_07, { '.kube-ip-guard.yaml': 'nodeManifests: [nodes.yaml]\n', 'nodes.yaml': nodeList('192.168.0.11') }, async (client, dir) => {
      const uri = fileUri(join(dir, 'deployment.yaml'));
      client.open(uri, SEED);
      assert.match((await client.diagnostics(uri, (d) => d.length === 1))[0].message, /worker-7/);
      await client.serverWatcherReady();
      writeFileSync(join(dir, 'nodes.yaml'), nodeList('192.168.0.99'));
      await client.diagnostics(uri, (d) => d.length === 0);
    });
  });
});

test('a client that watches files itself: the server does not', async () => {
  await session({ ...NEOVIM_010, capabilities: { ...NEOVIM_010.capabilities, workspace: { ...NEOVIM_010.capabilities.workspace, didChangeWatchedFiles: { dynamicRegistration: true } } } }, { '.kube-ip-guard.yaml': config('192.168.0.11') }, async (client, dir) => {
    const uri = fileUri(join(dir, 'deployment.yaml'));
    client.open(uri, SEED);
    await client.diagnostics(uri, (d) => d.length === 1);
    assert.ok(!client.logs.some((l) => /itself/.test(l)), client.logs.join('\n'));
  });
});

describe('a broken config file that is not open', () => {
  test('its problems are its own diagnostics, with one window/showMessage warning per new problem; fixed, both go', async () => {
    await session(NEOVIM_07, { '.kube-ip-guard.yaml': 'nodes:\n  - name: k8s-node-1\n    addresses: [192.168.0.300]\nproxyMod: ipvs\n' }, async (client, dir) => {
      const configUri = fileUri(join(dir, '.kube-ip-guard.yaml'));
      const uri = fileUri(join(dir, 'deployment.yaml'));
      client.open(uri, SEED);
      const problems = await client.waitForDiagnostics(configUri, (d) => d.length === 2);
      assert.deepEqual(problems.map((d) => d.range.start.line).sort(), [2, 3]);
      const warnings = () => client.notifications.filter((n) => n.method === 'window/showMessage').map((n) => n.params as { type: number; message: string });
      await waitFor('two warnings', () => warnings().length >= 2, 60_000, () => JSON.stringify(warnings()));
      assert.equal(warnings().length, 2, JSON.stringify(warnings()));
      assert.ok(warnings().every((w) => w.type === 2 && /^Kube IP Guard: \.kube-ip-guard\.yaml:\d+: /.test(w.message)));
      // Checked again (an edit of the manifest reloads nothing new): no second warning for the same problems.
      client.change(uri, SEED + '\n');
      await client.waitForDiagnostics(uri);
      await client.serverWatcherReady();
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), 'nodes:\n  - name: k8s-node-1\n    addresses: [192.168.0.300]\nproxyMode: ipvs\n');
      await client.waitForDiagnostics(configUri, (d) => d.length === 1);
      assert.equal(warnings().length, 2);
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), config('192.168.0.11'));
      await client.waitForDiagnostics(configUri, (d) => d.length === 0);
      await client.waitForDiagnostics(uri, (d) => d.length === 1);
    });
  });
});
