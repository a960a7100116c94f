// ESLint-style suppression comments:
//   # kube-ip-guard-disable-line [rule ...]       at the end of the offending line
//   # kube-ip-guard-disable-next-line [rule ...]  on the line before
//   # kube-ip-guard-disable [rule ...]            from here to the end of the file (or a matching -enable)
//   # kube-ip-guard-enable [rule ...]
// No rule named means every rule; `-- reason` ends the list. A comment naming another rule hides nothing else.
//
// Comments do not survive rendering (`kustomize build`, `helm template` of a values file): an annotation does.
//   metadata.annotations["kube-ip-guard.io/ignore"]: "rule-id, rule-id -- reason"   (or "*" for every rule)
// hides those rules' findings on that object.

import { Lexer } from 'yaml';
import { isTemplate, maskTemplates, splitDocuments } from './manifest';
import { LineIndex } from './lineIndex';

export const DIRECTIVE_PREFIX = 'kube-ip-guard-';

export const IGNORE_ANNOTATION = 'kube-ip-guard.io/ignore';

/** The rules an ignore annotation's value names ("a, b -- why"), or 'all' for "*"; undefined when it names none. */
export function parseIgnoreAnnotation(value: string): string[] | 'all' | undefined {
  const list = value.split(/\s--(\s|$)/)[0];
  const rules = list.split(/[\s,]+/).filter(Boolean);
  if (rules.includes('*')) return 'all';
  return rules.length ? rules : undefined;
}

/** Does an object's ignore annotation (as parsed) hide `rule`? */
export function ignoredByAnnotation(ignore: string[] | 'all' | undefined, rule: string): boolean {
  return ignore !== undefined && (ignore === 'all' || ignore.includes(rule));
}

/**
 * Which of `offsets` lie inside a real YAML comment (text inside a quoted or block scalar is not one). A directive
 * may follow other comment text on its line: the quick fix appends it to an existing comment.
 */
function inComments(text: string, offsets: number[]): Set<number> {
  const inside = new Set<number>();
  const source = isTemplate(text) ? maskTemplates(text) : text;
  for (const chunk of splitDocuments(source)) {
    const end = chunk.start + chunk.text.length;
    if (!offsets.some((o) => o >= chunk.start && o < end)) continue;
    let at = chunk.start;
    for (const token of new Lexer().lex(chunk.text)) {
      // The lexer's control tokens (document, flow end, scalar markers) take no room in the source.
      if (token === '\x02' || token === '\x18' || token === '\x1f') continue;
      if (token.startsWith('#')) for (const o of offsets) if (o >= at && o < at + token.length) inside.add(o);
      at += token.length;
    }
  }
  return inside;
}

type Directive = { kind: 'disable-line' | 'disable-next-line' | 'disable' | 'enable'; line: number; rules: string[] | 'all' };

const DIRECTIVE = /#\s*kube-ip-guard-(disable-next-line|disable-line|disable|enable)(?=\s|$)([^\n]*)/y;

export class Suppressions {
  private lines?: LineIndex;
  private readonly directives: Directive[] = [];

  constructor(text: string) {
    if (!text.includes(DIRECTIVE_PREFIX)) return;
    const lines = new LineIndex(text);
    this.lines = lines;
    const candidates: { hash: number; line: number; kind: Directive['kind']; rest: string }[] = [];
    for (let at = text.indexOf(DIRECTIVE_PREFIX); at >= 0; at = text.indexOf(DIRECTIVE_PREFIX, at + 1)) {
      const line = lines.lineAt(at);
      const lineStart = lines.lineStart(line);
      const hash = text.lastIndexOf('#', at);
      if (hash < lineStart) continue;
      // `#` starts a comment only at line start or after whitespace.
      if (hash > lineStart && !/[ \t]/.test(text[hash - 1])) continue;
      DIRECTIVE.lastIndex = hash;
      const m = DIRECTIVE.exec(text);
      if (m) candidates.push({ hash, line, kind: m[1] as Directive['kind'], rest: m[2] });
    }
    if (candidates.length === 0) return;
    // Only a real comment is a directive: the same words inside a quoted or block scalar are data.
    const comments = inComments(text, candidates.map((c) => c.hash));
    for (const c of candidates) {
      if (!comments.has(c.hash)) continue;
      const rest = c.rest.replace(/\r$/, '').split(/\s--\s|\s--$/)[0];
      const rules = rest.split(/[\s,]+/).filter(Boolean);
      this.directives.push({ kind: c.kind, line: c.line, rules: rules.length ? rules : 'all' });
    }
  }

  get empty(): boolean {
    return this.directives.length === 0;
  }

  /** Is a finding of `rule` starting at `offset` suppressed? */
  isSuppressed(rule: string, offset: number): boolean {
    if (this.directives.length === 0) return false;
    const line = this.lines!.lineAt(offset);
    const names = (d: Directive) => d.rules === 'all' || d.rules.includes(rule);
    let disabled = false;
    for (const d of this.directives) {
      if (d.line > line) break;
      if (d.kind === 'disable' && names(d)) disabled = true;
      else if (d.kind === 'enable' && names(d)) disabled = false;
      else if (d.kind === 'disable-line' && d.line === line && names(d)) return true;
      else if (d.kind === 'disable-next-line' && d.line === line - 1 && names(d)) return true;
    }
    return disabled;
  }
}
