// Entry point of the `kube-ip-guard` binary (bundled to server/out/cli.js).
import { fstatSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { runCli } from './cli';
import { readChunksBounded } from './commands/inputs';

/** A shell pipe or a redirected file is 'piped'; a terminal, /dev/null or nothing at all is not. */
function stdinKind(): 'piped' | 'none' {
  try {
    const st = fstatSync(0);
    return st.isFIFO() || st.isFile() ? 'piped' : 'none';
  } catch {
    return 'none';
  }
}

/** A yes/no question on the terminal (the question on stderr, so stdout stays the report). */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

runCli(process.argv.slice(2), {
  out: (t) => process.stdout.write(t + '\n'),
  err: (t) => process.stderr.write(t + '\n'),
  cwd: process.cwd(),
  readStdin: (maxLength) => readChunksBounded(process.stdin, maxLength).finally(() => process.stdin.destroy()),
  stdinKind,
  ...(process.stdin.isTTY ? { confirm } : {}),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`kube-ip-guard: unexpected error: ${(e as Error)?.stack ?? e}\n`);
    process.exitCode = 2;
  },
);
