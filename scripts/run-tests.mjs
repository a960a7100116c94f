// Runs every test under test/ with node's own test runner. Tests are TypeScript; esbuild bundles each test file
// (with the code it imports) into out/test-<pid>/, and `node --test` runs them. Suites that need ../shared/corpus say
// whether it was found and skip themselves when it is not (a user's fresh clone does not have it).
// `--editors` runs the real-editor suites of test/editors/ instead (Neovim, Emacs, Vim; part of `npm run test:all`).
// By default (`npm test`) the heavy suites are left out: the robustness properties, limits and load (test/robustness/),
// the fast-path equivalence (test/perf/) and the corpus suite (test/protocol/corpus.test.ts); `--heavy` runs only
// them (`npm run test:heavy`, part of `npm run test:all`). A file named on the command line runs whatever it is.
// Progress: one line on stderr as each file starts and ends (scripts/progress-reporter.mjs); node's TAP on stdout.
import * as esbuild from 'esbuild';
import { readdirSync, statSync, rmSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const editors = process.argv.includes('--editors');
const heavyOnly = process.argv.includes('--heavy');
/** The suites `npm test` leaves to `npm run test:heavy`: minutes each on 2 cores, and most of them on the corpus. */
const HEAVY = [join('test', 'robustness') + '/', join('test', 'perf') + '/', join('test', 'protocol', 'corpus.test.ts')];
const isHeavy = (f) => HEAVY.some((h) => f.startsWith(h));
function collect(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures' || name === 'vscode' || name === 'e2e' || (name === 'editors' && !editors)) continue;
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
let files = collect(editors ? join('test', 'editors') : 'test');
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
else if (!editors) files = files.filter((f) => isHeavy(f) === heavyOnly);
// A directory of its own per run, so that two runs at once (two terminals, two helpers) do not delete each other's.
const outDir = join('out', `test-${process.pid}`);
rmSync(outDir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: files,
  outdir: outDir,
  outbase: 'test',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  packages: 'external',
  logLevel: 'warning',
});
const corpus = join('..', 'shared', 'corpus');
console.log(existsSync(corpus)
  ? `corpus suites: will run (found ${corpus})`
  : `corpus suites: skipped (${corpus} not found; they run where ../shared/corpus exists)`);
const outs = files.map((f) => join(outDir, relative('test', f)).replace(/\.ts$/, '.js'));
console.error(`tests: ${outs.length} file${outs.length === 1 ? '' : 's'}${heavyOnly ? ' (the heavy suites)' : only.length || editors ? '' : ' (the fast suites; the heavy ones run in npm run test:heavy)'}`);
const reporters = process.argv.some((a) => a.startsWith('--test-reporter'))
  ? []
  : ['--test-reporter=tap', '--test-reporter-destination=stdout', '--test-reporter=./scripts/progress-reporter.mjs', '--test-reporter-destination=stderr'];
// A hang bound per test (never a budget: the slowest heavy test takes a few minutes on two busy cores): a test that
// hangs fails with its name instead of holding the whole run until CI's limit.
const hangBound = process.argv.some((a) => a.startsWith('--test-timeout')) ? [] : ['--test-timeout=900000'];
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...hangBound, ...reporters, ...process.argv.filter((a) => a.startsWith('--test-')), ...outs], {
  stdio: 'inherit',
});
rmSync(outDir, { recursive: true, force: true });
process.exit(r.status ?? 1);
