// Hover and code actions, both read from the analysis of the document's current version.
import { CodeActionKind, MarkupKind, type CodeAction } from 'vscode-languageserver/node';
import { markdownToPlainText } from '../markup';
import { fixesFor, hoverAt } from '../../engine/index';
import { offsetsOf } from '../convert';
import type { ServerContext } from '../serverContext';

export function registerLanguageHandlers(ctx: ServerContext): void {
  const { connection, documents, analyzer } = ctx;

  connection.onHover(async (params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return null;
    const result = await analyzer.current(doc);
    if (!result) return null;
    const h = hoverAt(result.analysis, doc.offsetAt(params.position), result.facts);
    if (!h) return null;
    const contents = ctx.client.hoverFormat === MarkupKind.Markdown ? { kind: MarkupKind.Markdown, value: h.markdown } : { kind: MarkupKind.PlainText, value: markdownToPlainText(h.markdown) };
    return { contents, range: { start: doc.positionAt(h.span.start), end: doc.positionAt(h.span.end) } };
  });

  connection.onCodeAction(async (params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    const ours = params.context.diagnostics.filter((d) => d.source === 'kube-ip-guard' && d.data);
    if (ours.length === 0) return [];
    const result = await analyzer.current(doc);
    if (!result) return [];
    const text = doc.getText();
    const used = analyzer.usedAddressKeys();
    const actions: CodeAction[] = [];
    for (const d of ours) {
      const data = d.data as { rule: string; address?: string; fixes: never[] };
      const span = offsetsOf(doc, d.range);
      for (const fix of fixesFor(text, { rule: data.rule, span, address: data.address, fixes: data.fixes ?? [] }, result.facts, { usedAddressKeys: used })) {
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          isPreferred: fix.isPreferred,
          edit: {
            documentChanges: [
              {
                textDocument: { uri: doc.uri, version: doc.version },
                edits: fix.edits.map((e) => ({ range: { start: doc.positionAt(e.start), end: doc.positionAt(e.end) }, newText: e.newText })),
              },
            ],
          },
        });
      }
    }
    return actions;
  });
}
