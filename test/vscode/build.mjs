// Compiles the extension-host suite (test/vscode/**/*.ts) into out/vscode-test/ for both launchers.
// `vscode` is provided by the extension host; mocha stays external and resolves from the root node_modules
// (a devDependency of the extension), the rest is bundled.
import * as esbuild from 'esbuild';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const outDir = join(root, 'out', 'vscode-test');

export async function buildVscodeTests() {
  rmSync(outDir, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['test/vscode/index.ts', 'test/vscode/suite/main.test.ts', 'test/vscode/suite/restricted.test.ts', 'test/vscode/suite/cluster.test.ts', 'test/vscode/suite/audit.test.ts'],
    outdir: outDir,
    outbase: 'test/vscode',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return join(outDir, 'index.js');
}

/**
 * The Kubernetes API stand-in of the cluster-facts tests (test/cluster/standin.ts), bundled for the launchers, which
 * start it before VS Code so that KUBECONFIG can point at it. Returns the module, or undefined where it does not exist.
 */
export async function loadStandin() {
  const entry = join(root, 'test', 'cluster', 'standin.ts');
  if (!existsSync(entry)) return undefined;
  const outfile = join(root, 'out', 'vscode-test-standin', 'standin.cjs');
  await esbuild.build({ absWorkingDir: root, entryPoints: [entry], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', logLevel: 'warning' });
  return createRequire(import.meta.url)(outfile);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await buildVscodeTests());

/** The audit tests' live objects (test/cluster/auditFixtures.ts), bundled like the stand-in; undefined where absent. */
export async function loadAuditFixtures() {
  const entry = join(root, 'test', 'cluster', 'auditFixtures.ts');
  if (!existsSync(entry)) return undefined;
  const outfile = join(root, 'out', 'vscode-test-standin', 'auditFixtures.cjs');
  await esbuild.build({ absWorkingDir: root, entryPoints: [entry], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', logLevel: 'warning' });
  return createRequire(import.meta.url)(outfile);
}
