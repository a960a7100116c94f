// Engine offsets -> LSP positions, and back.
import { DiagnosticSeverity, type Diagnostic, type Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { ruleDocUrl, SOURCE, type Analysis, type Finding, type Severity, type Span } from '../engine/index';
import type { FileProblem } from '../facts/workspaceFacts';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

export function rangeOf(doc: TextDocument, span: Span): Range {
  return { start: doc.positionAt(span.start), end: doc.positionAt(span.end) };
}

export function offsetsOf(doc: TextDocument, range: Range): Span {
  return { start: doc.offsetAt(range.start), end: doc.offsetAt(range.end) };
}

/** More than this per file helps nobody and slows the editor: the rest are counted in one information diagnostic. */
export const MAX_DIAGNOSTICS_PER_FILE = 1000;

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/**
 * The span of a value without its quotes: `"192.168.0.11"` is underlined, and hovered, from its first digit to its
 * last. The engine's spans keep the quotes (its fixes edit the scalar as written).
 */
export function unquoted(doc: TextDocument, span: Span): Span {
  const n = span.end - span.start;
  if (n < 2 || n > 256) return span;
  const s = doc.getText(rangeOf(doc, span));
  const q = s[0];
  return (q === '"' || q === "'") && s[s.length - 1] === q && s.length === n ? { start: span.start + 1, end: span.end - 1 } : span;
}

/** One finding as an LSP diagnostic (UTF-16 positions in `doc`). */
export function toDiagnostic(doc: TextDocument, f: Finding): Diagnostic {
  const d: Diagnostic = {
    range: rangeOf(doc, unquoted(doc, f.span)),
    severity: SEVERITY[f.severity],
    source: SOURCE,
    code: f.rule,
    codeDescription: { href: ruleDocUrl(f.rule) },
    message: f.message,
    data: f.data,
  };
  const related = f.related.map((r) => ({
    location: r.location
      ? { uri: r.location.uri, range: { start: { line: r.location.line, character: r.location.character }, end: { line: r.location.endLine, character: r.location.endCharacter } } }
      : { uri: doc.uri, range: rangeOf(doc, r.span ?? f.span) },
    message: r.message,
  }));
  if (related.length) d.relatedInformation = related;
  return d;
}

export function toDiagnostics(doc: TextDocument, analysis: Analysis, max = MAX_DIAGNOSTICS_PER_FILE): Diagnostic[] {
  let findings = analysis.findings;
  let dropped = 0;
  if (findings.length > max) {
    // Keep the most severe, in document order.
    findings = [...findings].sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.span.start - b.span.start).slice(0, max);
    findings.sort((a, b) => a.span.start - b.span.start);
    dropped = analysis.findings.length - max;
  }
  const diagnostics = findings.map((f) => toDiagnostic(doc, f));
  if (dropped > 0) {
    diagnostics.push({
      range: rangeOf(doc, { start: 0, end: 0 }),
      severity: DiagnosticSeverity.Information,
      source: SOURCE,
      code: 'analysis-limit',
      codeDescription: { href: ruleDocUrl('analysis-limit') },
      message: `${dropped} more findings in this file are not shown (at most ${max} per file, the most severe first); \`kube-ip-guard lint\` lists them all.`,
    });
  }
  return diagnostics;
}

export function problemsToDiagnostics(doc: TextDocument, problems: readonly FileProblem[]): Diagnostic[] {
  return problems.map((p) => ({
    range: rangeOf(doc, p.span ?? { start: 0, end: 0 }),
    severity: p.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    source: SOURCE,
    code: 'config',
    message: p.message,
  }));
}
