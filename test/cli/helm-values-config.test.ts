// The config key `helmValues`: globs of files read as Helm values although their names do not say "values".
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expectExit } from '../childExit';

const CLI = resolve('server/out/cli.js');
const CONFIG = 'nodes:\n  - name: k8s-node-1\n    addresses: [192.168.0.11]\n';
const VALUES = 'controller:\n  service:\n    externalIPs: [192.168.0.11]\n';

function lint(dir: string): { code: number | null; stdout: string } {
  const r = expectExit('the CLI', spawnSync(process.execPath, [CLI, 'lint', '.', '--format', 'json'], { cwd: dir, encoding: 'utf8' }));
  return { code: r.status, stdout: r.stdout };
}

describe('config helmValues', () => {
  test('a file matched by helmValues is read as values; without the key it is not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kig-helmvalues-'));
    try {
      mkdirSync(join(dir, 'helm'));
      writeFileSync(join(dir, 'helm', 'ingress-nginx.yaml'), VALUES);
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), CONFIG);
      const before = lint(dir);
      assert.equal(before.code, 0);
      assert.deepEqual(JSON.parse(before.stdout), []);
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), CONFIG + 'helmValues: [helm/*.yaml]\n');
      const after = lint(dir);
      assert.equal(after.code, 1);
      const fs = JSON.parse(after.stdout) as { rule: string; line: number; file: string }[];
      assert.deepEqual(fs.map((f) => [f.rule, f.line]), [['externalip-node', 3]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
