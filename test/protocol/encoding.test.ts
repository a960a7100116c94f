// Position encodings: the server takes the first of the client's `general.positionEncodings` it supports and counts
// every position in it, both ways (diagnostics, related locations, hovers, code-action edits, incremental changes),
// on lines with CJK text, emoji (surrogate pairs) and combining marks before the address, in block and flow style;
// in a small document and in one over 1 MB (kept in chunks by the server, analyzed in its worker).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { COC, EGLOT, LSP_MODE, NEOVIM_010, VIM_LSP, type ClientProfile } from './clients';
import { fileUri, LspTestClient, sliceIn, unitsIn, type Encoding } from './lspClient';

const E_ACUTE = 'e\u0301'; // e + COMBINING ACUTE ACCENT
const SMALL = [
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: block',
  `  annotations: {owner: "日本語チーム 🚀 ${E_ACUTE}"}`,
  'spec:',
  '  externalIPs:',
  `  - &名前😀${E_ACUTE} 192.168.0.11 # 😀 コメント`,
  '---',
  'apiVersion: v1',
  'kind: Service',
  'metadata: {name: flow}',
  `spec: {selector: {app: "日本😀${E_ACUTE}"}, externalIPs: [192.168.0.11]}`,
  '',
].join('\n');
const BLOCK_LINE = 7;
const FLOW_LINE = 12;

const cases: [ClientProfile, Encoding][] = [
  [NEOVIM_010, 'utf-8'],
  [EGLOT, 'utf-32'],
  [LSP_MODE, 'utf-32'],
  [COC, 'utf-16'],
  [VIM_LSP, 'utf-16'], // announces no encodings: UTF-16, LSP's default
];

/**
 * Clean Services after it, to over 1 MB: the server keeps the document in chunks (LargeTextDocument) and analyzes it
 * in the worker, and the same positions, hovers, fixes and incremental changes hold.
 */
const PADDING = Array.from({ length: 14_000 }, (_, k) => `---\napiVersion: v1\nkind: Service\nmetadata: {name: pad-${k}}\nspec: {ports: [{port: 80}]}\n`).join('');

describe('position encodings', () => {
  for (const [size, TEXT] of [['', SMALL], [', a document over 1 MB', SMALL + PADDING]] as const) for (const [profile, encoding] of cases) {
    test(`${profile.name}: ${encoding}${size}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kig-enc-'));
      copyFileSync(resolve('examples/seed-cluster/.kube-ip-guard.yaml'), join(dir, '.kube-ip-guard.yaml'));
      const client = await LspTestClient.start({ rootDir: dir, profile, settings: { cluster: { mode: 'off' } } });
      try {
        assert.equal(client.initializeResult?.capabilities.positionEncoding ?? 'utf-16', encoding);
        const uri = fileUri(join(dir, 'multibyte.yaml'));
        writeFileSync(join(dir, 'multibyte.yaml'), TEXT);
        client.open(uri, TEXT);
        const lines = TEXT.split('\n');
        const diags = (await client.diagnostics(uri, (d) => d.filter((x) => x.code === 'externalip-node').length === 2)).filter((x) => x.code === 'externalip-node');
        assert.deepEqual(diags.map((d) => d.range.start.line).sort((a, b) => a - b), [BLOCK_LINE, FLOW_LINE]);
        for (const d of diags) {
          assert.equal(d.range.start.line, d.range.end.line);
          assert.equal(sliceIn(lines[d.range.start.line], d.range.start.character, d.range.end.character, encoding), '192.168.0.11', `range ${JSON.stringify(d.range)}`);
          assert.equal(d.range.start.character, unitsIn(lines[d.range.start.line], lines[d.range.start.line].indexOf('192.168.0.11'), encoding));
        }

        // A hover inside the address, positioned in the client's units; its range back in them.
        const flow = diags.find((d) => d.range.start.line === FLOW_LINE)!;
        const hover = await client.hover(uri, FLOW_LINE, flow.range.start.character + 4);
        assert.match(JSON.stringify(hover?.contents), /k8s-node-1/);
        assert.deepEqual(hover?.range, flow.range);

        // "Remove this address" on the flow line, applied in the client's units, and nothing sent back but the range.
        const actions = await client.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: flow.range, context: { diagnostics: [] } });
        const remove = (actions as { title: string }[]).find((a) => a.title.startsWith('Remove this address'));
        assert.ok(remove, `actions: ${JSON.stringify(actions)}`);
        const fixed = client.applyAction(uri, remove as never, encoding);
        for (const doc of parseAllDocuments(fixed)) assert.deepEqual(doc.errors, []);
        assert.ok(fixed.split('\n')[FLOW_LINE].startsWith(`spec: {selector: {app: "日本😀${E_ACUTE}"}`), fixed.split('\n')[FLOW_LINE]);
        assert.doesNotMatch(fixed.split('\n')[FLOW_LINE], /192\.168\.0\.11/);
        const left = await client.diagnostics(uri, (d) => d.filter((x) => x.code === 'externalip-node').length === 1);
        assert.equal(left.find((x) => x.code === 'externalip-node')!.range.start.line, BLOCK_LINE);

        // An incremental change whose range is counted in the client's units: the block address becomes a free one.
        const block = left.find((x) => x.code === 'externalip-node')!;
        const version = client.version(uri) + 1;
        await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: block.range, text: '192.168.0.15' }] });
        (client as unknown as { versions: Map<string, number> }).versions.set(uri, version);
        await client.diagnostics(uri, (d) => !d.some((x) => x.code === 'externalip-node'));
        const hoverAfter = await client.hover(uri, BLOCK_LINE, block.range.start.character + 2);
        assert.match(JSON.stringify(hoverAfter?.contents), /192\.168\.0\.15/);
      } finally {
        await client.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
