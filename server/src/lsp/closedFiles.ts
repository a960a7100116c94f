// Files that "Check workspace" reported while they were not open: analyzed from disk, and kept current (re-read on a
// watcher event, cleared when deleted) until the editor opens them.
import type { Diagnostic } from 'vscode-languageserver/node';
import { pathToFileURL } from 'node:url';
import type { Severity } from '../engine/index';
import type { CurrentAnalysis } from './documentAnalyzer';
import { readTextFromDisk } from '../facts/workspaceFacts';
import type { Settings } from '../protocol';
import type { FactScopes } from './factScopes';

export interface ClosedFilesHost {
  settings(uri: string): Promise<Settings>;
  scopes: FactScopes;
  /** The analysis of a file's text, as for an open document (the analyzer's one path). */
  analyze(uri: string, text: string): Promise<CurrentAnalysis | undefined>;
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
    const result = await this.host.analyze(uri, text);
    if (!result) return undefined;
    this.checked.add(uri);
    this.host.publish(uri, result.diagnostics, text);
    return result.severities;
  }
}
