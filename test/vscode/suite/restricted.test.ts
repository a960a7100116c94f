// Restricted Mode: an untrusted workspace that has no .kube-ip-guard.yaml at its root (so nothing but opening a YAML
// file can activate the extension). Its layout, made by the launcher (see test/e2e/lib.mjs, restrictedWorkspace):
//   deployment.yaml            the seed manifest (externalIPs: 192.168.0.11 on line 29)
//   cluster/facts.yaml         the seed's config file
//   .vscode/settings.json      kubeIpGuard.configFile: "cluster/facts.yaml" (a restricted setting: must be ignored)
//                              kubeIpGuard.nodes: [{ name: "settings-node", addresses: ["192.168.0.11"] }] (not restricted)
// The manifest declares capabilities.untrustedWorkspaces { supported: 'limited', restrictedConfigurations: [configFile] }.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activeApi, brief, EXTENSION_ID, hoverText, openYaml, ours, waitFor } from './helpers';

describe('Kube IP Guard in Restricted Mode (untrusted workspace)', () => {
  let folder: vscode.WorkspaceFolder;
  let manifest: vscode.Uri;
  let activated = true;

  beforeEach(function () {
    if (!activated) this.skip();
  });

  before(() => {
    folder = vscode.workspace.workspaceFolders?.[0] as vscode.WorkspaceFolder;
    assert.ok(folder, 'no workspace folder is open');
    manifest = vscode.Uri.joinPath(folder.uri, 'deployment.yaml');
  });

  it('runs in an untrusted workspace', () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the launcher should have opened this workspace untrusted');
    const caps = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON.capabilities?.untrustedWorkspaces;
    assert.equal(caps?.supported, 'limited');
    assert.deepEqual(caps?.restrictedConfigurations, ['kubeIpGuard.configFile']);
  });

  it('is not active until a YAML file is opened, then activates (onLanguage:yaml)', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    assert.equal(ext.isActive, false, 'active before any YAML file was opened');
    activated = false;
    await openYaml(manifest);
    const api = await activeApi();
    assert.ok(api.client);
    activated = true;
  });

  it('ignores kubeIpGuard.configFile from the workspace settings', async () => {
    const onDisk = JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json'))).toString('utf8'));
    assert.equal(onDisk['kubeIpGuard.configFile'], 'cluster/facts.yaml', 'the launcher did not write the workspace setting');
    const c = vscode.workspace.getConfiguration('kubeIpGuard', folder.uri);
    // VS Code drops restricted settings from the workspace's configuration altogether while it is untrusted.
    assert.equal(c.inspect<string>('configFile')?.workspaceValue, undefined, 'a restricted workspace setting is visible');
    assert.equal(c.get<string>('configFile'), '', 'a restricted setting was honoured in Restricted Mode');
    // An unrestricted workspace setting of ours still applies.
    assert.deepEqual(c.get<{ name: string }[]>('nodes')?.map((n) => n.name), ['settings-node']);
  });

  it('still checks manifests with the facts it may read (workspace settings), not the ignored config file', async () => {
    const d = await waitFor('the externalip-node error from kubeIpGuard.nodes', () => ours(manifest, 'externalip-node').find((x) => x.range.start.line === 28), {
      describe: () => brief(manifest),
    });
    const text = await waitFor('a hover', async () => (await hoverText(manifest, d.range.start.translate(0, 2))) || undefined);
    assert.match(text, /settings-node/, text);
    assert.doesNotMatch(text, /k8s-node-1/, 'facts came from cluster/facts.yaml although configFile is restricted');
    const api = await activeApi();
    await waitFor('status text with one node', () => /1 node\b/.test(api.statusText()), { describe: () => api.statusText() });
  });

  it('never lets the workspace choose the kubeconfig, context or exec plugin (machine-scoped settings)', async () => {
    const c = vscode.workspace.getConfiguration('kubeIpGuard', folder.uri);
    assert.equal(c.get<string>('kubeconfig.path'), '', 'a workspace value of a machine-scoped setting was honoured');
    assert.equal(c.get<string>('kubeconfig.context'), '');
    // The workspace did turn the cluster on (that setting is its to choose): the server looks for the user's own
    // kubeconfig, which the launcher points at a file that does not exist, and says so.
    const api = await activeApi();
    await waitFor('the status to report the cluster state', () => /no kubeconfig|cluster/.test(api.statusText() + api.statusTooltip()), { describe: () => api.statusText() });
    assert.doesNotMatch(api.statusText() + api.statusTooltip(), /evil/, 'the workspace chose the context');
    const ran = await vscode.workspace.fs.stat(vscode.Uri.joinPath(folder.uri, 'PLUGIN-RAN')).then(() => true, () => false);
    assert.equal(ran, false, "the workspace's exec plugin ran");
  });
});
