// LSP 3.17 pull diagnostics: offered to a client that announces `textDocument.diagnostic` and can be asked to pull
// again (`workspace.diagnostics.refreshSupport`: VS Code's vscode-languageclient, coc.nvim), answered from the same
// analysis the push path publishes; every other client gets publishDiagnostics and no refresh request.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ALE, COC, NEOVIM_010, VSCODE, type ClientProfile } from './clients';
import { fileUri, inTempWorkspace, type LspTestClient } from './lspClient';
import { withTimeout } from '../waitFor';

const SEED = readFileSync(resolve('examples/seed-cluster/deployment.yaml'), 'utf8');
const config = (ip: string) => `nodes:\n  - name: k8s-node-1\n    addresses: [${ip}]\nproxyMode: ipvs\n`;
const BROKEN = 'nodes:\n  - name: k8s-node-1\n    addresses: [192.168.0.300]\nproxyMod: ipvs\n';

const session = (profile: ClientProfile, files: Record<string, string>, body: (c: LspTestClient, dir: string) => Promise<void>) => inTempWorkspace('kig-pull-', profile, files, body);

describe('a client that pulls diagnostics and can be asked to pull again', () => {
  for (const profile of [VSCODE, COC]) {
    test(`${profile.name}: offered pull (inter-file, no workspace pull)`, async () => {
      await session(profile, { '.kube-ip-guard.yaml': config('192.168.0.11') }, async (client) => {
        assert.deepEqual(client.initializeResult?.capabilities.diagnosticProvider, { identifier: 'kube-ip-guard', interFileDependencies: true, workspaceDiagnostics: false });
      });
    });
  }

  test('full, then unchanged for the same result id; a config change asks for a refresh and the pull sees it; never pushed', async () => {
    await session(VSCODE, { '.kube-ip-guard.yaml': config('192.168.0.11') }, async (client, dir) => {
      const uri = fileUri(join(dir, 'deployment.yaml'));
      client.open(uri, SEED);
      const first = await client.pullReport(uri);
      assert.equal(first.kind, 'full');
      assert.deepEqual(first.items?.map((d) => [d.code, d.range.start.line]), [['externalip-node', 28]]);
      assert.ok(first.resultId, 'a full report carries a result id');
      assert.match(first.resultId!, /^1\./, 'the result id names the version it was computed for');

      const again = await client.pullReport(uri, first.resultId);
      assert.deepEqual(again, { kind: 'unchanged', resultId: first.resultId });
      // An unknown or missing previous result id gets the full report.
      assert.equal((await client.pullReport(uri, 'not-ours')).kind, 'full');

      // The node moves away in the config file on disk: the open document's diagnostics change with no edit.
      const refreshed = client.nextRefresh();
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), config('192.168.0.12'));
      client.didChangeWatchedFiles([{ uri: fileUri(join(dir, '.kube-ip-guard.yaml')), type: 2 }]);
      await withTimeout(refreshed, 'workspace/diagnostic/refresh after the config change');
      const latest = await client.diagnostics(uri, (d) => d.length === 0);
      assert.deepEqual(latest, []);

      // An edit: the report for the new version, whatever result id the client sends.
      const v = client.change(uri, SEED.replace('192.168.0.11', '192.168.0.12'));
      const edited = await client.pullReport(uri, first.resultId);
      assert.equal(edited.kind, 'full');
      assert.equal(edited.items?.[0]?.code, 'externalip-node');
      assert.match(edited.resultId!, new RegExp(`^${v}\\.`));

      assert.equal(client.published.get(uri), undefined, 'a document the client pulls is never pushed');
    });
  });

  test('a broken config file that is not open is pushed; once opened it is pulled, and its pushed diagnostics are cleared', async () => {
    await session(VSCODE, { '.kube-ip-guard.yaml': BROKEN }, async (client, dir) => {
      const configUri = fileUri(join(dir, '.kube-ip-guard.yaml'));
      const uri = fileUri(join(dir, 'deployment.yaml'));
      client.open(uri, SEED);
      const pushed = await client.waitForDiagnostics(configUri, (d) => d.length === 2);
      assert.ok(pushed.every((d) => d.code === 'config'));
      client.open(configUri, BROKEN);
      await client.waitForDiagnostics(configUri, (d) => d.length === 0);
      const pulled = await client.pull(configUri);
      assert.deepEqual(pulled.map((d) => d.range.start.line).sort(), [2, 3]);
      // Closed again: pushed again (from disk), and the pull of a document that is not open is empty.
      client.close(configUri);
      await client.waitForDiagnostics(configUri, (d) => d.length === 2);
      assert.deepEqual(await client.pull(configUri), []);
    });
  });
});

describe('clients that do not pull, or cannot be asked to pull again: pushed, never refreshed', () => {
  for (const profile of [ALE, NEOVIM_010]) {
    test(`${profile.name}: publishDiagnostics, and no refresh request after a config change`, async () => {
      await session(profile, { '.kube-ip-guard.yaml': config('192.168.0.11') }, async (client, dir) => {
        assert.equal(client.initializeResult?.capabilities.diagnosticProvider, undefined);
        const uri = fileUri(join(dir, 'deployment.yaml'));
        client.open(uri, SEED);
        assert.equal((await client.waitForDiagnostics(uri, (d) => d.length === 1))[0].code, 'externalip-node');
        // Neither client watches files on Linux: the server's own watcher sees the change.
        await client.serverWatcherReady();
        writeFileSync(join(dir, '.kube-ip-guard.yaml'), config('192.168.0.12'));
        await client.waitForDiagnostics(uri, (d) => d.length === 0);
        // A refresh would have been sent right after that analysis: one more round trip has it arrive first.
        await client.hover(uri, 28, 6);
        assert.equal(client.refreshes, 0, 'a push client was sent workspace/diagnostic/refresh');
      });
    });
  }
});
