// Emacs 30's built-in Eglot (emacs -nw under tmux; it offers utf-32, utf-8, utf-16 and counts in characters) opens
// the seed manifest and a multi-byte variant through test/editors/eglot.el.
import { test } from 'node:test';
import { resolve } from 'node:path';
import { checkResult, editorWorkspace, requireEditor, runInTmux, versionOf } from './harness';

test('Emacs Eglot: diagnostic range, hover, "Remove this address", config re-check', { timeout: 300_000 }, async (t) => {
  const version = versionOf('emacs');
  if (!requireEditor('Emacs', version, t) || !requireEditor('tmux', versionOf('tmux', ['-V']), t)) return;
  const ws = editorWorkspace();
  try {
    const r = await runInTmux(ws, ['emacs', '-nw', '-Q', '-l', resolve('test/editors/eglot.el')]);
    checkResult(r, ws, 'codepoints');
  } finally {
    ws.cleanup();
  }
});
