// The README's "Other editors" snippets, taken from the README itself and run verbatim in the real editors installed
// here, with `kube-ip-guard-language-server` on PATH as the tarball installs it: each editor is opened at a
// repository's root, opens examples/seed-cluster/deployment.yaml and must show the seed's one finding there (the
// snippet starts the server, the server finds the config upward). The Neovim 0.11+ snippet needs a Neovim that has
// vim.lsp.config, Helix is not installed here: both are said to be skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { editorWorkspace, requireEditor, SERVER, Tmux, versionOf, waitForResult, type EditorWorkspace } from './harness';

/** The fenced blocks of the README's "Other editors" section, by language, in order. */
function snippets(): Record<string, string[]> {
  const readme = readFileSync(resolve('README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Other editors'), readme.indexOf('\n## ', readme.indexOf('## Other editors') + 1));
  const out: Record<string, string[]> = {};
  for (const m of section.matchAll(/```(\w+)\n([\s\S]*?)```/g)) (out[m[1]] ??= []).push(m[2]);
  return out;
}

interface SnippetResult {
  client: string;
  diagnostics: { line: number; col: number; message: string }[];
  errors: string[] | null;
}

/** The workspace, the snippet in a file, and the server command on PATH. */
function setUp(lang: string, text: string): { ws: EditorWorkspace; env: NodeJS.ProcessEnv; out: string } {
  const ws = editorWorkspace();
  const bin = join(ws.top, '..', 'bin');
  mkdirSync(bin);
  const cmd = join(bin, 'kube-ip-guard-language-server');
  writeFileSync(cmd, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(SERVER)} "$@"\n`);
  chmodSync(cmd, 0o755);
  const snippet = join(ws.top, '..', `snippet.${lang}`);
  writeFileSync(snippet, text);
  const out = join(ws.top, '..', 'result.json');
  const env = { ...ws.env, PATH: `${bin}:${process.env.PATH ?? ''}`, KIG_SNIPPET: snippet, KIG_FILE: join(ws.dir, 'deployment.yaml'), KIG_RESULT: out };
  return { ws, env, out };
}

function check(r: SnippetResult, ws: EditorWorkspace): void {
  console.log(`editor suite: README snippet ran in ${r.client}`);
  assert.deepEqual(r.errors ?? [], [], `${r.client}: ${JSON.stringify(r)}`);
  const ours = r.diagnostics.filter((d) => d.message.includes('192.168.0.11'));
  assert.equal(ours.length, 1, `${r.client}: one finding on 192.168.0.11: ${JSON.stringify(r.diagnostics)}`);
  assert.equal(ours[0].line, ws.seed.line, `${r.client}: on the seed's line`);
  assert.match(ours[0].message, /k8s-node-1/);
}

test('README: the Neovim 0.7-0.10 snippet, verbatim, in Neovim', { timeout: 300_000 }, async (t) => {
  const version = versionOf('nvim');
  if (!requireEditor('Neovim', version, t)) return;
  const lua = snippets().lua ?? [];
  const snippet = lua.find((s) => s.includes('vim.lsp.start_client'));
  assert.ok(snippet, 'the README has a vim.lsp.start_client snippet');
  if (lua.some((s) => s.includes('vim.lsp.config('))) console.log(`editor suite: the README's vim.lsp.config snippet needs Neovim 0.11+ (here ${version}): not run`);
  const { ws, env, out } = setUp('lua', snippet);
  const nvim = spawn('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-c', `luafile ${resolve('test/editors/snippets/neovim.lua')}`], { cwd: ws.top, stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  let exited = false;
  nvim.stdout.on('data', (d) => (output += String(d)));
  nvim.stderr.on('data', (d) => (output += String(d)));
  nvim.on('exit', () => (exited = true));
  try {
    check((await waitForResult(out, 240_000, () => !exited || existsSync(out), () => output.slice(-2000))) as unknown as SnippetResult, ws);
  } finally {
    if (!exited) nvim.kill('SIGKILL');
    ws.cleanup();
  }
});

for (const [name, lang, command, driver] of [
  ['Vim + ALE', 'vim', 'vim', ['-u', resolve('test/editors/snippets/ale.vim'), '-i', 'NONE', '-N']],
  ['Emacs + Eglot', 'elisp', 'emacs', ['-nw', '-Q', '-l', resolve('test/editors/snippets/eglot.el')]],
] as const) {
  test(`README: the ${name} snippet, verbatim, in ${name}`, { timeout: 300_000 }, async (t) => {
    if (!requireEditor(command, versionOf(command), t) || !requireEditor('tmux', versionOf('tmux', ['-V']), t)) return;
    const snippet = snippets()[lang]?.[0];
    assert.ok(snippet, `the README has a ${lang} snippet`);
    const { ws, env, out } = setUp(lang === 'elisp' ? 'el' : lang, snippet);
    const tmux = new Tmux({ ...env, TERM: 'xterm-256color' });
    tmux.run(ws.top, [command, ...driver]);
    try {
      check((await waitForResult(out, 240_000, () => tmux.alive() || existsSync(out), () => `screen:\n${tmux.screen()}`)) as unknown as SnippetResult, ws);
    } finally {
      tmux.kill();
      ws.cleanup();
    }
  });
}

test('README: the Helix snippet has the shape of Helix 23.10+ languages.toml (Helix is not installed here)', () => {
  const toml = snippets().toml?.[0];
  assert.ok(toml, 'the README has a languages.toml snippet');
  // docs.helix-editor.com/languages.html: servers under [language-server.<name>] (command, args, config), a
  // [[language]] naming them in `language-servers`.
  assert.match(toml, /^\[language-server\.kube-ip-guard\]\ncommand = "kube-ip-guard-language-server"\nargs = \["--stdio"\]\n/m);
  assert.match(toml, /^\[\[language\]\]\nname = "yaml"\nlanguage-servers = \[[^\]]*"kube-ip-guard"[^\]]*\]$/m);
  console.log('editor suite: Helix is not installed here: its snippet was checked for shape only');
});
