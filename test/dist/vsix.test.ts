// The .vsix as `npm run package` makes it (the same vsce options, on the files already built), unpacked: its details
// page (the packaged README) shows the screenshots from inside the package, with an icon and a changelog.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve('.');
let work: string;
let vsix: string;
let entries: string[];
/** unzip unpacks the package here; outside CI a machine without it skips these tests (and says so). */
const haveUnzip = spawnSync('unzip', ['-v']).status === 0;
if (!haveUnzip && process.env.CI === 'true') throw new Error('unzip is not installed (scripts/setup-tests.sh installs it)');
if (!haveUnzip) console.log('vsix suite: skipped, unzip is not installed');

function unzip(...args: string[]): Buffer {
  const r = spawnSync('unzip', args, { maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, String(r.stderr));
  return r.stdout;
}

before(() => {
  if (!haveUnzip) return;
  work = mkdtempSync(join(tmpdir(), 'kig-vsix-'));
  vsix = join(work, 'kube-ip-guard.vsix');
  const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.package;
  const m = /vsce package (.*?) --out /.exec(script);
  assert.ok(m, `npm run package calls vsce package: ${script}`);
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', ...m[1].split(/\s+/), '--out', vsix], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  entries = unzip('-Z1', vsix).toString('utf8').split('\n').filter(Boolean);
});

after(() => work && rmSync(work, { recursive: true, force: true }));

test('the packaged README shows its screenshots from inside the package', { skip: !haveUnzip && 'unzip is not installed' }, () => {
  const readme = unzip('-p', vsix, 'extension/readme.md').toString('utf8');
  const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((x) => x[1]);
  assert.ok(images.length >= 2, 'the screenshots are there');
  for (const src of images) {
    assert.doesNotMatch(src, /^[a-z]+:/i, `${src} is a link into the package, not to a repository`);
    assert.ok(entries.includes(`extension/${src}`), `${src} is in the package`);
    assert.equal(unzip('-p', vsix, `extension/${src}`).subarray(1, 4).toString('latin1'), 'PNG', `${src} is a PNG`);
  }
});

test('every relative link of the packaged README leads to a file in the package', { skip: !haveUnzip && 'unzip is not installed' }, () => {
  const readme = unzip('-p', vsix, 'extension/readme.md').toString('utf8');
  const links = [...readme.matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)].map((x) => x[1]).filter((l) => !/^[a-z]+:/i.test(l));
  assert.ok(links.length > 0);
  const missing = [...new Set(links)].filter((l) => !entries.includes(`extension/${l}`));
  assert.deepEqual(missing, [], 'links broken on the details page: add their files to package.json "files", or do not link them');
});

test('the package has an icon (a PNG of at least 128 px) and a changelog', { skip: !haveUnzip && 'unzip is not installed' }, () => {
  const manifest = unzip('-p', vsix, 'extension.vsixmanifest').toString('utf8');
  const icon = /<Icon>([^<]+)<\/Icon>/.exec(manifest)?.[1];
  assert.equal(icon, 'extension/images/icon.png');
  const png = unzip('-p', vsix, icon);
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  // IHDR: width and height, big-endian, at bytes 16 and 20.
  assert.ok(png.readUInt32BE(16) >= 128 && png.readUInt32BE(20) >= 128, 'the Marketplace asks for 128x128 at least');
  assert.match(manifest, /Type="Microsoft\.VisualStudio\.Services\.Content\.Changelog" Path="extension\/changelog\.md"/);
  assert.match(unzip('-p', vsix, 'extension/changelog.md').toString('utf8'), /^# Changelog\n\n## \d+\.\d+\.\d+/);
  // What runs is in the package; no TypeScript source, tests or node_modules.
  for (const f of ['extension/client/out/extension.js', 'extension/server/out/server.js', 'extension/server/out/readWorker.js', 'extension/server/out/decodeWorker.js', 'extension/server/out/nodeManifestWorker.js', 'extension/server/out/k8s.mjs']) assert.ok(entries.includes(f), f);
  assert.deepEqual(entries.filter((e) => /\.ts$|\/test\/|node_modules/.test(e)), []);
});
