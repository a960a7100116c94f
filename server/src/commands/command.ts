// What every subcommand of `kube-ip-guard` is: a name, its options in node:util `parseArgs` form, a usage text and
// a run function. `cli.ts` dispatches on the first argument; a new subcommand is one module added to `index.ts`.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  /** Standard input (`-`), read whole up to `maxLength` UTF-16 code units; undefined when this caller has none. */
  readStdin?: (maxLength: number) => Promise<string>;
  /** What standard input is: a pipe or a redirected file ('piped'), a terminal or nothing ('none'). */
  stdinKind?: () => 'piped' | 'none';
  /** Ask a yes/no question on the terminal; undefined when there is no one to ask (stdin is not a terminal). */
  confirm?: (question: string) => Promise<boolean>;
}

/** A usage error: one line on stderr after "kube-ip-guard: ", then the command's usage, exit 2. */
export class UsageError extends Error {}

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  /** One line for the top-level usage. */
  summary: string;
  usage: string;
  options: OptionSpecs;
  /** Rewrites of arguments before parsing (an option whose value is optional, like `--cluster[=optional]`). */
  preprocess?: (argv: string[]) => string[];
  run(args: Parsed, io: CliIO): Promise<number>;
}

/** Every command takes these. */
export const COMMON_OPTIONS: OptionSpecs = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

/** node:util parseArgs in strict mode; its errors become UsageErrors with the first sentence of its message. */
export function parseCommandArgs(command: Command, argv: string[]): Parsed {
  try {
    const r = parseArgs({
      args: command.preprocess ? command.preprocess(argv) : argv,
      options: { ...COMMON_OPTIONS, ...command.options },
      strict: true,
      allowPositionals: true,
    });
    return { values: r.values as Parsed['values'], positionals: r.positionals };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      const first = (e as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '');
      throw new UsageError(first.replace(/^Unknown option/, 'unknown option').replace(/^Option /, 'option '));
    }
    throw e;
  }
}

/** A string option's value (the last one given), or undefined. */
export function stringOf(values: Parsed['values'], name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A repeatable string option's values. */
export function stringsOf(values: Parsed['values'], name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}

/** A positive number option, or undefined when not given. */
export function positiveNumberOf(values: Parsed['values'], name: string, what: string): number | undefined {
  const v = stringOf(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0)) throw new UsageError(`--${name} must be a positive number of ${what}`);
  return n;
}

/** One of a fixed set of values, or undefined when not given. */
export function choiceOf<T extends string>(values: Parsed['values'], name: string, choices: readonly T[]): T | undefined {
  const v = stringOf(values, name);
  if (v === undefined) return undefined;
  if (!(choices as readonly string[]).includes(v)) {
    const list = choices.length === 2 ? choices.join(' or ') : `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
    throw new UsageError(`--${name} must be ${list}, not "${v}"`);
  }
  return v as T;
}
