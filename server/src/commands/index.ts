// The subcommands of `kube-ip-guard`, in the order the top-level usage lists them. To add one, write a module
// exporting a `Command` (see command.ts and lint.ts) and add it here.
import type { Command } from './command';
import { auditCommand } from './audit';
import { lintCommand } from './lint';

export const COMMANDS: readonly Command[] = [lintCommand, auditCommand];
