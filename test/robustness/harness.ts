// Shared pieces of the robustness suite's server tests: a workspace with the suite's facts, the server's RSS, waiting
// without sleeping blindly, and the checks every published diagnostic must pass.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic, Range } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze, parseConfig, mergeFacts, type ClusterFacts } from '../../server/src/engine/index';
import { toDiagnostics } from '../../server/src/lsp/convert';
import { configText } from './gen';
import { fileUri, LspTestClient, type StartOptions } from '../protocol/lspClient';
import { waitFor } from '../waitFor';

/** A temporary workspace holding the suite's `.kube-ip-guard.yaml` (IPVS facts of gen.ts) and `files`. */
export function makeWorkspace(files: Record<string, string> = {}, withConfig = true): { dir: string; facts: ClusterFacts; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kig-robust-'));
  const config = configText('ipvs', true);
  if (withConfig) writeFileSync(join(dir, '.kube-ip-guard.yaml'), config);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const facts = mergeFacts([parseConfig(config, fileUri(join(dir, '.kube-ip-guard.yaml'))).contribution]);
  return { dir, facts, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Start a server on `dir` with the cluster off (unless asked), like an editor would. */
export function startServer(dir: string, opts: StartOptions = {}): Promise<LspTestClient> {
  return LspTestClient.start({ rootDir: dir, ...opts, settings: { cluster: { mode: 'off' }, ...(opts.settings ?? {}) } });
}

/** Resident set size of a process in MB, from /proc (Linux). */
export function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export function alive(client: LspTestClient): boolean {
  return client.proc.exitCode === null && client.proc.signalCode === null;
}

export function until<T>(what: string, ms: number, f: () => T | undefined | false): Promise<T> {
  return waitFor(what, f, ms);
}

/** Line lengths as LSP counts lines (\r\n, \n and \r end a line). */
function lineLengths(text: string): number[] {
  return text.split(/\r\n|\n|\r/).map((l) => l.length);
}

export function assertRangeInside(text: string, range: Range, what: string): void {
  const lines = lineLengths(text);
  const ok = (p: { line: number; character: number }) => p.line >= 0 && p.line < lines.length && p.character >= 0 && p.character <= lines[p.line];
  assert.ok(ok(range.start) && ok(range.end), `${what}: range ${JSON.stringify(range)} outside the document (${lines.length} lines)`);
  assert.ok(range.start.line < range.end.line || (range.start.line === range.end.line && range.start.character <= range.end.character), `${what}: range ${JSON.stringify(range)} ends before it starts`);
}

export function assertDiagnosticsInside(text: string, diagnostics: Diagnostic[], uri: string): void {
  for (const d of diagnostics) {
    assertRangeInside(text, d.range, `${uri} ${d.code}`);
    for (const r of d.relatedInformation ?? []) if (r.location.uri === uri) assertRangeInside(text, r.location.range, `${uri} ${d.code} related`);
  }
}

/** What the engine says for `text`, as the server would publish it (code, range, message), for comparing. */
export function engineDiagnostics(uri: string, text: string, facts: ClusterFacts): string[] {
  const doc = TextDocument.create(uri, 'yaml', 1, text);
  return toDiagnostics(doc, analyze(text, facts)).map(key).sort();
}

export function key(d: Diagnostic): string {
  return `${d.code} ${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.message}`;
}

/**
 * Diagnostics published for the client's current version of `uri` (the test client's own wait also accepts a
 * publication without a version, such as the empty one sent on close, which a re-opened document would match).
 */
export async function diagnosticsForCurrentVersion(client: LspTestClient, uri: string, ms = 30_000): Promise<Diagnostic[]> {
  const p = await until(`diagnostics for ${uri} version ${client.version(uri)}`, ms, () => {
    const last = client.published.get(uri);
    return last && last.version === client.version(uri) ? last : undefined;
  });
  return p.diagnostics;
}

export type Status = { scope: string | null; state: string; text: string; warning?: string; cluster?: { state: string; context?: string; message: string; staleSince?: string } };

export function statuses(client: LspTestClient): Status[] {
  return client.notifications.filter((n) => n.method === 'kubeIpGuard/status').map((n) => n.params as Status);
}
