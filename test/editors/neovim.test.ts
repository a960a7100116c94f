// Neovim's built-in LSP client (Debian's Neovim 0.7: vim.lsp.start_client, byte columns, utf-16 by default, no file
// watching) opens the seed manifest and a multi-byte variant through test/editors/neovim.lua.
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkResult, editorVars, editorWorkspace, requireEditor, versionOf, waitForResult } from './harness';

test('Neovim: diagnostic range, hover, "Remove this address", config re-check', { timeout: 300_000 }, async (t) => {
  const version = versionOf('nvim');
  if (!requireEditor('Neovim', version, t)) return;
  const ws = editorWorkspace();
  const out = join(ws.top, '..', 'result.json');
  const nvim = spawn('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-c', `luafile ${resolve('test/editors/neovim.lua')}`], {
    cwd: ws.top,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...ws.env, ...editorVars(ws, out) },
  });
  let output = '';
  let exited = false;
  nvim.stdout.on('data', (d) => (output += String(d)));
  nvim.stderr.on('data', (d) => (output += String(d)));
  nvim.on('exit', () => (exited = true));
  try {
    const r = await waitForResult(out, 240_000, () => !exited || existsSync(out), () => output.slice(-2000));
    checkResult(r, ws, 'bytes');
  } finally {
    if (!exited) nvim.kill('SIGKILL');
    ws.cleanup();
  }
});
