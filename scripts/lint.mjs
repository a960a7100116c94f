// The lint step of `npm test`: typescript-eslint (eslint.config.mjs), then a check that no test measures wall-clock
// time. A test that asserts a duration lies on a busy machine (CI shares its cores), so tests assert behaviour by
// events and bound hangs with generous timeouts; speed is measured by the benchmark (scripts/bench), as ratios against
// a baseline of the same run.
import { spawnSync } from 'node:child_process';
import { timeBudgets, testFiles } from './timeBudgets.mjs';

const eslint = spawnSync(process.execPath, ['node_modules/eslint/bin/eslint.js', '--max-warnings=0', '.'], { stdio: 'inherit' });
if (eslint.status !== 0) {
  console.error('lint: eslint found problems (npx eslint --fix . fixes some)');
  process.exit(eslint.status ?? 1);
}
console.log('lint: eslint clean');

// Every list that mirrors the rule registry is written from it (scripts/gen-rules.mjs).
const gen = spawnSync(process.execPath, ['scripts/gen-rules.mjs', '--check'], { stdio: 'inherit' });
if (gen.status !== 0) process.exit(gen.status ?? 1);

// The budgets that predate this check, per file, while they are replaced by events: a file may only go down.
const PREDATING = new Map([
  ['test/cluster/security.test.ts', 1],
  ['test/cluster/watch.test.ts', 8],
  ['test/e2e/lib.mjs', 9],
  ['test/robustness/cluster.test.ts', 8],
  ['test/robustness/engine.test.ts', 4],
  ['test/robustness/load.test.ts', 2],
  ['test/robustness/workspace.test.ts', 1],
  ['test/vscode/suite/helpers.ts', 2],
  ['test/vscode/suite/main.test.ts', 1],
]);
const perFile = new Map();
for (const f of timeBudgets(testFiles('test'))) perFile.set(f.file, [...(perFile.get(f.file) ?? []), f]);
const found = [...perFile.entries()].filter(([file, fs]) => fs.length > (PREDATING.get(file) ?? 0)).flatMap(([, fs]) => fs);
for (const f of found) console.error(`${f.file}:${f.line}: ${f.why}: ${f.text}`);
if (found.length) {
  console.error(`lint: ${found.length} wall-clock budget(s) or fixed sleep(s) in tests`);
  process.exit(1);
}
console.log('lint: no wall-clock budget in tests');
