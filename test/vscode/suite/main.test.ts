// The extension in the real extension host, on a scratch copy of examples/seed-cluster, through the public vscode API.
// Tests run in order and share the workspace; the one that edits deployment.yaml (the quick fix) runs last.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FactsRequest } from '../../../server/src/protocol';
import { activeApi, brief, EXTENSION_ID, hoverText, openYaml, ours, waitFor, type KubeIpGuardApi } from './helpers';

const RULE = 'externalip-node';
const LINE = 28; // 0-based: line 29, `  - 192.168.0.11`
const COMMANDS = ['kubeIpGuard.showFacts', 'kubeIpGuard.reloadFacts', 'kubeIpGuard.showOutput'];

describe('Kube IP Guard in the extension host (seed workspace)', () => {
  let folder: vscode.WorkspaceFolder;
  let manifest: vscode.Uri;
  let config: vscode.Uri;
  let api: KubeIpGuardApi;
  let originalConfig: Uint8Array;
  let activation: 'pending' | 'ok' | 'failed' = 'pending';

  // Without an active extension every later test would only wait out its timeout: skip them (the run still fails).
  beforeEach(function () {
    if (activation === 'failed') this.skip();
  });
  afterEach(function () {
    if (activation === 'pending') activation = this.currentTest?.state === 'passed' ? 'ok' : 'failed';
  });

  before(async () => {
    folder = vscode.workspace.workspaceFolders?.[0] as vscode.WorkspaceFolder;
    assert.ok(folder, 'no workspace folder is open');
    // Never run against the repository's own example: the suite edits and saves files.
    assert.ok(!folder.uri.fsPath.split(path.sep).join('/').endsWith('examples/seed-cluster'), `refusing to run in ${folder.uri.fsPath}: open a copy`);
    manifest = vscode.Uri.joinPath(folder.uri, 'deployment.yaml');
    config = vscode.Uri.joinPath(folder.uri, '.kube-ip-guard.yaml');
    originalConfig = await vscode.workspace.fs.readFile(config);
  });

  const nodeErrors = () => ours(manifest, RULE);
  const waitForNodeError = (severity = vscode.DiagnosticSeverity.Error, what = `the ${RULE} error on line ${LINE + 1}`) =>
    waitFor(what, () => nodeErrors().find((d) => d.range.start.line === LINE && d.severity === severity), { describe: () => brief(manifest) });
  const waitForNoNodeError = (what: string) => waitFor(what, () => nodeErrors().length === 0, { describe: () => brief(manifest) });

  it('activates when a YAML file is opened', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded`);
    const events: string[] = ext.packageJSON.activationEvents ?? [];
    assert.ok(events.includes('onLanguage:yaml'), `activationEvents: ${events.join(', ')}`);
    // This workspace also has .kube-ip-guard.yaml (workspaceContains), so the extension may already be up; the
    // restricted suite opens a workspace without it and sees activation happen on opening the YAML file.
    await openYaml(manifest);
    api = await activeApi();
    assert.ok(api && typeof api.statusText === 'function', 'activate() did not return the API object');
    assert.ok(api.client, 'the language client is missing');
  });

  it('starts its server with a named pipe, not the IPC channel Node parses on the main thread', async function () {
    if (process.platform !== 'linux') this.skip();
    const server = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'server', 'out', 'server.js');
    const ours = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((pid) => {
      try {
        const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return args.includes(server) ? [args] : [];
      } catch {
        return [];
      }
    });
    assert.ok(ours.length > 0, `no process runs ${server}`);
    for (const args of ours) {
      assert.ok(args.some((a) => a.startsWith('--pipe=')), args.join(' '));
      assert.ok(!args.includes('--node-ipc'), args.join(' '));
    }
  });

  it(`reports ${RULE} as an error on line 29 of deployment.yaml`, async () => {
    // vscode-languageclient announces pull diagnostics with refresh: the server answers its pulls (never pushes too).
    const offered = (api.client as unknown as { initializeResult?: { capabilities: { diagnosticProvider?: unknown } } }).initializeResult?.capabilities.diagnosticProvider;
    assert.ok(offered, 'the server did not offer pull diagnostics to VS Code');
    const d = await waitForNodeError();
    const doc = await vscode.workspace.openTextDocument(manifest);
    assert.equal(doc.lineAt(LINE).text, '  - 192.168.0.11');
    assert.equal(doc.getText(d.range), '192.168.0.11');
    assert.equal(nodeErrors().length, 1, JSON.stringify(brief(manifest)));
  });

  it('explains the collision in a hover that names the node', async () => {
    const d = nodeErrors()[0];
    const text = await waitFor('a hover', async () => (await hoverText(manifest, d.range.start.translate(0, 2))) || undefined);
    assert.match(text, /k8s-node-1/, text);
    assert.match(text, /192\.168\.0\.11/, text);
  });

  it('shows the facts in the status bar item: node count and where they come from', async () => {
    const text = await waitFor('status text with the node count', () => /2 nodes/.test(api.statusText()) && api.statusText(), {
      describe: () => api.statusText(),
    });
    assert.match(text, /^\$\(shield\) Kube IP Guard: 2 nodes · IPVS · 1\.36\?$/);
    assert.match(api.statusTooltip(), /\.kube-ip-guard\.yaml/, api.statusTooltip());
  });

  it('registers its commands', async () => {
    const all = await vscode.commands.getCommands(true);
    const contributed: string[] = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON.contributes?.commands ?? []).map((c: { command: string }) => c.command);
    for (const c of COMMANDS) assert.ok(contributed.includes(c), `${c} is not contributed in package.json`);
    for (const c of contributed) assert.ok(all.includes(c), `${c} is contributed but not registered`);
  });

  it('"Show cluster facts" opens a quick pick with the facts', async () => {
    const client = api.client;
    assert.ok(client);
    let settled = false;
    const shown = Promise.resolve(vscode.commands.executeCommand('kubeIpGuard.showFacts')).finally(() => {
      settled = true;
    });
    // The server answers in order: once our own facts request is back, the command has its facts and is in showQuickPick.
    const facts = await client.sendRequest<FactsRequest.Result>(FactsRequest.method, { uri: manifest.toString() });
    assert.deepEqual(facts.nodes.map((n) => n.name).sort(), ['k8s-master-1', 'k8s-node-1']);
    assert.equal(facts.proxyMode, 'ipvs');
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, 'showFacts returned without waiting on a quick pick');
    // Close the quick pick (again at the next poll if it was not up yet) until the command returns.
    await waitFor('showFacts to return after closing its quick pick', async () => {
      if (!settled) await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      return settled;
    });
    await shown;
  });

  it('"Reload cluster facts", "Show output" (and any other contributed command) run', async () => {
    await vscode.commands.executeCommand('kubeIpGuard.reloadFacts');
    await waitForNodeError(vscode.DiagnosticSeverity.Error, 'the error again after reloading the facts');
    await vscode.commands.executeCommand('kubeIpGuard.showOutput');
    const contributed: string[] = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON.contributes?.commands ?? []).map((c: { command: string }) => c.command);
    // Commands added later (e.g. "Check workspace") must at least run without throwing on the seed workspace.
    for (const c of contributed.filter((x) => !COMMANDS.includes(x))) await vscode.commands.executeCommand(c);
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await waitForNodeError(vscode.DiagnosticSeverity.Error, 'the error still there after running the commands');
  });

  it('re-checks open files when a kubeIpGuard.* setting changes', async () => {
    const settings = vscode.workspace.getConfiguration('kubeIpGuard', folder.uri);
    await settings.update('rules', { [RULE]: 'warning' }, vscode.ConfigurationTarget.WorkspaceFolder);
    await waitForNodeError(vscode.DiagnosticSeverity.Warning, `${RULE} downgraded to a warning by kubeIpGuard.rules`);
    await settings.update('rules', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
    await waitForNodeError(vscode.DiagnosticSeverity.Error, `${RULE} back to an error when the setting is removed`);
  });

  it('re-checks open files when .kube-ip-guard.yaml changes on disk', async () => {
    const moved = Buffer.from(originalConfig).toString('utf8').replace('address: 192.168.0.11', 'address: 192.168.0.12');
    assert.notEqual(moved, Buffer.from(originalConfig).toString('utf8'), 'the seed config no longer lists 192.168.0.11');
    await vscode.workspace.fs.writeFile(config, Buffer.from(moved, 'utf8'));
    await waitForNoNodeError('the error to go once k8s-node-1 moved to 192.168.0.12 in .kube-ip-guard.yaml');
    await vscode.workspace.fs.writeFile(config, originalConfig);
    await waitForNodeError(vscode.DiagnosticSeverity.Error, 'the error back once .kube-ip-guard.yaml is restored');
  });

  it('re-checks open files while .kube-ip-guard.yaml is edited in the editor (unsaved)', async () => {
    const doc = await vscode.workspace.openTextDocument(config);
    await vscode.window.showTextDocument(doc, { preview: false, preserveFocus: true, viewColumn: vscode.ViewColumn.Beside });
    const at = doc.getText().indexOf('address: 192.168.0.11');
    assert.ok(at >= 0);
    const range = new vscode.Range(doc.positionAt(at), doc.positionAt(at + 'address: 192.168.0.11'.length));
    const edit = new vscode.WorkspaceEdit();
    edit.replace(config, range, 'address: 192.168.0.12');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(doc.isDirty);
    await waitForNoNodeError('the error to go while the open config says 192.168.0.12');
    const back = new vscode.WorkspaceEdit();
    back.replace(config, new vscode.Range(doc.positionAt(at), doc.positionAt(at + 'address: 192.168.0.12'.length)), 'address: 192.168.0.11');
    assert.ok(await vscode.workspace.applyEdit(back));
    await waitForNodeError(vscode.DiagnosticSeverity.Error, 'the error back once the edit is undone');
    assert.ok(await doc.save());
    await openYaml(manifest);
  });

  it('a closed file\'s findings (Check workspace) are shown once, and still once when it is opened and edited', async () => {
    const other = vscode.Uri.joinPath(folder.uri, 'other.yaml');
    const service = (ip: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: other\nspec:\n  externalIPs:\n  - ${ip}\n  ports:\n  - port: 9999\n`;
    await vscode.workspace.fs.writeFile(other, Buffer.from(service('192.168.0.11'), 'utf8'));
    await vscode.commands.executeCommand('kubeIpGuard.checkWorkspace');
    // Not open: pushed by the server.
    await waitFor('the closed file\'s error after Check workspace', () => ours(other, RULE).length === 1, { describe: () => brief(other) });
    const editor = await openYaml(other);
    // Open: pulled. Had the pushed copy stayed, the error would be there twice, and still once after the fix below.
    const d = await waitFor('the opened file\'s error', () => ours(other, RULE).find((x) => x.range.start.line === 6), { describe: () => brief(other) });
    assert.ok(await editor.edit((e) => e.replace(d.range, '203.0.113.5')));
    await waitFor('no error once the address is free', () => ours(other).length === 0, { describe: () => brief(other) });
    assert.ok(await editor.edit((e) => e.replace(new vscode.Range(6, 4, 6, 15), '192.168.0.11')));
    await waitFor('the error back, once', () => ours(other, RULE).length === 1, { describe: () => brief(other) });
    assert.equal(ours(other).length, 1, JSON.stringify(brief(other)));
    assert.ok(await editor.edit((e) => e.replace(new vscode.Range(6, 4, 6, 16), '203.0.113.5')));
    assert.ok(await editor.document.save());
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await openYaml(manifest);
  });

  it('offers "Remove this address" and applying it removes the error', async () => {
    const d = await waitForNodeError();
    const actions = await waitFor('code actions', async () => {
      const all = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
        'vscode.executeCodeActionProvider',
        manifest,
        d.range,
        vscode.CodeActionKind.QuickFix.value,
      );
      return all?.length ? (all.filter((a) => 'kind' in a || 'edit' in a) as vscode.CodeAction[]) : undefined;
    });
    const titles = actions.map((a) => a.title);
    const remove = actions.find((a) => a.title === 'Remove this address (192.168.0.11)');
    assert.ok(remove, `no "Remove this address" among: ${titles.join(' | ')}`);
    assert.equal(remove.isPreferred, true);
    assert.ok(titles.includes('Use a free address from the pool: 192.168.0.15'), titles.join(' | '));
    assert.ok(titles.includes(`Disable ${RULE} for this line`), titles.join(' | '));
    assert.ok(remove.edit, 'the fix has no edit');
    assert.ok(await vscode.workspace.applyEdit(remove.edit));
    await waitForNoNodeError('the error to go after "Remove this address"');
    const doc = await vscode.workspace.openTextDocument(manifest);
    assert.ok(!doc.getText().includes('192.168.0.11'), doc.getText());
    assert.ok(await doc.save());
  });
});
