// `npm run bench [-- --quick] [-- --no-peer] [-- --profile] [-- --responsiveness]`: the benchmark of issue 7 (scripts/bench/bench.ts).
// Builds the language server, installs the peer (yaml-language-server, pinned in scripts/bench/package.json with its
// own lockfile, kept out of the extension's dependencies) when it is missing, bundles the benchmark with esbuild
// into .bench/ (git-ignored) and runs it with --expose-gc. Results: .bench/results.json and .bench/results.txt.
// Never part of `npm test`.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');
const args = process.argv.slice(2);
const run = (cmd, argv, cwd = root) => {
  const r = spawnSync(cmd, argv, { cwd, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run(process.execPath, ['scripts/build.mjs']);
const benchDir = join(root, 'scripts', 'bench');
if (!args.includes('--no-peer') && !existsSync(join(benchDir, 'node_modules', 'yaml-language-server'))) {
  console.error('installing the peer (yaml-language-server) into scripts/bench/node_modules ...');
  run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--no-audit', '--no-fund'], benchDir);
}

// The floor must use the very `yaml` the engine uses (scripts/bench/node_modules holds the peer's own copy).
const engineYaml = dirname(createRequire(join(root, 'server', 'src', 'engine', 'manifest.ts')).resolve('yaml/package.json'));
const out = join(root, '.bench');
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: [join(benchDir, 'bench.ts')],
  outfile: join(out, 'bench.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  logLevel: 'warning',
  alias: { yaml: engineYaml },
  // The cluster client (ESM only) is loaded from node_modules at run time, as the server loads its own bundle of it.
  external: ['@kubernetes/client-node'],
});
const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--enable-source-maps', join(out, 'bench.cjs'), '--root', root, ...args], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
