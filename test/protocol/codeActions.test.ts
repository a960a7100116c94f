// Code actions come from the server's own analysis of the document at the requested range, whatever the client
// sends back in context.diagnostics (ALE: nothing of ours; Neovim 0.7: byte columns; a hostile client: forged data);
// and the small things each editor shows: quoted ranges, trailing comments, one "Disable" per line, the edit shape.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import { ALE, EGLOT, NEOVIM_07, VIM_LSP, type ClientProfile } from './clients';
import { fileUri, LspTestClient } from './lspClient';

const head = 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n';
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));

describe('code actions', () => {
  let dir: string;
  const clients = new Map<string, LspTestClient>();
  let n = 0;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kig-actions-'));
    copyFileSync(resolve('examples/seed-cluster/.kube-ip-guard.yaml'), join(dir, '.kube-ip-guard.yaml'));
  });
  after(async () => {
    for (const c of clients.values()) await c.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const client = async (profile: ClientProfile) => {
    let c = clients.get(profile.name);
    if (!c) clients.set(profile.name, (c = await LspTestClient.start({ rootDir: dir, profile, settings: { cluster: { mode: 'off' } }, initializationOptions: { settings: { cluster: { mode: 'off' } } } })));
    return c;
  };
  const open = async (c: LspTestClient, text: string, pred: (d: Diagnostic[]) => boolean = (d) => d.length > 0) => {
    const uri = fileUri(join(dir, `doc-${++n}.yaml`));
    c.open(uri, text);
    return { uri, diags: await c.diagnostics(uri, pred) };
  };
  const actionsAt = (c: LspTestClient, uri: string, range: Diagnostic['range'], diagnostics: unknown[] = []) =>
    c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics } }) as Promise<CodeAction[]>;

  test('ALE sends none of our diagnostics back: the fixes are still offered, and applying one clears the finding', async () => {
    const c = await client(ALE);
    const text = `${head}  externalIPs:\n  - 192.168.0.11\n`;
    const { uri, diags } = await open(c, text);
    const line = lineOf(text, '192.168.0.11');
    // ALE's range: the cursor's position, and context.diagnostics with ALE's own fields only.
    const actions = await actionsAt(c, uri, { start: { line, character: 5 }, end: { line, character: 5 } }, [{ range: diags[0].range, message: diags[0].message, severity: 1 }]);
    assert.deepEqual(actions.map((a) => a.title), ['Remove this address (192.168.0.11)', 'Use a free address from the pool: 192.168.0.15', 'Disable externalip-node for this line']);
    const fixed = c.applyAction(uri, actions[0]);
    for (const d of parseAllDocuments(fixed)) assert.deepEqual(d.errors, []);
    assert.deepEqual(await c.diagnostics(uri, (d) => d.length === 0), []);
  });

  test('Neovim 0.7 echoes byte columns: the actions follow the requested range, not the echoed diagnostic', async () => {
    const c = await client(NEOVIM_07);
    const text = `${head}  selector: {app: "日本語"}\n  externalIPs: ["日本", 192.168.0.11]\n`;
    const { uri, diags } = await open(c, text, (d) => d.some((x) => x.code === 'externalip-node'));
    const d = diags.find((x) => x.code === 'externalip-node')!;
    const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
    const lineText = text.split('\n')[d.range.start.line];
    const echoed = { ...d, range: { start: { line: d.range.start.line, character: bytes(lineText.slice(0, d.range.start.character)) }, end: { line: d.range.end.line, character: bytes(lineText.slice(0, d.range.end.character)) } } };
    const actions = await actionsAt(c, uri, d.range, [echoed]);
    const remove = actions.find((a) => a.title === 'Remove this address (192.168.0.11)');
    assert.ok(remove, JSON.stringify(actions.map((a) => a.title)));
    const fixed = c.applyAction(uri, remove);
    assert.match(fixed, /externalIPs: \["日本"\]/);
  });

  test('forged data.fixes and a diagnostic on a clean line offer nothing; an empty range on the address offers its fixes', async () => {
    const c = await client(VIM_LSP);
    const text = `${head}  externalIPs:\n  - 192.168.0.15\n  - 192.168.0.11\n`;
    const { uri } = await open(c, text);
    const clean = lineOf(text, '192.168.0.15');
    const forged = { range: { start: { line: clean, character: 4 }, end: { line: clean, character: 16 } }, source: 'kube-ip-guard', message: 'x', data: { rule: 'externalip-node', address: '192.168.0.15', fixes: ['remove-address', 'use-pool-address', 'disable-line'] } };
    assert.deepEqual(await actionsAt(c, uri, forged.range, [forged]), []);
    const bad = lineOf(text, '192.168.0.11');
    const actions = await actionsAt(c, uri, { start: { line: bad, character: 8 }, end: { line: bad, character: 8 } });
    assert.equal(actions[0].title, 'Remove this address (192.168.0.11)');
  });

  test('the range of a quoted address covers the address, not its quotes (diagnostic and hover)', async () => {
    const c = await client(VIM_LSP);
    const text = `${head}  externalIPs:\n  - "192.168.0.11"\n  - '192.168.0.10'\n`;
    const { uri, diags } = await open(c, text, (d) => d.length >= 2);
    const lines = text.split('\n');
    for (const d of diags.filter((x) => x.code === 'externalip-node' || x.code === 'externalip-apiserver')) {
      assert.match(lines[d.range.start.line].slice(d.range.start.character, d.range.end.character), /^192\.168\.0\.1[01]$/);
      const h = await c.hover(uri, d.range.start.line, d.range.start.character + 1);
      assert.deepEqual(h?.range, d.range);
    }
  });

  test('"Remove this address" on a flow-style line keeps its trailing comment', async () => {
    const c = await client(VIM_LSP);
    for (const [before, after] of [
      ['  externalIPs: [192.168.0.11, 192.168.0.15] # reserved for the ingress\n', /externalIPs: \[192\.168\.0\.15\] # reserved for the ingress/],
      ['  externalIPs: [192.168.0.11] # reserved for the ingress\n  type: ClusterIP\n', /^spec:\n {2}# reserved for the ingress\n {2}type: ClusterIP\n$/m],
    ] as const) {
      const text = head + before;
      const { uri, diags } = await open(c, text);
      const actions = await actionsAt(c, uri, diags[0].range);
      const fixed = c.applyAction(uri, actions.find((a) => a.title.startsWith('Remove this address'))!);
      assert.match(fixed, after);
      for (const d of parseAllDocuments(fixed)) assert.deepEqual(d.errors, []);
    }
  });

  test('one "Disable … for this line" per line, whatever the number of findings on it', async () => {
    const c = await client(VIM_LSP);
    const text = `${head}  externalIPs: [192.168.0.11, 192.168.0.11, 192.168.0.10]\n`;
    const { uri, diags } = await open(c, text, (d) => d.length >= 3);
    const rules = new Set(diags.map((d) => d.code));
    assert.ok(rules.size >= 2, `several rules on the line: ${[...rules]}`);
    const line = diags[0].range.start.line;
    const actions = await actionsAt(c, uri, { start: { line, character: 0 }, end: { line, character: text.split('\n')[line].length } });
    const disables = actions.filter((a) => a.title.startsWith('Disable'));
    assert.equal(disables.length, 1, JSON.stringify(actions.map((a) => a.title)));
    assert.equal(disables[0].diagnostics?.length, diags.length);
    c.applyAction(uri, disables[0]);
    assert.deepEqual(await c.diagnostics(uri, (d) => d.length === 0), []);
  });

  test('documentChanges only for a client that announced them; `changes` for the others', async () => {
    for (const [profile, versioned] of [[VIM_LSP, false], [ALE, false], [NEOVIM_07, false], [EGLOT, true]] as const) {
      const c = await client(profile);
      const { uri, diags } = await open(c, `${head}  externalIPs:\n  - 192.168.0.11\n`);
      const [first] = await actionsAt(c, uri, diags[0].range);
      assert.equal(!!first.edit?.documentChanges, versioned, profile.name);
      assert.equal(!!first.edit?.changes, !versioned, profile.name);
    }
  });
});

describe('forged or missing parameters are answered InvalidParams, never a JavaScript error text', () => {
  let client: LspTestClient;
  const uri = 'file:///tmp/kig-params/a.yaml';
  before(async () => {
    client = await LspTestClient.start({ settings: { cluster: { mode: 'off' } } });
    client.open(uri, `${head}  externalIPs: [192.168.0.11]\n`);
  });
  after(() => client.stop());

  const cases: [string, string, unknown][] = [
    ['hover with position null', 'textDocument/hover', { textDocument: { uri }, position: null }],
    ['hover with a negative line', 'textDocument/hover', { textDocument: { uri }, position: { line: -1, character: 0 } }],
    ['hover without textDocument', 'textDocument/hover', { position: { line: 0, character: 0 } }],
    ['a code action without context', 'textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }],
    ['a code action with a string range', 'textDocument/codeAction', { textDocument: { uri }, range: 'all', context: { diagnostics: [] } }],
    ['kubeIpGuard/facts with a number for uri', 'kubeIpGuard/facts', { uri: 42 }],
  ];
  for (const [name, method, params] of cases) {
    test(name, async () => {
      await assert.rejects(client.conn.sendRequest(method, params), (e: { code?: number; message?: string }) => {
        assert.equal(e.code, -32602, e.message);
        assert.doesNotMatch(e.message ?? '', /TypeError|Cannot read|undefined|null \(reading/);
        return true;
      });
    });
  }

  test('the server still answers afterwards', async () => {
    const h = await client.hover(uri, 4, 17);
    assert.match(JSON.stringify(h?.contents ?? ''), /192\.168\.0\.11/);
  });
});
