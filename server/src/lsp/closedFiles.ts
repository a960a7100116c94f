// Files that "Check workspace" reported while they were not open: analyzed from disk, and kept current (re-read on a
// watcher event, cleared when deleted) until the editor opens them.
import type { Diagnostic } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { pathToFileURL } from 'node:url';
import { analyze, isHelmValuesFile, type Severity, type WorkspaceService } from '../engine/index';
import { readTextFromDisk } from '../facts/workspaceFacts';
import type { Settings } from '../protocol';
import type { FactScopes } from './factScopes';
import { toDiagnostics } from './convert';

export interface ClosedFilesHost {
  settings(uri: string): Promise<Settings>;
  scopes: FactScopes;
  workspaceServices(uri: string): WorkspaceService[];
  /** `text`: what the positions were computed in (the file as read). */
  publish(uri: string, diagnostics: Diagnostic[], text: string): void;
}

export class ClosedFiles {
  private readonly checked = new Set<string>();

  constructor(private readonly host: ClosedFilesHost) {}

  /** Whether `uri` was reported while closed (its diagnostics are kept current from disk). */
  has(uri: string): boolean {
    return this.checked.has(uri);
  }

  /** The file was deleted: its findings go with it. */
  deleted(uri: string): void {
    this.checked.delete(uri);
    this.host.publish(uri, [], '');
  }

  /** Analyze a file that is not open and publish its diagnostics; the severities found, or undefined if unreadable. */
  async check(path: string): Promise<Severity[] | undefined> {
    const uri = pathToFileURL(path).toString();
    const text = readTextFromDisk(path);
    if (text === undefined) return undefined;
    const settings = await this.host.settings(uri);
    if (!settings.enable) return [];
    const scope = await this.host.scopes.forUri(uri);
    const doc = TextDocument.create(uri, 'yaml', 0, text);
    const analysis = analyze(text, scope.folderFacts.facts, {
      maxLength: settings.maxFileSizeMB * 1024 * 1024,
      helmValues: isHelmValuesFile(path),
      workspaceServices: this.host.workspaceServices(uri),
    });
    this.checked.add(uri);
    this.host.publish(uri, toDiagnostics(doc, analysis), text);
    return analysis.findings.map((f) => f.severity);
  }
}
