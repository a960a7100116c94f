// Shared pieces of the e2e launcher (run.mjs), the UI test (ui.test.mjs) and `npm run try`: build and package the
// extension, scratch workspaces, code-server, Debian's Chromium through playwright-core, and the extension-host suite
// run through code-server's `payload` URL parameter. Every wait here is bounded.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';

export const e2eDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(e2eDir, '..', '..');

// The tests' one hang-bounding helper (test/waitFor.ts: wait for the event, a timer only bounds a hang), bundled for
// this plain module. A directory per process, so two launchers at once do not overwrite each other's.
const waitForModule = join(repoRoot, 'out', `e2e-${process.pid}`, 'waitFor.mjs');
buildSync({ entryPoints: [join(repoRoot, 'test', 'waitFor.ts')], outfile: waitForModule, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
const { waitFor, withTimeout, orAfter } = await import(pathToFileURL(waitForModule).href);
rmSync(dirname(waitForModule), { recursive: true, force: true });
export const seedDir = join(repoRoot, 'examples', 'seed-cluster');
export const codeServerEntry = join(e2eDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const EXTENSION_ID = 'kube-ip-guard.kube-ip-guard';

const SETUP_HINT = 'run `bash scripts/e2e-setup.sh` (as root) first';

export function log(...args) {
  console.log(`[e2e ${new Date().toISOString().slice(11, 19)}]`, ...args);
}

/** Fails early, with the fix, when what the setup script installs is missing. */
export function preflight() {
  const missing = [];
  if (!existsSync(codeServerEntry)) missing.push(`code-server (${codeServerEntry})`);
  if (!existsSync(join(e2eDir, 'node_modules', 'playwright-core'))) missing.push('playwright-core in test/e2e/node_modules');
  if (!existsSync(chromiumPath)) missing.push(`Chromium (${chromiumPath})`);
  if (!existsSync(join(repoRoot, 'node_modules', 'mocha'))) missing.push('the root devDependencies (npm ci)');
  if (missing.length) throw new Error(`missing: ${missing.join(', ')}; ${SETUP_HINT}`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 180_000, ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${(r.stdout ?? '') + (r.stderr ?? '')}`.trimEnd());
  }
  return r.stdout;
}

/**
 * The extension as users get it: `npm run package` (production build + `vsce package --no-dependencies`), copied into
 * `outDir`. KUBE_IP_GUARD_VSIX=path skips this and tests that package instead (used to prove a broken build fails).
 */
export function buildAndPackage(outDir) {
  if (process.env.KUBE_IP_GUARD_VSIX) {
    const given = process.env.KUBE_IP_GUARD_VSIX;
    if (!existsSync(given)) throw new Error(`KUBE_IP_GUARD_VSIX=${given} does not exist`);
    log(`using the package ${given} (KUBE_IP_GUARD_VSIX)`);
    return given;
  }
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const built = join(repoRoot, `kube-ip-guard-${version}.vsix`);
  rmSync(built, { force: true });
  log('npm run package');
  run('npm', ['run', 'package']);
  if (!existsSync(built)) throw new Error(`npm run package did not produce ${built}`);
  const vsix = join(outDir, `kube-ip-guard-${version}.vsix`);
  copyFileSync(built, vsix);
  return vsix;
}

/** Compiles test/vscode into out/vscode-test; returns the path of the suite's index.js. */
export async function buildHostSuite() {
  const { buildVscodeTests } = await import(join(repoRoot, 'test', 'vscode', 'build.mjs'));
  return buildVscodeTests();
}

export function scratchDir(prefix = 'kig-e2e-') {
  return mkdtempSync(join(process.env.KUBE_IP_GUARD_E2E_TMP || tmpdir(), prefix));
}

/** A copy of examples/seed-cluster under `parent`, so tests never touch the repository's files. */
export function seedWorkspace(parent) {
  const ws = join(parent, 'seed-cluster');
  cpSync(seedDir, ws, { recursive: true });
  return ws;
}

/** A workspace with nothing but the seed's manifest (facts must come from elsewhere: the kubeconfig). */
export function manifestOnlyWorkspace(parent) {
  const ws = join(parent, 'manifest-only');
  mkdirSync(ws, { recursive: true });
  copyFileSync(join(seedDir, 'deployment.yaml'), join(ws, 'deployment.yaml'));
  return ws;
}

/** The Restricted Mode workspace described in test/vscode/suite/restricted.test.ts. */
export function restrictedWorkspace(parent) {
  const ws = join(parent, 'restricted');
  mkdirSync(join(ws, 'cluster'), { recursive: true });
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  copyFileSync(join(seedDir, 'deployment.yaml'), join(ws, 'deployment.yaml'));
  copyFileSync(join(seedDir, '.kube-ip-guard.yaml'), join(ws, 'cluster', 'facts.yaml'));
  // A hostile workspace: it points kubeIpGuard.kubeconfig.* (machine-scoped: ignored from a workspace) at its own
  // kubeconfig, whose exec "credential plugin" would leave a marker file if it ever ran.
  const plugin = join(ws, 'cluster', 'plugin.sh');
  writeFileSync(plugin, `#!/bin/sh\ntouch "${join(ws, 'PLUGIN-RAN')}"\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"x"}}'\n`, { mode: 0o755 });
  writeFileSync(
    join(ws, 'cluster', 'kubeconfig.yaml'),
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: evil',
      'clusters: [{name: evil, cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}}]',
      `users: [{name: evil, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: "${plugin}", interactiveMode: Never}}}]`,
      'contexts: [{name: evil, context: {cluster: evil, user: evil}}]',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(ws, '.vscode', 'settings.json'),
    JSON.stringify(
      {
        'kubeIpGuard.configFile': 'cluster/facts.yaml',
        'kubeIpGuard.nodes': [{ name: 'settings-node', addresses: ['192.168.0.11'] }],
        'kubeIpGuard.kubeconfig.path': join(ws, 'cluster', 'kubeconfig.yaml'),
        'kubeIpGuard.kubeconfig.context': 'evil',
        'kubeIpGuard.cluster.mode': 'on',
      },
      null,
      2,
    ),
  );
  return ws;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** User settings for a fresh code-server profile: quiet, deterministic, trust as asked. */
export function userSettings({ trust }) {
  return {
    'security.workspace.trust.enabled': trust,
    'security.workspace.trust.startupPrompt': 'never',
    'security.workspace.trust.banner': 'never',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'window.commandCenter': true,
    'editor.hover.delay': 300,
    'editor.minimap.enabled': false,
    'editor.cursorBlinking': 'solid',
    'workbench.reduceMotion': 'on',
    'files.autoSave': 'off',
    'chat.disableAIFeatures': true,
    'chat.commandCenter.enabled': false,
  };
}

export function installVsix(vsix, { userDataDir, extensionsDir }) {
  mkdirSync(extensionsDir, { recursive: true });
  const out = run(process.execPath, [codeServerEntry, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix], {
    timeout: 60_000,
  });
  if (!/successfully installed/i.test(out)) throw new Error(`installing ${vsix} said:\n${out}`);
  const dir = join(extensionsDir, `${EXTENSION_ID}-${JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version}`);
  if (!existsSync(join(dir, 'package.json'))) throw new Error(`the extension is not where expected after installing: ${dir}`);
  return dir;
}

/**
 * Starts code-server on 127.0.0.1 (a free port unless given) in its own process group. Resolves once it listens.
 * `env` is passed to the server and so to its extension host.
 */
export async function startCodeServer({ userDataDir, extensionsDir, settings, env = {}, logFile, port, timeoutMs = 60_000 }) {
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  if (settings) writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  port ??= await freePort();
  const args = [
    codeServerEntry,
    '--config', join(userDataDir, 'code-server.yaml'),
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
  ];
  const child = spawn(process.execPath, args, {
    cwd: userDataDir,
    // Hermetic: a developer's own ~/.kube/config (or KUBECONFIG) must not add a real cluster's facts, nor be contacted.
    env: { ...process.env, KUBECONFIG: join(userDataDir, 'no-kubeconfig'), ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const sink = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  let output = '';
  const onData = (b) => {
    output += b.toString();
    sink?.write(b);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited = null;
  running.add(child);
  const exit = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve(exited);
    }),
  );
  const listening = new Promise((resolve, reject) => {
    const seen = () => /HTTP server listening on/.test(output) && resolve();
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    void exit.then((how) => reject(new Error(`code-server exited (${JSON.stringify(how)}) before listening:\n${output}`)));
  });
  await withTimeout(listening, 'code-server to listen', timeoutMs).catch((e) => {
    killGroup(child);
    throw new Error(e.message.includes(output) ? e.message : `${e.message}:\n${output}`);
  });
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      killGroup(child);
      // A polite end first; code-server that has not exited after 5 s is killed.
      if (!exited && !(await orAfter(exit, 5_000))) killGroup(child, 'SIGKILL');
      sink?.end();
    },
  };
}

/** Process groups still running; killed when this process exits, however it exits. */
const running = new Set();
process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

function killGroup(child, signal = 'SIGTERM') {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

/** Debian's Chromium via playwright-core (never a downloaded browser). */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    timeout: 60_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export function workbenchUrl(origin, folder, payload) {
  let url = `${origin}/?folder=${encodeURIComponent(folder)}`;
  if (payload) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}

/**
 * Runs one extension-host suite (test/vscode) inside code-server's real extension host, with the extension loaded
 * from `extensionPath` as the extension under development. Streams mocha's output; resolves to the suite's
 * result.json, or throws on timeout / missing result.
 */
export async function runHostSuite({ suite, workspace, extensionPath, testsIndex, trust, workDir, env = {}, timeoutMs = 150_000 }) {
  const userDataDir = join(workDir, `${suite}-user-data`);
  const extensionsDir = join(workDir, `${suite}-extensions`); // empty: only the extension under development is loaded
  const outDir = join(workDir, `${suite}-results`);
  mkdirSync(outDir, { recursive: true });
  const server = await startCodeServer({
    userDataDir,
    extensionsDir,
    settings: userSettings({ trust }),
    env: { ...env, KUBE_IP_GUARD_TEST_SUITE: suite, KUBE_IP_GUARD_TEST_OUT: outDir },
    logFile: join(workDir, `${suite}-code-server.log`),
  });
  const browser = await launchChromium();
  const logFile = join(outDir, 'log.txt');
  const resultFile = join(outDir, 'result.json');
  const consoleLines = [];
  let printed = 0;
  const flush = () => {
    if (!existsSync(logFile)) return;
    const lines = readFileSync(logFile, 'utf8').split('\n');
    for (; printed < lines.length - 1; printed++) console.log(`  | ${lines[printed]}`);
  };
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.on('console', (m) => {
      consoleLines.push(`${m.type()}: ${m.text()}`);
    });
    const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const url = workbenchUrl(server.origin, workspace, [
      ['extensionDevelopmentPath', remote(extensionPath)],
      ['extensionTestsPath', remote(testsIndex)],
    ]);
    log(`${suite} suite: ${workspace} (workspace trust ${trust ? 'enabled' : 'disabled'})`);
    await page.goto(url, { timeout: 60_000 });
    // The suite writes its result file when it ends (test/vscode/index.ts); its log is streamed meanwhile.
    try {
      await waitFor(`the ${suite} suite's result`, () => {
        flush();
        return existsSync(resultFile);
      }, timeoutMs);
    } catch (e) {
      await page.screenshot({ path: join(workDir, `${suite}-timeout.png`) }).catch(() => {});
      const tail = consoleLines.filter((l) => /error|kube-ip-guard|Extension Host/i.test(l)).slice(-30).join('\n    ');
      throw new Error(`${suite} suite: ${e.message} (screenshot ${join(workDir, `${suite}-timeout.png`)}); last page console lines:\n    ${tail}`, { cause: e });
    }
    flush();
    return JSON.parse(readFileSync(resultFile, 'utf8'));
  } finally {
    writeFileSync(join(workDir, `${suite}-page-console.log`), consoleLines.join('\n'));
    await browser.close().catch(() => {});
    await server.stop();
  }
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}
