// Small texts that ask for a lot of work: one anchored list aliased by 1,000 Services, merge-key chains of fan-out 10
// over 16 levels, 100,000 compact nested sequences on one line, one anchored spec with many ports aliased by every
// item of a List. Each goes through the engine, the CLI and the server: an answer (a generous timeout only bounds a
// hang), the limit said once as `analysis-limit`, what is not amplified still found, memory reported (and bounded
// only generously), the other documents still served.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { analyze } from '../../server/src/engine/index';
import { loadFolderFacts } from '../../server/src/facts/workspaceFacts';
import { NodeManifestLoader } from '../../server/src/facts/nodeManifests';
import { fileUri, type LspTestClient } from '../protocol/lspClient';
import { assertSpans, safeAnalyze } from './check';
import { aliasedSpecs, aliasFanOut, amplificationArb, compactNesting, counted, FACTS, fuzzConfig, mergeKeyBomb, portsTimesAddresses, reportCases, reusedAnchors, wideMap } from './gen';
import { alive, assertDiagnosticsInside, diagnosticsForCurrentVersion, makeWorkspace, rssMB, startServer } from './harness';
import { expectExit, fromExecFile } from '../childExit';

after(() => reportCases('amplification'));

const GB = 1024;
const SMALL = 'apiVersion: v1\nkind: Service\nmetadata: {name: small}\nspec:\n  externalIPs: [192.168.0.11]\n';

interface Shape {
  name: string;
  text: string;
  found: string[];
}
const ALL = (): (Shape & { limit: boolean })[] => [...SHAPES.map((s) => ({ ...s, limit: true })), ...WIDE.map((s) => ({ ...s, limit: false }))];

/** The shapes at their full sizes, with what must still be found in each. */
const SHAPES: Shape[] = [
  // s0's own list holds the node's address; the 999 aliases repeat it 2,999,999 times more.
  { name: 'alias-fan-out.yaml', text: aliasFanOut(3000, 1000), found: ['externalip-node'] },
  { name: 'alias-fan-out-block.yaml', text: aliasFanOut(3000, 1000, true), found: ['externalip-node'] },
  // The direct `externalIPs` key beside the merge is found; the merged chain is where the work is cut.
  { name: 'merge-bomb.yaml', text: mergeKeyBomb(10, 16), found: ['externalip-node'] },
  { name: 'compact-nesting.yaml', text: compactNesting(100_000), found: [] },
  { name: 'aliased-specs.yaml', text: aliasedSpecs(1000, 300), found: ['externalip-node'] },
  // 3,000 addresses × 3,000 ports in one Service: 9,000,000 triples for the port-clash rule, from 70 KB.
  { name: 'ports-times-addresses.yaml', text: portsTimesAddresses(3000, 3000), found: ['externalip-node'] },
];

/** Shapes that are costly without any limit being met: an answer with the findings, and no analysis-limit. */
const WIDE: Shape[] = [
  // 20,000 uses of one anchor name: each alias finds its anchor without scanning the others.
  { name: 'reused-anchors.yaml', text: reusedAnchors(20_000), found: ['externalip-node'] },
  // A map of 100,000 keys: duplicate keys found in one pass, not by comparing every pair.
  { name: 'wide-map.yaml', text: wideMap(100_000), found: ['externalip-node'] },
  { name: 'wide-map-duplicate.yaml', text: wideMap(100_000, true), found: ['yaml-syntax', 'externalip-node'] },
];

function heapMB(): number {
  return process.memoryUsage().heapUsed / 1048576;
}

describe('amplification: the engine', () => {
  for (const shape of SHAPES) {
    test(`${shape.name} (${(shape.text.length / 1024).toFixed(0)} KB): answers, says the limit once, still finds ${shape.found.join(', ') || 'the limit'}`, (t) => {
      const before = heapMB();
      const a = safeAnalyze(shape.text, FACTS.ipvs);
      const grown = heapMB() - before;
      t.diagnostic(`${shape.name}: ${a.findings.length} findings, heap +${grown.toFixed(0)} MB`);
      console.log(`# engine ${shape.name}: ${a.findings.length} findings, heap +${grown.toFixed(0)} MB`);
      assertSpans(shape.text, a);
      const limits = a.findings.filter((f) => f.rule === 'analysis-limit');
      assert.equal(limits.length, 1, limits.map((f) => f.message).join('\n'));
      assert.ok(!a.findings.some((f) => /call stack/i.test(f.message)), 'no stack overflow reported as a syntax error');
      for (const rule of shape.found) assert.ok(a.findings.some((f) => f.rule === rule), `${rule} in ${a.findings.map((f) => f.rule).join(', ')}`);
      assert.ok(grown < GB, `heap grew ${grown.toFixed(0)} MB`);
    });
  }

  test('compact nesting: the limit is the nesting limit, not a YAML syntax error', () => {
    const a = analyze(compactNesting(100_000), FACTS.ipvs);
    assert.deepEqual(a.findings.map((f) => f.rule), ['analysis-limit']);
    assert.match(a.findings[0].message, /nests deeper than/);
  });

  for (const shape of WIDE) {
    test(`${shape.name} (${(shape.text.length / 1024).toFixed(0)} KB): answers with ${shape.found.join(', ')} and no limit`, () => {
      const a = safeAnalyze(shape.text, FACTS.ipvs);
      assertSpans(shape.text, a);
      assert.deepEqual([...new Set(a.findings.map((f) => f.rule))].filter((r) => r !== 'externalip-deprecated').sort(), [...shape.found].sort());
    });
  }

  test('a repeated key is the YAML syntax error the parser would give, at the repetition', () => {
    const text = wideMap(3, true);
    const a = analyze(text, FACTS.ipvs);
    const syntax = a.findings.filter((f) => f.rule === 'yaml-syntax');
    assert.deepEqual(syntax.map((f) => [f.message, text.slice(f.span.start, f.span.start + 5)]), [['YAML syntax error: Map keys must be unique', 'k0: a']]);
    assert.equal(analyze('a: 1\nb: {x: 1, x: 2}\n# externalIPs\nkind: Service\napiVersion: v1\n', FACTS.ipvs).findings.filter((f) => f.rule === 'yaml-syntax').length, 1);
  });

  test('one anchor name reused 20,000 times: every alias means the anchor just before it', () => {
    const text = reusedAnchors(20_000);
    const a = analyze(text, FACTS.ipvs);
    // `[*a, 192.168.0.11]`: the alias is the last anchor (10.0.78.31), no finding; the literal collides.
    assert.deepEqual(a.findings.map((f) => f.rule).filter((r) => r !== 'externalip-deprecated'), ['externalip-node']);
    const svc = a.model.objects[0];
    assert.ok(svc.kind === 'Service');
    assert.equal(svc.externalIPs?.[0].value, '10.0.78.31');
  });

  test('a stream of 300 alias-heavy documents: one analysis-limit for the file', () => {
    const doc = aliasFanOut(200, 200).replace('kind: List', 'kind: List\n# externalIPs');
    const text = Array(300).fill(doc).join('---\n');
    const a = analyze(text, FACTS.ipvs);
    assert.equal(a.findings.filter((f) => f.rule === 'analysis-limit').length, 1);
  });

  test('property: every amplification shape at any size answers with spans inside the text', () => {
    fc.assert(
      fc.property(amplificationArb, counted('engine: amplification shapes', (text: string) => assertSpans(text, safeAnalyze(text, FACTS.ipvs)))),
      fuzzConfig(40),
    );
  });
});

describe('amplification: a config naming one node manifest 50 times', () => {
  test('the manifest is read once per load, its nodes and source counted once; unchanged, it is not read again', async () => {
    const nodes = ['apiVersion: v1', 'kind: NodeList', 'items:'];
    for (let i = 0; i < 2000; i++) nodes.push(`- {apiVersion: v1, kind: Node, metadata: {name: n${i}}, status: {addresses: [{type: InternalIP, address: 10.${(i >> 8) & 255}.${i & 255}.1}]}}`);
    const workspace = makeWorkspace({
      '.kube-ip-guard.yaml': `nodeManifests: [${Array(50).fill('nodes.yaml').join(', ')}]\n`,
      'nodes.yaml': nodes.join('\n') + '\n',
    });
    after(() => workspace.cleanup());
    const ws = workspace.dir;
    // Dated back: a file changed less than 2 s before it is read is read again (racy), whatever its stamp.
    utimesSync(join(ws, 'nodes.yaml'), new Date(2020, 0, 1), new Date(2020, 0, 1));
    const loader = new NodeManifestLoader();
    let reads = 0;
    loader.onRead(() => reads++);
    const configPath = join(ws, '.kube-ip-guard.yaml');
    const first = await loadFolderFacts({ configPath, trusted: true, nodeManifests: loader });
    assert.equal(reads, 1);
    assert.equal(first.facts.nodes.length, 2000);
    assert.equal(first.facts.sources.filter((s) => /nodes\.yaml/.test(s.label)).length, 1, JSON.stringify(first.facts.sources));
    // Loaded again (a keystroke in the config): the same facts, the file not read again.
    const again = await loadFolderFacts({ configPath, trusted: true, nodeManifests: loader });
    assert.equal(reads, 1);
    assert.deepEqual(again.facts.nodes.map((n) => n.name), first.facts.nodes.map((n) => n.name));
  });
});

/** Run the built CLI in `dir` with a 1 GB heap; its peak RSS is written by a preloaded exit hook. */
async function runCli(dir: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; maxRssMB: number }> {
  const hook = join(dir, 'report-rss.cjs');
  writeFileSync(hook, "process.on('exit', () => process.stderr.write(`maxRSS ${process.resourceUsage().maxRSS}\\n`));\n");
  const r = await new Promise<ReturnType<typeof fromExecFile>>((done) =>
    execFile(process.execPath, ['--max-old-space-size=1024', '-r', hook, resolve('server/out/cli.js'), ...args], { cwd: dir, maxBuffer: 256 * 1024 * 1024, timeout: 300_000 }, (err, stdout, stderr) => done(fromExecFile(err, stdout, stderr))),
  );
  // A heap overrun (a crash) or a kill is reported as such, never read as exit status 1.
  expectExit('the CLI', r);
  const m = /maxRSS (\d+)/.exec(r.stderr);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, maxRssMB: m ? Number(m[1]) / 1024 : NaN };
}

describe('amplification: the CLI', () => {
  for (const shape of ALL()) {
    test(`${shape.name}: exits with the findings, within a 1 GB heap`, async (t) => {
      const ws = makeWorkspace({ [shape.name]: shape.text, 'small.yaml': SMALL });
      try {
        const r = await runCli(ws.dir, ['lint', '.', '--format', 'json']);
        t.diagnostic(`${shape.name}: exit ${r.code}, peak RSS ${r.maxRssMB.toFixed(0)} MB`);
        console.log(`# CLI ${shape.name}: exit ${r.code}, peak RSS ${r.maxRssMB.toFixed(0)} MB`);
        assert.equal(r.code, 1, r.stderr);
        const findings = JSON.parse(r.stdout) as { file: string; rule: string }[];
        const mine = findings.filter((f) => f.file === shape.name);
        assert.equal(mine.filter((f) => f.rule === 'analysis-limit').length, shape.limit ? 1 : 0);
        for (const rule of shape.found) assert.ok(mine.some((f) => f.rule === rule), rule);
        assert.ok(findings.some((f) => f.file === 'small.yaml' && f.rule === 'externalip-node'), 'the other file is still checked');
        assert.ok(r.maxRssMB < 2 * GB, `peak RSS ${r.maxRssMB} MB`);
      } finally {
        ws.cleanup();
      }
    });
  }
});

describe('amplification: the server', () => {
  let ws: ReturnType<typeof makeWorkspace>;
  let client: LspTestClient;
  before(async () => {
    ws = makeWorkspace();
    client = await startServer(ws.dir);
  });
  after(async () => {
    await client.stop();
    ws.cleanup();
  });

  for (const shape of ALL()) {
    test(`${shape.name}: diagnostics, the other document still served, memory reported`, async (t) => {
      const small = fileUri(join(ws.dir, `small-${shape.name}`));
      client.open(small, SMALL);
      await diagnosticsForCurrentVersion(client, small);
      const uri = fileUri(join(ws.dir, shape.name));
      client.open(uri, shape.text);
      const d = await diagnosticsForCurrentVersion(client, uri, 240_000);
      const open = rssMB(client.proc.pid!);
      assertDiagnosticsInside(shape.text, d, uri);
      assert.equal(d.filter((x) => x.code === 'analysis-limit').length, shape.limit ? 1 : 0, d.map((x) => x.message).join('\n'));
      for (const rule of shape.found) assert.ok(d.some((x) => x.code === rule), rule);
      const h = await client.hover(small, 4, 18);
      assert.ok(h, 'the hover on the other document answers');
      client.close(uri);
      client.close(small);
      // After a close the server collects within a second or so; wait for the event of an answered request instead.
      await client.hover(small, 0, 0).catch(() => null);
      const closed = rssMB(client.proc.pid!);
      t.diagnostic(`${shape.name}: server RSS ${open.toFixed(0)} MB while open, ${closed.toFixed(0)} MB after close`);
      console.log(`# server ${shape.name}: RSS ${open.toFixed(0)} MB while open, ${closed.toFixed(0)} MB after close`);
      assert.ok(alive(client), client.describeProcess());
      assert.ok(open < 2 * GB, `server RSS ${open} MB`);
    });
  }
});
