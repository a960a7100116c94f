// Node manifests (the config's nodeManifests): each file read once however many names lead to it, not read again
// while unchanged on disk, parsed once per content, only regular files within the bound, an open buffer first.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNodeManifest } from '../../server/src/engine/index';
import { NodeManifestLoader } from '../../server/src/facts/nodeManifests';
import { loadFolderFacts } from '../../server/src/facts/workspaceFacts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
/** A file written now is "racy" (see nodeManifests.ts) and read again each time: these tests date theirs back. */
const LONG_AGO = new Date(2020, 0, 1);
function age(path: string, when = LONG_AGO): void {
  utimesSync(path, when, when);
}
function workspace(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'kig-nodemanifests-'));
  dirs.push(d);
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(d, name), text);
    age(join(d, name));
  }
  return d;
}

function nodeList(n: number, prefix = 'n'): string {
  const lines = ['apiVersion: v1', 'kind: NodeList', 'items:'];
  for (let i = 0; i < n; i++) lines.push(`- {apiVersion: v1, kind: Node, metadata: {name: ${prefix}${i}}, status: {addresses: [{type: InternalIP, address: 10.1.${(i >> 8) & 255}.${i & 255}}]}}`);
  return lines.join('\n') + '\n';
}

/** A loader that counts disk reads and parses. */
function counting(max?: number) {
  const counts = { reads: [] as string[], parses: 0 };
  const loader = new NodeManifestLoader({
    ...(max ? { max } : {}),
    parse: (text, uri, label) => {
      counts.parses++;
      return Promise.resolve(parseNodeManifest(text, uri, label));
    },
  });
  loader.onRead((p) => counts.reads.push(p));
  return { loader, counts };
}

describe('node manifests', () => {
  test('fifty names of one file (the same path, links, a hard link): read once, parsed once, its nodes counted once', async () => {
    const ws = workspace({ 'nodes.yaml': nodeList(300) });
    for (let i = 0; i < 3; i++) symlinkSync(join(ws, 'nodes.yaml'), join(ws, `link${i}.yaml`));
    linkSync(join(ws, 'nodes.yaml'), join(ws, 'hard.yaml'));
    const names = [...Array(45).fill('nodes.yaml'), './nodes.yaml', 'link0.yaml', 'link1.yaml', 'link2.yaml', 'hard.yaml'];
    writeFileSync(join(ws, '.kube-ip-guard.yaml'), `nodeManifests: [${names.join(', ')}]\n`);
    const { loader, counts } = counting();
    const r = await loadFolderFacts({ configPath: join(ws, '.kube-ip-guard.yaml'), trusted: true, nodeManifests: loader });
    assert.equal(r.facts.nodes.length, 300);
    assert.deepEqual(r.problems, []);
    assert.equal(r.facts.sources.filter((s) => s.kind === 'node-manifest').length, 1, JSON.stringify(r.facts.sources));
    assert.deepEqual(counts.reads, [join(ws, 'nodes.yaml')]);
    assert.equal(counts.parses, 1);
    // Loaded again: unchanged on disk, so not read again.
    const again = await loadFolderFacts({ configPath: join(ws, '.kube-ip-guard.yaml'), trusted: true, nodeManifests: loader });
    assert.equal(again.facts.nodes.length, 300);
    assert.deepEqual([counts.reads.length, counts.parses], [1, 1]);
  });

  test('a keystroke in the config: the manifest neither read nor parsed again; a rewrite is; a touch is read but not parsed', async () => {
    const ws = workspace({ 'nodes.yaml': nodeList(50), '.kube-ip-guard.yaml': 'nodeManifests: [nodes.yaml]\n' });
    const { loader, counts } = counting();
    const load = () => loadFolderFacts({ configPath: join(ws, '.kube-ip-guard.yaml'), trusted: true, nodeManifests: loader });
    await load();
    assert.deepEqual([counts.reads.length, counts.parses], [1, 1]);
    for (let i = 0; i < 20; i++) await load();
    assert.deepEqual([counts.reads.length, counts.parses], [1, 1]);
    writeFileSync(join(ws, 'nodes.yaml'), nodeList(60));
    age(join(ws, 'nodes.yaml'), new Date(2021, 0, 1));
    assert.equal((await load()).facts.nodes.length, 60);
    assert.deepEqual([counts.reads.length, counts.parses], [2, 2]);
    // The same content with a new mtime: read (it may have changed), found by its hash, not parsed.
    age(join(ws, 'nodes.yaml'), new Date(2022, 0, 1));
    assert.equal((await load()).facts.nodes.length, 60);
    assert.deepEqual([counts.reads.length, counts.parses], [3, 2]);
  });

  test('a file changed just before it was read is read again next time: a rewrite in the same timestamp tick, of the same size, keeps the stamp', async () => {
    const ws = workspace({ '.kube-ip-guard.yaml': 'nodeManifests: [nodes.yaml]\n' });
    writeFileSync(join(ws, 'nodes.yaml'), nodeList(3, 'a'));
    const { loader, counts } = counting();
    const load = () => loadFolderFacts({ configPath: join(ws, '.kube-ip-guard.yaml'), trusted: true, nodeManifests: loader });
    assert.deepEqual((await load()).facts.nodes.map((n) => n.name), ['a0', 'a1', 'a2']);
    writeFileSync(join(ws, 'nodes.yaml'), nodeList(3, 'b'));
    assert.deepEqual((await load()).facts.nodes.map((n) => n.name), ['b0', 'b1', 'b2']);
    assert.equal(counts.reads.length, 2);
    // Once its stamp is old enough to trust, it is not read again.
    age(join(ws, 'nodes.yaml'));
    await load();
    await load();
    assert.equal(counts.reads.length, 3);
  });

  test('two loads at once (a reload while the first still reads) share one read', async () => {
    const ws = workspace({ 'nodes.yaml': nodeList(400), '.kube-ip-guard.yaml': 'nodeManifests: [nodes.yaml]\n' });
    const { loader, counts } = counting();
    const load = () => loadFolderFacts({ configPath: join(ws, '.kube-ip-guard.yaml'), trusted: true, nodeManifests: loader });
    const all = await Promise.all([load(), load(), load()]);
    assert.deepEqual(all.map((r) => r.facts.nodes.length), [400, 400, 400]);
    assert.deepEqual([counts.reads.length, counts.parses], [1, 1]);
  });

  test('an open buffer of the manifest wins over the disk, and is not read from disk', async () => {
    const ws = workspace({ 'nodes.yaml': nodeList(5), '.kube-ip-guard.yaml': 'nodeManifests: [nodes.yaml]\n' });
    const { loader, counts } = counting();
    const r = await loadFolderFacts({ configPath: join(ws, '.kube-ip-guard.yaml'), trusted: true, nodeManifests: loader, openText: (p) => (p === join(ws, 'nodes.yaml') ? nodeList(7, 'open') : undefined) });
    assert.deepEqual(r.facts.nodes.map((n) => n.name).slice(0, 2), ['open0', 'open1']);
    assert.equal(counts.reads.length, 0);
  });

  test('a named pipe, /dev/zero, a directory and a file over the bound are refused at once, each with why', async () => {
    const ws = workspace({ 'big.yaml': nodeList(200) });
    execFileSync('mkfifo', [join(ws, 'fifo.yaml')]);
    symlinkSync('/dev/zero', join(ws, 'zero.yaml'));
    writeFileSync(join(ws, '.kube-ip-guard.yaml'), 'nodeManifests: [fifo.yaml, zero.yaml, ., big.yaml, missing.yaml]\n');
    const { loader, counts } = counting(1024);
    const r = await loadFolderFacts({ configPath: join(ws, '.kube-ip-guard.yaml'), trusted: true, nodeManifests: loader });
    const messages = r.problems.map((p) => p.message);
    assert.deepEqual(messages, [
      'nodeManifests: fifo.yaml is a named pipe, not a regular file; not read',
      'nodeManifests: zero.yaml is a device, not a regular file; not read',
      'nodeManifests: . is a directory, not a regular file; not read',
      messages[3],
      'nodeManifests: missing.yaml does not exist or cannot be read',
    ]);
    assert.match(messages[3], /^nodeManifests: big\.yaml is \d+ KiB, over the 1 KiB a node manifest may have; not read$/);
    assert.equal(counts.reads.length, 0);
    assert.ok(r.problems.every((p) => p.severity === 'error'));
  });
});
