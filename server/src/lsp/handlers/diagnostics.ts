// `textDocument/diagnostic` (LSP 3.17 pull), offered only to clients that can also be asked to pull again
// (clientSupport.ts): answered from the analyzer's one analysis per (uri, version), the same one the push path
// publishes. diagnosticDelivery.ts decides what is pulled and what is pushed.
import { DocumentDiagnosticRequest, type DocumentDiagnosticParams } from 'vscode-languageserver/node';
import { documentUri, guarded } from '../params';
import type { ServerContext } from '../serverContext';

export function registerDiagnosticHandlers(ctx: ServerContext): void {
  const { connection, documents, analyzer, diagnostics } = ctx;
  const log = (line: string) => ctx.log(line);

  // By method name: `guarded` answers errors without the cancellation data this request's type declares.
  connection.onRequest(
    DocumentDiagnosticRequest.method,
    guarded(DocumentDiagnosticRequest.method, log, (params: DocumentDiagnosticParams) => {
      const uri = documentUri(params, 'textDocument/diagnostic');
      const previous = typeof params.previousResultId === 'string' ? params.previousResultId : undefined;
      return diagnostics.pull(uri, previous, async () => {
        // "Computed for the currently synced version": when an edit arrives meanwhile, the newer version's.
        for (;;) {
          const doc = documents.get(uri);
          if (!doc) return undefined;
          const result = await analyzer.current(doc);
          if (result) return { version: result.version, diagnostics: ctx.toClient(uri, result.diagnostics, result.clientDiagnostics) };
        }
      });
    }),
  );
}
