// Entry point of the `kube-ip-guard` binary (bundled to server/out/cli.js).
import { runCli } from './cli';

runCli(process.argv.slice(2), { out: (t) => process.stdout.write(t + '\n'), err: (t) => process.stderr.write(t + '\n'), cwd: process.cwd() }).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`kube-ip-guard: unexpected error: ${(e as Error)?.stack ?? e}\n`);
    process.exitCode = 2;
  },
);
