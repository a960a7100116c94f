// Point 4 of issue 10 for every way a client names its workspace: the nearest `.kube-ip-guard.yaml` upward from each
// document, never above the document's workspace folder (whether the folder came as workspaceFolders, rootUri or
// rootPath); a client that names no workspace at all gets the search up to the filesystem root (trusted by default
// outside VS Code).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ALE, NEOVIM_07, VIM_LSP, type ClientProfile } from './clients';
import { HELIX } from './otherClients';
import { fileUri, LspTestClient } from './lspClient';

const SEED = readFileSync(resolve('examples/seed-cluster/deployment.yaml'), 'utf8');
const config = (ip: string) => `nodes:\n  - name: k8s-node-1\n    addresses: [${ip}]\n`;
const settings = { cluster: { mode: 'off' } };

describe('config discovery, as each client names its workspace', () => {
  const cases: [string, ClientProfile, ClientProfile['roots']][] = [
    ['Neovim 0.7 (workspaceFolders)', NEOVIM_07, 'workspaceFolders'],
    ['Helix (workspaceFolders)', HELIX, 'workspaceFolders'],
    ['vim-lsp (rootUri)', VIM_LSP, 'rootUri'],
    ['ALE with rootPath only', ALE, 'rootPath'],
  ];
  for (const [name, profile, roots] of cases) {
    test(`${name}: the nearest config upward is used, a config above the folder never`, async () => {
      const top = mkdtempSync(join(tmpdir(), 'kig-discover-'));
      const ws = join(top, 'ws');
      const sub = join(ws, 'examples', 'seed-cluster');
      mkdirSync(sub, { recursive: true });
      // Above the folder: it would make the node 192.168.0.11 known, and must not count.
      writeFileSync(join(top, '.kube-ip-guard.yaml'), config('192.168.0.11'));
      const client = await LspTestClient.start({ rootDir: ws, profile: { ...profile, roots }, settings, initializationOptions: { settings } });
      try {
        const outside = fileUri(join(ws, 'top.yaml'));
        client.open(outside, SEED);
        assert.deepEqual(await client.diagnostics(outside), [], 'the config above the workspace folder is not used');
        writeFileSync(join(sub, '.kube-ip-guard.yaml'), config('192.168.0.11'));
        const below = fileUri(join(sub, 'deployment.yaml'));
        client.open(below, SEED);
        const d = await client.diagnostics(below, (x) => x.length === 1);
        assert.equal(d[0].code, 'externalip-node');
        assert.deepEqual(await client.diagnostics(outside), [], 'a file above the nearer config still has none');
      } finally {
        await client.stop();
        rmSync(top, { recursive: true, force: true });
      }
    });
  }

  test('a client that names no workspace (no folders, no rootUri, no rootPath): upward to the filesystem root', async () => {
    const top = mkdtempSync(join(tmpdir(), 'kig-discover-'));
    const sub = join(top, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(top, '.kube-ip-guard.yaml'), config('192.168.0.11'));
    const client = await LspTestClient.start({ profile: { ...HELIX, roots: 'rootUri' }, settings, initializationOptions: { settings } });
    try {
      const uri = fileUri(join(sub, 'deployment.yaml'));
      client.open(uri, SEED);
      assert.equal((await client.diagnostics(uri, (x) => x.length === 1))[0].code, 'externalip-node');
    } finally {
      await client.stop();
      rmSync(top, { recursive: true, force: true });
    }
  });
});
