// Facts from the kubeconfig: the launcher starts the Kubernetes API stand-in of the cluster-facts tests
// (test/cluster/standin.ts, the seed's two nodes, kube-proxy in IPVS mode), writes a kubeconfig whose context
// `standin` points at it, and starts VS Code with KUBECONFIG set. The workspace holds only deployment.yaml: no
// .kube-ip-guard.yaml, no settings, so every fact must come from the cluster.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activeApi, brief, hoverText, openYaml, ours, waitFor, type KubeIpGuardApi } from './helpers';

describe('Kube IP Guard with facts from the kubeconfig (API server stand-in)', () => {
  let manifest: vscode.Uri;
  let api: KubeIpGuardApi | undefined;

  before(async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder is open');
    manifest = vscode.Uri.joinPath(folder.uri, 'deployment.yaml');
    const files = (await vscode.workspace.fs.readDirectory(folder.uri)).map(([name]) => name);
    assert.deepEqual(files, ['deployment.yaml'], 'the workspace must hold nothing but the manifest');
    assert.ok(process.env.KUBECONFIG, 'the launcher did not set KUBECONFIG');
  });

  beforeEach(function () {
    if (api === undefined && this.currentTest?.title !== 'activates on the manifest') this.skip();
  });

  it('activates on the manifest', async () => {
    await openYaml(manifest);
    api = await activeApi();
  });

  it('reports externalip-node on line 29 from the cluster\'s nodes', async () => {
    await waitFor('the externalip-node error on line 29', () => ours(manifest, 'externalip-node').find((d) => d.range.start.line === 28 && d.severity === vscode.DiagnosticSeverity.Error), {
      timeoutMs: 60_000,
      describe: () => brief(manifest),
    });
  });

  it('names the node and the kubeconfig context in the hover and the status bar', async () => {
    const d = ours(manifest, 'externalip-node')[0];
    const text = await waitFor('a hover', async () => (await hoverText(manifest, d.range.start.translate(0, 2))) || undefined);
    assert.match(text, /k8s-node-1/, text);
    assert.match(text, /context standin/, text);
    const a = api as KubeIpGuardApi;
    await waitFor('the status bar to name the context', () => /2 nodes/.test(a.statusText()) && /standin/.test(a.statusText() + a.statusTooltip()), {
      describe: () => [a.statusText(), a.statusTooltip()],
    });
  });
});
