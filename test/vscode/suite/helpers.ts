// Shared by the extension-host suites: polling (never fixed sleeps), and reading our diagnostics through the public API.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor as waitUntil } from '../../waitFor';

export const EXTENSION_ID = 'kube-ip-guard.kube-ip-guard';
export const SOURCE = 'kube-ip-guard';

/** What `activate` returns (client/src/extension.ts, KubeIpGuardApi). */
export interface KubeIpGuardApi {
  readonly client: { sendRequest<R>(method: string, params?: unknown): Promise<R> } | undefined;
  statusText(): string;
  statusTooltip(): string;
}

/**
 * Calls `probe` until it returns something truthy, and returns that (test/waitFor.ts: a timer only bounds a hang). A
 * probe that throws is tried again (the extension may not be up yet); on timeout the error says what was awaited,
 * what the last probe saw and the last error.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 60_000, describe }: { timeoutMs?: number; describe?: () => unknown } = {},
): Promise<T> {
  let lastError: unknown;
  const tried = async (): Promise<T | undefined | null | false> => {
    try {
      const v = await probe();
      lastError = undefined;
      return v;
    } catch (e) {
      lastError = e;
      return undefined;
    }
  };
  const seen = () => `${describe ? `last seen: ${JSON.stringify(describe())}` : ''}${lastError ? ` — last error: ${String(lastError)}` : ''}`;
  return waitUntil(what, tried, timeoutMs, seen);
}

export function codeOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c === undefined) return undefined;
  return typeof c === 'object' ? String(c.value) : String(c);
}

/** Our diagnostics on `uri`, optionally of one rule. */
export function ours(uri: vscode.Uri, rule?: string): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE && (!rule || codeOf(d) === rule));
}

export function brief(uri: vscode.Uri): unknown {
  return vscode.languages.getDiagnostics(uri).map((d) => ({
    source: d.source,
    code: codeOf(d),
    line: d.range.start.line + 1,
    severity: vscode.DiagnosticSeverity[d.severity],
  }));
}

/** The text of every hover at `pos`, joined. */
export async function hoverText(uri: vscode.Uri, pos: vscode.Position): Promise<string> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, pos)) ?? [];
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

export async function activeApi(): Promise<KubeIpGuardApi> {
  const ext = vscode.extensions.getExtension<KubeIpGuardApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this extension host`);
  await waitFor('the extension to activate', () => ext.isActive);
  // When activate() throws, VS Code still reports the extension active, with no exports.
  assert.ok(ext.exports && typeof ext.exports.statusText === 'function', 'activate() failed or did not return the API object (see the extension host log)');
  return ext.exports;
}

export async function openYaml(uri: vscode.Uri): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  assert.equal(doc.languageId, 'yaml', `${uri.fsPath} opened as ${doc.languageId}`);
  return editor;
}
