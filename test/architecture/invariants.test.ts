// The architecture invariants of ARCHITECTURE.md, checked on the import statements of the sources: each says what a
// part must never depend on, so that a change that breaks one fails here, with the file and the import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.m?ts$/.test(name)) out.push(p);
  }
  return out;
}

/** Every module a file imports (static, dynamic, type-only and require), as written. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)].map(
    (m) => m[1] ?? m[2] ?? m[3] ?? m[4],
  );
}

/** Where a relative import points, relative to the repository (`server/src/engine/facts`). */
function target(file: string, spec: string): string {
  return relative(process.cwd(), resolve(dirname(file), spec)).replace(/\.m?ts$/, '');
}

function violations(dir: string, allowed: (spec: string, file: string) => boolean): string[] {
  const out: string[] = [];
  for (const file of sources(dir)) for (const spec of imports(file)) if (!allowed(spec, file)) out.push(`${file}: ${spec}`);
  return out;
}

test('the engine imports only yaml, ipaddr.js and itself (no node:, no LSP, no cluster client)', () => {
  const found = violations('server/src/engine', (spec, file) =>
    spec === 'yaml' || spec === 'ipaddr.js' || (spec.startsWith('.') && target(file, spec).startsWith('server/src/engine')),
  );
  assert.deepEqual(found, []);
});

test('the client never imports the engine or the server: only vscode, the LSP client, node: and the shared protocol', () => {
  const found = violations('client/src', (spec, file) =>
    spec === 'vscode' || spec.startsWith('vscode-languageclient') || spec.startsWith('node:') ||
    (spec.startsWith('.') && (target(file, spec).startsWith('client/src') || target(file, spec) === 'server/src/protocol')),
  );
  assert.deepEqual(found, []);
});

test('the shared protocol file depends only on the LSP protocol types and the engine\'s fact types', () => {
  assert.deepEqual(imports('server/src/protocol.ts').filter((s) => s !== 'vscode-languageserver-protocol' && s !== './engine/facts'), []);
});

test('the language server and the command line do not import each other', () => {
  const lsp = [...sources('server/src/lsp'), 'server/src/server.ts', 'server/src/serverMain.ts'];
  const cli = [...sources('server/src/commands'), 'server/src/cli.ts', 'server/src/cliMain.ts'];
  const bad = (files: string[], forbidden: RegExp) => files.flatMap((f) => imports(f).filter((s) => s.startsWith('.') && forbidden.test(target(f, s))).map((s) => `${f}: ${s}`));
  assert.deepEqual(bad(lsp, /^server\/src\/(commands\/|cli$|cliMain$)/), []);
  assert.deepEqual(bad(cli, /^server\/src\/(lsp\/|server$|serverMain$)/), []);
});

test('only the cluster facts (server/src/facts/cluster/) use @kubernetes/client-node, the on-demand bundle', () => {
  const everywhere = [...sources('server/src'), ...sources('client/src')];
  const users = everywhere.filter((f) => imports(f).some((s) => s.startsWith('@kubernetes/client-node')));
  assert.ok(users.length > 0);
  assert.deepEqual(users.filter((f) => !f.startsWith(join('server', 'src', 'facts', 'cluster'))), []);
});
