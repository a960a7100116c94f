// Bundles the language server, the command line and the VS Code extension with esbuild (vscode-eslint's way):
// each output is one self-contained file; only `vscode` stays external for the extension.
import * as esbuild from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';

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

await Promise.all([
  esbuild.build({ ...common, entryPoints: ['server/src/serverMain.ts'], outfile: 'server/out/server.js' }),
  esbuild.build({
    ...common,
    entryPoints: ['server/src/cliMain.ts'],
    outfile: 'server/out/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  }),
  esbuild.build({
    ...common,
    entryPoints: ['client/src/extension.ts'],
    outfile: 'client/out/extension.js',
    external: [...common.external, 'vscode'],
  }),
]);
chmodSync('server/out/cli.js', 0o755);
