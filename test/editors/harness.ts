// What the real-editor suites share: a workspace to open (the seed example and a multi-byte variant, in a temporary
// directory so the editors' edits never touch the repository), the positions each client should show, the editors'
// versions, and tmux for the editors that need a terminal. Each suite drives its editor with a script in the editor's
// own language that writes what the editor saw to a JSON file, which the suite then checks.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import assert from 'node:assert/strict';
import { waitFor } from '../waitFor';

export const SERVER = resolve('server/out/server.js');
export const SEED = resolve('examples/seed-cluster');
export const IN_CI = process.env.CI === 'true';

/**
 * The multi-byte variant (another port than the seed's, so that the two files do not clash with each other): the Service in flow style, with CJK text and an emoji (a surrogate pair in UTF-16) before the
 * address on its line, so that UTF-8 bytes, UTF-16 code units and code points all differ there.
 */
export const MULTIBYTE_YAML = [
  'apiVersion: v1',
  'kind: Service',
  'metadata: {name: ウェブ}',
  'spec: {selector: {app: "東京🚀"}, externalIPs: [192.168.0.11], ports: [{port: 9443, targetPort: 8443}]}',
  '',
].join('\n');

export const ADDRESS = '192.168.0.11';

/** Where the address is on its line, 0-based, in each unit a client may count in. */
export interface Expected {
  file: string;
  line: number;
  bytes: [number, number];
  utf16: [number, number];
  codepoints: [number, number];
}

function expectedIn(path: string): Expected {
  const lines = readFileSync(path, 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(ADDRESS));
  const before = lines[line].slice(0, lines[line].indexOf(ADDRESS));
  const units = (s: string): [number, number, number] => [Buffer.byteLength(s), s.length, [...s].length];
  const [b, u, c] = units(before);
  const [bl, ul, cl] = units(ADDRESS);
  return { file: path, line, bytes: [b, b + bl], utf16: [u, u + ul], codepoints: [c, c + cl] };
}

export interface EditorWorkspace {
  /** The root the editor opens. */
  top: string;
  /** Where the manifests and their config are (examples/seed-cluster/ below the root). */
  dir: string;
  config: string;
  /** The config with k8s-node-1 moved to another address: the manifests no longer collide with it. */
  movedConfig: string;
  seed: Expected;
  multibyte: Expected;
  /** A HOME of its own, so no user configuration of the editor is read. */
  home: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/**
 * The workspace the editor opens is a repository's root (a git repository, so that Emacs's project.el finds it); the
 * manifests and their config are in examples/seed-cluster/ below it, as in this repository, so the server must find
 * the config upward from each file.
 */
export function editorWorkspace(): EditorWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'kig-editor-'));
  const top = join(root, 'ws');
  const dir = join(top, 'examples', 'seed-cluster');
  const home = join(root, 'home');
  execFileSync('mkdir', ['-p', dir, home]);
  execFileSync('git', ['init', '-q', top]);
  copyFileSync(join(SEED, '.kube-ip-guard.yaml'), join(dir, '.kube-ip-guard.yaml'));
  copyFileSync(join(SEED, 'deployment.yaml'), join(dir, 'deployment.yaml'));
  writeFileSync(join(dir, 'multibyte.yaml'), MULTIBYTE_YAML);
  const config = readFileSync(join(dir, '.kube-ip-guard.yaml'), 'utf8');
  const movedConfig = config.replace(/address: 192\.168\.0\.11$/m, 'address: 192.168.0.12');
  assert.notEqual(movedConfig, config);
  return {
    top,
    dir,
    config: join(dir, '.kube-ip-guard.yaml'),
    movedConfig,
    seed: expectedIn(join(dir, 'deployment.yaml')),
    multibyte: expectedIn(join(dir, 'multibyte.yaml')),
    home,
    // No kubeconfig: the facts are the config file's alone, whatever the machine has.
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), KUBECONFIG: join(root, 'no-kubeconfig') },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The first line of `cmd --version`, or undefined when the editor is not installed. */
export function versionOf(cmd: string, args = ['--version']): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return r.stdout.split('\n')[0].trim();
}

/**
 * Outside CI a missing editor skips its suite (and says so); in CI (`CI=true`) it is a failure, since scripts/editors-setup.sh
 * installs every editor there.
 */
export function requireEditor(name: string, version: string | undefined, t: { skip(msg?: string): void }): version is string {
  if (version) {
    console.log(`editor suite: ${name}: ${version}`);
    return true;
  }
  const msg = `${name} is not installed (bash scripts/editors-setup.sh installs it)`;
  if (IN_CI) assert.fail(`editor suite: ${msg}; in CI every editor must be there`);
  console.log(`editor suite: ${name}: skipped, ${msg}`);
  t.skip(msg);
  return false;
}

/** A tmux server of our own (its own socket), so the editors never meet a user's sessions. */
export class Tmux {
  private readonly socket = `kig-editors-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  constructor(private readonly env: NodeJS.ProcessEnv) {}
  run(cwd: string, command: string[]): void {
    execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'editor', '-x', '200', '-y', '50', '-c', cwd, ...command], { env: this.env });
  }
  screen(): string {
    const r = spawnSync('tmux', ['-L', this.socket, 'capture-pane', '-p', '-t', 'editor'], { encoding: 'utf8' });
    return r.stdout ?? '';
  }
  alive(): boolean {
    return spawnSync('tmux', ['-L', this.socket, 'has-session', '-t', 'editor']).status === 0;
  }
  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}

/**
 * Runs a terminal editor under tmux until it writes its result file; on a hang, the failure shows the screen.
 * `vars` go into the editor's environment (KIG_DIR, KIG_SERVER, KIG_RESULT, KIG_CONFIG, KIG_MOVED_CONFIG and more).
 */
export async function runInTmux(ws: EditorWorkspace, command: string[], vars: Record<string, string> = {}): Promise<Result> {
  const out = join(ws.top, '..', 'result.json');
  const tmux = new Tmux({ ...ws.env, ...editorVars(ws, out), ...vars, TERM: 'xterm-256color' });
  tmux.run(ws.top, command);
  try {
    return await waitForResult(out, 240_000, () => tmux.alive() || existsSync(out), () => `screen:\n${tmux.screen()}`);
  } finally {
    tmux.kill();
  }
}

/** What every editor script reads from its environment. */
export function editorVars(ws: EditorWorkspace, out: string): Record<string, string> {
  return { KIG_DIR: ws.top, KIG_FILES: ws.dir, KIG_SERVER: SERVER, KIG_RESULT: out, KIG_CONFIG: readFileSync(ws.config, 'utf8'), KIG_MOVED_CONFIG: ws.movedConfig };
}

/**
 * Waits for the result file an editor script writes when it is done (it writes it once, atomically, by renaming).
 * The bound only stops a hang: each step inside the scripts has its own bound and records a timeout as a result.
 */
export async function waitForResult(path: string, boundMs: number, alive: () => boolean, context: () => string): Promise<Result> {
  const done = await waitFor(`a result from the editor (${path})`, () => existsSync(path) || (!alive() && 'stopped'), boundMs, context);
  if (done === 'stopped' && !existsSync(path)) assert.fail(`the editor stopped without writing ${path}\n${context()}`);
  return JSON.parse(readFileSync(path, 'utf8')) as Result;
}

/** What an editor script reports, per file it opened (positions in the client's own units, 0-based). */
export interface FileResult {
  /** The Kube IP Guard diagnostics the client holds for the file once it has one: line, start and end column. */
  diagnostics: { line: number; col: number; endLine: number; endCol: number; message: string }[];
  /** The hover's text as the client received it, and its kind when the client saw one. */
  hover: string;
  hoverKind?: string;
  /** Titles of the code actions offered at the address. */
  actions: string[];
  /** The buffer's text after "Remove this address" was applied. */
  fixedText: string;
  /** The WorkspaceEdit of that action as the client received it (recorded by clients whose own application is not checked everywhere). */
  sentEdit?: { changes?: Record<string, LspEdit[]>; documentChanges?: { textDocument: { uri: string }; edits: LspEdit[] }[] };
  /** The diagnostics the client holds once the server re-checked the fixed buffer. */
  diagnosticsAfterFix: number;
}
export interface Result {
  client: string;
  version: string;
  encoding?: string;
  files: Record<string, FileResult>;
  /** Diagnostics on deployment.yaml after the config was changed on disk (k8s-node-1 moved), and after it was restored. */
  afterConfigMoved: number;
  afterConfigRestored: number;
  errors: string[];
}

export type Unit = 'bytes' | 'utf16' | 'codepoints';
interface LspEdit { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }

/**
 * The checks every client must pass, whatever it is. All of them are made, and every one that fails is reported
 * (with what the editor saw), so that one run tells everything that is wrong with a client.
 */
export function checkResult(r: Result, ws: EditorWorkspace, unit: Unit): void {
  console.log(`editor suite: ran ${r.client} ${r.version}${r.encoding ? ` (position encoding ${r.encoding})` : ''}`);
  const failed: string[] = [];
  const check = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      failed.push((e as Error).message.split('\n')[0]);
    }
  };
  // Lisp writes an empty list as null.
  for (const e of r.errors ?? []) failed.push(`the editor script: ${e}`);
  for (const [name, exp] of [['deployment.yaml', ws.seed], ['multibyte.yaml', ws.multibyte]] as const) {
    const f = r.files[name];
    if (!f) {
      failed.push(`no result for ${name}`);
      continue;
    }
    check(() => {
      const d = f.diagnostics.filter((x) => x.message.includes(ADDRESS));
      assert.equal(d.length, 1, `${name}: one diagnostic on ${ADDRESS}, not ${d.length}`);
      assert.deepEqual(
        { line: d[0].line, col: d[0].col, endLine: d[0].endLine, endCol: d[0].endCol },
        { line: exp.line, col: exp[unit][0], endLine: exp.line, endCol: exp[unit][1] },
        `${name}: the diagnostic covers exactly ${ADDRESS} (${unit}): ${JSON.stringify(d[0])}`,
      );
    });
    check(() => assert.match(f.hover, /k8s-node-1/, `${name}: the hover names the node`));
    check(() => assert.ok((f.actions ?? []).some((a) => a.startsWith('Remove this address')), `${name}: "Remove this address" offered: ${JSON.stringify(f.actions)}`));
    check(() => {
      const fixedText = f.fixedText;
      assert.ok(fixedText && !fixedText.includes(ADDRESS), `${name}: the address is gone after the fix`);
      // Valid YAML, and exactly the original objects less the Service's externalIPs (a fix applied at the wrong
      // column, as a confusion of position encodings would do it, breaks one or the other).
      const fixed = parseAllDocuments(fixedText);
      for (const doc of fixed) assert.deepEqual(doc.errors, [], `${name}: valid YAML after the fix: ${JSON.stringify(fixedText)}`);
      const want = parseAllDocuments(readFileSync(exp.file, 'utf8')).map((doc) => {
        const o = doc.toJS() as { kind?: string; spec?: Record<string, unknown> };
        if (o.kind === 'Service') delete o.spec!.externalIPs;
        return o;
      });
      assert.deepEqual(fixed.map((doc) => doc.toJS()), want, `${name}: only the address was removed: ${JSON.stringify(fixedText)}`);
    });
    // (What the server says about a buffer the client edited wrongly is not the server's to answer for.)
    check(() => assert.equal(f.diagnosticsAfterFix, 0, `${name}: no diagnostic after the fix (${f.diagnosticsAfterFix})`));
  }
  check(() => assert.equal(r.afterConfigMoved, 0, 'the manifest is re-checked when the config changes on disk: k8s-node-1 moved away'));
  check(() => assert.equal(r.afterConfigRestored, 1, 'and again when it is restored'));
  if (failed.length) assert.fail(`${r.client}: ${failed.length} check(s) failed:\n- ${failed.join('\n- ')}\nwhat the editor saw:\n${JSON.stringify(r, null, 1)}`);
}
