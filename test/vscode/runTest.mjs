// `npm run test:vscode`: the extension-host suites under a desktop VS Code downloaded by @vscode/test-electron.
// That download comes from Microsoft's update servers, which the project's own machines and CI cannot reach: there,
// `npm run test:e2e` runs the same suites in code-server's extension host instead (test/e2e/run.mjs).
// Use this launcher on a workstation with internet access (Linux needs a display, e.g. `xvfb-run -a npm run test:vscode`).
//   VSCODE_TEST_VERSION  which VS Code to download: `stable` (default), `insiders` or a version such as 1.91.0
import { runTests } from '@vscode/test-electron';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildVscodeTests } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const seed = join(root, 'examples', 'seed-cluster');

const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const extensionTestsPath = await buildVscodeTests();
const work = mkdtempSync(join(tmpdir(), 'kig-vscode-test-'));

// The same two workspaces as test/e2e/lib.mjs: a copy of the seed, and the Restricted Mode layout.
const main = join(work, 'seed-cluster');
cpSync(seed, main, { recursive: true });
const restricted = join(work, 'restricted');
mkdirSync(join(restricted, 'cluster'), { recursive: true });
mkdirSync(join(restricted, '.vscode'), { recursive: true });
copyFileSync(join(seed, 'deployment.yaml'), join(restricted, 'deployment.yaml'));
copyFileSync(join(seed, '.kube-ip-guard.yaml'), join(restricted, 'cluster', 'facts.yaml'));
writeFileSync(
  join(restricted, '.vscode', 'settings.json'),
  JSON.stringify({ 'kubeIpGuard.configFile': 'cluster/facts.yaml', 'kubeIpGuard.nodes': [{ name: 'settings-node', addresses: ['192.168.0.11'] }] }, null, 2),
);

const suites = [
  { suite: 'main', workspace: main, trustArgs: ['--disable-workspace-trust'] },
  // Workspace Trust stays on: a fresh folder in the temp directory is untrusted.
  { suite: 'restricted', workspace: restricted, trustArgs: [] },
];
let failed = 0;
let passed = 0;
for (const { suite, workspace, trustArgs } of suites) {
  const out = join(work, `${suite}-results`);
  try {
    await runTests({
      version: process.env.VSCODE_TEST_VERSION || 'stable',
      extensionDevelopmentPath: root,
      extensionTestsPath,
      extensionTestsEnv: { KUBE_IP_GUARD_TEST_SUITE: suite, KUBE_IP_GUARD_TEST_OUT: out },
      launchArgs: [workspace, '--disable-extensions', '--skip-welcome', '--skip-release-notes', '--user-data-dir', join(work, `${suite}-user-data`), ...trustArgs],
    });
  } catch (e) {
    console.error(`${suite}: ${e?.message ?? e}`);
  }
  // Judge by the suite's own result file: a VS Code that never ran the suite is a failure too.
  const resultFile = join(out, 'result.json');
  if (!existsSync(resultFile)) {
    console.error(`${suite}: no result (${resultFile})`);
    failed++;
    continue;
  }
  const r = JSON.parse(readFileSync(resultFile, 'utf8'));
  passed += r.passes;
  failed += r.failures;
}
console.log(`vscode: ${passed} passed, ${failed} failed`);
if (failed === 0 && passed > 0) rmSync(work, { recursive: true, force: true });
process.exit(failed === 0 && passed > 0 ? 0 : 1);
