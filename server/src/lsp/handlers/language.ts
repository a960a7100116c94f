// Hover and code actions, both read from the server's own analysis of the document's current version: never from
// what the client sends back (ALE echoes no `data`, Neovim 0.7 echoes byte columns), only the position or range.
import { CodeActionKind, MarkupKind, type CodeActionParams, type HoverParams } from 'vscode-languageserver/node';
import { hoverAt } from '../../engine/index';
import { codeActionsFor, MAX_FINDINGS_PER_CODE_ACTION } from '../codeActionPlan';
import { unquoted } from '../convert';
import { markdownToPlainText } from '../markup';
import { documentUri, guarded, invalidParams, isPosition, isRange } from '../params';
import { linesOfDocument } from '../positions';
import type { ServerContext } from '../serverContext';

export { MAX_FINDINGS_PER_CODE_ACTION };

export function registerLanguageHandlers(ctx: ServerContext): void {
  const { connection, documents, analyzer } = ctx;
  const log = (line: string) => ctx.log(line);

  connection.onHover(
    guarded('textDocument/hover', log, async (params: HoverParams) => {
      const uri = documentUri(params, 'textDocument/hover');
      if (!isPosition(params.position)) throw invalidParams('textDocument/hover', 'position must be {line, character} of non-negative integers');
      const doc = documents.get(uri);
      if (!doc) return null;
      // A large document's analysis lives in the worker, which answers (from the analysis in flight, or done).
      const diagnosticsShown = ctx.init.diagnosticsAboveHover === true;
      const remote = await analyzer.inWorker(doc);
      if (remote) return remote.hover(params.position, ctx.client.hoverFormat === MarkupKind.Markdown, diagnosticsShown);
      const result = await analyzer.current(doc);
      if (!result) return null;
      const lines = linesOfDocument(doc);
      const h = hoverAt(result.analysis, doc.offsetAt(ctx.codec.fromClient(params.position, lines)), result.facts, { usedAddressKeys: analyzer.usedAddressKeys(), diagnosticsShown });
      if (!h) return null;
      const contents = ctx.client.hoverFormat === MarkupKind.Markdown ? { kind: MarkupKind.Markdown, value: h.markdown } : { kind: MarkupKind.PlainText, value: markdownToPlainText(h.markdown) };
      const span = unquoted(doc, h.span);
      return { contents, range: ctx.rangeToClient(doc.uri, { start: doc.positionAt(span.start), end: doc.positionAt(span.end) }, lines) };
    }),
  );

  connection.onCodeAction(
    guarded('textDocument/codeAction', log, async (params: CodeActionParams) => {
      const uri = documentUri(params, 'textDocument/codeAction');
      if (!isRange(params.range)) throw invalidParams('textDocument/codeAction', 'range must be {start, end} positions');
      // Required by LSP; only its `only` is read (the diagnostics in it are the client's copy, not needed).
      const context = params.context as CodeActionParams['context'] | undefined;
      if (typeof context !== 'object' || context === null) throw invalidParams('textDocument/codeAction', 'context must be an object');
      const only = Array.isArray(context.only) ? context.only : undefined;
      if (only && !only.some((k) => k === CodeActionKind.QuickFix || k === CodeActionKind.Empty || (typeof k === 'string' && CodeActionKind.QuickFix.startsWith(k)))) return [];
      const doc = documents.get(uri);
      if (!doc) return [];
      const remote = await analyzer.inWorker(doc);
      if (remote) return remote.codeActions(params.range, ctx.client.documentChanges, ctx.client.wholeLineEdits);
      const result = await analyzer.current(doc);
      if (!result) return [];
      const lines = linesOfDocument(doc);
      const range = ctx.codec.rangeFromClient(params.range, lines);
      const start = doc.offsetAt(range.start);
      const end = Math.max(start, doc.offsetAt(range.end));
      const hits = result.analysis.findings.filter((f) => f.span.start <= end && start <= f.span.end).slice(0, MAX_FINDINGS_PER_CODE_ACTION);
      return codeActionsFor(
        {
          doc,
          rangeToClient: (r) => ctx.rangeToClient(doc.uri, r, lines),
          diagnosticsToClient: (d) => ctx.diagnosticsToClient(doc.uri, d, lines),
          documentChanges: ctx.client.documentChanges,
          wholeLines: ctx.client.wholeLineEdits,
          used: ctx.analyzer.usedAddressKeys(),
        },
        hits,
        result.facts,
      );
    }),
  );
}
