// The command line front end: exit codes, text, JSON and SARIF output, config discovery, and the corpus.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv from 'ajv-draft-04';
import sarifSchema from '@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json';
import { runCli } from '../../server/src/cli';
import { RULES } from '../../server/src/engine/index';
import { CORPUS, CORPUS_SKIP, listCorpusFiles } from '../corpus';
import { expectExit } from '../childExit';

const CLI = resolve('server/out/cli.js');
const SEED_DIR = resolve('examples/seed-cluster');

function run(args: string[], cwd = process.cwd()) {
  const r = expectExit('the CLI', spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' }));
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function seedCopy(replace?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kig-cli-'));
  cpSync(SEED_DIR, dir, { recursive: true });
  if (replace) {
    const p = join(dir, 'deployment.yaml');
    writeFileSync(p, readFileSync(p, 'utf8').replace('192.168.0.11', replace));
  }
  return dir;
}

describe('exit codes and text output', () => {
  test('the seed: one error on line 29, exit 1', () => {
    const r = run(['lint', SEED_DIR], resolve('.'));
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^examples\/seed-cluster\/deployment\.yaml:29:5 error 192\.168\.0\.11 is the InternalIP of node k8s-node-1: .* \[externalip-node\]$/);
    assert.equal(lines[1], '1 problem (1 error, 0 warnings, 0 info) in 1 file');
  });

  test('192.168.0.10 is externalip-apiserver; 192.168.0.15 is clean, exit 0', () => {
    const api = seedCopy('192.168.0.10');
    const ok = seedCopy('192.168.0.15');
    try {
      const r1 = run(['lint', '.'], api);
      assert.equal(r1.code, 1);
      assert.match(r1.stdout, /\[externalip-apiserver\]/);
      assert.doesNotMatch(r1.stdout, /\[externalip-node\]/);
      const r2 = run(['lint', '.'], ok);
      assert.equal(r2.code, 0);
      assert.equal(r2.stdout.trim(), '0 problems (0 errors, 0 warnings, 0 info) in 1 file');
    } finally {
      rmSync(api, { recursive: true, force: true });
      rmSync(ok, { recursive: true, force: true });
    }
  });

  test('warnings alone exit 0', () => {
    const dir = seedCopy('2001:DB8::15');
    try {
      const r = run(['lint', '.'], dir);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /warning .*RFC 5952 canonical format.*\[externalip-noncanonical\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('usage errors exit 2 with a message', () => {
    for (const args of [['lint', '--format', 'xml'], ['lint', '--bogus'], ['lint', 'no/such/path.yaml'], ['frobnicate'], ['lint', '--node-ip'], ['lint', '--proxy-mode', 'userspace'], ['lint', '--node-ip', '1.2.3']]) {
      const r = run(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /^kube-ip-guard: /, args.join(' '));
    }
    assert.equal(run(['--help']).code, 0);
    assert.match(run(['--help']).stdout, /^ {2}lint /m, 'the top-level usage lists the subcommands');
    assert.equal(run([]).code, 2);
    // node:util parseArgs: inline values, `--` ends the options, one reason line and a pointer to --help.
    const bad = run(['lint', '--node-ip']);
    assert.equal(bad.stderr, "kube-ip-guard: option '--node-ip <value>' argument missing\nRun 'kube-ip-guard lint --help' for its options.\n");
    assert.match(run(['lint', '--cluster=sometimes']).stderr, /--cluster takes no value or =optional, not "sometimes"/);
    assert.match(run(['lint', '--max-file-size', '0']).stderr, /--max-file-size must be a positive number of MB/);
    assert.match(run(['lint', '--', '--no-such-file.yaml']).stderr, /--no-such-file\.yaml: no such file or directory/);
    assert.equal(run(['lint', '--format=json', '--', SEED_DIR]).code, 1);
    assert.match(run(['lint', '--help']).stdout, /Usage: kube-ip-guard lint/);
    assert.match(run(['--version']).stdout.trim(), /^\d+\.\d+\.\d+/);
  });

  test('a broken config file exits 2 and names file:line', () => {
    const dir = seedCopy();
    try {
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), 'nodes:\n  - name: a\n    addresses: [192.168.0.300]\nproxyMode: userspace\n');
      const r = run(['lint', '.'], dir);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^\.kube-ip-guard\.yaml:3:17: error: nodes\[0\]\.addresses\[0\]: "192\.168\.0\.300" is not a valid IP address$/m);
      assert.match(r.stderr, /^\.kube-ip-guard\.yaml:4:12: error: proxyMode must be one of ipvs, iptables, nftables, kube-router, cilium$/m);
      assert.equal(r.stdout, '');
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), 'nodeManifests: [missing.yaml]\n');
      const r2 = run(['lint', '.'], dir);
      assert.equal(r2.code, 2);
      assert.match(r2.stderr, /^\.kube-ip-guard\.yaml:1:17: error: nodeManifests: missing\.yaml does not exist or cannot be read$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('facts from flags, --config and the nearest config file', () => {
  test('--node-ip and --api-server without any config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kig-cli-'));
    try {
      cpSync(join(SEED_DIR, 'deployment.yaml'), join(dir, 'svc.yml'));
      assert.equal(run(['lint', '.'], dir).code, 0, 'no facts, nothing to find');
      const r = run(['lint', '.', '--node-ip', 'k8s-node-1=192.168.0.11', '--format', 'json'], dir);
      assert.equal(r.code, 1);
      assert.deepEqual(JSON.parse(r.stdout).map((x: { rule: string }) => x.rule), ['externalip-node']);
      assert.match(JSON.parse(r.stdout)[0].message, /k8s-node-1/);
      const r2 = run(['lint', 'svc.yml', '--api-server=192.168.0.11:6443', '--proxy-mode', 'iptables', '--format=json'], dir);
      const [f] = JSON.parse(r2.stdout);
      assert.equal(f.rule, 'externalip-apiserver');
      assert.equal(f.severity, 'warning', 'iptables mode: only the ports are hijacked');
      assert.equal(r2.code, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--kubernetes-version picks the release: 0192.168.0.11 collides on 1.35, is rejected on 1.36; a bad value exits 2', () => {
    const dir = seedCopy('0192.168.0.11');
    try {
      const old = run(['lint', '.', '--kubernetes-version', '1.35', '--format', 'json'], dir);
      assert.equal(old.code, 1, old.stderr);
      assert.deepEqual(JSON.parse(old.stdout).map((x: { rule: string }) => x.rule), ['externalip-node', 'externalip-noncanonical']);
      const strict = run(['lint', '.', '--kubernetes-version=v1.36.1', '--format', 'json'], dir);
      assert.equal(strict.code, 1, strict.stderr);
      assert.deepEqual(JSON.parse(strict.stdout).map((x: { rule: string; message: string }) => [x.rule, x.message]), [['externalip-invalid', 'spec.externalIPs[0]: Invalid value: "0192.168.0.11": must not have leading 0s']]);
      const bad = run(['lint', '.', '--kubernetes-version', 'latest'], dir);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--kubernetes-version: "latest" is not a Kubernetes version such as 1\.35/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the nearest .kube-ip-guard.yaml upward from each file; --config overrides; node_modules and .git skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kig-cli-'));
    try {
      mkdirSync(join(dir, 'prod', 'apps'), { recursive: true });
      mkdirSync(join(dir, 'dev'), { recursive: true });
      mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
      mkdirSync(join(dir, '.git'), { recursive: true });
      cpSync(join(SEED_DIR, '.kube-ip-guard.yaml'), join(dir, 'prod', '.kube-ip-guard.yaml'));
      writeFileSync(join(dir, 'dev', '.kube-ip-guard.yaml'), 'nodes: [{name: dev-1, addresses: [10.1.1.1]}]\n');
      for (const p of ['prod/apps/svc.yaml', 'dev/svc.yaml', 'node_modules/x/svc.yaml', '.git/svc.yaml']) cpSync(join(SEED_DIR, 'deployment.yaml'), join(dir, p));
      const r = run(['lint', '.', '--format', 'json'], dir);
      assert.deepEqual(JSON.parse(r.stdout).map((x: { file: string; rule: string }) => `${x.file} ${x.rule}`), ['prod/apps/svc.yaml externalip-node']);
      const r2 = run(['lint', 'dev', '--config', 'prod/.kube-ip-guard.yaml', '--format', 'json'], dir);
      assert.deepEqual(JSON.parse(r2.stdout).map((x: { file: string }) => x.file), ['dev/svc.yaml']);
      assert.equal(run(['lint', 'dev', '--config', 'nope.yaml'], dir).code, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--max-file-size skips a large file with an information finding', () => {
    const dir = seedCopy();
    try {
      writeFileSync(join(dir, 'big.yaml'), 'x: ' + 'a'.repeat(2 * 1048576) + '\n');
      const r = run(['lint', 'big.yaml', '--max-file-size', '1', '--format', 'json'], dir);
      assert.equal(r.code, 0);
      const [f] = JSON.parse(r.stdout);
      assert.equal(f.rule, 'analysis-limit');
      assert.equal(f.severity, 'info');
      assert.match(f.message, /skipped this file: it is 2\.0 MB, over the limit of 1 MB/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('JSON and SARIF', () => {
  test('JSON: 1-based lines and columns of the exact scalar', () => {
    const r = run(['lint', SEED_DIR, '--format', 'json']);
    assert.deepEqual(JSON.parse(r.stdout), [
      {
        file: 'examples/seed-cluster/deployment.yaml',
        line: 29,
        column: 5,
        endLine: 29,
        endColumn: 17,
        rule: 'externalip-node',
        severity: 'error',
        message: JSON.parse(r.stdout)[0].message,
      },
    ]);
  });

  test('SARIF: a valid 2.1.0 log with every rule and help links', () => {
    const r = run(['lint', SEED_DIR, '--format', 'sarif']);
    const log = JSON.parse(r.stdout);
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false, logger: false });
    const validate = ajv.compile(sarifSchema as object);
    assert.equal(validate(log), true, JSON.stringify(validate.errors?.slice(0, 5)));
    const run0 = log.runs[0];
    const ruleIds = run0.tool.driver.rules.map((x: { id: string }) => x.id);
    for (const rule of RULES) assert.ok(ruleIds.includes(rule.id), rule.id);
    assert.equal(run0.results.length, 1);
    const res = run0.results[0];
    assert.equal(res.ruleId, 'externalip-node');
    assert.equal(run0.tool.driver.rules[res.ruleIndex].id, 'externalip-node');
    assert.equal(res.level, 'error');
    assert.deepEqual(res.locations[0].physicalLocation.region, { startLine: 29, startColumn: 5, endLine: 29, endColumn: 17 });
    assert.equal(res.locations[0].physicalLocation.artifactLocation.uri, 'examples/seed-cluster/deployment.yaml');
    // The validator really validates: a wrong level is refused.
    res.level = 'fatal';
    assert.equal(validate(log), false);
  });
});

describe('corpus (../shared/corpus)', { skip: CORPUS_SKIP }, () => {
  test('every corpus file goes through the CLI without a crash', async () => {
    const files = listCorpusFiles();
    assert.ok(files.length > 250, `found ${files.length} corpus files`);
    for (const file of files) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(['lint', file, '--node-ip', '192.168.0.11', '--api-server', '192.168.0.10:6443', '--format', 'json'], { out: (t) => out.push(t), err: (t) => err.push(t), cwd: CORPUS });
      assert.ok(code === 0 || code === 1, `${file}: exit ${code}: ${err.join('\n')}`);
      assert.ok(Array.isArray(JSON.parse(out.join('\n'))), file);
    }
    // And once as a whole, through the built binary.
    const r = run(['lint', CORPUS, '--format', 'sarif']);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    assert.equal(JSON.parse(r.stdout).version, '2.1.0');
  });
});
