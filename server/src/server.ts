// The language server's composition root: builds the session's services once and registers each handler module.
// Runs over IPC (VS Code) or `--stdio` (any editor). A new concern is a module under lsp/handlers/ with a
// `register…(ctx)` function, added to the list below.
import type { Connection } from 'vscode-languageserver/node';
import { ServerContext } from './lsp/serverContext';
import { registerLifecycleHandlers } from './lsp/handlers/lifecycle';
import { registerWorkspaceHandlers } from './lsp/handlers/workspace';
import { registerLanguageHandlers } from './lsp/handlers/language';
import { registerCommandHandlers } from './lsp/handlers/commands';
import { registerDocumentHandlers } from './lsp/handlers/documents';
import { registerDiagnosticHandlers } from './lsp/handlers/diagnostics';
import { registerAuditHandlers } from './lsp/handlers/audit';

export function startServer(connection: Connection): ServerContext {
  // Console output must never corrupt the stdio channel: route it to the client's log.
  console.log = (...a: unknown[]) => connection.console.log(a.map(String).join(' '));
  console.info = console.log;
  console.warn = (...a: unknown[]) => connection.console.warn(a.map(String).join(' '));
  console.error = (...a: unknown[]) => connection.console.error(a.map(String).join(' '));

  const ctx = new ServerContext(connection);
  registerLifecycleHandlers(ctx);
  registerWorkspaceHandlers(ctx);
  registerLanguageHandlers(ctx);
  registerCommandHandlers(ctx);
  registerDocumentHandlers(ctx);
  registerDiagnosticHandlers(ctx);
  registerAuditHandlers(ctx);
  connection.listen();
  return ctx;
}
