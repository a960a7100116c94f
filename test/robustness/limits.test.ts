// Limits: what exists holds (the file size setting, the alias depth), and what is missing is measured and written
// down as a failing test marked todo (document count, a time budget per analysis, the server answering other
// requests while a big file is read). The 50 MB measurements run under `npm run soak` (minutes each).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileUri, type LspTestClient } from '../protocol/lspClient';
import { analyze } from '../../server/src/engine/index';
import { assertSpans, safeAnalyze } from './check';
import { alive, diagnosticsForCurrentVersion, makeWorkspace, startServer } from './harness';
import { FACTS } from './gen';

const MB = 1024 * 1024;
const svc = (i: number, ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: s${i}\nspec:\n  externalIPs: [${ip}]\n  ports: [{port: 80}]\n`;

/** A stream of Services (every document parsed: the worst case for the keyword filter) of about `mb` MB. */
function servicesStream(mb: number): string {
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < mb * MB; i++) {
    const s = svc(i);
    parts.push(s);
    n += s.length + 4;
  }
  return parts.join('---\n');
}

/** One line of JSON (minified output is one line): a List of Services of about `mb` MB, the last on a node. */
function oneLineList(mb: number): string {
  const items: string[] = [];
  let n = 0;
  for (let i = 0; n < mb * MB; i++) {
    const s = `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s${i}"},"spec":{"externalIPs":["10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}"]}}`;
    items.push(s);
    n += s.length + 1;
  }
  items.push('{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad"},"spec":{"externalIPs":["192.168.0.11"]}}');
  return `{"apiVersion":"v1","kind":"List","items":[${items.join(',')}]}`;
}

const SMALL = 'apiVersion: v1\nkind: Service\nmetadata: {name: small}\nspec:\n  externalIPs: [192.168.0.11]\n';

/**
 * Open SMALL, then `big`, and hover on SMALL every 100 ms until `big`'s diagnostics arrive: the longest wait of a
 * hover, and how long `big` took.
 */
async function hoverWaitWhileAnalyzing(client: LspTestClient, dir: string, big: string, name = 'big.yaml'): Promise<{ maxWaitMs: number; analysisMs: number; probes: number }> {
  const small = fileUri(join(dir, `small-${name}`));
  client.open(small, SMALL);
  await diagnosticsForCurrentVersion(client, small);
  const uri = fileUri(join(dir, name));
  const t0 = Date.now();
  client.published.delete(uri);
  client.open(uri, big);
  let done = false;
  const diagnostics = diagnosticsForCurrentVersion(client, uri, 600_000).then(() => (done = true));
  let maxWaitMs = 0;
  let probes = 0;
  while (!done) {
    const t = Date.now();
    const h = await client.hover(small, 4, 18);
    assert.ok(h, 'the hover on the small document answers');
    maxWaitMs = Math.max(maxWaitMs, Date.now() - t);
    probes++;
    await new Promise((r) => setTimeout(r, 100));
  }
  await diagnostics;
  const analysisMs = Date.now() - t0;
  client.close(uri);
  client.close(small);
  return { maxWaitMs, analysisMs, probes };
}

describe('limits that exist', () => {
  test('kubeIpGuard.maxFileSizeMB: a bigger file gets one information diagnostic saying what was skipped, and no analysis', async () => {
    const ws = makeWorkspace();
    const client = await startServer(ws.dir, { settings: { maxFileSizeMB: 1 } });
    try {
      const uri = fileUri(join(ws.dir, 'big.yaml'));
      const text = servicesStream(1.5).replace('10.0.0.0', '192.168.0.11');
      client.open(uri, text);
      const d = await diagnosticsForCurrentVersion(client, uri);
      assert.deepEqual(d.map((x) => [x.code, x.severity]), [['analysis-limit', 3]]);
      assert.match(d[0].message, /1\.5 MB, over the limit of 1 MB \(setting kubeIpGuard\.maxFileSizeMB/);
      assert.equal(await client.hover(uri, 5, 18), null);
      // Raised: the file is checked.
      client.didChangeConfiguration({ cluster: { mode: 'off' }, maxFileSizeMB: 2 });
      const after = await client.waitForDiagnostics(uri, (x) => x.some((y) => y.code === 'externalip-node'), 30_000);
      // (Its thousands of findings meet the per-file cap of diagnostics, another analysis-limit; not the size one.)
      assert.ok(!after.some((x) => x.code === 'analysis-limit' && /skipped this file/.test(x.message)));
    } finally {
      await client.stop();
      ws.cleanup();
    }
  });

  test('the CLI\'s --max-file-size skips the file and says so', async () => {
    const ws = makeWorkspace({ 'big.yaml': servicesStream(1.2).replace('10.0.0.0', '192.168.0.11') });
    try {
      const r = await new Promise<{ stdout: string; code: number | null }>((done) =>
        execFile(process.execPath, [resolve('server/out/cli.js'), 'lint', 'big.yaml', '--max-file-size', '1', '--format', 'json'], { cwd: ws.dir }, (err, stdout) => done({ stdout, code: err ? ((err as { code?: number }).code ?? 1) : 0 })),
      );
      const findings = JSON.parse(r.stdout) as { rule: string; severity: string; message: string }[];
      assert.deepEqual(findings.map((f) => [f.rule, f.severity]), [['analysis-limit', 'info']], r.stdout);
      assert.match(findings[0].message, /--max-file-size/);
    } finally {
      ws.cleanup();
    }
  });

  test(
    'merge keys chained deeper than the alias limit: the finding, or an information finding saying what was not followed',
    () => {
      const lines = ['apiVersion: v1', 'kind: Service', 'metadata: {name: chain}', 'x:', '  m0: &m0 {externalIPs: [192.168.0.11]}'];
      for (let i = 1; i < 17; i++) lines.push(`  m${i}: &m${i} {<<: *m${i - 1}, k${i}: v}`);
      lines.push('spec:', '  <<: *m16', '');
      const text = lines.join('\n');
      const a = safeAnalyze(text, FACTS.ipvs);
      assertSpans(text, a);
      assert.ok(a.findings.some((f) => f.rule === 'externalip-node' || f.rule === 'analysis-limit'), `got: ${a.findings.map((f) => f.rule).join(', ') || 'nothing'}`);
    },
  );

  test('merge keys chained up to the alias limit (16) are followed', () => {
    const lines = ['apiVersion: v1', 'kind: Service', 'metadata: {name: chain}', 'x:', '  m0: &m0 {externalIPs: [192.168.0.11]}'];
    for (let i = 1; i < 16; i++) lines.push(`  m${i}: &m${i} {<<: *m${i - 1}, k${i}: v}`);
    lines.push('spec:', '  <<: *m15', '');
    const text = lines.join('\n');
    const a = safeAnalyze(text, FACTS.ipvs);
    assert.ok(a.findings.some((f) => f.rule === 'externalip-node'));
  });

  test('an alias bomb (9^9 leaves) and 5,000 anchors return within 2 s each', () => {
    const bomb = ['apiVersion: v1', 'kind: Service', 'metadata: {name: bomb}', 'spec:', '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i <= 8; i++) bomb.push(`  ${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    bomb.push('  externalIPs: *i', '');
    const anchors = ['apiVersion: v1', 'kind: Service', 'metadata: {name: anchors}', 'spec:', '  x:'];
    for (let i = 0; i < 5000; i++) anchors.push(`    k${i}: &a${i} ${i === 0 ? '192.168.0.11' : `[*a${i - 1}, *a${i - 1}]`}`);
    anchors.push('  externalIPs: *a4999', '');
    for (const text of [bomb.join('\n'), anchors.join('\n')]) {
      const t0 = Date.now();
      assertSpans(text, safeAnalyze(text, FACTS.ipvs));
      assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
    }
  });
});

describe('limits that are missing', () => {
  test('a stream of 100,000 documents (no document-count limit exists): analyzed within 10 s', () => {
    const text = Array.from({ length: 100_000 }, (_, i) => `clusterIP: 10.0.${(i >> 8) & 255}.${i & 255}\n`).join('---\n');
    const t0 = Date.now();
    assertSpans(text, analyze(text, FACTS.ipvs));
    console.log(`# 100,000 documents: ${Date.now() - t0} ms`);
    assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
  });

  test(
    'nesting deeper than a limit is reported as an analysis limit, not as a YAML syntax error "Maximum call stack size exceeded"',
    () => {
      const text = `apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  deep: ${'['.repeat(3000)}1${']'.repeat(3000)}\n  externalIPs: [192.168.0.11]\n`;
      const a = analyze(text, FACTS.ipvs);
      assert.ok(!a.findings.some((f) => /call stack/.test(f.message)), a.findings.map((f) => f.message).join('\n'));
      assert.ok(a.findings.some((f) => f.rule === 'analysis-limit' && /nest/i.test(f.message)));
    },
  );

  test(
    'while a 10 MB stream of Services is analyzed, a hover on another document waits < 500 ms',
    { todo: 'open: reading runs in a worker and the rules in slices, but a hover still waited up to 0.8 s (was 1.7 s) with 91,000 Services in one file: receiving the worker\'s model of them and re-checking the small document against them as workspace Services are single blocks on the main thread' },
    async (t) => {
      const ws = makeWorkspace();
      const client = await startServer(ws.dir);
      try {
        const r = await hoverWaitWhileAnalyzing(client, ws.dir, servicesStream(10));
        t.diagnostic(`10 MB stream: longest hover wait ${r.maxWaitMs} ms over ${r.probes} hovers; analysis ${r.analysisMs} ms`);
        console.log(`# 10 MB stream of Services: longest hover wait ${r.maxWaitMs} ms over ${r.probes} hovers; analysis ${r.analysisMs} ms`);
        assert.ok(alive(client));
        assert.ok(r.maxWaitMs < 500, `a hover waited ${r.maxWaitMs} ms`);
      } finally {
        await client.stop();
        ws.cleanup();
      }
    },
  );

  test(
    'while a 2 MB one-line JSON manifest is analyzed, a hover on another document waits < 500 ms',
    async (t) => {
      const ws = makeWorkspace();
      const client = await startServer(ws.dir);
      try {
        const r = await hoverWaitWhileAnalyzing(client, ws.dir, oneLineList(2), 'one-line.json.yaml');
        t.diagnostic(`2 MB one-line: longest hover wait ${r.maxWaitMs} ms; analysis ${r.analysisMs} ms`);
        console.log(`# 2 MB one-line JSON: longest hover wait ${r.maxWaitMs} ms over ${r.probes} hovers; analysis ${r.analysisMs} ms`);
        assert.ok(r.maxWaitMs < 500, `a hover waited ${r.maxWaitMs} ms`);
      } finally {
        await client.stop();
        ws.cleanup();
      }
    },
  );

  test(
    'a 5 MB manifest on disk does not block the server while the workspace is indexed',
    async (t) => {
      const ws = makeWorkspace();
      writeFileSync(join(ws.dir, 'services.yaml'), servicesStream(5));
      const client = await startServer(ws.dir);
      try {
        // From start-up on: the index reads the workspace in the background while the editor asks for hovers.
        const small = fileUri(join(ws.dir, 'small.yaml'));
        client.open(small, SMALL);
        let maxWaitMs = 0;
        const end = Date.now() + 8000;
        while (Date.now() < end) {
          const t0 = Date.now();
          await client.hover(small, 4, 18);
          maxWaitMs = Math.max(maxWaitMs, Date.now() - t0);
          await new Promise((r) => setTimeout(r, 100));
        }
        t.diagnostic(`indexing a 5 MB file: longest hover wait ${maxWaitMs} ms`);
        console.log(`# indexing a 5 MB file on disk: longest hover wait ${maxWaitMs} ms`);
        assert.ok(maxWaitMs < 500, `a hover waited ${maxWaitMs} ms`);
      } finally {
        await client.stop();
        ws.cleanup();
      }
    },
  );

  test(
    'superseded versions of a big file are abandoned: only the last of 5 quick edits is published',
    async (t) => {
    const ws = makeWorkspace();
    const client = await startServer(ws.dir);
    try {
      const uri = fileUri(join(ws.dir, 'big.yaml'));
      const text = servicesStream(4);
      client.open(uri, text);
      await diagnosticsForCurrentVersion(client, uri, 120_000);
      const versions: (number | undefined)[] = [];
      const set = client.published.set.bind(client.published);
      client.published.set = (k, v) => {
        if (k === uri) versions.push(v.version);
        return set(k, v);
      };
      const t0 = Date.now();
      for (let i = 0; i < 5; i++) {
        client.change(uri, `# edit ${i}\n${text}`);
        await new Promise((r) => setTimeout(r, 60));
      }
      await diagnosticsForCurrentVersion(client, uri, 120_000);
      client.published.set = set;
      t.diagnostic(`5 edits of a 4 MB file: final diagnostics after ${Date.now() - t0} ms; versions published: ${versions.join(', ')}`);
      console.log(`# 5 quick edits of a 4 MB stream: final diagnostics after ${Date.now() - t0} ms; versions published: ${versions.join(', ')}`);
      assert.deepEqual(versions, [client.version(uri)]);
    } finally {
      await client.stop();
      ws.cleanup();
    }
    },
  );

  test('50 MB: hover wait during the analysis of a 50 MB stream of Services, and of a 20 MB one-line file (soak only)', async (t) => {
    if (!process.env.KIG_SOAK) return t.skip('runs under npm run soak (several minutes, > 1 GB)');
    const ws = makeWorkspace();
    const client = await startServer(ws.dir);
    try {
      for (const [name, big] of [['50mb-stream.yaml', servicesStream(50)], ['20mb-one-line.yaml', oneLineList(20)]] as const) {
        const r = await hoverWaitWhileAnalyzing(client, ws.dir, big, name);
        console.log(`# ${name}: longest hover wait ${r.maxWaitMs} ms over ${r.probes} hovers; analysis ${r.analysisMs} ms`);
        assert.ok(alive(client));
      }
    } finally {
      await client.stop();
      ws.cleanup();
    }
  });
});
