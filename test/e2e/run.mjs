// `npm run test:e2e`: the packaged extension in a real VS Code (code-server 4.100.3 + Debian's Chromium).
//   1. npm run build, vsce package --no-dependencies (or KUBE_IP_GUARD_VSIX=path to test a given package)
//   2. install the .vsix with code-server --install-extension; compile test/vscode
//   3. extension-host suite `main` (test/vscode/suite/main.test.ts) on a scratch copy of examples/seed-cluster,
//      run inside code-server's extension host through the `payload` URL parameter, extension = the installed package
//   4. extension-host suite `restricted`, same, in an untrusted workspace (Workspace Trust on)
//   5. extension-host suite `cluster`: facts from a kubeconfig whose context points at the API server stand-in of
//      test/cluster/standin.ts (skipped, and said so, where that file does not exist)
//   6. extension-host suite `audit`: the command *Audit cluster* against the same stand-in holding the audit tests'
//      Services (test/cluster/auditFixtures.ts), its report checked as the user sees it
//   7. the Playwright UI test (test/e2e/ui.test.mjs) against code-server with the .vsix installed
// Fails (exit 1) on any failing test, on a suite that leaves no result, on a timeout, or when no test ran at all.
// Set KUBE_IP_GUARD_E2E_KEEP=1 to keep the scratch directory (logs, screenshots of failures).
import { join } from 'node:path';
import Mocha from 'mocha';
import { loadAuditFixtures, loadStandin } from '../vscode/build.mjs';
import { buildAndPackage, buildHostSuite, e2eDir, installVsix, log, manifestOnlyWorkspace, preflight, removeDir, restrictedWorkspace, runHostSuite, scratchDir, seedWorkspace } from './lib.mjs';

const TOTAL_TIMEOUT_MS = Number(process.env.KUBE_IP_GUARD_E2E_TIMEOUT_MS || 330_000);
const phases = []; // { name, passes, failures, note? }

const watchdog = setTimeout(() => {
  console.error(`\ne2e: gave up after ${TOTAL_TIMEOUT_MS / 1000} s (KUBE_IP_GUARD_E2E_TIMEOUT_MS); this is a failure.`);
  report();
  process.exit(1); // lib.mjs kills code-server on exit; Playwright closes Chromium
}, TOTAL_TIMEOUT_MS);

function report() {
  console.log('');
  log('e2e summary:');
  for (const p of phases) console.log(`  ${p.name}: ${p.passes} passing, ${p.failures} failing${p.note ? ` (${p.note})` : ''}`);
  const passed = phases.reduce((n, p) => n + p.passes, 0);
  const failed = phases.reduce((n, p) => n + p.failures, 0);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}

async function hostPhase(name, args) {
  try {
    const r = await runHostSuite(args);
    const failing = r.tests.filter((t) => t.state === 'failed');
    phases.push({ name, passes: r.passes, failures: r.failures, note: r.pending ? `${r.pending} skipped` : undefined });
    for (const t of failing) console.log(`  FAILED ${t.title}\n    ${String(t.error).split('\n').slice(0, 3).join('\n    ')}`);
  } catch (e) {
    console.error(`  ${name}: ${e.message}`);
    phases.push({ name, passes: 0, failures: 1, note: 'no result' });
  }
}

/** Facts from the kubeconfig: the cluster-facts stand-in API server, a kubeconfig pointing at it, KUBECONFIG set. */
async function clusterPhase(work, { extensionPath, testsIndex }) {
  const name = 'extension host, facts from the kubeconfig';
  const standinModule = await loadStandin();
  if (!standinModule) {
    console.log(`  ${name}: skipped (test/cluster/standin.ts does not exist)`);
    return;
  }
  let standin;
  try {
    standin = await standinModule.StandinApiServer.start({ tokens: { 'e2e-token': 'e2e-user' } });
    const home = join(work, 'cluster-home');
    const kubeconfig = standinModule.writeKubeconfig(join(home, '.kube'), [{ server: standin.url, context: 'standin', auth: 'token', token: 'e2e-token' }], { file: 'config' });
    log(`API server stand-in at ${standin.url}, KUBECONFIG=${kubeconfig}`);
    await hostPhase(name, {
      suite: 'cluster',
      workspace: manifestOnlyWorkspace(join(work, 'cluster-workspace')),
      extensionPath,
      testsIndex,
      trust: false,
      workDir: work,
      env: { KUBECONFIG: kubeconfig, HOME: home },
      timeoutMs: 90_000,
    });
  } catch (e) {
    console.error(`  ${name}: ${e.stack ?? e}`);
    phases.push({ name, passes: 0, failures: 1, note: 'could not start the stand-in' });
  } finally {
    await standin?.stop().catch(() => {});
  }
}

/** Audit cluster: the stand-in with the audit tests' Services (default/busybox takes a node's address at index 1). */
async function auditPhase(work, { extensionPath, testsIndex }) {
  const name = 'extension host, Audit cluster';
  const standinModule = await loadStandin();
  const fixtures = await loadAuditFixtures();
  if (!standinModule || !fixtures) {
    console.log(`  ${name}: skipped (test/cluster/standin.ts or auditFixtures.ts does not exist)`);
    return;
  }
  let standin;
  try {
    standin = await standinModule.StandinApiServer.start({ tokens: { 'e2e-token': 'e2e-user' }, objects: fixtures.seedObjects() });
    const home = join(work, 'audit-home');
    const kubeconfig = standinModule.writeKubeconfig(join(home, '.kube'), [{ server: standin.url, context: 'standin', auth: 'token', token: 'e2e-token' }], { file: 'config' });
    log(`API server stand-in (audit objects) at ${standin.url}, KUBECONFIG=${kubeconfig}`);
    await hostPhase(name, {
      suite: 'audit',
      workspace: manifestOnlyWorkspace(join(work, 'audit-workspace')),
      extensionPath,
      testsIndex,
      trust: false,
      workDir: work,
      env: { KUBECONFIG: kubeconfig, HOME: home },
      timeoutMs: 90_000,
    });
  } catch (e) {
    console.error(`  ${name}: ${e.stack ?? e}`);
    phases.push({ name, passes: 0, failures: 1, note: 'could not start the stand-in' });
  } finally {
    await standin?.stop().catch(() => {});
  }
}

async function uiPhase(work, vsix) {
  process.env.KUBE_IP_GUARD_VSIX = vsix;
  process.env.KUBE_IP_GUARD_E2E_WORK = join(work, 'ui');
  const mocha = new Mocha({ reporter: 'spec', color: false, timeout: 60_000 });
  mocha.addFile(join(e2eDir, 'ui.test.mjs'));
  await mocha.loadFilesAsync();
  const stats = await new Promise((resolve) => {
    const runner = mocha.run(() => resolve(runner.stats));
  });
  phases.push({ name: 'UI test (Playwright)', passes: stats.passes, failures: stats.failures });
}

let work;
try {
  preflight();
  work = scratchDir();
  log(`scratch directory ${work}`);
  const vsix = buildAndPackage(work);
  const testsIndex = await buildHostSuite();
  const extensionPath = installVsix(vsix, { userDataDir: join(work, 'install-user-data'), extensionsDir: join(work, 'installed') });
  log(`installed ${extensionPath}`);

  await hostPhase('extension host, seed workspace', {
    suite: 'main',
    workspace: seedWorkspace(join(work, 'main-workspace')),
    extensionPath,
    testsIndex,
    trust: false,
    workDir: work,
    timeoutMs: 150_000,
  });
  await hostPhase('extension host, Restricted Mode', {
    suite: 'restricted',
    workspace: restrictedWorkspace(join(work, 'restricted-workspace')),
    extensionPath,
    testsIndex,
    trust: true,
    workDir: work,
    timeoutMs: 90_000,
  });
  await clusterPhase(work, { extensionPath, testsIndex });
  await auditPhase(work, { extensionPath, testsIndex });
  await uiPhase(work, vsix);
} catch (e) {
  console.error(`e2e: ${e.stack ?? e}`);
  phases.push({ name: 'setup', passes: 0, failures: 1, note: e.message.split('\n')[0] });
}

clearTimeout(watchdog);
const { passed, failed } = report();
const ok = failed === 0 && passed > 0;
if (work) {
  if (ok && !process.env.KUBE_IP_GUARD_E2E_KEEP) removeDir(work);
  else console.log(`e2e: logs, results and failure screenshots kept in ${work}`);
}
process.exit(ok ? 0 : 1);
