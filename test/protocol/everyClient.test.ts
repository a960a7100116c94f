// Every client profile (the ones installed here and the ones imitated from their source) gets the same findings, in
// its own position encoding and hover format, on lines with CJK text, emoji (surrogate pairs) and combining marks
// before the address, in block and flow style, quoted and not; every quick fix offered there, applied with the
// encoding the client negotiated, leaves valid YAML and no finding for what it fixed; related locations in the config
// file are counted in the same units. The editor is opened at the repository's root and the config lives below it
// (examples/seed-cluster/), so the config is found upward from the manifest.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import { PROFILES, type ClientProfile } from './clients';
import { OTHER_PROFILES } from './otherClients';
import { fileUri, LspTestClient, sliceIn, type Encoding } from './lspClient';
import { waitFor } from '../waitFor';

const E_ACUTE = 'e\u0301'; // e + COMBINING ACUTE ACCENT
// The node's address in the config comes after an anchor of multi-byte text, so related locations need converting.
const CONFIG = [
  'nodes:',
  '  - {name: k8s-master-1, addresses: [192.168.0.10]}',
  `  - {name: k8s-node-1, addresses: [&東京🚀${E_ACUTE} 192.168.0.11]}`,
  'apiServer: [192.168.0.10:6443]',
  'proxyMode: ipvs',
  'externalIPPool: [192.168.0.15-192.168.0.30]',
  '',
].join('\n');
const MANIFEST = [
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: block',
  `  annotations: {owner: "日本語チーム 🚀 ${E_ACUTE}"}`,
  'spec:',
  '  ports: [{port: 80}]',
  '  externalIPs:',
  `  - &名前😀${E_ACUTE} 192.168.0.11 # 😀 コメント`,
  '---',
  'apiVersion: v1',
  'kind: Service',
  'metadata: {name: flow}',
  `spec: {selector: {app: "日本😀${E_ACUTE}"}, ports: [{port: 81}], externalIPs: ["192.168.0.11", 192.168.0.10]}`,
  '',
].join('\n');

/** The encoding a client gets: the first of its offer the server supports, else UTF-16. */
function expectedEncoding(p: ClientProfile): Encoding {
  for (const e of p.capabilities.general?.positionEncodings ?? []) if (e === 'utf-8' || e === 'utf-16' || e === 'utf-32') return e;
  return 'utf-16';
}
function expectedHoverKind(p: ClientProfile): string {
  for (const f of p.capabilities.textDocument?.hover?.contentFormat ?? []) if (f === 'markdown' || f === 'plaintext') return f;
  return 'plaintext';
}
const announcesDocumentChanges = (p: ClientProfile) => p.capabilities.workspace?.workspaceEdit?.documentChanges === true;
const ours = (d: Diagnostic[]) => d.filter((x) => x.source === 'kube-ip-guard' || typeof x.code === 'string');

/** The same manifest followed by clean Services, to over 64 KB (well over IN_WORKER_FROM): analysed, hovered and fixed in the read worker. */
const PADDING = Array.from({ length: 800 }, (_, k) => `---\napiVersion: v1\nkind: Service\nmetadata: {name: pad-${k}}\nspec: {ports: [{port: 80}]}\n`).join('');

for (const [size, TEXT] of [['small', MANIFEST], ['of 64 KB (the read worker)', MANIFEST + PADDING]] as const) describe(`every client profile, ${size} file: ranges, hovers and every quick fix in its own encoding`, () => {
  let root: string;
  let configPath: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'kig-every-'));
    const dir = join(root, 'examples', 'seed-cluster');
    mkdirSync(dir, { recursive: true });
    configPath = join(dir, '.kube-ip-guard.yaml');
    writeFileSync(configPath, CONFIG);
    writeFileSync(join(dir, 'multibyte.yaml'), MANIFEST);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const profile of [...PROFILES, ...OTHER_PROFILES]) {
    test(profile.name, async () => {
      const encoding = expectedEncoding(profile);
      const settings = { cluster: { mode: 'off' } };
      const client = await LspTestClient.start({ rootDir: root, profile, settings, initializationOptions: { settings }, env: { ...process.env, KUBECONFIG: join(root, 'no-kubeconfig') } });
      try {
        assert.equal(client.initializeResult?.capabilities.positionEncoding ?? 'utf-16', encoding, 'negotiated encoding');
        const uri = fileUri(join(root, 'examples', 'seed-cluster', 'multibyte.yaml'));
        client.open(uri, TEXT);
        // Found upward: the config below the root names the nodes; 192.168.0.10 is also the API server.
        const initial = ours(await client.diagnostics(uri, (d) => ours(d).length >= 3));
        const slice = (d: Diagnostic, lines = TEXT.split('\n')) => {
          assert.equal(d.range.start.line, d.range.end.line, `one-line range ${JSON.stringify(d.range)}`);
          return sliceIn(lines[d.range.start.line], d.range.start.character, d.range.end.character, encoding);
        };
        const byAddress = (d: Diagnostic[], line: number) => d.filter((x) => x.range.start.line === line).map((x) => `${x.code}@${slice(x)}`).sort();
        assert.deepEqual(byAddress(initial, 8), ['externalip-node@192.168.0.11'], 'block style, after an anchor of CJK, emoji and a combining mark');
        assert.deepEqual(byAddress(initial, 13), ['externalip-apiserver@192.168.0.10', 'externalip-node@192.168.0.11'], 'flow style, the quoted address without its quotes');

        // Related locations in the config file, counted in the client's units on the config's own lines.
        const configLines = CONFIG.split('\n');
        const related = initial.flatMap((d) => d.relatedInformation ?? []).filter((r) => r.location.uri === fileUri(configPath));
        assert.ok(related.length > 0, 'related locations point into the config file');
        for (const r of related) assert.match(sliceIn(configLines[r.location.range.start.line], r.location.range.start.character, r.location.range.end.character, encoding), /^192\.168\.0\.1[01]/, JSON.stringify(r));

        for (const d of initial) {
          // A hover inside the address, in the client's units, in the client's format, over the same range.
          const h = await client.hover(uri, d.range.start.line, d.range.start.character + 3);
          const contents = h?.contents as { kind: string; value: string } | undefined;
          assert.equal(contents?.kind, expectedHoverKind(profile), `hover kind at ${slice(d)}`);
          assert.match(contents!.value, d.code === 'externalip-apiserver' ? /API server/ : /k8s-(node|master)-1/);
          if (contents!.kind === 'plaintext') assert.doesNotMatch(contents!.value, /\*\*|`|\]\(/, 'no markdown in plain text');
          assert.deepEqual(h?.range, d.range, 'hover range = diagnostic range');
        }

        // Every quick fix at each address, asked with the client's own context (its echo of the diagnostic, or
        // Kate's/ALE's copy without data), applied in the client's units to the original text.
        for (const d of initial) {
          const echoed = profile.echoesDiagnosticData ? [d] : [{ range: d.range, message: d.message, severity: d.severity }];
          const ask = async () => (await client.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: echoed } })) as CodeAction[];
          const titles = (await ask()).map((a) => a.title);
          assert.ok(titles.some((t) => t.startsWith('Remove this address')), `at ${slice(d)}: ${JSON.stringify(titles)}`);
          assert.ok(titles.some((t) => t.startsWith('Disable')), `at ${slice(d)}: ${JSON.stringify(titles)}`);
          for (const title of titles) {
            // Asked again for the current version: a versioned edit is for the version it was computed on.
            const a = (await ask()).find((x) => x.title === title)!;
            assert.equal(!!a.edit?.documentChanges, announcesDocumentChanges(profile), `${a.title}: documentChanges only when announced`);
            const fixed = client.applyAction(uri, a, encoding);
            for (const doc of parseAllDocuments(fixed)) assert.deepEqual(doc.errors, [], `${a.title} at ${slice(d)} leaves valid YAML:\n${fixed}`);
            const fixedLines = fixed.split('\n');
            const gone = new Set((a.diagnostics ?? []).map((x) => x.code));
            // Diagnostics of the fixed version (a removed address may take several findings with it).
            const after = ours(await client.diagnostics(uri));
            assert.ok(after.length <= initial.length - (a.diagnostics?.length ?? 1), `${a.title} at ${slice(d)}: ${after.length} findings left of ${initial.length}`);
            for (const x of after) {
              assert.ok(!(gone.has(x.code) && x.range.start.line === d.range.start.line && slice(x, fixedLines) === slice(d)), `${a.title} at ${slice(d)}: ${x.code} still there:\n${fixed}`);
              assert.notEqual(x.code, 'yaml-syntax');
            }
            client.change(uri, TEXT);
            await client.diagnostics(uri, (x) => ours(x).length === initial.length);
          }
        }
      } finally {
        await client.stop();
      }
    });
  }
});

describe('every client profile: a broken config file that is not open is shown', () => {
  for (const profile of [...PROFILES, ...OTHER_PROFILES]) {
    test(profile.name, async () => {
      const encoding = expectedEncoding(profile);
      const top = mkdtempSync(join(tmpdir(), 'kig-every-config-'));
      const dir = join(top, 'examples', 'seed-cluster');
      mkdirSync(dir, { recursive: true });
      const configPath = join(dir, '.kube-ip-guard.yaml');
      const broken = `nodes:\n  - {name: k8s-node-1, addresses: [&東京🚀${E_ACUTE} 192.168.0.300]}\n`;
      writeFileSync(configPath, broken);
      const settings = { cluster: { mode: 'off' } };
      const client = await LspTestClient.start({ rootDir: top, profile, settings, initializationOptions: { settings }, env: { ...process.env, KUBECONFIG: join(top, 'no-kubeconfig') } });
      try {
        const uri = fileUri(join(dir, 'multibyte.yaml'));
        client.open(uri, MANIFEST);
        // The config's own diagnostics (pushed: the file is not open), in the client's units on its multi-byte line.
        const problems = await client.waitForDiagnostics(fileUri(configPath), (d) => d.length >= 1);
        const line = broken.split('\n')[1];
        assert.ok(
          problems.some((p) => p.range.start.line === 1 && sliceIn(line, p.range.start.character, p.range.end.character, encoding) === '192.168.0.300'),
          JSON.stringify(problems.map((p) => p.range)),
        );
        await waitFor('a window/showMessage warning', () => client.notifications.some((n) => n.method === 'window/showMessage' && (n.params as { type: number }).type === 2));
      } finally {
        await client.stop();
        rmSync(top, { recursive: true, force: true });
      }
    });
  }
});
