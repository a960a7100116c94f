// What a workspace can hold besides manifests: node manifests outside it (refused when it is not trusted), symlink
// loops and unreadable files (skipped and reported once in the server log, whatever rescans and checks follow), a
// broken config file that is not open (said once, naming the key and its line); the CLI over a tree of damaged files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileUri, type LspTestClient } from '../protocol/lspClient';
import fc from 'fast-check';
import { alive, diagnosticsForCurrentVersion, startServer, statuses, until } from './harness';
import { configText, manifestArb, mutate, mutationsArb, randomBytesTextArb } from './gen';
import { expectExit, fromExecFile } from '../childExit';

const NODES = 'apiVersion: v1\nkind: NodeList\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: outside-node}\n  status:\n    addresses: [{type: InternalIP, address: 192.168.0.50}]\n';
const USES_50 = 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  externalIPs: [192.168.0.50]\n';

type Facts = { nodes: { name: string }[]; problems: string[] };
const facts = (client: LspTestClient, uri: string) => client.conn.sendRequest('kubeIpGuard/facts', { uri }) as Promise<Facts>;

describe('nodeManifests outside the workspace', () => {
  let root: string;
  let ws: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'kig-trust-'));
    ws = join(root, 'ws');
    mkdirSync(join(root, 'outside'), { recursive: true });
    mkdirSync(ws);
    writeFileSync(join(root, 'outside', 'nodes.yaml'), NODES);
    writeFileSync(join(ws, 'svc.yaml'), USES_50);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  async function check(config: string, trusted: boolean): Promise<{ nodes: string[]; problems: string[]; codes: string[] }> {
    writeFileSync(join(ws, '.kube-ip-guard.yaml'), config);
    const client = await startServer(ws, { initializationOptions: { trusted } });
    try {
      const uri = fileUri(join(ws, 'svc.yaml'));
      client.open(uri, USES_50);
      const d = await diagnosticsForCurrentVersion(client, uri);
      const f = await facts(client, uri);
      return { nodes: f.nodes.map((n) => n.name), problems: f.problems, codes: d.map((x) => String(x.code)) };
    } finally {
      await client.stop();
    }
  }

  test('a path outside the workspace is refused in an untrusted workspace, and read in a trusted one', async () => {
    const config = 'nodeManifests: [../outside/nodes.yaml]\n';
    const untrusted = await check(config, false);
    assert.deepEqual(untrusted.nodes, []);
    assert.ok(untrusted.problems.some((p) => /nodeManifests: \.\.\/outside\/nodes\.yaml is outside the workspace, which is not trusted/.test(p)), untrusted.problems.join('\n'));
    assert.ok(!untrusted.codes.includes('externalip-node'));
    const trusted = await check(config, true);
    assert.deepEqual(trusted.nodes, ['outside-node']);
    assert.ok(trusted.codes.includes('externalip-node'));
  });

  test('an absolute path outside the workspace is refused in an untrusted workspace', async () => {
    const r = await check(`nodeManifests: [${JSON.stringify(join(root, 'outside', 'nodes.yaml'))}]\n`, false);
    assert.deepEqual(r.nodes, []);
    assert.ok(r.problems.some((p) => /outside the workspace/.test(p)), r.problems.join('\n'));
  });

  test(
    'a symlink inside the workspace that points outside it is refused in an untrusted workspace',
    async () => {
      rmSync(join(ws, 'link-nodes.yaml'), { force: true });
      symlinkSync(join(root, 'outside', 'nodes.yaml'), join(ws, 'link-nodes.yaml'));
      const r = await check('nodeManifests: [link-nodes.yaml]\n', false);
      assert.deepEqual(r.nodes, [], 'the file outside the workspace was read through the symlink');
      assert.ok(r.problems.some((p) => /outside the workspace/.test(p)), r.problems.join('\n'));
    },
  );
});

describe('symlink loops and unreadable files in the workspace', () => {
  let ws: string;
  let rootCanRead = false;
  const loops = ['self.yaml', 'a.yaml', 'b.yaml', join('sub', 'self-dir')];
  before(() => {
    ws = mkdtempSync(join(tmpdir(), 'kig-loops-'));
    writeFileSync(join(ws, '.kube-ip-guard.yaml'), 'nodes:\n  - name: n1\n    addresses: [192.168.0.11]\n');
    writeFileSync(join(ws, 'good.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: good}\nspec:\n  externalIPs: [192.168.0.11]\n  ports: [{port: 80}]\n');
    mkdirSync(join(ws, 'sub'));
    symlinkSync('self.yaml', join(ws, 'self.yaml')); // ELOOP
    symlinkSync('b.yaml', join(ws, 'a.yaml')); // a -> b -> a
    symlinkSync('a.yaml', join(ws, 'b.yaml'));
    symlinkSync('self-dir', join(ws, 'sub', 'self-dir')); // a directory name that loops
    symlinkSync('..', join(ws, 'sub', 'parent')); // a cycle through a real directory: walked once
    symlinkSync(join(ws, 'missing.yaml'), join(ws, 'dangling.yaml'));
    writeFileSync(join(ws, 'unreadable.yaml'), 'apiVersion: v1\nkind: Service\n');
    chmodSync(join(ws, 'unreadable.yaml'), 0o000);
    mkdirSync(join(ws, 'locked'));
    writeFileSync(join(ws, 'locked', 'inner.yaml'), 'a: 1\n');
    chmodSync(join(ws, 'locked'), 0o000);
    try {
      readFileSync(join(ws, 'unreadable.yaml'));
      rootCanRead = true; // root (CAP_DAC_OVERRIDE): chmod does not stop reads
    } catch {
      rootCanRead = false;
    }
  });
  after(() => {
    chmodSync(join(ws, 'locked'), 0o755);
    rmSync(ws, { recursive: true, force: true });
  });

  const skipLines = (client: LspTestClient, path: string) => client.logs.filter((l) => l.includes(`skipped ${path}:`));

  test('the server indexes and checks the workspace, reporting each loop and unreadable path once', async (t) => {
    const client = await startServer(ws);
    try {
      const check = () => client.conn.sendRequest('kubeIpGuard/checkWorkspace', {}) as Promise<{ files: number; errors: number }>;
      const first = await check();
      assert.equal(first.errors, 1, 'good.yaml is checked');
      // A rescan (settings changed) and another check must not report them again.
      // The index logs each scan it finishes (a scan a newer one supersedes says nothing): once the first has, the
      // next line is the rescan's.
      const indexed = () => client.logs.filter((l) => l.startsWith('Kube IP Guard: workspace index: ')).length;
      await until('the first scan of the workspace', 60_000, () => indexed() > 0);
      const scans = indexed();
      client.didChangeConfiguration({ cluster: { mode: 'off' } });
      await until('the rescan after the settings changed', 60_000, () => indexed() > scans);
      await check();
      for (const p of loops) {
        const lines = skipLines(client, join(ws, p));
        assert.equal(lines.length, 1, `${p}: ${JSON.stringify(lines)}\nall logs:\n${client.logs.join('\n')}`);
        assert.match(lines[0], /ELOOP|too many symbolic links/i);
      }
      if (rootCanRead) {
        t.diagnostic('running as root: chmod 000 does not stop reads, so the unreadable-file and unreadable-directory cases are not exercised here');
      } else {
        for (const p of ['unreadable.yaml', 'locked']) assert.equal(skipLines(client, join(ws, p)).length, 1, `${p}\n${client.logs.join('\n')}`);
      }
      assert.ok(alive(client), client.describeProcess());
    } finally {
      await client.stop();
    }
  });

  test('the CLI on the same tree finishes, and names each loop at most once', async () => {
    const r = expectExit('the CLI', await new Promise<ReturnType<typeof fromExecFile>>((done) =>
      execFile(process.execPath, [resolve('server/out/cli.js'), 'lint', '.', '--format', 'json'], { cwd: ws, timeout: 120_000 }, (err, stdout, stderr) => done(fromExecFile(err, stdout, stderr))),
    ));
    assert.equal(r.status, 1, `one finding in good.yaml; stderr: ${r.stderr}`);
    const lines = r.stderr.split('\n');
    for (const p of loops) assert.equal(lines.filter((l) => l.includes(`skipped ${p}:`)).length, 1, `${p} is named once:\n${r.stderr}`);
  });
});

describe('a broken config file that is not open', () => {
  test('the status warns once, naming the key', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'kig-badcfg-'));
    writeFileSync(join(ws, '.kube-ip-guard.yaml'), 'nodes:\n  - name: n1\n    addresses: [192.168.0.11]\nproxyMode: ipvsx\n');
    const client = await startServer(ws);
    try {
      const uris = ['a', 'b', 'c'].map((n) => fileUri(join(ws, `${n}.yaml`)));
      for (const u of uris) client.open(u, 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  externalIPs: [192.168.0.11]\n');
      for (const u of uris) await diagnosticsForCurrentVersion(client, u);
      // More re-checks: edits, a settings change.
      for (const u of uris) client.change(u, 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  externalIPs: [192.168.0.12]\n');
      client.didChangeConfiguration({ cluster: { mode: 'off' } });
      for (const u of uris) await diagnosticsForCurrentVersion(client, u);
      await until('a status', 60_000, () => statuses(client).length > 0);
      const warnings = statuses(client).map((s) => s.warning).filter(Boolean);
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      assert.match(warnings[0]!, /proxyMode/);
    } finally {
      await client.stop();
      rmSync(ws, { recursive: true, force: true });
    }
  });

  test(
    'the warning about a config file that is not open names the line, too',
    async () => {
      const ws = mkdtempSync(join(tmpdir(), 'kig-badcfg-'));
      writeFileSync(join(ws, '.kube-ip-guard.yaml'), 'nodes:\n  - name: n1\n    addresses: [192.168.0.11]\nproxyMode: ipvsx\n');
      const client = await startServer(ws);
      try {
        const u = fileUri(join(ws, 'a.yaml'));
        client.open(u, 'a: 1\n');
        await diagnosticsForCurrentVersion(client, u);
        const w = await until('a warning', 60_000, () => statuses(client).find((s) => s.warning)?.warning);
        assert.match(w, /(:4\b|line 4)/);
      } finally {
        await client.stop();
        rmSync(ws, { recursive: true, force: true });
      }
    },
  );
});

describe('the CLI over a tree of damaged manifests', () => {
  test('finishes with 0 or 1, prints JSON whose every finding lies inside its file', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'kig-cli-fuzz-'));
    try {
      writeFileSync(join(ws, '.kube-ip-guard.yaml'), configText('ipvs', true));
      const texts = fc.sample(fc.oneof(manifestArb, fc.tuple(manifestArb, mutationsArb).map(([t, ms]) => ms.reduce(mutate, t)), randomBytesTextArb), { seed: 7, numRuns: 60 });
      texts.push('\0', '\ufeff', 'deep: ' + '['.repeat(3000), `{"kind":"Service","apiVersion":"v1","spec":{"externalIPs":["192.168.0.11"]}}`);
      texts.forEach((t, i) => writeFileSync(join(ws, `f${i}.yaml`), t));
      const r = expectExit('the CLI', await new Promise<ReturnType<typeof fromExecFile>>((done) =>
        execFile(process.execPath, [resolve('server/out/cli.js'), 'lint', '.', '--format', 'json'], { cwd: ws, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => done(fromExecFile(err, stdout, stderr))),
      ), [0, 1]);
      const findings = JSON.parse(r.stdout) as { file: string; line: number; endLine: number; column: number }[];
      assert.ok(findings.length > 0);
      for (const f of findings) {
        const lines = readFileSync(join(ws, f.file), 'utf8').split(/\r\n|\n|\r/).length;
        assert.ok(f.line >= 1 && f.endLine <= lines && f.column >= 1, `${JSON.stringify(f)} outside ${f.file} (${lines} lines)`);
      }
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });
});
