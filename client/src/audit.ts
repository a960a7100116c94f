// "Kube IP Guard: Audit cluster" in VS Code: the server audits the live cluster; each offending object opens as a
// read-only virtual document (its YAML as `kubectl get -o yaml` shows it) with its findings in the Problems panel,
// a hover, and the code actions *Copy fix command* and *Apply fix to the cluster…* (only after a modal question).
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ApplyAuditFixRequest, AuditClusterRequest, AuditProgressNotification } from '../../server/src/protocol';

export const AUDIT_SCHEME = 'kube-ip-guard-live';

interface Shown {
  result: AuditClusterRequest.Result;
  byUri: Map<string, AuditClusterRequest.LiveDocument>;
}

/** `kube-ip-guard-live:/<context>/<namespace or _cluster>/<Kind>/<name>.yaml` */
export function liveDocumentUri(context: string | undefined, d: AuditClusterRequest.LiveDocument): vscode.Uri {
  const seg = (s: string) => encodeURIComponent(s);
  return vscode.Uri.from({ scheme: AUDIT_SCHEME, path: `/${seg(context ?? 'cluster')}/${seg(d.namespace ?? '_cluster')}/${seg(d.kind)}/${seg(d.name)}.yaml` });
}

const SEVERITY: Record<string, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

function rangeOf(r: AuditClusterRequest.Finding['range']): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

/** What tests read back: the last audit shown. */
export interface AuditView {
  last(): AuditClusterRequest.Result | undefined;
}

export function registerAudit(context: vscode.ExtensionContext, client: () => LanguageClient | undefined, output: vscode.OutputChannel): AuditView {
  let shown: Shown | undefined;
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const diagnostics = vscode.languages.createDiagnosticCollection('kube-ip-guard-audit');
  const findingAt = (uri: vscode.Uri, pos: vscode.Position): AuditClusterRequest.Finding[] =>
    shown?.byUri.get(uri.toString())?.findings.filter((f) => rangeOf(f.range).contains(pos)) ?? [];

  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    provideTextDocumentContent: (uri) => shown?.byUri.get(uri.toString())?.yaml ?? '# This object is not in the last audit: run "Kube IP Guard: Audit cluster" again.\n',
  };

  const hover: vscode.HoverProvider = {
    provideHover(doc, pos) {
      const found = findingAt(doc.uri, pos);
      if (!found.length || !shown) return undefined;
      const md = new vscode.MarkdownString();
      for (const f of found) {
        md.appendMarkdown(`**${f.severity}** \`${f.rule}\`${f.field ? ` at \`${f.field}\`` : ''}\n\n`);
        if (f.collidesWith) md.appendMarkdown(`Collides with ${f.collidesWith}.\n\n`);
        md.appendText(f.message);
        md.appendMarkdown('\n\n');
        const fix = f.fix !== undefined ? shown.result.fixes[f.fix] : undefined;
        if (fix) {
          md.appendMarkdown(`Fix (${fix.summary}):\n\n`);
          md.appendCodeblock(fix.command, 'shell');
        } else if (f.manualFix) md.appendText(`Fix: ${f.manualFix}`);
        md.appendMarkdown(`\n\n[${f.rule}](${f.href})\n\n`);
      }
      return new vscode.Hover(md);
    },
  };

  const actions: vscode.CodeActionProvider = {
    provideCodeActions(doc, range) {
      if (!shown) return [];
      const out: vscode.CodeAction[] = [];
      const seen = new Set<number>();
      for (const f of shown.byUri.get(doc.uri.toString())?.findings ?? []) {
        if (f.fix === undefined || seen.has(f.fix) || !rangeOf(f.range).intersection(range)) continue;
        seen.add(f.fix);
        const copy = new vscode.CodeAction('Copy fix command', vscode.CodeActionKind.QuickFix);
        copy.command = { command: 'kubeIpGuard.copyAuditFix', title: 'Copy fix command', arguments: [shown.result.auditId, f.fix] };
        copy.isPreferred = true;
        const apply = new vscode.CodeAction('Apply fix to the cluster…', vscode.CodeActionKind.QuickFix);
        apply.command = { command: 'kubeIpGuard.applyAuditFix', title: 'Apply fix to the cluster…', arguments: [shown.result.auditId, f.fix] };
        out.push(copy, apply);
      }
      return out;
    },
  };

  const show = async (result: AuditClusterRequest.Result) => {
    const byUri = new Map<string, AuditClusterRequest.LiveDocument>();
    diagnostics.clear();
    for (const d of result.documents) {
      const uri = liveDocumentUri(result.context, d);
      byUri.set(uri.toString(), d);
      diagnostics.set(
        uri,
        d.findings.map((f) => {
          const diag = new vscode.Diagnostic(rangeOf(f.range), f.collidesWith ? `${f.message} (collides with ${f.collidesWith})` : f.message, SEVERITY[f.severity]);
          diag.source = 'kube-ip-guard audit';
          diag.code = { value: f.rule, target: vscode.Uri.parse(f.href) };
          return diag;
        }),
      );
    }
    shown = { result, byUri };
    for (const u of byUri.keys()) changed.fire(vscode.Uri.parse(u));
  };

  context.subscriptions.push(
    diagnostics,
    changed,
    vscode.workspace.registerTextDocumentContentProvider(AUDIT_SCHEME, provider),
    vscode.languages.registerHoverProvider({ scheme: AUDIT_SCHEME }, hover),
    vscode.languages.registerCodeActionsProvider({ scheme: AUDIT_SCHEME }, actions, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    vscode.commands.registerCommand('kubeIpGuard.auditCluster', async () => {
      const c = client();
      if (!c) return undefined;
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Kube IP Guard: auditing the cluster', cancellable: true },
        async (progress, token) => {
          const sub = c.onNotification(AuditProgressNotification.type, (p) => progress.report({ message: p.message }));
          try {
            return await c.sendRequest(AuditClusterRequest.type, {}, token);
          } finally {
            sub.dispose();
          }
        },
      );
      output.appendLine(`Kube IP Guard: audit ${result.state}: ${result.message}${result.notRead.length ? `; not read: ${result.notRead.join('; ')}` : ''}`);
      if (result.state === 'failed') {
        void vscode.window.showErrorMessage(`Kube IP Guard: could not audit the cluster: ${result.message}`);
        return result;
      }
      await show(result);
      const incomplete = result.notRead.length ? ` Not read: ${result.notRead.join('; ')}.` : '';
      if (result.documents.length === 0) {
        void vscode.window.showInformationMessage(`Kube IP Guard: context ${result.context ?? ''}: no collisions.${incomplete}`);
        return result;
      }
      const first = liveDocumentUri(result.context, result.documents[0]);
      const doc = await vscode.workspace.openTextDocument(first);
      await vscode.languages.setTextDocumentLanguage(doc, 'yaml');
      await vscode.window.showTextDocument(doc, { preview: true });
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      void vscode.window.showWarningMessage(
        `Kube IP Guard: context ${result.context ?? ''}: ${result.errors} error${result.errors === 1 ? '' : 's'}, ${result.warnings} warning${result.warnings === 1 ? '' : 's'} in ${result.documents.length} object${result.documents.length === 1 ? '' : 's'}.${incomplete}`,
      );
      return result;
    }),
    vscode.commands.registerCommand('kubeIpGuard.copyAuditFix', async (auditId: number, fix: number) => {
      // Run without arguments (the command palette, a test running every command): nothing to copy or apply.
      const f = shown && typeof auditId === 'number' && shown.result.auditId === auditId ? shown.result.fixes[fix] : undefined;
      if (!f) return;
      await vscode.env.clipboard.writeText(f.command);
      void vscode.window.showInformationMessage('Kube IP Guard: fix command copied.');
    }),
    vscode.commands.registerCommand('kubeIpGuard.applyAuditFix', async (auditId: number, fix: number) => {
      const c = client();
      // Run without arguments (the command palette, a test running every command): nothing to copy or apply.
      const f = shown && typeof auditId === 'number' && shown.result.auditId === auditId ? shown.result.fixes[fix] : undefined;
      if (!c || !f || !shown) return;
      const choice = await vscode.window.showWarningMessage(
        `Apply this patch to the cluster (context ${shown.result.context ?? ''})?`,
        { modal: true, detail: `${f.summary}\n\n${f.command}` },
        'Apply',
      );
      if (choice !== 'Apply') return;
      const r = await c.sendRequest(ApplyAuditFixRequest.type, { auditId, fix });
      output.appendLine(`Kube IP Guard: ${r.message}`);
      if (r.ok) void vscode.window.showInformationMessage(`Kube IP Guard: ${r.message}. Run the audit again to check the cluster.`);
      else void vscode.window.showErrorMessage(`Kube IP Guard: ${r.message}`);
    }),
  );
  return { last: () => shown?.result };
}
