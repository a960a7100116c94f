// `helm template` writes `# Source: chart/templates/service.yaml` at the top of each document it renders. A
// finding in such a stream is also given as that template and the line inside its rendered document, which is
// where a user looks (helm/helm pkg/action/action.go: fmt.Fprintf(b, "---\n# Source: %s\n%s\n", name, content)).
import type { LineIndex } from '../engine/lineIndex';

export interface RenderedSource {
  /** The template path as helm printed it. */
  file: string;
  /** 1-based line inside the rendered document (the line after the `# Source:` header is 1). */
  line: number;
  column: number;
}

const HEADER = /^# Source: (.+?)[ \t]*\r?$/gm;
const DOC_START = /^---(?=[ \t\r\n]|$)/gm;

/** Where each header applies: from its line to the next document marker or header. Undefined when there are none. */
export function renderedSources(text: string, lines: LineIndex): ((offset: number) => RenderedSource | undefined) | undefined {
  if (!text.includes('# Source: ')) return undefined;
  const headers: { line: number; file: string }[] = [];
  HEADER.lastIndex = 0;
  for (let m = HEADER.exec(text); m; m = HEADER.exec(text)) headers.push({ line: lines.position(m.index).line, file: m[1] });
  if (headers.length === 0) return undefined;
  const starts: number[] = [];
  DOC_START.lastIndex = 0;
  for (let m = DOC_START.exec(text); m; m = DOC_START.exec(text)) starts.push(lines.position(m.index).line);
  return (offset) => {
    const pos = lines.position(offset);
    let header: { line: number; file: string } | undefined;
    for (const h of headers) {
      if (h.line > pos.line) break;
      header = h;
    }
    if (!header || header.line === pos.line) return undefined;
    // A document marker between the header and the finding starts a document the header does not name.
    if (starts.some((s) => s > header!.line && s <= pos.line)) return undefined;
    return { file: header.file, line: pos.line - header.line, column: pos.column };
  };
}
