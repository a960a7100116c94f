// What `npm run lint` refuses in tests: reading the wall clock, asserting a duration, sleeping a fixed time, and a
// hang bound so tight that it is a duration budget in disguise. Tests assert behaviour by events and bound a hang with
// a generous timer (test/waitFor.ts); durations belong in the benchmark (scripts/bench), as ratios against a baseline
// measured in the same run. Every file under test/ is checked (TypeScript and plain .mjs/.js alike); none is exempt
// but the waiting helper itself and this check's own test, whose lines quote what is refused.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The smallest bound a wait may have: on a CI machine whose cores are busy, anything tighter measures the machine. */
export const MIN_HANG_BOUND_MS = 60_000;

const SLEEP = 'sleeps a fixed time (wait for the event instead, with test/waitFor.ts)';
const TIGHT = `bounds a wait by less than ${MIN_HANG_BOUND_MS / 1000} s: on a busy machine that is a duration budget (bound a hang generously)`;
/** The numbers of a line that are literal arguments of a call (`f(x, 5000, y)`), in milliseconds. */
const literalArgs = (s) => [...s.matchAll(/[(,]\s*(\d[\d_]*)\s*(?=[,)])/g)].map((m) => Number(m[1].replace(/_/g, '')));

/**
 * What a test must not contain, with why. Matched per line, comments included (a budget in a comment is a smell).
 * `re` finds the shape; `refuse(match, line)`, when given, decides whether that occurrence is refused.
 */
export const TIME_BUDGET_PATTERNS = [
  {
    re: /\b(Date\.now|performance\.now|performance\.timeOrigin|process\.hrtime|process\.uptime)\b|new Date\(\)\.(getTime|valueOf)\(\)|[+-]\s*new Date\(\)/,
    why: 'reads the wall clock (bound a hang with a timer, as test/waitFor.ts does)',
  },
  { re: /assert[\w.]*\(.*\b\w*(took|elapsed|ms|waited|duration|seconds)\w*\s*[<>]=?\s*[\d_.]+/i, why: 'asserts a duration' },
  { re: /\b(test|it|describe|suite)\(\s*['"`][^'"`]*\bwithin \d[\d_,.]* ?(ms|s|seconds|milliseconds)\b/i, why: 'promises a duration in a test name' },
  // A timer whose callback is a bare function or an arrow that only calls one: `setTimeout(r, 500)`,
  // `setTimeout(resolve, ms)`, `setTimeout(() => done(), 100)`, whatever the delay (a helper's `sleep(ms)` too).
  { re: /\bsetTimeout\(\s*([A-Za-z_$][\w$]*|\(\)\s*=>\s*[A-Za-z_$][\w$]*\(\s*\w*\s*\))\s*,/, why: SLEEP },
  { re: /new Promise[^;]*setTimeout\(\s*\w+\s*,\s*[\d_]+\s*\)/, why: SLEEP },
  { re: /from ['"](node:)?timers\/promises['"]|require\(\s*['"](node:)?timers\/promises['"]\s*\)|promisify\(\s*setTimeout\s*\)|\bsleep\(/, why: SLEEP },
  // Hang bounds: a `timeout`/`timeoutMs` option, node's --test-timeout, or a literal bound passed to a waiting helper.
  { re: /\btimeout(?:Ms)?\s*[:=]\s*(\d[\d_]*)\b/, refuse: (m) => Number(m[1].replace(/_/g, '')) < MIN_HANG_BOUND_MS, why: TIGHT },
  { re: /--test-timeout[= ]['"]?(\d[\d_]*)/, refuse: (m) => Number(m[1].replace(/_/g, '')) < MIN_HANG_BOUND_MS, why: TIGHT },
  {
    re: /\b(?:waitFor|waitUntil|until|withTimeout|waitForDiagnostics|diagnosticsForCurrentVersion|diagnostics|waitForExit|vim\.wait)\((.*)/,
    refuse: (m) => literalArgs(`(${m[1]}`).some((n) => n >= 100 && n < MIN_HANG_BOUND_MS),
    why: TIGHT,
  },
];
/** The polling helper itself (its timer is the hang bound and its poll interval), and this check's test. */
const ALLOWED = new Set(['test/waitFor.ts', 'test/lint/timeBudgets.test.ts']);

export function testFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') continue;
    if (statSync(p).isDirectory()) testFiles(p, out);
    else if (/\.(ts|mts|cts|mjs|cjs|js)$/.test(name)) out.push(p);
  }
  return out;
}

/** Every refused occurrence in `files` (paths relative to the repository), with its line and why. */
export function timeBudgets(files, read = (f) => readFileSync(f, 'utf8')) {
  const found = [];
  for (const file of files) {
    if (ALLOWED.has(file.split('\\').join('/'))) continue;
    read(file).split('\n').forEach((line, i) => {
      for (const p of TIME_BUDGET_PATTERNS) {
        const m = p.re.exec(line);
        if (m && (!p.refuse || p.refuse(m, line))) found.push({ file, line: i + 1, text: line.trim(), why: p.why });
      }
    });
  }
  return found;
}
