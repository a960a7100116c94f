// The language server counts a control-plane VIP declared in a file that is not open (a kube-vip static pod; kube-vip
// chart values where the config's `helmValues` globs name them) as an API server address in the open documents of
// the same config, points relatedInformation and the hover at the declaring line, and follows the file on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileUri, LspTestClient } from './lspClient';

const CONFIG = 'nodes:\n  - name: k8s-node-1\n    addresses: [192.168.0.11]\nproxyMode: ipvs\nhelmValues: [helm/*.yaml]\n';
const kubeVipPod = (cp: string) =>
  ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: kube-vip', '  namespace: kube-system', 'spec:', '  containers:', '  - args: [manager]', '    env:', '    - name: cp_enable', `      value: "${cp}"`, '    - name: address', '      value: 192.168.0.40', '    image: ghcr.io/kube-vip/kube-vip:v0.8.0', '    name: kube-vip', ''].join('\n');
const CHART_VALUES = 'config:\n  address: "192.168.0.41"\nenv:\n  cp_enable: "true"\n';
const svc = (ip: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ingress\nspec:\n  externalIPs: [${ip}]\n  ports:\n  - port: 443\n`;

test('a declared control-plane VIP in a file that is not open flags an open Service, and follows the file on disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kig-vip-ws-'));
  writeFileSync(join(dir, '.kube-ip-guard.yaml'), CONFIG);
  mkdirSync(join(dir, 'helm'));
  writeFileSync(join(dir, 'kube-vip.yaml'), kubeVipPod('true'));
  writeFileSync(join(dir, 'helm', 'kube-vip.yaml'), CHART_VALUES);
  const text = svc('192.168.0.40, 192.168.0.41');
  writeFileSync(join(dir, 'svc.yaml'), text);
  const client = await LspTestClient.start({ rootDir: dir });
  try {
    const uri = fileUri(join(dir, 'svc.yaml'));
    client.open(uri, text);
    // The index is read in the background: the findings come when it has read both declaring files.
    const diags = await client.waitForDiagnostics(uri, (d) => d.length === 2);
    assert.deepEqual(diags.map((d) => [d.code, d.range.start.line]), [['externalip-apiserver', 5], ['externalip-apiserver', 5]]);
    const pod = diags.find((d) => d.message.includes('192.168.0.40 is'))!;
    assert.match(pod.message, /from kube-vip Pod kube-system\/kube-vip, kube-vip\.yaml line 13/);
    assert.equal(pod.relatedInformation?.[0].location.uri, fileUri(join(dir, 'kube-vip.yaml')));
    assert.equal(pod.relatedInformation?.[0].location.range.start.line, 12);
    const values = diags.find((d) => d.message.includes('192.168.0.41 is'))!;
    assert.equal(values.relatedInformation?.[0].location.uri, fileUri(join(dir, 'helm', 'kube-vip.yaml')), 'helmValues globs are honoured by the index');
    const hover = await client.hover(uri, 5, text.split('\n')[5].indexOf('192.168.0.40') + 2);
    assert.match(JSON.stringify(hover?.contents), /kube-vip Pod kube-system\/kube-vip, kube-vip\.yaml line 13/);

    // Control-plane mode turned off on disk: the watcher event clears that finding.
    writeFileSync(join(dir, 'kube-vip.yaml'), kubeVipPod('false'));
    client.didChangeWatchedFiles([{ uri: fileUri(join(dir, 'kube-vip.yaml')), type: 2 }]);
    const after = await client.waitForDiagnostics(uri, (d) => d.length === 1);
    assert.match(after[0].message, /^192\.168\.0\.41 is an API server address/);

    // Opened and edited back to control-plane mode: the open text speaks for the file, until it is closed.
    const vip = fileUri(join(dir, 'kube-vip.yaml'));
    client.open(vip, kubeVipPod('true'));
    await client.waitForDiagnostics(uri, (d) => d.length === 2);
    client.close(vip);
    await client.waitForDiagnostics(uri, (d) => d.length === 1);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
