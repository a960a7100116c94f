// The built server driven as real editors drive it: each test announces exactly what that client announces
// (test/protocol/clients.ts) and checks what a user of that editor would see.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ALE, NEOVIM_07, VIM_LSP, VSCODE, type ClientProfile } from './clients';
import { fileUri, LspTestClient } from './lspClient';

const SEED_DIR = resolve('examples/seed-cluster');
const SEED = readFileSync(join(SEED_DIR, 'deployment.yaml'), 'utf8');
const svc = (name: string, ip: string, port = 80) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  externalIPs:\n  - ${ip}\n  ports:\n  - port: ${port}\n`;

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kig-clients-'));
  copyFileSync(join(SEED_DIR, '.kube-ip-guard.yaml'), join(dir, '.kube-ip-guard.yaml'));
  writeFileSync(join(dir, 'deployment.yaml'), SEED);
  mkdirSync(join(dir, 'base'));
  writeFileSync(join(dir, 'base', 'a.yaml'), svc('a', '203.0.113.7'));
  return dir;
}

const start = (dir: string, profile: ClientProfile, extra: Partial<ClientProfile> = {}) =>
  LspTestClient.start({ rootDir: dir, profile: { ...profile, ...extra }, initializationOptions: { settings: { cluster: { mode: 'off' } } }, settings: { cluster: { mode: 'off' } } });

describe('clients that announce no workspace folders (ALE, vim-lsp, rootPath only)', () => {
  for (const [profile, roots] of [[ALE, 'rootUri'], [VIM_LSP, 'rootUri'], [ALE, 'rootPath']] as const) {
    test(`${profile.name} with ${roots}: the workspace index starts, so a clash with a closed file is found`, async () => {
      const dir = workspace();
      const client = await start(dir, profile, { roots });
      try {
        const b = fileUri(join(dir, 'b.yaml'));
        client.open(b, svc('b', '203.0.113.7'));
        const diags = await client.diagnostics(b, (d) => d.some((x) => x.code === 'externalip-port-clash'));
        assert.match(diags.find((x) => x.code === 'externalip-port-clash')!.message, /also claimed by Service default\/a/);
        assert.doesNotMatch(client.logs.join('\n'), /workspace folder change events/);
      } finally {
        await client.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('hover.contentFormat', () => {
  let dir: string;
  before(() => {
    dir = workspace();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const hoverWith = async (profile: ClientProfile) => {
    const client = await start(dir, profile);
    try {
      const uri = fileUri(join(dir, 'deployment.yaml'));
      client.open(uri, SEED);
      const [d] = await client.diagnostics(uri, (x) => x.length === 1);
      return await client.hover(uri, d.range.start.line, d.range.start.character + 2);
    } finally {
      await client.stop();
    }
  };

  test('ALE asks for plaintext first: plain text, no markdown markers, links written out', async () => {
    const h = await hoverWith(ALE);
    const contents = h?.contents as { kind: string; value: string };
    assert.equal(contents.kind, 'plaintext');
    assert.match(contents.value, /192\.168\.0\.11 collides with the cluster itself/);
    assert.match(contents.value, /k8s-node-1/);
    assert.doesNotMatch(contents.value, /\*\*|`|\]\(/);
    assert.match(contents.value, /externalip-node \(https:\/\/\S+externalip-node\.md\)/);
  });

  test('vim-lsp asks for markdown first: markdown', async () => {
    const h = await hoverWith(VIM_LSP);
    const contents = h?.contents as { kind: string; value: string };
    assert.equal(contents.kind, 'markdown');
    assert.match(contents.value, /\*\*192\.168\.0\.11\*\*/);
  });

  test('a client that names no format gets plain text', async () => {
    const h = await hoverWith({ ...NEOVIM_07, capabilities: { ...NEOVIM_07.capabilities, textDocument: { ...NEOVIM_07.capabilities.textDocument, hover: {} } } });
    assert.equal((h?.contents as { kind: string }).kind, 'plaintext');
  });
  test('VS Code shows the diagnostic above the hover (the extension says so): the hover does not repeat it; others get why too', async () => {
    const uri = fileUri(join(dir, 'deployment.yaml'));
    // A document over 1 MB is analyzed, and its hovers answered, in the read worker: the same hover there.
    const large = SEED + '\n# ' + 'x'.repeat(1024 * 1024) + '\n';
    const hoverOf = async (initializationOptions: Record<string, unknown>, text = SEED) => {
      const client = await LspTestClient.start({ rootDir: dir, profile: VSCODE, initializationOptions: { ...initializationOptions, settings: { cluster: { mode: 'off' } } }, settings: { cluster: { mode: 'off' } } });
      try {
        client.open(uri, text);
        const [d] = await client.diagnostics(uri, (x) => x.length === 1);
        const h = await client.hover(uri, d.range.start.line, d.range.start.character + 2);
        return { message: d.message, value: (h?.contents as { value: string }).value };
      } finally {
        await client.stop();
      }
    };
    const vscode = await hoverOf({ diagnosticsAboveHover: true });
    assert.match(vscode.value, /collides with the cluster itself: node k8s-node-1/);
    assert.ok(!vscode.value.includes('kube-ipvs0'), vscode.value);
    assert.match(vscode.value, /\*\*Fix:\*\* remove it, or use 192\.168\.0\.15/);
    const other = await hoverOf({});
    assert.match(other.value, /kube-ipvs0/);
    for (const h of [vscode, other]) assert.ok(!h.value.includes(h.message), h.value);
    assert.equal((await hoverOf({ diagnosticsAboveHover: true }, large)).value, vscode.value);
    assert.equal((await hoverOf({}, large)).value, other.value);
  });
});
