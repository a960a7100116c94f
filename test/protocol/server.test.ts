// Protocol tests: the built server over stdio, as any editor talks to it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { fileUri, LspTestClient } from './lspClient';
import { waitFor } from '../waitFor';

const SEED_DIR = resolve('examples/seed-cluster');
const SEED = readFileSync(join(SEED_DIR, 'deployment.yaml'), 'utf8');

function workspace(withConfig = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'kig-ws-'));
  if (withConfig) copyFileSync(join(SEED_DIR, '.kube-ip-guard.yaml'), join(dir, '.kube-ip-guard.yaml'));
  writeFileSync(join(dir, 'deployment.yaml'), SEED);
  return dir;
}

describe('seed cluster over stdio', () => {
  let dir: string;
  let client: LspTestClient;
  before(async () => {
    dir = workspace();
    client = await LspTestClient.start({ rootDir: dir });
  });
  after(async () => {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the seed manifest gets exactly one externalip-node error on `- 192.168.0.11`', async () => {
    const uri = fileUri(join(dir, 'deployment.yaml'));
    client.open(uri, SEED);
    const diags = await client.waitForDiagnostics(uri, (d) => d.length > 0);
    assert.equal(diags.length, 1);
    const d = diags[0];
    assert.equal(d.code, 'externalip-node');
    assert.equal(d.source, 'kube-ip-guard');
    assert.equal(d.severity, 1);
    const line = SEED.split('\n')[d.range.start.line];
    assert.equal(line, '  - 192.168.0.11');
    assert.equal(line.slice(d.range.start.character, d.range.end.character), '192.168.0.11');
    assert.match(d.codeDescription!.href, /docs\/rules\/externalip-node\.md$/);
    // relatedInformation points at the line of .kube-ip-guard.yaml that declared the node.
    const rel = d.relatedInformation?.[0];
    assert.ok(rel, 'relatedInformation is set');
    assert.equal(rel.location.uri, fileUri(join(dir, '.kube-ip-guard.yaml')));
    const configLine = readFileSync(join(dir, '.kube-ip-guard.yaml'), 'utf8').split('\n')[rel.location.range.start.line];
    assert.match(configLine, /192\.168\.0\.11/);

    const hover = await client.hover(uri, d.range.start.line, d.range.start.character + 3);
    const value = (hover?.contents as { value: string }).value;
    assert.match(value, /k8s-node-1/);
    assert.match(value, /InternalIP/);
    assert.match(value, /IPVS/);

    const actions = await client.codeActions(uri, d.range, [d]);
    assert.deepEqual(actions.map((a) => a.title), ['Remove this address (192.168.0.11)', 'Use a free address from the pool: 192.168.0.15', 'Disable externalip-node for this line']);
    assert.equal(actions[0].isPreferred, true);
    const fixed = client.applyAction(uri, actions[0]);
    assert.ok(!fixed.includes('externalIPs'), 'the now-empty externalIPs key is gone');
    for (const doc of parseAllDocuments(fixed)) assert.deepEqual(doc.errors, []);
    const after = await client.waitForDiagnostics(uri, (x) => x.length === 0);
    assert.deepEqual(after, []);
  });

  test('192.168.0.10 is externalip-apiserver; 192.168.0.15 is clean (hover says so)', async () => {
    const uri = fileUri(join(dir, 'other.yaml'));
    client.open(uri, SEED.replace('192.168.0.11', '192.168.0.10'));
    const diags = await client.waitForDiagnostics(uri, (d) => d.length > 0);
    assert.deepEqual(diags.map((d) => d.code), ['externalip-apiserver']);
    assert.match(diags[0].message, /API server/);
    assert.match(diags[0].message, /k8s-master-1/);
    client.change(uri, SEED.replace('192.168.0.11', '192.168.0.15'));
    assert.deepEqual(await client.waitForDiagnostics(uri, (d) => d.length === 0), []);
    const line = client.text(uri).split('\n').findIndex((l) => l.includes('192.168.0.15'));
    const hover = await client.hover(uri, line, 6);
    assert.match((hover?.contents as { value: string }).value, /no known node or API server uses this address/);
    assert.match((hover?.contents as { value: string }).value, /2 nodes/);
    client.close(uri);
  });

  test('"Use a free address from the pool" skips addresses other open documents use', async () => {
    const a = fileUri(join(dir, 'a.yaml'));
    const b = fileUri(join(dir, 'b.yaml'));
    client.open(a, SEED.replace('192.168.0.11', '192.168.0.15'));
    await client.waitForDiagnostics(a, (d) => d.length === 0);
    client.open(b, SEED);
    const [d] = await client.waitForDiagnostics(b, (x) => x.length === 1);
    const actions = await client.codeActions(b, d.range, [d]);
    const pool = actions.find((x) => x.title.startsWith('Use a free address'));
    assert.equal(pool?.title, 'Use a free address from the pool: 192.168.0.16');
    client.applyAction(b, pool!);
    assert.deepEqual(await client.waitForDiagnostics(b, (x) => x.length === 0), []);
    client.close(a);
    client.close(b);
  });

  test('"Disable for this line" suppresses the finding', async () => {
    const uri = fileUri(join(dir, 'disable.yaml'));
    client.open(uri, SEED);
    const [d] = await client.waitForDiagnostics(uri, (x) => x.length === 1);
    const actions = await client.codeActions(uri, d.range, [d]);
    const text = client.applyAction(uri, actions[actions.length - 1]);
    assert.match(text, /- 192\.168\.0\.11 # kube-ip-guard-disable-line externalip-node/);
    assert.deepEqual(await client.waitForDiagnostics(uri, (x) => x.length === 0), []);
    client.close(uri);
  });
});

describe('the config file', () => {
  test('creating, editing (unsaved) and breaking .kube-ip-guard.yaml re-checks open documents', async () => {
    const dir = workspace(false);
    const client = await LspTestClient.start({ rootDir: dir });
    try {
      const uri = fileUri(join(dir, 'deployment.yaml'));
      client.open(uri, SEED);
      assert.deepEqual(await client.waitForDiagnostics(uri), [], 'no facts, no findings');

      // Created on disk: the file watcher's event reloads the facts.
      const configPath = join(dir, '.kube-ip-guard.yaml');
      writeFileSync(configPath, 'nodes:\n  - name: k8s-node-1\n    addresses: [192.168.0.11]\n');
      client.didChangeWatchedFiles([{ uri: fileUri(configPath), type: 1 }]);
      const diags = await client.waitForDiagnostics(uri, (d) => d.length === 1);
      assert.equal(diags[0].code, 'externalip-node');

      // Opened and edited without saving: the buffer counts.
      const configUri = fileUri(configPath);
      client.open(configUri, readFileSync(configPath, 'utf8'));
      client.change(configUri, 'nodes:\n  - name: k8s-node-1\n    addresses: [192.168.0.12]\n');
      await client.waitForDiagnostics(uri, (d) => d.length === 0);

      // Broken while open: the problem is shown in the config file, on the right line.
      client.change(configUri, 'nodes:\n  - name: k8s-node-1\n    addresses: [192.168.0.300]\nproxyMod: ipvs\n');
      const configDiags = await client.waitForDiagnostics(configUri, (d) => d.length === 2);
      const messages = configDiags.map((d) => `${d.range.start.line}: ${d.message}`).sort();
      assert.match(messages[0], /^2: nodes\[0\]\.addresses\[0\]: "192\.168\.0\.300" is not a valid IP address/);
      assert.match(messages[1], /^3: unknown key "proxyMod" \(did you mean "proxyMode"\?\)/);

      // Closed with its broken text on disk: a visible warning, through the status notification.
      writeFileSync(configPath, 'nodes: [\n');
      client.close(configUri);
      const warning = await waitFor('the config warning', () => client.notifications.map((n) => (n.params as { warning?: string }).warning).find((w) => w && /not valid YAML/.test(w)), 60_000);
      assert.match(warning, /\.kube-ip-guard\.yaml:\d+: \.kube-ip-guard\.yaml is not valid YAML/);
    } finally {
      await client.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('facts from kubeIpGuard.* settings, and a change of settings re-checks', async () => {
    const dir = workspace(false);
    const client = await LspTestClient.start({ rootDir: dir, settings: { nodes: [{ name: 'from-settings', addresses: ['192.168.0.11'] }] } });
    try {
      const uri = fileUri(join(dir, 'deployment.yaml'));
      client.open(uri, SEED);
      const [d] = await client.waitForDiagnostics(uri, (x) => x.length === 1);
      assert.match(d.message, /from-settings/);
      client.didChangeConfiguration({ nodes: [{ name: 'from-settings', addresses: ['192.168.0.11'] }], rules: { 'externalip-node': 'warning' } });
      const [w] = await client.waitForDiagnostics(uri, (x) => x.length === 1 && x[0].severity === 2);
      assert.equal(w.code, 'externalip-node');
      client.didChangeConfiguration({ enable: false });
      assert.deepEqual(await client.waitForDiagnostics(uri, (x) => x.length === 0), []);
    } finally {
      await client.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an editor without workspace/configuration uses initializationOptions.settings', async () => {
    const dir = workspace(false);
    const client = await LspTestClient.start({ rootDir: dir, configuration: false, initializationOptions: { settings: { apiServer: ['192.168.0.11:6443'] } } });
    try {
      const uri = fileUri(join(dir, 'deployment.yaml'));
      client.open(uri, SEED);
      const diags = await client.waitForDiagnostics(uri, (x) => x.length === 1);
      assert.equal(diags[0].code, 'externalip-apiserver');
    } finally {
      await client.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('in an untrusted workspace a node manifest outside it is refused', async () => {
    const dir = workspace(false);
    const outside = mkdtempSync(join(tmpdir(), 'kig-outside-'));
    writeFileSync(join(outside, 'nodes.yaml'), 'apiVersion: v1\nkind: NodeList\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: k8s-node-1}\n  status:\n    addresses:\n    - {type: InternalIP, address: 192.168.0.11}\n');
    writeFileSync(join(dir, '.kube-ip-guard.yaml'), `nodeManifests:\n  - ${join(outside, 'nodes.yaml')}\n`);
    for (const trusted of [false, true]) {
      const client = await LspTestClient.start({ rootDir: dir, initializationOptions: { trusted } });
      try {
        const uri = fileUri(join(dir, 'deployment.yaml'));
        client.open(uri, SEED);
        const diags = await client.waitForDiagnostics(uri);
        assert.deepEqual(diags.map((d) => d.code), trusted ? ['externalip-node'] : []);
        if (!trusted) {
          const configUri = fileUri(join(dir, '.kube-ip-guard.yaml'));
          client.open(configUri, readFileSync(join(dir, '.kube-ip-guard.yaml'), 'utf8'));
          const [p] = await client.waitForDiagnostics(configUri, (d) => d.length === 1);
          assert.match(p.message, /outside the workspace, which is not trusted/);
        }
      } finally {
        await client.stop();
      }
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
});

describe('bad input does not stop the server', () => {
  test('an alias bomb, a 20 MB manifest and a broken file each get an answer, and the server keeps serving', async () => {
    const dir = workspace();
    const client = await LspTestClient.start({ rootDir: dir });
    try {
      const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let i = 1; i < 10; i++) {
        const prev = String.fromCharCode(96 + i);
        const cur = String.fromCharCode(97 + i);
        levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
      }
      const bomb = `apiVersion: v1\nkind: Service\nmetadata:\n  name: bomb\nx:\n${levels.map((l) => '  ' + l).join('\n')}\nspec:\n  externalIPs: *j\n`;
      const bombUri = fileUri(join(dir, 'bomb.yaml'));
      client.open(bombUri, bomb);
      const bombDiags = await client.waitForDiagnostics(bombUri);
      assert.ok(bombDiags.length > 0, 'the bomb gets findings (its entries are not IPs), not a hang');

      const parts: string[] = [];
      let size = 0;
      for (let i = 0; size < 20 * 1024 * 1024; i++) {
        const doc = `---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx:1.25\n        args: ["--listen", "0.0.0.0:8080", "--peer", "192.168.0.11"]\n`;
        parts.push(doc);
        size += doc.length;
      }
      parts.push('---\napiVersion: v1\nkind: Service\nmetadata:\n  name: late\nspec:\n  externalIPs: [192.168.0.11]\n');
      const big = parts.join('');
      const bigUri = fileUri(join(dir, 'big.yaml'));
      client.open(bigUri, big);
      const bigDiags = await client.waitForDiagnostics(bigUri, (d) => d.length > 0, 60000);
      assert.deepEqual(bigDiags.map((d) => d.code), ['externalip-node']);

      const brokenUri = fileUri(join(dir, 'broken.yaml'));
      client.open(brokenUri, 'apiVersion: v1\nkind: Service\nspec:\n  externalIPs: [192.168.0.11\n---\napiVersion: v1\nkind: Service\nmetadata: {name: ok}\nspec:\n  externalIPs:\n  - 192.168.0.11\n');
      const brokenDiags = await client.waitForDiagnostics(brokenUri, (d) => d.length > 0);
      assert.equal(brokenDiags.filter((d) => d.code === 'yaml-syntax').length, 1);
      assert.ok(brokenDiags.some((d) => d.code === 'externalip-node' && d.range.start.line === 10), 'the valid document is still checked');

      const uri = fileUri(join(dir, 'deployment.yaml'));
      client.open(uri, SEED);
      const diags = await client.waitForDiagnostics(uri, (d) => d.length === 1);
      const hover = await client.hover(uri, diags[0].range.start.line, diags[0].range.start.character);
      assert.match((hover?.contents as { value: string }).value, /k8s-node-1/);
    } finally {
      await client.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('diagnostics of an old version are never published over a newer one', async () => {
    const dir = workspace();
    const client = await LspTestClient.start({ rootDir: dir });
    try {
      const uri = fileUri(join(dir, 'typing.yaml'));
      client.open(uri, SEED);
      // A burst of edits, alternating between a colliding and a clean address; the last one is clean.
      for (let i = 0; i < 50; i++) client.change(uri, SEED.replace('192.168.0.11', i % 2 === 0 ? '192.168.0.11' : '192.168.0.15'));
      const final = await client.waitForDiagnostics(uri, () => true);
      assert.equal(client.published.get(uri)?.version, 51);
      assert.deepEqual(final, []);
    } finally {
      await client.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
