// The CLI in pipelines: `-` and --stdin-filename, /dev/stdin, no path with a pipe, rendered `# Source:` streams,
// the ignore annotation, and the "no facts" note with --require-facts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv from 'ajv-draft-04';
import sarifSchema from '@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json';
import { runCli } from '../../server/src/cli';
import { expectExit } from '../childExit';

const CLI = resolve('server/out/cli.js');
const SEED_DIR = resolve('examples/seed-cluster');
const SEED = readFileSync(join(SEED_DIR, 'deployment.yaml'), 'utf8');
const SEED_CONFIG = join(SEED_DIR, '.kube-ip-guard.yaml');

function run(args: string[], opts: { cwd?: string; input?: string; stdin?: 'ignore' } = {}) {
  const r = expectExit('the CLI', spawnSync(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? process.cwd(), encoding: 'utf8', ...(opts.input !== undefined ? { input: opts.input } : {}), ...(opts.stdin ? { stdio: ['ignore', 'pipe', 'pipe'] } : {}) }));
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Through a real shell pipe (a FIFO, as `helm template ... | kube-ip-guard lint -` gives), not a socket. */
function piped(file: string, args: string[], cwd = process.cwd()) {
  const quoted = [CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = expectExit('cat | the CLI', spawnSync('sh', ['-c', `cat '${file}' | '${process.execPath}' ${quoted}`], { cwd, encoding: 'utf8' }));
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'kig-pipe-'));
}

describe('standard input', () => {
  test('- reads standard input: the seed finding at line 29, exit 1; --stdin-filename names it', () => {
    const r = piped(join(SEED_DIR, 'deployment.yaml'), ['lint', '-', '--config', SEED_CONFIG]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^<stdin>:29:5 error 192\.168\.0\.11 is the InternalIP of node k8s-node-1.*\[externalip-node\]$/m);
    const named = run(['lint', '-', '--stdin-filename', 'deploy/app.yaml', '--config', SEED_CONFIG, '--format', 'json'], { input: SEED });
    assert.equal(named.code, 1, named.stderr);
    assert.deepEqual(JSON.parse(named.stdout).map((f: { file: string; line: number }) => `${f.file}:${f.line}`), ['deploy/app.yaml:29']);
  });

  test('--stdin-filename decides config discovery and Helm-values handling', () => {
    // No --config: the config is the one next to the name standard input stands for.
    const r = run(['lint', '-', '--stdin-filename', 'examples/seed-cluster/app.yaml'], { input: SEED });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /using examples\/seed-cluster\/\.kube-ip-guard\.yaml/);
    const values = 'service:\n  externalIPs:\n    - 192.168.0.11\n';
    const asValues = run(['lint', '-', '--stdin-filename', 'examples/seed-cluster/values.yaml', '--format', 'json'], { input: values });
    assert.deepEqual(JSON.parse(asValues.stdout).map((f: { rule: string }) => f.rule), ['externalip-node']);
    const asManifest = run(['lint', '-', '--stdin-filename', 'examples/seed-cluster/other.yaml', '--format', 'json'], { input: values });
    assert.deepEqual(JSON.parse(asManifest.stdout), [], 'not a values file: no Service there');
  });

  test('standard input is never read unasked: no path and a pipe is a usage error; no path and no pipe checks .', () => {
    const dir = tempDir();
    try {
      cpSync(SEED_DIR, dir, { recursive: true });
      const r = piped(join(SEED_DIR, 'deployment.yaml'), ['lint'], dir);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /standard input is a pipe or a file: give - to check standard input/);
      assert.equal(r.stdout, '');
      const cwdRun = run(['lint'], { cwd: dir, stdin: 'ignore' });
      assert.equal(cwdRun.code, 1, cwdRun.stderr);
      assert.match(cwdRun.stdout, /^deployment\.yaml:29:5 error/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('/dev/stdin works as a path, and - may come with files', () => {
    const r = piped(join(SEED_DIR, 'deployment.yaml'), ['lint', '/dev/stdin', '--config', SEED_CONFIG, '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).map((f: { file: string; line: number }) => `${f.file}:${f.line}`), ['/dev/stdin:29']);
    const both = run(['lint', '-', SEED_DIR, join(SEED_DIR, 'deployment.yaml'), '--config', SEED_CONFIG, '--format', 'json'], { input: SEED });
    assert.deepEqual(JSON.parse(both.stdout).map((f: { file: string }) => f.file), ['<stdin>', 'examples/seed-cluster/deployment.yaml'], 'a file named twice is checked once');
  });

  test('usage errors: - twice, --stdin-filename without -', () => {
    assert.match(run(['lint', '-', '-'], { input: '' }).stderr, /- \(standard input\) can be given once/);
    const r = run(['lint', SEED_DIR, '--stdin-filename', 'x.yaml']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--stdin-filename names standard input: give - among the paths/);
  });

  test('runCli without a standard input: - is reported as unreadable, exit 2', async () => {
    const err: string[] = [];
    const code = await runCli(['lint', '-', '--node-ip', '192.168.0.11'], { out: () => {}, err: (t) => err.push(t), cwd: process.cwd() });
    assert.equal(code, 2);
    assert.match(err.join('\n'), /<stdin>: error: cannot be read/);
  });
});

const RENDERED = `---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
  externalIPs:
  - 192.168.0.11
`;

describe('rendered streams (helm template)', () => {
  test('a finding names the template and the line inside its rendered document: text, JSON, SARIF', () => {
    const args = ['lint', '-', '--config', SEED_CONFIG];
    const text = run(args, { input: RENDERED });
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /^<stdin>:17:5 error .*\[externalip-node\] \(rendered from web\/templates\/service\.yaml, line 9 of that document\)$/m);
    const [f] = JSON.parse(run([...args, '--format', 'json'], { input: RENDERED }).stdout);
    assert.deepEqual(f.source, { file: 'web/templates/service.yaml', line: 9, column: 5 });
    assert.equal(f.line, 17);
    const log = JSON.parse(run([...args, '--format', 'sarif'], { input: RENDERED }).stdout);
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false, logger: false });
    assert.equal(ajv.compile(sarifSchema as object)(log), true);
    const related = log.runs[0].results[0].relatedLocations;
    assert.equal(related[0].physicalLocation.artifactLocation.uri, 'web/templates/service.yaml');
    assert.deepEqual(related[0].physicalLocation.region, { startLine: 9, startColumn: 5 });
    assert.equal(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, '%3Cstdin%3E');
  });

  test('a stream without headers has no source; a document after the header\'s has none either', () => {
    const [f] = JSON.parse(run(['lint', '-', '--config', SEED_CONFIG, '--format', 'json'], { input: SEED }).stdout);
    assert.equal(f.source, undefined);
    const unnamed = RENDERED.replace('---\n# Source: web/templates/service.yaml\n', '---\n');
    const [g] = JSON.parse(run(['lint', '-', '--config', SEED_CONFIG, '--format', 'json'], { input: unnamed }).stdout);
    assert.equal(g.rule, 'externalip-node');
    assert.equal(g.source, undefined, 'the Deployment\'s header does not name the Service\'s document');
  });
});

describe('the kube-ip-guard.io/ignore annotation', () => {
  const annotated = (value: string) => SEED.replace('metadata:\n  name: busybox\nspec:\n  externalIPs:', `metadata:\n  name: busybox\n  annotations:\n    kube-ip-guard.io/ignore: "${value}"\nspec:\n  externalIPs:`);

  test('the seed Service annotated externalip-node gives no finding; another rule hides nothing', () => {
    assert.notEqual(annotated('x'), SEED, 'the annotation was placed');
    for (const [value, code] of [['externalip-node', 0], ['externalip-node -- drained for the test', 0], ['*', 0], ['externalip-apiserver, externalip-invalid', 1]] as const) {
      const r = run(['lint', '-', '--config', SEED_CONFIG], { input: annotated(value) });
      assert.equal(r.code, code, `${value}: ${r.stdout}`);
    }
  });

  test('it survives kustomize-style rendering (no comments) in a List and hides only its own object', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a, annotations: {kube-ip-guard.io/ignore: externalip-node}}\n  spec: {externalIPs: [192.168.0.11]}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: b}\n  spec: {externalIPs: [192.168.0.11]}\n`;
    const found = JSON.parse(run(['lint', '-', '--config', SEED_CONFIG, '--format', 'json'], { input: list }).stdout);
    assert.deepEqual(found.map((f: { line: number; rule: string }) => `${f.line} ${f.rule}`), ['11 externalip-node']);
  });
});

describe('no facts, said loudly', () => {
  test('no config and no flags: a note on stderr, exit 0; --require-facts exits 2; with facts no note', () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, 'svc.yaml'), SEED);
      const r = run(['lint', 'svc.yaml'], { cwd: dir });
      assert.equal(r.code, 0);
      assert.match(r.stderr, /no node or API server address is known for svc\.yaml .*: only the checks that need no cluster facts ran/);
      const strict = run(['lint', 'svc.yaml', '--require-facts'], { cwd: dir });
      assert.equal(strict.code, 2);
      assert.match(strict.stderr, /--require-facts: nothing was checked/);
      const withFacts = run(['lint', 'svc.yaml', '--require-facts', '--node-ip', '192.168.0.11'], { cwd: dir });
      assert.equal(withFacts.code, 1);
      assert.doesNotMatch(withFacts.stderr, /no node or API server address/);
      // A config with only CIDRs still knows no address.
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), 'serviceCIDRs: [10.0.0.0/16]\n');
      assert.equal(run(['lint', 'svc.yaml', '--require-facts'], { cwd: dir }).code, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('several files: the note says how many lack facts', () => {
    const dir = tempDir();
    try {
      mkdirSync(join(dir, 'prod'));
      mkdirSync(join(dir, 'dev'));
      cpSync(SEED_CONFIG, join(dir, 'prod', '.kube-ip-guard.yaml'));
      writeFileSync(join(dir, 'prod', 'svc.yaml'), SEED);
      writeFileSync(join(dir, 'dev', 'svc.yaml'), SEED);
      const r = run(['lint', '.'], { cwd: dir });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /no node or API server address is known for 1 of 2 files \(dev\/svc\.yaml\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
