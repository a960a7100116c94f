// What `npm run lint` refuses in tests: reading the wall clock, asserting a duration, sleeping a fixed time. Tests
// assert behaviour by events and bound a hang with a generous timer (test/waitFor.ts); durations belong in the
// benchmark (scripts/bench), as ratios against a baseline measured in the same run.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What a test must not contain, with why. Matched per line, comments included (a budget in a comment is a smell). */
export const TIME_BUDGET_PATTERNS = [
  { re: /\b(Date\.now|performance\.now|process\.hrtime)\b|new Date\(\)\.getTime\(\)/, why: 'reads the wall clock (bound a hang with a timer, as test/waitFor.ts does)' },
  { re: /assert[\w.]*\(.*\b\w*(took|elapsed|ms|waited|duration|seconds)\w*\s*[<>]=?\s*[\d_.]+/i, why: 'asserts a duration' },
  { re: /\b(test|it|describe|suite)\(\s*['"`][^'"`]*\bwithin \d[\d_,.]* ?(ms|s|seconds|milliseconds)\b/i, why: 'promises a duration in a test name' },
  { re: /new Promise[^;]*setTimeout\(\s*\w+\s*,\s*[\d_]+\s*\)/, why: 'sleeps a fixed time (wait for the event instead, with waitFor)' },
  { re: /from ['"](node:)?timers\/promises['"]|\bsleep\(/, why: 'sleeps a fixed time (wait for the event instead, with waitFor)' },
];
/** Files allowed to match: the one polling helper, the e2e runner's own progress line (not a test), and this check's test. */
const ALLOWED = new Set(['test/waitFor.ts', 'test/e2e/run.mjs', 'test/lint/timeBudgets.test.ts']);

export function testFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') continue;
    if (statSync(p).isDirectory()) testFiles(p, out);
    else if (/\.(ts|mts|mjs|js)$/.test(name)) out.push(p);
  }
  return out;
}

/** Every match in `files` (paths relative to the repository), with its line and why it is refused. */
export function timeBudgets(files, read = (f) => readFileSync(f, 'utf8')) {
  const found = [];
  for (const file of files) {
    if (ALLOWED.has(file)) continue;
    read(file).split('\n').forEach((line, i) => {
      for (const p of TIME_BUDGET_PATTERNS) if (p.re.test(line)) found.push({ file, line: i + 1, text: line.trim(), why: p.why });
    });
  }
  return found;
}

