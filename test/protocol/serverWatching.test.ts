// Point 6 of issue 10 for every client that cannot watch files, as each announces it (no didChangeWatchedFiles at
// all: ALE, vim-lsp, Kate, Sublime LSP without its watcher package; dynamicRegistration false: Neovim 0.10+ on
// Linux), for a client whose registration of the watchers fails, and for a config file that appears later nearer to
// the manifest than the one in use (a `git pull` that adds examples/seed-cluster/.kube-ip-guard.yaml).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ResponseError } from 'vscode-languageserver-protocol';
import { ALE, NEOVIM_010, VIM_LSP, type ClientProfile } from './clients';
import { KATE, SUBLIME } from './otherClients';
import { fileUri, LspTestClient } from './lspClient';

const SEED = readFileSync(resolve('examples/seed-cluster/deployment.yaml'), 'utf8');
const config = (ip: string) => `nodes:\n  - name: k8s-node-1\n    addresses: [${ip}]\n`;
const settings = { cluster: { mode: 'off' } };

async function inWorkspace(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kig-srvwatch-'));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the server watches the files it reads for a client that cannot', () => {
  for (const profile of [ALE, VIM_LSP, KATE, SUBLIME, NEOVIM_010]) {
    test(`${profile.name}: the config below the root, changed on disk, re-checks the open manifest`, async () => {
      await inWorkspace(async (dir) => {
        const sub = join(dir, 'examples', 'seed-cluster');
        mkdirSync(sub, { recursive: true });
        writeFileSync(join(sub, '.kube-ip-guard.yaml'), config('192.168.0.11'));
        const client = await LspTestClient.start({ rootDir: dir, profile, settings, initializationOptions: { settings } });
        try {
          const uri = fileUri(join(sub, 'deployment.yaml'));
          client.open(uri, SEED);
          await client.diagnostics(uri, (d) => d.length === 1);
          writeFileSync(join(sub, '.kube-ip-guard.yaml'), config('192.168.0.12'));
          await client.diagnostics(uri, (d) => d.length === 0);
        } finally {
          await client.stop();
        }
      });
    });
  }

  test('a nearer config file that appears later (git pull) is used', async () => {
    await inWorkspace(async (dir) => {
      const sub = join(dir, 'examples', 'seed-cluster');
      mkdirSync(sub, { recursive: true });
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), config('192.168.0.99'));
      const client = await LspTestClient.start({ rootDir: dir, profile: ALE, settings, initializationOptions: { settings } });
      try {
        const uri = fileUri(join(sub, 'deployment.yaml'));
        client.open(uri, SEED);
        assert.deepEqual(await client.diagnostics(uri), []);
        writeFileSync(join(sub, '.kube-ip-guard.yaml'), config('192.168.0.11'));
        await client.diagnostics(uri, (d) => d.length === 1);
      } finally {
        await client.stop();
      }
    });
  });
});

test('a client that announces dynamic registration but refuses the watchers: the server watches itself', async () => {
  await inWorkspace(async (dir) => {
    writeFileSync(join(dir, '.kube-ip-guard.yaml'), config('192.168.0.11'));
    const profile: ClientProfile = { ...NEOVIM_010, capabilities: { ...NEOVIM_010.capabilities, workspace: { ...NEOVIM_010.capabilities.workspace, didChangeWatchedFiles: { dynamicRegistration: true } } } };
    const client = await LspTestClient.start({ skipInitialize: true, settings });
    try {
      let refused = 0;
      client.conn.onRequest('client/registerCapability', () => {
        refused++;
        return new ResponseError(-32601, 'no file watcher here');
      });
      client.conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => settings));
      await client.conn.sendRequest('initialize', { processId: process.pid, rootUri: fileUri(dir), workspaceFolders: [{ uri: fileUri(dir), name: 'w' }], capabilities: profile.capabilities });
      await client.conn.sendNotification('initialized', {});
      const uri = fileUri(join(dir, 'deployment.yaml'));
      client.open(uri, SEED);
      await client.diagnostics(uri, (d) => d.length === 1);
      assert.ok(refused >= 1, 'the server asked to register its watchers');
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), config('192.168.0.12'));
      await client.diagnostics(uri, (d) => d.length === 0);
    } finally {
      await client.stop();
    }
  });
});
