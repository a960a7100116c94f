// Bundles the language server, the command line and the VS Code extension with esbuild (vscode-eslint's way):
// each output is one self-contained file; only `vscode` stays external for the extension.
import * as esbuild from 'esbuild';
import { chmodSync, existsSync, readFileSync } from 'node:fs';

const production = process.argv.includes('--production');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // Optional native speed-ups of `ws` (pulled in by @kubernetes/client-node); it works without them.
  external: ['bufferutil', 'utf-8-validate'],
  define: { KUBE_IP_GUARD_VERSION: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) },
};

// @kubernetes/client-node (ESM only, and most of the server's size) goes into a bundle of its own that the server
// and the CLI import only when a cluster is consulted: start-up stays fast, and a user without a kubeconfig never
// loads it.
const k8sOnDemand = {
  name: 'k8s-on-demand',
  setup(build) {
    build.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({ path: './k8s.mjs', external: true }));
  },
};

const bundles = [
  {
    ...common,
    entryPoints: ['server/src/facts/cluster/k8sBundle.mts'],
    outfile: 'server/out/k8s.mjs',
    format: 'esm',
    // Bundled CommonJS dependencies call require(); give the ES module one.
    banner: { js: "import { createRequire as __kigCreateRequire } from 'node:module'; const require = __kigCreateRequire(import.meta.url);" },
  },
  // Also the `kube-ip-guard-language-server` binary of the npm package (other editors run it with --stdio).
  { ...common, entryPoints: ['server/src/serverMain.ts'], outfile: 'server/out/server.js', banner: { js: '#!/usr/bin/env node' }, plugins: [k8sOnDemand] },
  { ...common, entryPoints: ['server/src/lsp/readWorker.ts'], outfile: 'server/out/readWorker.js' },
  // Decodes and parses LSP messages of 1 MB or more off the main thread (lsp/messageDecoder.ts).
  { ...common, entryPoints: ['server/src/lsp/decodeWorker.ts'], outfile: 'server/out/decodeWorker.js' },
  // Parses large node manifests off the main thread, for the server and the CLI (facts/nodeManifests.ts).
  { ...common, entryPoints: ['server/src/facts/nodeManifestWorker.ts'], outfile: 'server/out/nodeManifestWorker.js' },
  {
    ...common,
    entryPoints: ['server/src/cliMain.ts'],
    outfile: 'server/out/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [k8sOnDemand],
  },
  {
    ...common,
    entryPoints: ['server/src/kubectlMain.ts'],
    outfile: 'server/out/kubectl-ip_guard.js',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [k8sOnDemand],
  },
  {
    ...common,
    entryPoints: ['client/src/extension.ts'],
    outfile: 'client/out/extension.js',
    external: [...common.external, 'vscode'],
  },
];
const EXECUTABLES = ['server/out/cli.js', 'server/out/kubectl-ip_guard.js', 'server/out/server.js'];

if (process.argv.includes('--watch')) {
  // The inner loop (CONTRIBUTING.md): rebuild every bundle on save, until Ctrl+C.
  const executable = { name: 'executable', setup: (b) => b.onEnd(() => EXECUTABLES.forEach((f) => existsSync(f) && chmodSync(f, 0o755))) };
  for (const b of bundles) {
    const ctx = await esbuild.context({ ...b, plugins: [...(b.plugins ?? []), executable], logLevel: 'info' });
    await ctx.watch();
  }
} else {
  await Promise.all(bundles.map((b) => esbuild.build(b)));
  for (const f of EXECUTABLES) chmodSync(f, 0o755);
}
