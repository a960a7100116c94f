// Entry point of the extension-host test suite, in the @vscode/test-electron format: VS Code loads this module inside
// the real extension host (desktop VS Code via test/vscode/runTest.ts, or code-server via test/e2e/run.mjs) and
// awaits `run()`. A rejected promise is a failed run.
//
// Which suite runs and where results go come from the environment, set by the launcher:
//   KUBE_IP_GUARD_TEST_SUITE  `main` (default: the seed workspace) or `restricted` (an untrusted workspace)
//   KUBE_IP_GUARD_TEST_OUT    a directory: mocha's spec output is appended to `log.txt` line by line as tests run, and
//                              `result.json` ({ suite, passes, failures, pending, tests[] }) is written when mocha ends.
// The launcher treats a missing result.json as a failure, so a suite that hangs or crashes can never pass.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

interface TestRecord {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: string;
}

export async function run(): Promise<void> {
  const suite = process.env.KUBE_IP_GUARD_TEST_SUITE || 'main';
  const outDir = process.env.KUBE_IP_GUARD_TEST_OUT;
  const logFile = outDir ? path.join(outDir, 'log.txt') : undefined;
  if (outDir) fs.mkdirSync(outDir, { recursive: true });

  // Mocha's reporters print through Base.consoleLog; send each line to the launcher's log file as well as the console.
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void; useColors: boolean };
  const consoleLog = console.log.bind(console);
  base.useColors = false;
  base.consoleLog = (...args: unknown[]) => {
    const line = format(...args);
    consoleLog(`[kube-ip-guard tests] ${line}`);
    if (logFile) fs.appendFileSync(logFile, `${line}\n`);
  };

  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 120_000, slow: 5_000 });
  const file = path.join(__dirname, 'suite', `${suite}.test.js`);
  if (!fs.existsSync(file)) throw new Error(`no such suite: ${suite} (${file})`);
  mocha.addFile(file);

  const tests: TestRecord[] = [];
  const failures = await new Promise<number>((resolve, reject) => {
    try {
      const runner = mocha.run((n) => resolve(n));
      runner.on('pass', (t) => tests.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration }));
      runner.on('fail', (t, err: Error) => tests.push({ title: t.fullTitle(), state: 'failed', error: String(err?.stack ?? err) }));
      runner.on('pending', (t) => tests.push({ title: t.fullTitle(), state: 'pending' }));
    } catch (e) {
      reject(e);
    }
  });
  const summary = {
    suite,
    passes: tests.filter((t) => t.state === 'passed').length,
    failures,
    pending: tests.filter((t) => t.state === 'pending').length,
    tests,
  };
  if (outDir) {
    // Written last and atomically: its presence means mocha finished.
    const resultFile = path.join(outDir, 'result.json');
    fs.writeFileSync(`${resultFile}.tmp`, JSON.stringify(summary, null, 2));
    fs.renameSync(`${resultFile}.tmp`, resultFile);
  }
  if (failures > 0) throw new Error(`${failures} extension test(s) failed`);
}
