// initialize / initialized / shutdown / exit: what the client announced, what the server offers, and starting and
// stopping the background work (the workspace index, the cluster).
import { CodeActionKind, DidChangeWatchedFilesNotification, TextDocumentSyncKind, type InitializeParams, type InitializeResult } from 'vscode-languageserver/node';
import { CONFIG_FILE_NAME } from '../../engine/index';
import type { InitializationOptions } from '../../protocol';
import { readClientSupport } from '../clientSupport';
import type { ServerContext } from '../serverContext';

export function registerLifecycleHandlers(ctx: ServerContext): void {
  const { connection } = ctx;

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    ctx.init = (params.initializationOptions ?? {}) as InitializationOptions;
    ctx.client = readClientSupport(params);
    ctx.folders = (params.workspaceFolders ?? []).map((f) => f.uri);
    if (ctx.folders.length === 0 && params.rootUri) ctx.folders = [params.rootUri];
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: false },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'kube-ip-guard' },
    };
  });

  connection.onInitialized(() => {
    if (ctx.client.dynamicWatchers) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: `**/${CONFIG_FILE_NAME}` }, { globPattern: '**/*.{yaml,yml,json}' }],
      });
    }
    connection.workspace.onDidChangeWorkspaceFolders((e) => {
      ctx.folders = ctx.folders.filter((f) => !e.removed.some((r) => r.uri === f)).concat(e.added.map((a) => a.uri));
      ctx.environmentChanged();
      void ctx.index.rescan();
    });
    void ctx.index.rescan();
    void ctx.configureCluster();
  });

  connection.onShutdown(() => ctx.cluster.stop());
  connection.onExit(() => void ctx.readers.stop());
}
