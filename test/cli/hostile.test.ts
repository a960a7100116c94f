// The CLI against hostile files and shared directories: control characters in output, an unreadable manifest, the
// config's `ignore`, and where upward config discovery stops and which config files it refuses.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expectExit } from '../childExit';

const CLI = resolve('server/out/cli.js');
const SEED_DIR = resolve('examples/seed-cluster');
const SEED = readFileSync(join(SEED_DIR, 'deployment.yaml'), 'utf8');
const SEED_CONFIG = readFileSync(join(SEED_DIR, '.kube-ip-guard.yaml'), 'utf8');

function run(args: string[], cwd: string, extra: { uid?: number; gid?: number } = {}) {
  const r = expectExit('the CLI', spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...extra }));
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'kig-hostile-'));
}

describe('text output escapes what manifests hold', () => {
  test('ANSI codes, \\r, a forged ::error line and a forged summary stay inside their line', () => {
    const dir = tempDir();
    try {
      const evil = '\\u001b[2K\\r0 problems (0 errors, 0 warnings, 0 info) in 1 file\\n::error file=x.yaml::forged\\u202e';
      writeFileSync(join(dir, 'svc.yaml'), `apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  externalIPs: ["${evil}"]\n`);
      const r = run(['lint', 'svc.yaml', '--node-ip', '192.168.0.11'], dir);
      assert.equal(r.code, 1, r.stderr);
      assert.doesNotMatch(r.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/, 'no control character but the line ends');
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines.length, 2, r.stdout);
      // The API server quotes the value with Go's %q (strconv.Quote), and so does the message: escaped at the source.
      assert.match(lines[0], /^svc\.yaml:5:17 error .*Invalid value: "\\x1b\[2K\\r0 problems .*\\n::error file=x\.yaml::forged\\u202e".*\[externalip-invalid\]$/);
      assert.ok(!lines.some((l) => l.startsWith('::')), 'no workflow command');
      assert.equal(lines.filter((l) => / problems? \(/.test(l) && !l.includes('[')).length, 1, 'one summary');
      // JSON keeps the message as the engine wrote it: the value in Go's %q quoting, as the API server prints it.
      const json = run(['lint', 'svc.yaml', '--node-ip', '192.168.0.11', '--format', 'json'], dir);
      assert.ok(JSON.parse(json.stdout)[0].message.includes('"\\x1b[2K\\r0 problems'), json.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a file name that would start a workflow command is shown as ./::...', () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, '::error::x.yaml'), SEED);
      const r = run(['lint', '.', '--node-ip', '192.168.0.11'], dir);
      assert.match(r.stdout, /^\.\/::error::x\.yaml:29:5 error/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('an unreadable manifest', () => {
  test('is reported as an error line, the rest is checked and shown, exit 2', async () => {
    const dir = tempDir();
    const server = createServer();
    try {
      writeFileSync(join(dir, 'good.yaml'), SEED);
      // A socket cannot be opened as a file, even by root (chmod 000 would not stop root).
      await new Promise<void>((r) => server.listen(join(dir, 'bad.yaml'), r));
      const r = run(['lint', 'bad.yaml', 'good.yaml', '--node-ip', '192.168.0.11'], dir);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^bad\.yaml: error: cannot be read: /m);
      assert.match(r.stderr, /1 file could not be read; the others were checked/);
      assert.doesNotMatch(r.stderr, /nothing was checked/);
      assert.match(r.stdout, /^good\.yaml:29:5 error .*\[externalip-node\]$/m, 'the real finding stays visible');
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the config's ignore", () => {
  test('files it matches are not checked, found in a directory or named on the command line', () => {
    const dir = tempDir();
    try {
      mkdirSync(join(dir, 'rendered'));
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), `${SEED_CONFIG}\nignore: [rendered/**]\n`);
      writeFileSync(join(dir, 'rendered', 'svc.yaml'), SEED);
      writeFileSync(join(dir, 'app.yaml'), SEED);
      const r = run(['lint', '.', '--format', 'json'], dir);
      assert.deepEqual(JSON.parse(r.stdout).map((f: { file: string }) => f.file), ['app.yaml']);
      const named = run(['lint', 'rendered/svc.yaml'], dir);
      assert.equal(named.code, 0);
      assert.match(named.stderr, /skipped rendered\/svc\.yaml: ignored by \.kube-ip-guard\.yaml/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('upward config discovery', () => {
  test('stops at the repository root or the current directory, whichever is nearer, and says which config it used', () => {
    const dir = tempDir();
    try {
      // A planted config above the repository that would turn the rule off.
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), 'rules: {externalip-node: off}\nnodes: [{name: x, addresses: [10.9.9.9]}]\n');
      mkdirSync(join(dir, 'repo', '.git'), { recursive: true });
      mkdirSync(join(dir, 'repo', 'apps', 'web'), { recursive: true });
      writeFileSync(join(dir, 'repo', 'apps', 'web', 'svc.yaml'), SEED);
      const outside = run(['lint', join(dir, 'repo', 'apps', 'web', 'svc.yaml'), '--node-ip', '192.168.0.11'], tmpdir());
      assert.equal(outside.code, 1, 'the repository root bounds the search: the planted config is not used');
      assert.doesNotMatch(outside.stderr, /using /);
      // From inside the repository, the current directory bounds it too.
      writeFileSync(join(dir, 'repo', '.kube-ip-guard.yaml'), 'rules: {externalip-node: off}\n');
      const inApps = run(['lint', 'web', '--node-ip', '192.168.0.11'], join(dir, 'repo', 'apps'));
      assert.equal(inApps.code, 1, 'the repository config above the current directory is not used');
      const atRoot = run(['lint', 'apps', '--node-ip', '192.168.0.11'], join(dir, 'repo'));
      assert.equal(atRoot.code, 0);
      assert.match(atRoot.stderr, /^kube-ip-guard: using \.kube-ip-guard\.yaml$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a config file in a world-writable directory, or itself world-writable, is not used, and the CLI says so', () => {
    const dir = tempDir();
    try {
      const shared = join(dir, 'shared');
      mkdirSync(shared);
      chmodSync(shared, 0o1777);
      writeFileSync(join(shared, '.kube-ip-guard.yaml'), 'rules: {externalip-node: off}\n');
      writeFileSync(join(shared, 'svc.yaml'), SEED);
      const r = run(['lint', 'svc.yaml', '--node-ip', '192.168.0.11'], shared);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /not using \.kube-ip-guard\.yaml: its directory is writable by every user/);
      const own = join(dir, 'own');
      mkdirSync(own);
      writeFileSync(join(own, '.kube-ip-guard.yaml'), 'rules: {externalip-node: off}\n');
      chmodSync(join(own, '.kube-ip-guard.yaml'), 0o666);
      writeFileSync(join(own, 'svc.yaml'), SEED);
      const r2 = run(['lint', 'svc.yaml', '--node-ip', '192.168.0.11'], own);
      assert.equal(r2.code, 1);
      assert.match(r2.stderr, /not using \.kube-ip-guard\.yaml: it is writable by every user/);
      chmodSync(join(own, '.kube-ip-guard.yaml'), 0o644);
      assert.equal(run(['lint', 'svc.yaml', '--node-ip', '192.168.0.11'], own).code, 0, 'the same file, safe, is used');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a config file owned by another user is not used', { skip: process.getuid?.() !== 0 && 'needs root to run as two users' }, () => {
    const dir = tempDir();
    try {
      chmodSync(dir, 0o755);
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), 'rules: {externalip-node: off}\n');
      writeFileSync(join(dir, 'svc.yaml'), SEED);
      const nobody = { uid: 65534, gid: 65534 };
      // Owned by root: used (ssh's rule: yours or root's).
      assert.equal(run(['lint', 'svc.yaml', '--node-ip', '192.168.0.11'], dir, nobody).code, 0);
      chownSync(join(dir, '.kube-ip-guard.yaml'), 4242, 4242);
      const r = run(['lint', 'svc.yaml', '--node-ip', '192.168.0.11'], dir, nobody);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /not using \.kube-ip-guard\.yaml: it is owned by another user \(uid 4242\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bounded reads', () => {
  test('/dev/zero as a path is read up to the size limit and reported as skipped, not read forever', () => {
    const r = run(['lint', '/dev/zero', '--max-file-size', '1', '--node-ip', '192.168.0.11', '--format', 'json'], process.cwd());
    assert.equal(r.code, 0, r.stderr);
    const [f] = JSON.parse(r.stdout);
    assert.equal(f.rule, 'analysis-limit');
    assert.match(f.message, /over the limit of 1 MB/);
  });

  test('the limit counts characters, not bytes: 1.8 MB of 3-byte characters under a 1 MB limit is checked', () => {
    const dir = tempDir();
    try {
      const text = `# ${'€'.repeat(600_000)}\n${SEED}`;
      assert.ok(Buffer.byteLength(text) > 1.5 * 1048576 && text.length < 1048576);
      writeFileSync(join(dir, 'wide.yaml'), text);
      const args = ['lint', '-', '--stdin-filename', 'wide.yaml', '--max-file-size', '1', '--node-ip', '192.168.0.11', '--format', 'json'];
      const r = expectExit('cat | the CLI', spawnSync('sh', ['-c', `cat wide.yaml | '${process.execPath}' '${CLI}' ${args.map((a) => `'${a}'`).join(' ')}`], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 24 }));
      assert.equal(r.status, 1, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout).map((f: { rule: string }) => f.rule), ['externalip-node']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('links that would make the CLI search the machine', () => {
  test('a link to /, to .. or into /proc is not followed, and said so', () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, 'svc.yaml'), SEED);
      symlinkSync('/', join(dir, 'root'));
      symlinkSync('..', join(dir, 'up'));
      symlinkSync('/proc/self', join(dir, 'self'));
      const r = run(['lint', '.', '--node-ip', '192.168.0.11'], dir);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /in 1 file\n$/);
      assert.match(r.stderr, /skipped root: it leads to \/, which holds the directory being searched/);
      assert.match(r.stderr, /skipped up: it leads to .*, which holds the directory being searched/);
      assert.match(r.stderr, /skipped self: \/proc\/\d+ is a system directory, never searched/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('node manifests the config names', () => {
  test('one large node list named fifty times and a named pipe: the list read once, the pipe refused at once, exit 2 with both reported', () => {
    const dir = tempDir();
    try {
      mkdirSync(join(dir, '.git'));
      const nodes = ['apiVersion: v1', 'kind: NodeList', 'items:'];
      for (let i = 0; i < 5000; i++) nodes.push(`- {apiVersion: v1, kind: Node, metadata: {name: node-${i}}, status: {addresses: [{type: InternalIP, address: 10.9.${(i >> 8) & 255}.${i & 255}}]}}`);
      writeFileSync(join(dir, 'nodes.yaml'), nodes.join('\n') + '\n');
      spawnSync('mkfifo', [join(dir, 'fifo.yaml')]);
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), `nodeManifests: [${Array(50).fill('nodes.yaml').join(', ')}]\n`);
      writeFileSync(join(dir, 'svc.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  externalIPs: [10.9.1.7]\n');
      const r = run(['lint', 'svc.yaml'], dir);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /svc\.yaml:5:\d+ error 10\.9\.1\.7 is the InternalIP of node node-263/);
      // A named pipe among them (a config error, as a missing file is): refused without opening it for reading.
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), `nodeManifests: [${[...Array(50).fill('nodes.yaml'), 'fifo.yaml'].join(', ')}]\n`);
      const p = run(['lint', 'svc.yaml'], dir);
      assert.equal(p.code, 2, p.stdout + p.stderr);
      assert.match(p.stderr, /nodeManifests: fifo\.yaml is a named pipe, not a regular file; not read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the CLI and a planted config's host names", () => {
  test('a config above the repository naming x.attacker.invalid is never read, so never looked up; the repository\'s own is', () => {
    const dir = tempDir();
    try {
      // Every lookup the CLI makes is recorded and answered "not found": nothing leaves the machine.
      const log = join(dir, 'lookups.txt');
      const preload = join(dir, 'dns-preload.cjs');
      writeFileSync(log, '');
      writeFileSync(
        preload,
        `const fs = require('node:fs');
const record = (host) => fs.appendFileSync(${JSON.stringify(log)}, host + '\\n');
const notFound = (host) => Object.assign(new Error('getaddrinfo ENOTFOUND ' + host), { code: 'ENOTFOUND' });
require('node:dns/promises').lookup = async (host) => { record(host); throw notFound(host); };
require('node:dns').lookup = (host, opts, cb) => { record(host); (cb || opts)(notFound(host)); };
`,
      );
      const lint = (cwd: string) =>
        spawnSync(process.execPath, ['--require', preload, CLI, 'lint', join(dir, 'repo', 'svc.yaml'), '--node-ip', '192.168.0.11'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const lookups = () => readFileSync(log, 'utf8').split('\n').filter(Boolean);
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), 'apiServer: [x.attacker.invalid:6443]\n');
      mkdirSync(join(dir, 'repo', '.git'), { recursive: true });
      writeFileSync(join(dir, 'repo', 'svc.yaml'), SEED);
      const planted = lint(tmpdir());
      assert.equal(planted.status, 1, planted.stderr);
      assert.deepEqual(lookups(), [], 'the planted config is not read: no lookup');
      // The observer works: the repository's own config is read, and its name looked up.
      writeFileSync(join(dir, 'repo', '.kube-ip-guard.yaml'), 'apiServer: [y.attacker.invalid:6443]\n');
      const own = lint(join(dir, 'repo'));
      assert.match(own.stderr, /could not resolve y\.attacker\.invalid/);
      assert.deepEqual(lookups(), ['y.attacker.invalid']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
