// A control-plane VIP declared in one file (a kube-vip static pod, kube-vip chart values) is an API server address
// for the other files the CLI checks that share its config file, and for no other project's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve('server/out/cli.js');
const CONFIG = 'nodes:\n  - name: k8s-node-1\n    addresses: [192.168.0.11]\nproxyMode: ipvs\n';
// kube-vip docs/installation/static: `kube-vip manifest pod --controlplane --arp --address ...`, abridged.
const KUBE_VIP_POD = [
  'apiVersion: v1',
  'kind: Pod',
  'metadata:',
  '  name: kube-vip',
  '  namespace: kube-system',
  'spec:',
  '  containers:',
  '  - args: [manager]',
  '    env:',
  '    - name: vip_arp',
  '      value: "true"',
  '    - name: port',
  '      value: "6443"',
  '    - name: cp_enable',
  '      value: "true"',
  '    - name: address',
  '      value: 192.168.0.40',
  '    image: ghcr.io/kube-vip/kube-vip:v0.8.0',
  '    name: kube-vip',
  '  hostNetwork: true',
  '',
].join('\n');
// kube-vip/helm-charts charts/kube-vip/values.yaml with control-plane mode on.
const CHART_VALUES = 'config:\n  address: "192.168.0.41"\nenv:\n  vip_arp: "true"\n  cp_enable: "true"\n';
const svc = (name: string, ip: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  externalIPs: [${ip}]\n  ports:\n  - port: 443\n`;

function lint(dir: string): { code: number | null; findings: { file: string; line: number; rule: string; message: string }[] } {
  const r = spawnSync(process.execPath, [CLI, 'lint', '.', '--format', 'json'], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, findings: JSON.parse(r.stdout) };
}

describe('declared control-plane addresses across the CLI\'s files', () => {
  test('a kube-vip static pod in one file flags a Service in another file of the same config, not of another', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kig-vip-'));
    try {
      for (const p of ['a', 'b']) mkdirSync(join(dir, p));
      writeFileSync(join(dir, 'a', '.kube-ip-guard.yaml'), CONFIG);
      writeFileSync(join(dir, 'a', 'kube-vip.yaml'), KUBE_VIP_POD);
      writeFileSync(join(dir, 'a', 'ingress.yaml'), svc('ingress', '192.168.0.40'));
      writeFileSync(join(dir, 'b', '.kube-ip-guard.yaml'), CONFIG);
      writeFileSync(join(dir, 'b', 'ingress.yaml'), svc('ingress', '192.168.0.40'));
      const r = lint(dir);
      assert.equal(r.code, 1);
      assert.deepEqual(r.findings.map((f) => [f.file, f.line, f.rule]), [['a/ingress.yaml', 6, 'externalip-apiserver']]);
      assert.match(r.findings[0].message, /192\.168\.0\.40:6443, from kube-vip Pod kube-system\/kube-vip, a\/kube-vip\.yaml line 17/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('kube-vip chart values count where the config\'s helmValues names the file, as in the editor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kig-vip-'));
    try {
      mkdirSync(join(dir, 'helm'));
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), CONFIG);
      writeFileSync(join(dir, 'helm', 'kube-vip.yaml'), CHART_VALUES);
      writeFileSync(join(dir, 'ingress.yaml'), svc('ingress', '192.168.0.41'));
      assert.deepEqual(lint(dir).findings, []);
      writeFileSync(join(dir, '.kube-ip-guard.yaml'), CONFIG + 'helmValues: [helm/*.yaml]\n');
      const r = lint(dir);
      assert.deepEqual(r.findings.map((f) => [f.file, f.rule]), [['ingress.yaml', 'externalip-apiserver']]);
      assert.match(r.findings[0].message, /kube-vip chart values config\.address, helm\/kube-vip\.yaml line 2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a declared VIP is a fact: --require-facts passes with it and without a config, and stops without it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kig-vip-'));
    try {
      writeFileSync(join(dir, 'kube-vip.yaml'), KUBE_VIP_POD);
      writeFileSync(join(dir, 'ingress.yaml'), svc('ingress', '192.168.0.40'));
      const run = () => spawnSync(process.execPath, [CLI, 'lint', '.', '--require-facts', '--format', 'json'], { cwd: dir, encoding: 'utf8' });
      const r = run();
      assert.equal(r.status, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /no node or API server address is known/);
      assert.deepEqual((JSON.parse(r.stdout) as { rule: string }[]).map((f) => f.rule), ['externalip-apiserver']);
      rmSync(join(dir, 'kube-vip.yaml'));
      const none = run();
      assert.equal(none.status, 2);
      assert.match(none.stderr, /no node or API server address is known for ingress\.yaml/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
