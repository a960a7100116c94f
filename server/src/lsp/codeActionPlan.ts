// The quick fixes of a document's findings under a range, as LSP code actions: one path for the main thread (small
// documents) and the analysis worker (large ones, whose text and findings live there). Each finding's own fixes,
// then one "Disable … for this line" per line; the preferred fix first, "disable" last (vscode-eslint's order).
import { CodeActionKind, type CodeAction, type Diagnostic, type Range, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { fixesFor, type AddressKeySet, type ClusterFacts, type Finding, type FixAction, type OffsetEdit } from '../engine/index';
import { toDiagnostic } from './convert';

/** Findings looked at per code-action request: the ones under the cursor, not a whole line of a generated file. */
export const MAX_FINDINGS_PER_CODE_ACTION = 20;

/** What the code actions are computed for: the document and how its positions reach the client. */
export interface ActionTarget {
  doc: TextDocument;
  /** A server range (UTF-16) as the client counts it. */
  rangeToClient(range: Range): Range;
  /** Diagnostics of this document as the client counts positions. */
  diagnosticsToClient(diagnostics: Diagnostic[]): Diagnostic[];
  /** The client announced `workspaceEdit.documentChanges`. */
  documentChanges: boolean;
  /** Edits replace whole lines (the client negotiated no position encoding: clientSupport.ts). */
  wholeLines: boolean;
  /** Addresses already used by Services of open documents (never proposed from the pool). */
  used: AddressKeySet;
}

/** The quick fixes of `findings`: each finding's own, and one "Disable … for this line" per line. */
export function codeActionsFor(t: ActionTarget, findings: Finding[], facts: ClusterFacts): CodeAction[] {
  const { doc } = t;
  const text = doc.getText();
  const fixes: CodeAction[] = [];
  const disables = new Map<number, { findings: Finding[]; actions: FixAction[] }>();
  for (const f of findings) {
    const diagnostic = t.diagnosticsToClient([toDiagnostic(doc, f)])[0];
    for (const fix of fixesFor(text, { rule: f.rule, span: f.span, address: f.data.address, fixes: f.data.fixes }, facts, { usedAddressKeys: t.used })) {
      if (fix.kind === 'disable-line') {
        const line = doc.positionAt(f.span.start).line;
        const entry = disables.get(line) ?? { findings: [], actions: [] };
        disables.set(line, entry);
        entry.findings.push(f);
        entry.actions.push(fix);
        continue;
      }
      fixes.push(action(t, fix.title, fix.edits, [diagnostic], fix.isPreferred));
    }
  }
  const disableActions: CodeAction[] = [];
  for (const { findings: onLine, actions } of disables.values()) {
    const merged = mergeDisables(text, onLine, actions, facts);
    const diagnostics = t.diagnosticsToClient(onLine.map((f) => toDiagnostic(doc, f)));
    disableActions.push(action(t, merged.title, merged.edits, diagnostics, false));
  }
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

/**
 * `edits` as one edit of whole lines: from the start of the first line they touch to the start of the line after the
 * last (LSP: a range that ends at character 0 of the next line holds the line break), with the edited text of those
 * lines. Columns 0 are the same in every position encoding, so a client that counts columns otherwise than it says
 * (ALE counts bytes and says nothing) still applies it right.
 */
export function asWholeLines(text: string, edits: readonly OffsetEdit[]): OffsetEdit[] {
  if (edits.length === 0) return [];
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const from = text.lastIndexOf('\n', sorted[0].start - 1) + 1;
  const last = Math.max(...sorted.map((e) => e.end));
  const atLineStart = last === 0 || text[last - 1] === '\n';
  const nl = text.indexOf('\n', last);
  const to = atLineStart ? Math.max(from, last) : nl < 0 ? text.length : nl + 1;
  let out = '';
  let at = from;
  for (const e of sorted) {
    out += text.slice(at, e.start) + e.newText;
    at = e.end;
  }
  return [{ start: from, end: to, newText: out + text.slice(at, to) }];
}

function applyInsertion(text: string, e: OffsetEdit): string {
  return text.slice(0, e.start) + e.newText + text.slice(e.end);
}

function action(t: ActionTarget, title: string, edits: OffsetEdit[], diagnostics: Diagnostic[], isPreferred: boolean): CodeAction {
  const { doc } = t;
  const text = doc.getText();
  const textEdits: TextEdit[] = (t.wholeLines ? asWholeLines(text, edits) : edits).map((e) => {
    const range = t.rangeToClient({ start: doc.positionAt(e.start), end: doc.positionAt(e.end) });
    // The last line has no line break to end at: past it (clients clamp to the end of the document), unless its
    // length is the same in every encoding.
    if (t.wholeLines && e.end === text.length && range.end.character > 0 && /[^\x00-\x7f]/.test(text.slice(text.lastIndexOf('\n') + 1))) {
      range.end = { line: range.end.line + 1, character: 0 };
    }
    return { range, newText: e.newText };
  });
  // documentChanges (versioned) only for a client that announced them; `changes` is what every client takes.
  const edit: WorkspaceEdit = t.documentChanges ? { documentChanges: [{ textDocument: { uri: doc.uri, version: doc.version }, edits: textEdits }] } : { changes: { [doc.uri]: textEdits } };
  return { title, kind: CodeActionKind.QuickFix, diagnostics, isPreferred, edit };
}
