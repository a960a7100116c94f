// Limits: what exists holds (the file size setting, the alias depth), and the server answers other requests while a
// big file is read, shown by the order of events (a hover answered before the big file's diagnostics), never by a
// clock: how fast is the benchmark's business (scripts/bench). The 50 MB shapes run under `npm run soak`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileUri, type LspTestClient } from '../protocol/lspClient';
import { analyze } from '../../server/src/engine/index';
import { assertSpans, safeAnalyze } from './check';
import { alive, diagnosticsForCurrentVersion, makeWorkspace, rssMB, startServer } from './harness';
import { FACTS } from './gen';
import { withTimeout } from '../waitFor';
import { expectExit, fromExecFile } from '../childExit';

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

/** Hovers answered before the event that is enough to show that the server was not blocked. */
const ENOUGH = 5;

/**
 * Open SMALL, then `big`, and hover on SMALL, one hover after the other, until `big`'s diagnostics arrive or ENOUGH
 * hovers were answered before them (a server that blocks on `big` answers none).
 */
async function hoversWhileAnalyzing(client: LspTestClient, dir: string, big: string, name = 'big.yaml'): Promise<{ answeredBefore: number; probes: number }> {
  const small = fileUri(join(dir, `small-${name}`));
  client.open(small, SMALL);
  await diagnosticsForCurrentVersion(client, small);
  const uri = fileUri(join(dir, name));
  client.published.delete(uri);
  client.open(uri, big);
  let done = false;
  const diagnostics = diagnosticsForCurrentVersion(client, uri, 600_000).then(() => (done = true));
  let answeredBefore = 0;
  let probes = 0;
  while (!done && answeredBefore < ENOUGH) {
    const h = await withTimeout(client.hover(small, 4, 18), 'a hover on the small document', 600_000);
    assert.ok(h, 'the hover on the small document answers');
    probes++;
    if (!done) answeredBefore++;
  }
  await diagnostics;
  client.close(uri);
  client.close(small);
  return { answeredBefore, probes };
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
      const after = await client.waitForDiagnostics(uri, (x) => x.some((y) => y.code === 'externalip-node'), 60_000);
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
      const r = expectExit('the CLI', await new Promise<ReturnType<typeof fromExecFile>>((done) =>
        execFile(process.execPath, [resolve('server/out/cli.js'), 'lint', 'big.yaml', '--max-file-size', '1', '--format', 'json'], { cwd: ws.dir }, (err, stdout, stderr) => done(fromExecFile(err, stdout, stderr))),
      ));
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

  // The hang bound is the test's timeout; what is asserted is that aliases are not expanded into their leaves.
  test('an alias bomb (9^9 leaves) and 5,000 chained anchors (2^5000 leaves): one finding per entry, nothing expanded', { timeout: 120_000 }, () => {
    const bomb = ['apiVersion: v1', 'kind: Service', 'metadata: {name: bomb}', 'spec:', '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i <= 8; i++) bomb.push(`  ${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    bomb.push('  externalIPs: *i', '');
    const anchors = ['apiVersion: v1', 'kind: Service', 'metadata: {name: anchors}', 'spec:', '  x:'];
    for (let i = 0; i < 5000; i++) anchors.push(`    k${i}: &a${i} ${i === 0 ? '192.168.0.11' : `[*a${i - 1}, *a${i - 1}]`}`);
    anchors.push('  externalIPs: *a4999', '');
    for (const [text, entries] of [[bomb.join('\n'), 9], [anchors.join('\n'), 2]] as const) {
      const a = safeAnalyze(text, FACTS.ipvs);
      assertSpans(text, a);
      // Each entry of externalIPs is itself a list: invalid, and its leaves (the node's address among them) unread.
      assert.equal(a.findings.filter((f) => f.rule === 'externalip-invalid').length, entries);
      assert.ok(!a.findings.some((f) => f.rule === 'externalip-node'));
    }
  });
});

describe('limits that are missing', () => {
  test('a stream of 100,000 documents (no document-count limit exists) is analyzed', { timeout: 300_000 }, () => {
    const text = Array.from({ length: 100_000 }, (_, i) => `clusterIP: 10.0.${(i >> 8) & 255}.${i & 255}\n`).join('---\n');
    assertSpans(text, analyze(text, FACTS.ipvs));
    const last = 'apiVersion: v1\nkind: Service\nmetadata: {name: last}\nspec:\n  externalIPs: [192.168.0.11]\n';
    assert.ok(analyze(`${text}---\n${last}`, FACTS.ipvs).findings.some((f) => f.rule === 'externalip-node'), 'the Service after 100,000 documents is checked');
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
    'while a 10 MB stream of Services is analyzed in the worker, hovers on another document and on the big one are answered; its diagnostics come after; memory reported',
    async (t) => {
      const ws = makeWorkspace();
      const client = await startServer(ws.dir);
      try {
        const small = fileUri(join(ws.dir, 'small.yaml'));
        client.open(small, SMALL);
        await diagnosticsForCurrentVersion(client, small);
        const before = rssMB(client.proc.pid!);
        // 91,000 Services; the first one's address is a node's (line 5: `  externalIPs: [192.168.0.11]`).
        const big = servicesStream(10).replace('10.0.0.0', '192.168.0.11');
        const uri = fileUri(join(ws.dir, 'big.yaml'));
        const events: string[] = [];
        let published = false;
        const diagnostics = diagnosticsForCurrentVersion(client, uri, 600_000).then((d) => {
          published = true;
          events.push('diagnostics');
          return d;
        });
        client.open(uri, big);
        // Both hovers are asked at once, while the big file's analysis has only begun: the small document's is
        // answered by the main thread, the big one's by the worker from the analysis in flight.
        const [onSmall, onBig] = await Promise.all([
          withTimeout(client.hover(small, 4, 18), 'a hover on the small document', 600_000).then((h) => (events.push(published ? 'small after' : 'small'), h)),
          withTimeout(client.hover(uri, 5, 20), 'a hover on the big document', 600_000).then((h) => (events.push(published ? 'big after' : 'big'), h)),
        ]);
        const d = await diagnostics;
        const during = rssMB(client.proc.pid!);
        t.diagnostic(`events: ${events.join(', ')}; server RSS ${before.toFixed(0)} MB before, ${during.toFixed(0)} MB with the 10 MB file open`);
        assert.ok(alive(client));
        assert.match(JSON.stringify(onSmall?.contents), /k8s-node-1/);
        assert.match(JSON.stringify(onBig?.contents), /k8s-node-1/, 'the big document\'s hover names the node its first Service collides with');
        assert.deepEqual(onBig?.range, { start: { line: 5, character: 16 }, end: { line: 5, character: 28 } });
        // The order of events, never a clock: both hovers first (in either order), then the diagnostics.
        assert.deepEqual([...events.slice(0, 2)].sort(), ['big', 'small'], events.join(', '));
        assert.equal(events[2], 'diagnostics');
        assert.ok(d.some((x) => x.code === 'externalip-node' && x.range.start.line === 5), 'the diagnostics of the big file name the node collision');
      } finally {
        await client.stop();
        ws.cleanup();
      }
    },
  );

  test('a file whose analysis needs more memory than the worker may take: an analysis-limit diagnostic, the server goes on, the next large file gets a new worker', async () => {
    const ws = makeWorkspace();
    // A worker heap of 64 MB: a 2 MB one-line List (a few hundred MB parsed) is too much for it.
    const client = await startServer(ws.dir, { env: { ...process.env, KUBE_IP_GUARD_WORKER_HEAP_MB: '64' } });
    try {
      const small = fileUri(join(ws.dir, 'small.yaml'));
      client.open(small, SMALL);
      await diagnosticsForCurrentVersion(client, small);
      const uri = fileUri(join(ws.dir, 'huge.yaml'));
      client.open(uri, oneLineList(2));
      const d = await diagnosticsForCurrentVersion(client, uri, 600_000);
      assert.deepEqual(d.map((x) => x.code), ['analysis-limit']);
      assert.match(d[0].message, /needs more than 64 MB of memory/);
      assert.ok(alive(client));
      assert.match(JSON.stringify((await client.hover(small, 4, 18))?.contents), /k8s-node-1/);
      // A file the worker can hold is analyzed there again.
      const next = fileUri(join(ws.dir, 'next.yaml'));
      client.open(next, servicesStream(0.1).replace('10.0.0.0', '192.168.0.11'));
      assert.ok((await diagnosticsForCurrentVersion(client, next, 600_000)).some((x) => x.code === 'externalip-node'));
    } finally {
      await client.stop();
      ws.cleanup();
    }
  });

  test('the worker is stopped when the server grows near its heap limit, before V8 may abort the whole process (nodejs/node#47224)', async () => {
    const ws = makeWorkspace();
    // A 512 MB worker heap and an 8 MB one-line List, which parses into more than 1 GB: the server's growth is seen
    // (every 100 ms) before the worker's heap reaches its limit, and the worker is stopped then.
    const client = await startServer(ws.dir, { env: { ...process.env, KUBE_IP_GUARD_WORKER_HEAP_MB: '512' } });
    try {
      const uri = fileUri(join(ws.dir, 'huge.yaml'));
      client.open(uri, oneLineList(8));
      const d = await diagnosticsForCurrentVersion(client, uri, 600_000);
      assert.deepEqual(d.map((x) => x.code), ['analysis-limit']);
      assert.match(d[0].message, /needs more than 512 MB of memory/);
      assert.ok(
        client.logs.some((l) => /the analysis worker was stopped before its heap limit \(512 MB\)/.test(l)),
        `the watchdog stopped the worker (logs: ${client.logs.filter((l) => /worker/.test(l)).join(' | ')})`,
      );
      assert.ok(alive(client));
      const small = fileUri(join(ws.dir, 'small.yaml'));
      client.open(small, SMALL);
      await diagnosticsForCurrentVersion(client, small);
      assert.match(JSON.stringify((await client.hover(small, 4, 18))?.contents), /k8s-node-1/);
    } finally {
      await client.stop();
      ws.cleanup();
    }
  });

  test(
    'while a 2 MB one-line JSON manifest is analyzed, a hover on another document is answered',
    async (t) => {
      const ws = makeWorkspace();
      const client = await startServer(ws.dir);
      try {
        const r = await hoversWhileAnalyzing(client, ws.dir, oneLineList(2), 'one-line.json.yaml');
        t.diagnostic(`2 MB one-line JSON: ${r.answeredBefore} of ${r.probes} hovers answered before its diagnostics`);
        assert.ok(r.answeredBefore >= 1, 'no hover was answered while the big file was analyzed');
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
        // From start-up on: the index reads the workspace in the background while the editor asks for hovers. The
        // small Service claims the address and port of one in services.yaml: the port clash appears once the index
        // has read that file, the event that ends the hovers.
        const small = fileUri(join(ws.dir, 'small.yaml'));
        client.open(small, 'apiVersion: v1\nkind: Service\nmetadata: {name: small}\nspec:\n  externalIPs: [10.0.0.5]\n  ports: [{port: 80}]\n');
        let indexed = false;
        const clash = client.waitForDiagnostics(small, (d) => d.some((x) => x.code === 'externalip-port-clash'), 600_000).then(() => (indexed = true));
        let answeredBefore = 0;
        let probes = 0;
        while (!indexed && answeredBefore < ENOUGH) {
          await withTimeout(client.hover(small, 4, 18), 'a hover on the small document', 600_000);
          probes++;
          if (!indexed) answeredBefore++;
        }
        await clash;
        t.diagnostic(`indexing a 5 MB file: ${answeredBefore} of ${probes} hovers answered before it was indexed`);
        assert.ok(answeredBefore >= 1, 'no hover was answered while the workspace was indexed');
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
      const small = fileUri(join(ws.dir, 'small.yaml'));
      client.open(small, SMALL);
      await diagnosticsForCurrentVersion(client, small);
      const uri = fileUri(join(ws.dir, 'big.yaml'));
      const text = servicesStream(4);
      client.open(uri, text);
      await diagnosticsForCurrentVersion(client, uri, 300_000);
      const versions: (number | undefined)[] = [];
      const set = client.published.set.bind(client.published);
      client.published.set = (k, v) => {
        if (k === uri) versions.push(v.version);
        return set(k, v);
      };
      for (let i = 0; i < 5; i++) {
        client.change(uri, `# edit ${i}\n${text}`);
        // A hover on another document answered means the server has taken this edit and gone back to its loop:
        // the next edit arrives while this one is being analyzed, however fast or slow the machine.
        await withTimeout(client.hover(small, 4, 18), 'a hover on the small document', 120_000);
      }
      await diagnosticsForCurrentVersion(client, uri, 300_000);
      client.published.set = set;
      t.diagnostic(`5 edits of a 4 MB file: versions published: ${versions.join(', ')}`);
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
        const r = await hoversWhileAnalyzing(client, ws.dir, big, name);
        console.log(`# ${name}: ${r.answeredBefore} of ${r.probes} hovers answered before its diagnostics`);
        assert.ok(alive(client));
        assert.ok(r.answeredBefore >= 1, 'no hover was answered while the big file was analyzed');
      }
    } finally {
      await client.stop();
      ws.cleanup();
    }
  });
});
