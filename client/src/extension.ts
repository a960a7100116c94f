// The VS Code extension: starts the language server and wires settings, commands, the status bar and the output.
// All analysis happens in the server; this file only connects VS Code to it.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import {
  AnalyzerStatusRequest,
  CheckWorkspaceRequest,
  ClientSettingsNotification,
  FactsRequest,
  RefreshClusterRequest,
  LANGUAGE_SERVER_ID,
  ReloadRequest,
  SETTINGS_SECTION,
  StatusNotification,
  TrustNotification,
  type InitializationOptions,
} from '../../server/src/protocol';
import { analyzerStatusLines } from './analyzerStatus';
import { registerAudit, type AuditView } from './audit';

let client: LanguageClient | undefined;

/**
 * The Kubernetes extension's kubeconfig (`vs-kubernetes` › `vs-kubernetes.kubeconfig`), from the user's own settings
 * only: a workspace must never choose which kubeconfig (and so which exec plugin or server) we use.
 */
function kubernetesExtensionKubeconfig(): string | undefined {
  const user = vscode.workspace.getConfiguration().inspect<Record<string, unknown>>('vs-kubernetes')?.globalValue;
  const path = user?.['vs-kubernetes.kubeconfig'];
  return typeof path === 'string' && path ? path : undefined;
}

/** What tests (and curious users) can read back from the extension. */
export interface KubeIpGuardApi {
  readonly client: LanguageClient | undefined;
  readonly audit: AuditView;
  statusText(): string;
  statusTooltip(): string;
}

export async function activate(context: vscode.ExtensionContext): Promise<KubeIpGuardApi> {
  const output = vscode.window.createOutputChannel('Kube IP Guard');
  const serverModule = context.asAbsolutePath('server/out/server.js');
  // A named pipe, not Node's IPC channel: the server then reads VS Code's messages through its own framing guard, and
  // parses one of 1 MB or more (opening a large file) in a worker, where Node would parse every IPC message on the
  // server's main thread.
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.pipe },
    debug: { module: serverModule, transport: TransportKind.pipe, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
  };
  const initializationOptions: InitializationOptions = {
    trusted: vscode.workspace.isTrusted,
    storagePath: context.globalStorageUri.fsPath,
    kubernetesExtensionKubeconfig: kubernetesExtensionKubeconfig(),
    statusWarnings: true,
    diagnosticsAboveHover: true,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'yaml' },
      { scheme: 'untitled', language: 'yaml' },
      { scheme: 'file', language: 'helm' },
    ],
    synchronize: { configurationSection: SETTINGS_SECTION },
    initializationOptions,
    outputChannel: output,
    // Restart a crashed server (the default handler gives up after 5 crashes in 3 minutes).
  };
  client = new LanguageClient(LANGUAGE_SERVER_ID, 'Kube IP Guard', serverOptions, clientOptions);

  const status = vscode.window.createStatusBarItem('kubeIpGuard.status', vscode.StatusBarAlignment.Right, 100);
  status.name = 'Kube IP Guard';
  status.command = 'kubeIpGuard.showFacts';
  status.text = '$(loading~spin) Kube IP Guard';
  status.tooltip = 'Kube IP Guard: loading cluster facts';
  status.show();
  const byScope = new Map<string, StatusNotification.Params>();

  const activeScope = (): StatusNotification.Params | undefined => {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const folder = uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
    if (folder && byScope.has(folder.uri.toString())) return byScope.get(folder.uri.toString());
    return byScope.values().next().value;
  };
  const renderStatus = () => {
    const s = activeScope();
    if (!s) return;
    const icon = s.state === 'error' ? '$(error)' : s.state === 'warning' ? '$(warning)' : s.state === 'loading' ? '$(loading~spin)' : '$(shield)';
    status.text = `${icon} Kube IP Guard: ${s.text}`;
    status.tooltip = new vscode.MarkdownString(s.tooltip);
    status.backgroundColor = s.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : s.state === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  };

  const audit = registerAudit(context, () => client, output);
  context.subscriptions.push(
    output,
    status,
    vscode.window.onDidChangeActiveTextEditor(renderStatus),
    vscode.commands.registerCommand('kubeIpGuard.showFacts', async () => {
      if (!client) return;
      const uri = vscode.window.activeTextEditor?.document.uri.toString() ?? vscode.workspace.workspaceFolders?.[0]?.uri.toString();
      const facts = await client.sendRequest(FactsRequest.type, { uri });
      output.appendLine(`Cluster facts for ${facts.scope ?? '(no folder)'}:`);
      output.appendLine(`  proxy mode: ${facts.proxyMode} (${facts.proxyModeSource})`);
      output.appendLine(`  ${facts.kubernetesVersion}`);
      for (const n of facts.nodes) output.appendLine(`  node ${n.name}: ${n.addresses.map((a) => `${a.address} ${a.type} (${a.source})`).join(', ')}`);
      for (const a of facts.apiServers) output.appendLine(`  API server ${a.address} (${a.source})`);
      for (const p of facts.problems) output.appendLine(`  problem: ${p}`);
      const items: vscode.QuickPickItem[] = [
        ...facts.nodes.map((n) => ({ label: `$(server) ${n.name}`, description: n.addresses.map((a) => `${a.address} (${a.type})`).join(', '), detail: `from ${[...new Set(n.addresses.map((a) => a.source))].join(', ')}` })),
        ...facts.apiServers.map((a) => ({ label: `$(cloud) API server ${a.address}`, detail: `from ${a.source}` })),
        { label: `$(settings-gear) proxy mode: ${facts.proxyMode}`, detail: `from ${facts.proxyModeSource}` },
        { label: '$(versions) Kubernetes version', detail: facts.kubernetesVersion },
        ...facts.problems.map((p) => ({ label: `$(warning) ${p}` })),
      ];
      if (facts.nodes.length === 0 && facts.apiServers.length === 0) {
        items.unshift({ label: '$(info) No cluster facts', detail: 'Add .kube-ip-guard.yaml (nodes, apiServer) to the workspace folder, or kubeIpGuard.* settings.' });
      }
      await vscode.window.showQuickPick(items, { title: 'Kube IP Guard: cluster facts', placeHolder: `${facts.nodes.length} nodes, proxy mode ${facts.proxyMode}` });
    }),
    vscode.commands.registerCommand('kubeIpGuard.checkWorkspace', async () => {
      if (!client) return;
      const r = await client.sendRequest(CheckWorkspaceRequest.type, {});
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      void vscode.window.showInformationMessage(
        `Kube IP Guard${r.cancelled ? ' (cancelled)' : ''}: ${r.files} manifest${r.files === 1 ? '' : 's'} checked: ${r.errors} error${r.errors === 1 ? '' : 's'}, ${r.warnings} warning${r.warnings === 1 ? '' : 's'}.`,
      );
    }),
    vscode.commands.registerCommand('kubeIpGuard.reloadFacts', async () => {
      await client?.sendRequest(ReloadRequest.type);
    }),
    vscode.commands.registerCommand('kubeIpGuard.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('kubeIpGuard.showAnalyzerStatus', async () => {
      if (!client) return;
      const r = await client.sendRequest(AnalyzerStatusRequest.type, {});
      for (const line of analyzerStatusLines(r, (uri) => vscode.workspace.asRelativePath(vscode.Uri.parse(uri)))) output.appendLine(line);
      output.show(true);
    }),
    vscode.commands.registerCommand('kubeIpGuard.refreshCluster', async () => {
      if (!client) return;
      const r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'Kube IP Guard: reading the cluster' },
        () => client!.sendRequest(RefreshClusterRequest.type),
      );
      if (r.state === 'off') void vscode.window.showInformationMessage('Kube IP Guard: the cluster is not consulted (no kubeconfig, or kubeIpGuard.cluster.mode is off).');
      else if (r.state === 'ok' || r.state === 'partial') void vscode.window.showInformationMessage(`Kube IP Guard: context ${r.context}: ${r.nodeCount} nodes.`);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('vs-kubernetes')) {
        void client?.sendNotification(ClientSettingsNotification.type, { kubernetesExtensionKubeconfig: kubernetesExtensionKubeconfig() });
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      void client?.sendNotification(TrustNotification.type, { trusted: true });
    }),
  );

  client.onNotification(StatusNotification.type, (p) => {
    byScope.set(p.scope ?? '', p);
    renderStatus();
    if (p.warning) {
      void vscode.window.showWarningMessage(p.warning, 'Show facts').then((choice) => {
        if (choice) void vscode.commands.executeCommand('kubeIpGuard.showFacts');
      });
    }
  });

  await client.start();
  return {
    get client() {
      return client;
    },
    audit,
    statusText: () => status.text,
    statusTooltip: () => (typeof status.tooltip === 'string' ? status.tooltip : status.tooltip?.value ?? ''),
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
