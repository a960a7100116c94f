// Problems of the files a scope read (a broken .kube-ip-guard.yaml, a node manifest that is not YAML), made visible
// in every editor when the file is not open: published as that file's diagnostics (cleared when fixed), and one
// window/showMessage warning per new problem for clients that do not show our status notification's warnings.
// An open file gets the same diagnostics from its own analysis.
import type { Diagnostic } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readTextFromDisk, type FileProblem } from '../facts/workspaceFacts';
import { LineIndex } from '../engine/lineIndex';
import { problemsToDiagnostics } from './convert';
import type { Scope } from './factScopes';

export interface ConfigProblemsHost {
  isOpen(uri: string): boolean;
  publish(uri: string, diagnostics: Diagnostic[], text: string): void;
  /** Undefined: the client shows the status notification's warnings itself (the VS Code extension). */
  showWarning?(message: string): void;
}

export class ConfigProblems {
  /** URIs each scope published problems for. */
  private readonly published = new Map<string, Set<string>>();
  /** Problems already warned about, per scope; a problem fixed and broken again is warned about again. */
  private readonly warned = new Map<string, Set<string>>();

  constructor(private readonly host: ConfigProblemsHost) {}

  update(scope: Scope): void {
    const byFile = new Map<string, FileProblem[]>();
    for (const p of scope.folderFacts.problems) {
      if (!p.file) continue;
      const list = byFile.get(p.file) ?? [];
      list.push(p);
      byFile.set(p.file, list);
    }
    const now = new Set<string>();
    const warnedBefore = this.warned.get(scope.key) ?? new Set<string>();
    const warnedNow = new Set<string>();
    for (const [file, problems] of byFile) {
      const uri = pathToFileURL(file).toString();
      if (this.host.isOpen(uri)) continue;
      const text = readTextFromDisk(file) ?? '';
      now.add(uri);
      this.host.publish(uri, problemsToDiagnostics(TextDocument.create(uri, 'yaml', 0, text), problems), text);
      const lines = new LineIndex(text);
      for (const p of problems) {
        const key = `${file}\n${p.message}`;
        warnedNow.add(key);
        if (warnedBefore.has(key) || !this.host.showWarning) continue;
        const line = p.span ? `:${lines.position(p.span.start).line}` : '';
        this.host.showWarning(`Kube IP Guard: ${basename(file)}${line}: ${p.message}`);
      }
    }
    for (const uri of this.published.get(scope.key) ?? []) if (!now.has(uri) && !this.host.isOpen(uri)) this.host.publish(uri, [], '');
    this.published.set(scope.key, now);
    this.warned.set(scope.key, warnedNow);
  }
}
