// Vim 9 with ALE (Debian's vim + vim-ale; vim -u ale.vim under tmux) opens the seed manifest and a multi-byte variant
// through test/editors/ale.vim. ALE announces no workspace folders, asks for plaintext hovers, sends diagnostics back
// without `data`, and copies LSP columns into Vim's byte columns as they are: its ranges are checked in UTF-16 units,
// which is what the server must send it (the README says what this means on non-ASCII lines), and its quick fixes
// replace whole lines, so ALE applies them right on any line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { checkResult, editorWorkspace, requireEditor, runInTmux, versionOf } from './harness';

test('Vim ALE: diagnostic range, hover, "Remove this address", config re-check', { timeout: 300_000 }, async (t) => {
  const version = versionOf('vim');
  if (!requireEditor('Vim', version, t) || !requireEditor('tmux', versionOf('tmux', ['-V']), t)) return;
  if (!requireEditor('ALE', versionOf('dpkg-query', ['-W', '-f=vim-ale ${Version}', 'vim-ale']), t)) return;
  const ws = editorWorkspace();
  try {
    const r = await runInTmux(ws, ['vim', '-u', resolve('test/editors/ale.vim'), '-i', 'NONE', '-N']);
    // ALE applies an edit's LSP columns as byte columns too; having negotiated no encoding, it is sent edits of whole
    // lines (character 0 to character 0), so its own application is right on the multi-byte line as well.
    checkResult(r, ws, 'utf16');
    const sent = r.files['multibyte.yaml']?.sentEdit?.changes ?? {};
    for (const e of Object.values(sent).flat()) assert.deepEqual([e.range.start.character, e.range.end.character], [0, 0], JSON.stringify(e));
    // ALE asks for plaintext hovers and shows markdown as it is.
    for (const f of Object.values(r.files)) {
      assert.equal(f.hoverKind, 'plaintext');
      assert.doesNotMatch(f.hover, /\*\*/);
    }
  } finally {
    ws.cleanup();
  }
});
