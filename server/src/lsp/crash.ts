// An error no handler expected leaves the server in a state nobody knows: say what happened and exit, so that the
// editor restarts a fresh server (VS Code's client does, up to 5 times in 3 minutes; other editors on demand).
// Expected failures are handled where they happen (each document's analysis, each fact source, each request).
export interface CrashSource {
  on(event: 'uncaughtException', listener: (e: unknown) => void): unknown;
  on(event: 'unhandledRejection', listener: (e: unknown) => void): unknown;
}

export function describeError(e: unknown): string {
  return e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
}

export function installCrashHandlers(source: CrashSource, log: (line: string) => void, exit: (code: number) => void = (c) => process.exit(c)): void {
  let crashed = false;
  const crash = (what: string) => (e: unknown) => {
    if (crashed) return;
    crashed = true;
    try {
      log(`Kube IP Guard: ${what}, the server exits (the editor starts a new one): ${describeError(e)}`);
    } finally {
      exit(1);
    }
  };
  source.on('uncaughtException', crash('unexpected error'));
  source.on('unhandledRejection', crash('unexpected rejection'));
}
