// initialize / initialized / shutdown / exit: what the client announced, what the server offers, and starting and
// stopping the background work (the workspace index, the cluster).
import { CodeActionKind, DidChangeWatchedFilesNotification, TextDocumentSyncKind, type InitializeParams, type InitializeResult } from 'vscode-languageserver/node';
import { CONFIG_FILE_NAME, SOURCE } from '../../engine/index';
import type { InitializationOptions } from '../../protocol';
import { initialFolders, readClientSupport } from '../clientSupport';
import { negotiateEncoding, PositionCodec } from '../positions';
import type { ServerContext } from '../serverContext';

export function registerLifecycleHandlers(ctx: ServerContext): void {
  const { connection } = ctx;

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    ctx.init = (params.initializationOptions && typeof params.initializationOptions === 'object' ? params.initializationOptions : {}) as InitializationOptions;
    ctx.client = readClientSupport(params);
    ctx.folders = initialFolders(params);
    ctx.codec = new PositionCodec(negotiateEncoding(params.capabilities?.general?.positionEncodings));
    return {
      capabilities: {
        positionEncoding: ctx.codec.encoding,
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: false },
        // Our findings depend on other files (cross-file rules, config files, node manifests). Files that are not
        // open are pushed, so no workspace pull (diagnosticDelivery.ts).
        ...(ctx.client.pullDiagnostics ? { diagnosticProvider: { identifier: SOURCE, interFileDependencies: true, workspaceDiagnostics: false } } : {}),
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'kube-ip-guard' },
    };
  });

  connection.onInitialized(() => {
    if (ctx.client.dynamicWatchers) {
      // A client may announce the capability and still refuse the registration: then the server watches itself.
      ctx.background(
        'registering file watchers',
        connection.client
          .register(DidChangeWatchedFilesNotification.type, {
            watchers: [{ globPattern: `**/${CONFIG_FILE_NAME}` }, { globPattern: '**/*.{yaml,yml,json}' }],
          })
          .catch((e: unknown) => {
            ctx.log(`Kube IP Guard: the editor refused to watch files for the server (${(e as Error)?.message ?? e}); watching them itself`);
            ctx.clientCannotWatch();
          }),
      );
    }
    // Only a client that announced workspace folders sends their changes (vscode-languageserver throws otherwise).
    if (ctx.client.workspaceFolders) {
      connection.workspace.onDidChangeWorkspaceFolders((e) => {
        ctx.folders = ctx.folders.filter((f) => !e.removed.some((r) => r.uri === f)).concat(e.added.map((a) => a.uri));
        ctx.environmentChanged();
        ctx.background('indexing the workspace', ctx.index.rescan());
      });
    }
    ctx.started();
    ctx.background('indexing the workspace', ctx.index.rescan());
    ctx.background('configuring the cluster', ctx.configureCluster());
  });

  connection.onShutdown(async () => {
    await ctx.watcher.close();
    await ctx.cluster.stop();
  });
  connection.onExit(() => ctx.background('stopping the readers', ctx.readers.stop()));
}
