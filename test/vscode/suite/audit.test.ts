// "Kube IP Guard: Audit cluster" in the real extension host: the launcher starts the API server stand-in of the audit
// tests (test/cluster/standin.ts with test/cluster/auditFixtures.ts's seedObjects: default/busybox has externalIPs
// [192.168.0.20, 192.168.0.11], the second the InternalIP of node k8s-node-1; kube-proxy in IPVS mode), writes a
// kubeconfig whose context `standin` points at it and starts VS Code with KUBECONFIG set. The suite runs the command
// as the palette does and checks what the user then sees: the culprit opened as a virtual document with the YAML
// kubectl shows, its finding in the Problems panel on the right line, the hover with the exact patch, and the code
// action that copies it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activeApi, hoverText, openYaml, waitFor } from './helpers';

const AUDIT_SOURCE = 'kube-ip-guard audit';

describe('Kube IP Guard: Audit cluster (API server stand-in)', () => {
  before(async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder is open');
    assert.ok(process.env.KUBECONFIG, 'the launcher did not set KUBECONFIG');
    // The extension activates on YAML: open the workspace's manifest first.
    await openYaml(vscode.Uri.joinPath(folder.uri, 'deployment.yaml'));
    await activeApi();
  });

  let live: vscode.Uri | undefined;
  let result: { auditId: number; fixes: { command: string }[] } | undefined;

  it('opens the culprit default/busybox as a virtual document, as kubectl get -o yaml shows it', async () => {
    result = await vscode.commands.executeCommand<{ auditId: number; fixes: { command: string }[] }>('kubeIpGuard.auditCluster');
    assert.ok(result && result.fixes.length === 1, JSON.stringify(result));
    const editor = await waitFor('the audited object in the active editor', () => {
      const e = vscode.window.activeTextEditor;
      return e && e.document.uri.scheme === 'kube-ip-guard-live' ? e : undefined;
    });
    live = editor.document.uri;
    assert.equal(live.path, '/standin/default/Service/busybox.yaml');
    const text = editor.document.getText();
    assert.match(text, /^apiVersion: v1$/m);
    assert.match(text, /^kind: Service$/m);
    assert.match(text, /^ {2}externalIPs:\n {2}- 192\.168\.0\.20\n {2}- 192\.168\.0\.11$/m, text);
    assert.equal(editor.document.languageId, 'yaml');
    // A virtual document of the audit (the workbench shows content-provider documents read-only), not a file.
    assert.equal(editor.document.isUntitled, false);
    assert.equal(editor.document.isDirty, false);
  });

  it('shows the externalip-node error in the Problems panel on the line of 192.168.0.11, naming the node', async () => {
    const uri = live!;
    const line = (await vscode.workspace.openTextDocument(uri)).getText().split('\n').findIndex((l) => l === '  - 192.168.0.11');
    assert.ok(line > 0);
    const d = await waitFor('the audit diagnostic', () => vscode.languages.getDiagnostics(uri).find((x) => x.source === AUDIT_SOURCE && x.range.start.line === line));
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(typeof d.code === 'object' ? String(d.code.value) : d.code, 'externalip-node');
    assert.match(d.message, /^192\.168\.0\.11 is the InternalIP of node k8s-node-1: in IPVS mode kube-proxy binds it to kube-ipvs0 on every node/);
    assert.match(d.message, /\(collides with node k8s-node-1 \(InternalIP 192\.168\.0\.11\)\)$/);
    // Only the culprit: the free address next to it has no finding, and no other object was opened with one.
    assert.equal(vscode.languages.getDiagnostics(uri).filter((x) => x.source === AUDIT_SOURCE).length, 1);
    const withAudit = vscode.languages.getDiagnostics().filter(([, ds]) => ds.some((x) => x.source === AUDIT_SOURCE));
    assert.deepEqual(withAudit.map(([u]) => u.path), ['/standin/default/Service/busybox.yaml']);
  });

  it('hovers the finding with the patch that removes exactly index 1, and offers Copy fix command first', async () => {
    const uri = live!;
    const line = (await vscode.workspace.openTextDocument(uri)).getText().split('\n').findIndex((l) => l === '  - 192.168.0.11');
    const pos = new vscode.Position(line, 5);
    const text = await waitFor('the audit hover', async () => (await hoverText(uri, pos)) || undefined);
    assert.ok(text.includes(`patch service busybox --type=json -p '[{"op":"test","path":"/spec/externalIPs/1","value":"192.168.0.11"},{"op":"remove","path":"/spec/externalIPs/1"}]'`), text);
    assert.doesNotMatch(text, /e2e-token/, 'no credential in the hover');
    const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, new vscode.Range(pos, pos))) ?? [];
    const titles = actions.map((a) => a.title);
    assert.deepEqual(titles.filter((t) => /fix/.test(t)), ['Copy fix command', 'Apply fix to the cluster…']);
    // The action copies the command of the audit's fix it names (the clipboard of a browser workbench is the page's,
    // out of the extension host's reach): the one the hover shows.
    const copy = actions.find((a) => a.title === 'Copy fix command')!;
    assert.equal(copy.command?.command, 'kubeIpGuard.copyAuditFix');
    const [auditId, fix] = copy.command!.arguments as [number, number];
    assert.equal(auditId, result!.auditId);
    assert.match(result!.fixes[fix].command, /^kubectl .*-n default patch service busybox --type=json -p '\[\{"op":"test","path":"\/spec\/externalIPs\/1"/);
    assert.ok(text.includes(result!.fixes[fix].command));
  });
});
