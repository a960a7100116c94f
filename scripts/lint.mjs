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

// No test may read the clock, assert a duration, sleep a fixed time or bound a wait tightly (scripts/timeBudgets.mjs).
const found = timeBudgets(testFiles('test'));
for (const f of found) console.error(`${f.file}:${f.line}: ${f.why}: ${f.text}`);
if (found.length) {
  console.error(`lint: ${found.length} wall-clock budget(s) or fixed sleep(s) in tests`);
  process.exit(1);
}
console.log('lint: no wall-clock budget in tests');
