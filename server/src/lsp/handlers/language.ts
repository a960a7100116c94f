// Hover and code actions, both read from the server's own analysis of the document's current version: never from
// what the client sends back (ALE echoes no `data`, Neovim 0.7 echoes byte columns), only the position or range.
import { CodeActionKind, MarkupKind, type CodeAction, type CodeActionParams, type Diagnostic, type HoverParams, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { fixesFor, hoverAt, type ClusterFacts, type Finding, type FixAction, type OffsetEdit } from '../../engine/index';
import { toDiagnostic, unquoted } from '../convert';
import { markdownToPlainText } from '../markup';
import { documentUri, guarded, invalidParams, isPosition, isRange } from '../params';
import { linesOfDocument, type LineSource } from '../positions';
import type { ServerContext } from '../serverContext';

/** Findings looked at per code-action request: the ones under the cursor, not a whole line of a generated file. */
export const MAX_FINDINGS_PER_CODE_ACTION = 20;

export function registerLanguageHandlers(ctx: ServerContext): void {
  const { connection, documents, analyzer } = ctx;
  const log = (line: string) => ctx.log(line);

  connection.onHover(
    guarded('textDocument/hover', log, async (params: HoverParams) => {
      const uri = documentUri(params, 'textDocument/hover');
      if (!isPosition(params.position)) throw invalidParams('textDocument/hover', 'position must be {line, character} of non-negative integers');
      const doc = documents.get(uri);
      if (!doc) return null;
      const result = await analyzer.current(doc);
      if (!result) return null;
      const lines = linesOfDocument(doc);
      const h = hoverAt(result.analysis, doc.offsetAt(ctx.codec.fromClient(params.position, lines)), result.facts);
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
      const result = await analyzer.current(doc);
      if (!result) return [];
      const lines = linesOfDocument(doc);
      const range = ctx.codec.rangeFromClient(params.range, lines);
      const start = doc.offsetAt(range.start);
      const end = Math.max(start, doc.offsetAt(range.end));
      const hits = result.analysis.findings.filter((f) => f.span.start <= end && start <= f.span.end).slice(0, MAX_FINDINGS_PER_CODE_ACTION);
      return codeActionsFor(ctx, doc, lines, hits, result.facts);
    }),
  );
}

/** The quick fixes of `findings`: each finding's own, and one "Disable … for this line" per line. */
function codeActionsFor(ctx: ServerContext, doc: TextDocument, lines: LineSource, findings: Finding[], facts: ClusterFacts): CodeAction[] {
  const text = doc.getText();
  const used = ctx.analyzer.usedAddressKeys();
  const fixes: CodeAction[] = [];
  const disables = new Map<number, { findings: Finding[]; actions: FixAction[] }>();
  for (const f of findings) {
    const diagnostic = ctx.diagnosticsToClient(doc.uri, [toDiagnostic(doc, f)], lines)[0];
    for (const fix of fixesFor(text, { rule: f.rule, span: f.span, address: f.data.address, fixes: f.data.fixes }, facts, { usedAddressKeys: used })) {
      if (fix.kind === 'disable-line') {
        const line = doc.positionAt(f.span.start).line;
        const entry = disables.get(line) ?? { findings: [], actions: [] };
        disables.set(line, entry);
        entry.findings.push(f);
        entry.actions.push(fix);
        continue;
      }
      fixes.push(action(ctx, doc, lines, fix.title, fix.edits, [diagnostic], fix.isPreferred));
    }
  }
  const disableActions: CodeAction[] = [];
  for (const { findings: onLine, actions } of disables.values()) {
    const merged = mergeDisables(text, onLine, actions, facts);
    const diagnostics = ctx.diagnosticsToClient(doc.uri, onLine.map((f) => toDiagnostic(doc, f)), lines);
    disableActions.push(action(ctx, doc, lines, merged.title, merged.edits, diagnostics, false));
  }
  // The preferred fix first, "disable" last (vscode-eslint's order).
  return [...fixes.sort((a, b) => Number(!!b.isPreferred) - Number(!!a.isPreferred)), ...disableActions];
}

/**
 * One "Disable … for this line" for every rule found on a line: the rules' comments are added one after the other
 * (each computed on the text the previous one left), and kept only when they make one insertion; otherwise the
 * first rule's action alone.
 */
function mergeDisables(text: string, findings: Finding[], actions: FixAction[], facts: ClusterFacts): { title: string; edits: OffsetEdit[] } {
  const rules = [...new Set(findings.map((f) => f.rule))];
  const first = actions[0];
  if (rules.length === 1 || first.edits.length !== 1) return first;
  const at = first.edits[0].start;
  let current = applyInsertion(text, first.edits[0]);
  let inserted = first.edits[0].newText;
  for (const rule of rules.slice(1)) {
    const f = findings.find((x) => x.rule === rule)!;
    const next = fixesFor(current, { rule, span: f.span, address: f.data.address, fixes: ['disable-line'] }, facts).find((a) => a.kind === 'disable-line');
    const e = next?.edits.length === 1 ? next.edits[0] : undefined;
    if (!e || e.start !== e.end || e.start !== at + inserted.length || first.edits[0].start !== first.edits[0].end) return first;
    current = applyInsertion(current, e);
    inserted += e.newText;
  }
  return { title: `Disable ${rules.join(', ')} for this line`, edits: [{ start: at, end: at, newText: inserted }] };
}

function applyInsertion(text: string, e: OffsetEdit): string {
  return text.slice(0, e.start) + e.newText + text.slice(e.end);
}

function action(ctx: ServerContext, doc: TextDocument, lines: LineSource, title: string, edits: OffsetEdit[], diagnostics: Diagnostic[], isPreferred: boolean): CodeAction {
  const textEdits: TextEdit[] = edits.map((e) => ({ range: ctx.rangeToClient(doc.uri, { start: doc.positionAt(e.start), end: doc.positionAt(e.end) }, lines), newText: e.newText }));
  // documentChanges (versioned) only for a client that announced them; `changes` is what every client takes.
  const edit: WorkspaceEdit = ctx.client.documentChanges ? { documentChanges: [{ textDocument: { uri: doc.uri, version: doc.version }, edits: textEdits }] } : { changes: { [doc.uri]: textEdits } };
  return { title, kind: CodeActionKind.QuickFix, diagnostics, isPreferred, edit };
}
