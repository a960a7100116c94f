// Quick fixes for a client that negotiated no position encoding: Vim + ALE announces none and applies an edit's
// columns as byte columns, so an edit inside a line with CJK text or an emoji before the address lands on the wrong
// bytes. Such clients get edits that replace whole lines (character 0 to character 0 of the next line), which every
// encoding reads alike; a client that negotiated one keeps edits of just the address.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { asWholeLines } from '../../server/src/lsp/codeActionPlan';
import { ALE, EGLOT, NEOVIM_07, VSCODE, type ClientProfile } from './clients';
import { applyTextEdits, fileUri, LspTestClient, type Encoding } from './lspClient';

const FLOW = 'apiVersion: v1\nkind: Service\nmetadata: {name: ウェブ}\nspec: {selector: {app: "東京🚀"}, externalIPs: [192.168.0.11], ports: [{port: 9443}]}\n';
const BLOCK = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: 東京🚀\nspec:\n  externalIPs:\n  - 10.1.2.3 # 東京🚀\n  - 192.168.0.11 # ノード 🚀\n';
// The last line has no line break, and CJK text before the address.
const LAST = 'apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {selector: {app: "東京🚀"}, externalIPs: [192.168.0.11]}';

async function editsFor(profile: ClientProfile, text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'kig-lines-'));
  copyFileSync(resolve('examples/seed-cluster/.kube-ip-guard.yaml'), join(dir, '.kube-ip-guard.yaml'));
  const uri = fileUri(join(dir, 'svc.yaml'));
  writeFileSync(join(dir, 'svc.yaml'), text);
  const client = await LspTestClient.start({ rootDir: dir, profile, settings: { cluster: { mode: 'off' } }, initializationOptions: { settings: { cluster: { mode: 'off' } } } });
  try {
    client.open(uri, text);
    const [d] = (await client.diagnostics(uri, (x) => x.some((y) => y.code === 'externalip-node'))).filter((y) => y.code === 'externalip-node');
    const actions = await client.codeActions(uri, d.range, []);
    return Object.fromEntries(actions.map((a) => [a.title.replace(/ \(.*|:.*/, ''), client.editsOf(uri, a)]));
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The objects of `text` less the Service's externalIPs: what "Remove this address" must leave. */
const withoutAddress = (text: string) =>
  parseAllDocuments(text.replace(/(, )?externalIPs: \[192\.168\.0\.11\]|  - 192\.168\.0\.11 # ノード 🚀\n/, '')).map((d) => d.toJS());

describe('clients that negotiated no position encoding get whole-line edits', () => {
  for (const profile of [ALE, NEOVIM_07]) {
    for (const [style, text] of [['flow', FLOW], ['block', BLOCK], ['last line, no line break', LAST]] as const) {
      test(`${profile.name}, ${style}: every edit starts and ends at character 0; applied as bytes, as code points or as UTF-16 alike`, async () => {
        const edits = await editsFor(profile, text);
        assert.ok(edits['Remove this address'] && edits['Disable externalip-node for this line'] && edits['Use a free address from the pool'], JSON.stringify(Object.keys(edits)));
        for (const [title, list] of Object.entries(edits)) {
          for (const e of list) {
            assert.equal(e.range.start.character, 0, `${title}: ${JSON.stringify(e.range)}`);
            assert.equal(e.range.end.character, 0, `${title}: ${JSON.stringify(e.range)}`);
          }
          const results = (['utf-8', 'utf-16', 'utf-32'] as Encoding[]).map((enc) => applyTextEdits(text, list, enc));
          assert.equal(new Set(results).size, 1, `${title}: the encodings read the edit differently`);
        }
        const removed = applyTextEdits(text, edits['Remove this address'], 'utf-8');
        assert.ok(!removed.includes('192.168.0.11'), removed);
        for (const doc of parseAllDocuments(removed)) assert.deepEqual(doc.errors, [], removed);
        assert.deepEqual(parseAllDocuments(removed).map((d) => d.toJS()), withoutAddress(text));
        assert.match(applyTextEdits(text, edits['Use a free address from the pool'], 'utf-8'), /192\.168\.0\.15/);
      });
    }
  }
});

test('a document over 1 MB, whose quick fixes the read worker computes: whole lines too', async () => {
  const large = FLOW + '# ' + 'x'.repeat(1024 * 1024) + '\n';
  const remove = (await editsFor(ALE, large))['Remove this address'];
  assert.ok(remove?.length, 'no "Remove this address"');
  for (const e of remove) assert.deepEqual([e.range.start.character, e.range.end.character], [0, 0], JSON.stringify(e.range));
  assert.equal(applyTextEdits(large, remove, 'utf-8'), applyTextEdits(large, remove, 'utf-16'));
});

describe('clients that negotiated an encoding keep edits of the address alone', () => {
  for (const [profile, encoding] of [[VSCODE, 'utf-16'], [EGLOT, 'utf-32']] as const) {
    test(`${profile.name} (${encoding})`, async () => {
      const edits = await editsFor(profile, FLOW);
      const remove = edits['Remove this address'];
      assert.ok(remove.every((e) => e.range.start.line === 3 && e.range.start.character > 0), JSON.stringify(remove));
      assert.deepEqual(parseAllDocuments(applyTextEdits(FLOW, remove, encoding)).map((d) => d.toJS()), withoutAddress(FLOW));
    });
  }
});

test('asWholeLines: several edits on a line and across lines become one edit of whole lines', () => {
  const text = 'a: 1\nb: [x, y]\nc: 3\n';
  const y = text.indexOf('y');
  assert.deepEqual(asWholeLines(text, [{ start: y, end: y + 1, newText: 'z' }, { start: text.indexOf('x'), end: text.indexOf('x') + 1, newText: 'w' }]), [{ start: 5, end: 15, newText: 'b: [w, z]\n' }]);
  // An edit that already ends at a line start (a whole line removed) keeps that end.
  assert.deepEqual(asWholeLines(text, [{ start: 5, end: 15, newText: '' }]), [{ start: 5, end: 15, newText: '' }]);
  // Across lines, and at the end of a text without a final line break.
  assert.deepEqual(asWholeLines('a\nbc', [{ start: 0, end: 4, newText: 'X' }]), [{ start: 0, end: 4, newText: 'X' }]);
  assert.deepEqual(asWholeLines('a\nbc', [{ start: 3, end: 3, newText: '!' }]), [{ start: 2, end: 4, newText: 'b!c' }]);
});
