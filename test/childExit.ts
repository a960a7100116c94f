// How a spawned server or CLI ended, said the same way by every test that spawns one: still running, or its exit code
// and signal (a kill from outside shows as a signal, a crash as a code), and the tail of its stderr. A failing
// assertion or wait that names these can be told from a bug in the code under test.
import type { ChildProcess, SpawnSyncReturns } from 'node:child_process';
import { withTimeout } from './waitFor';

export interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One paragraph: `what` (e.g. "server pid 123"), how it ended (or that it still runs), and its stderr's last 2,000 characters. */
export function describeEnd(what: string, end: ChildEnd | undefined, stderr: string, error?: Error): string {
  const state = error ? `could not be run (${error.message})` : end ? `exited with code ${end.code ?? '-'}, signal ${end.signal ?? '-'}` : 'still running';
  const tail = stderr.slice(-2000).trimEnd();
  return `${what}: ${state}; stderr ${tail ? `(last ${tail.length} characters):\n${tail}` : '(empty)'}`;
}

/** A finished spawnSync/execFile run of the CLI (or any command), described as above. */
export function describeRun(what: string, r: Pick<SpawnSyncReturns<string | Buffer>, 'status' | 'signal' | 'stderr' | 'error'>): string {
  return describeEnd(what, { code: r.status, signal: r.signal }, String(r.stderr ?? ''), r.error);
}

/** A finished run: spawnSync's fields (execFile's callback arguments converted by fromExecFile). */
export interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

/**
 * execFile's callback arguments as a Ran. A child killed from outside keeps its signal (reading `err.code ?? 1`
 * would turn it into exit status 1, which a test expecting findings would take for a result).
 */
export function fromExecFile(err: (Error & { code?: unknown; signal?: unknown }) | null, stdout: string | Buffer, stderr: string | Buffer): Ran {
  const base = { stdout: String(stdout ?? ''), stderr: String(stderr ?? '') };
  if (!err) return { ...base, status: 0, signal: null };
  const signal = typeof err.signal === 'string' ? (err.signal as NodeJS.Signals) : null;
  if (typeof err.code === 'number') return { ...base, status: err.code, signal };
  // No exit status: killed (signal set), or not run at all, or stopped by execFile (maxBuffer, timeout: err.code a string).
  return { ...base, status: null, signal, error: signal ? undefined : err };
}

/**
 * `r` when the run ended as a test may expect (it exited by itself with one of `codes`; the CLI's are 0 clean, 1
 * findings, 2 unusable input), else an error saying how it ended: a signal (killed from outside, or by a timeout), a
 * crash's exit status, or a command that could not run, with the tail of its stderr.
 */
export function expectExit<R extends Pick<Ran, 'status' | 'signal' | 'stderr' | 'error'>>(what: string, r: R, codes: readonly number[] = [0, 1, 2]): R {
  if (r.error || r.signal !== null || r.status === null || !codes.includes(r.status)) {
    throw new Error(`${describeRun(what, r)}\n(expected it to exit by itself with ${codes.join(', ')})`);
  }
  return r;
}

/** Follows a spawned child: keeps its stderr (when piped) and how it ended. */
export class FollowedChild {
  stderr = '';
  end: ChildEnd | undefined;
  /** Resolves when the child has exited. */
  readonly exited: Promise<ChildEnd>;

  constructor(
    readonly proc: ChildProcess,
    readonly what = `pid ${proc.pid ?? '?'}`,
  ) {
    proc.stderr?.on('data', (d) => (this.stderr += String(d)));
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => resolve((this.end = { code, signal }));
      if (proc.exitCode !== null || proc.signalCode !== null) done(proc.exitCode, proc.signalCode);
      else proc.once('exit', done);
    });
  }

  describe(): string {
    return describeEnd(this.what, this.end, this.stderr);
  }

  /** How it ended, once it has; a hang (no exit after `timeoutMs`) is an error that describes the child. */
  async waitForExit(timeoutMs = 60_000): Promise<ChildEnd> {
    try {
      return await withTimeout(this.exited, `${this.what} to exit`, timeoutMs);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${this.describe()}`, { cause: e });
    }
  }
}
