// The artefacts a user installs, tried as a user would: the npm tarball installed offline with an empty cache (both
// binaries, the server, the kubectl plugin through kubectl itself), and the pre-commit hook run as pre-commit runs
// it, from that install, on a staged file list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { describeRun, FollowedChild } from '../childExit';
import { withTimeout } from '../waitFor';

const ROOT = resolve('.');
const SEED = join(ROOT, 'examples', 'seed-cluster');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  files: string[];
  dependencies?: object;
  optionalDependencies?: object;
  peerDependencies?: object;
};

let work: string;
let prefix: string;
let installed: string;
/** No npm_config_* of the npm that runs the tests: the install sees only what the test gives it. */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd ?? work, env: opts.env ?? cleanEnv, input: opts.input, timeout: 120_000 });
  // A run that did not exit by itself (not run, killed, timed out) fails here, saying how it ended.
  if (r.error || r.signal) throw new Error(describeRun(`${cmd} ${args.join(' ')}`, r));
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'kig-dist-'));
  // What `npm pack` puts in the tarball: the files already built by `npm run build` (no lifecycle script runs here,
  // so the other suites' server/out is never rebuilt under them).
  const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT });
  assert.equal(packed.code, 0, packed.stderr);
  const tarball = join(work, (JSON.parse(packed.stdout) as { filename: string }[])[0].filename);
  assert.equal(tarball, join(work, `kube-ip-guard-${pkg.version}.tgz`));
  prefix = join(work, 'prefix');
  const cache = join(work, 'empty-cache');
  mkdirSync(cache);
  const inst = run('npm', ['install', '-g', '--offline', '--prefix', prefix, '--cache', cache, '--no-audit', '--no-fund', tarball]);
  assert.equal(inst.code, 0, `offline install failed:\n${inst.stdout}\n${inst.stderr}`);
  installed = join(prefix, 'lib', 'node_modules', 'kube-ip-guard');
});

after(() => rmSync(work, { recursive: true, force: true }));

test('the package declares no runtime dependency: everything the CLI and the server need is bundled', () => {
  assert.equal(pkg.dependencies, undefined);
  assert.equal(pkg.optionalDependencies, undefined);
  assert.equal(pkg.peerDependencies, undefined);
  assert.ok(!existsSync(join(installed, 'node_modules')), 'the install fetched nothing');
  for (const f of ['server/out/server.js', 'server/out/readWorker.js', 'server/out/decodeWorker.js', 'server/out/nodeManifestWorker.js', 'server/out/k8s.mjs', 'server/out/cli.js', 'server/out/kubectl-ip_guard.js']) {
    assert.ok(existsSync(join(installed, f)), `${f} is in the package`);
  }
});

test('kube-ip-guard and kubectl-ip_guard from the offline install lint the seed example: exit 1, the finding', () => {
  const ws = join(work, 'seed');
  mkdirSync(ws);
  copyFileSync(join(SEED, '.kube-ip-guard.yaml'), join(ws, '.kube-ip-guard.yaml'));
  copyFileSync(join(SEED, 'deployment.yaml'), join(ws, 'deployment.yaml'));
  for (const bin of ['kube-ip-guard', 'kubectl-ip_guard']) {
    assert.ok(pkg.bin[bin], `${bin} is in package.json bin`);
    const r = run(join(prefix, 'bin', bin), ['lint', '.'], { cwd: ws });
    assert.equal(r.code, 1, `${bin}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^deployment\.yaml:29:5 error 192\.168\.0\.11 is the InternalIP of node k8s-node-1.*\[externalip-node\]$/m, bin);
    assert.match(r.stdout, /^1 problem \(1 error/m, bin);
  }
});

test('kubectl ip-guard: help in kubectl layout, and kubectl finds the plugin on PATH', (t) => {
  const help = run(join(prefix, 'bin', 'kubectl-ip_guard'), ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Examples:\n  # .+\n  kubectl ip-guard lint /m);
  assert.match(help.stdout, /^Available Commands:\n  lint +check manifests/m);
  assert.match(help.stdout, /^Usage:\n  kubectl ip-guard \[command\]/m);
  assert.match(help.stdout, /^Use "kubectl ip-guard <command> --help" for more information about a given command\.$/m);
  // Everything but the top-level help is the CLI's own: the same usage errors and exit status.
  const bad = run(join(prefix, 'bin', 'kubectl-ip_guard'), ['lint', '--no-such-option']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown option/);

  if (spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status !== 0) {
    if (process.env.CI === 'true') assert.fail('kubectl is not installed (scripts/setup-tests.sh installs it)');
    t.skip('kubectl is not installed');
    return;
  }
  const env = { ...cleanEnv, PATH: `${join(prefix, 'bin')}${delimiter}${cleanEnv.PATH}`, KUBECONFIG: join(work, 'no-kubeconfig') };
  const r = run('kubectl', ['ip-guard', 'lint', join(SEED, 'deployment.yaml'), '--config', join(SEED, '.kube-ip-guard.yaml')], { env });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /deployment\.yaml:29:5 error .*\[externalip-node\]/);
});

test('the installed language server (kube-ip-guard-language-server) answers initialize over stdio', async () => {
  assert.equal(pkg.bin['kube-ip-guard-language-server'], 'server/out/server.js');
  const proc = spawn(join(prefix, 'bin', 'kube-ip-guard-language-server'), ['--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: cleanEnv });
  const server = new FollowedChild(proc, `the installed server, pid ${proc.pid ?? '?'}`);
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  conn.listen();
  try {
    const initialize = conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} }) as Promise<{ capabilities: { hoverProvider?: unknown } }>;
    const init = await withTimeout(initialize, 'initialize', 60_000).catch((e: Error) => Promise.reject(new Error(`${e.message}\n${server.describe()}`)));
    assert.ok(init.capabilities.hoverProvider, server.describe());
  } finally {
    conn.dispose();
    proc.kill();
  }
});

test('pre-commit hook: its entry, run as pre-commit runs it on the staged YAML files, finds the config per file', () => {
  const hooks = parse(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as { id: string; entry: string; language: string; types: string[]; exclude?: string; pass_filenames?: boolean; args?: string[] }[];
  assert.equal(hooks.length, 1);
  const hook = hooks[0];
  assert.equal(hook.language, 'node');
  assert.deepEqual(hook.types, ['yaml']);
  assert.notEqual(hook.pass_filenames, false, 'the staged files are passed, many per call');

  // A repository with two teams, each with its own config: a file must be checked against the nearest one.
  const repo = join(work, 'repo');
  mkdirSync(join(repo, 'deploy'), { recursive: true });
  mkdirSync(join(repo, 'team-b'), { recursive: true });
  copyFileSync(join(SEED, '.kube-ip-guard.yaml'), join(repo, '.kube-ip-guard.yaml'));
  copyFileSync(join(SEED, 'deployment.yaml'), join(repo, 'deploy', 'app.yaml'));
  writeFileSync(join(repo, 'team-b', '.kube-ip-guard.yaml'), 'nodes:\n  - name: b-node-1\n    addresses: [10.1.0.5]\n');
  const service = (name: string, ip: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  externalIPs:\n  - ${ip}\n  ports:\n  - port: 443\n`;
  writeFileSync(join(repo, 'team-b', 'svc.yaml'), service('b', '10.1.0.5'));
  // 192.168.0.11 is k8s-node-1 only for the root config: under team-b it collides with nothing.
  writeFileSync(join(repo, 'team-b', 'other.yml'), service('c', '192.168.0.11'));
  writeFileSync(join(repo, 'clean.yaml'), service('d', '192.168.0.20'));
  writeFileSync(join(repo, 'notes.md'), '# not YAML\n');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: repo, encoding: 'utf8' });
  git('init', '-q');
  git('add', '-A');

  // pre-commit's file selection: the staged files, `types: [yaml]` (identify tags .yaml and .yml), minus `exclude`.
  const staged = git('diff', '--cached', '--name-only', '-z').split('\0').filter(Boolean);
  const exclude = hook.exclude ? new RegExp(hook.exclude) : undefined;
  const files = staged.filter((f) => /\.ya?ml$/.test(f) && !exclude?.test(f));
  assert.deepEqual(files.sort(), ['clean.yaml', 'deploy/app.yaml', 'team-b/other.yml', 'team-b/svc.yaml']);

  // The entry runs from the environment pre-commit installed the package into (here: the offline install), with the
  // hook's args and then the file names, from the repository's root.
  const [cmd, ...entryArgs] = hook.entry.split(/\s+/);
  const env = { ...cleanEnv, PATH: `${join(prefix, 'bin')}${delimiter}${cleanEnv.PATH}` };
  const r = run(cmd, [...entryArgs, ...(hook.args ?? []), ...files], { cwd: repo, env });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^deploy\/app\.yaml:29:5 error 192\.168\.0\.11 is the InternalIP of node k8s-node-1/m);
  assert.match(r.stdout, /^team-b\/svc\.yaml:7:5 error 10\.1\.0\.5 is the InternalIP of node b-node-1/m);
  assert.doesNotMatch(r.stdout, /other\.yml|clean\.yaml/);
  assert.match(r.stdout, /^2 problems \(2 errors/m);
});
