// kube-ip-guard: the same engine as the language server, for CI. Exit 0 when no errors, 1 when any error finding,
// 2 on a usage or config error. The first argument names the subcommand (commands/index.ts lists them); each parses
// its own options with node:util parseArgs.
import { COMMANDS } from './commands/index';
import { parseCommandArgs, UsageError, type CliIO } from './commands/command';
import { VERSION } from './commands/output';

export type { CliIO } from './commands/command';
export { toSarif, type CliResult } from './commands/output';

const pad = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;

export const USAGE = `Usage: kube-ip-guard <command> [arguments ...]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(pad)}${c.summary}`).join('\n')}

Run kube-ip-guard <command> --help for a command's options.
  -h, --help     show this help
  --version      show the version`;

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(USAGE);
    return 2;
  }
  if (name === '-h' || name === '--help') {
    io.out(USAGE);
    return 0;
  }
  if (name === '--version') {
    io.out(VERSION);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`kube-ip-guard: unknown command "${name}" (expected: ${COMMANDS.map((c) => c.name).join(', ')})\n\n${USAGE}`);
    return 2;
  }
  try {
    const args = parseCommandArgs(command, rest);
    if (args.values.help) {
      io.out(command.usage);
      return 0;
    }
    if (args.values.version) {
      io.out(VERSION);
      return 0;
    }
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`kube-ip-guard: ${e.message}\nRun 'kube-ip-guard ${command.name} --help' for its options.`);
      return 2;
    }
    throw e;
  }
}
