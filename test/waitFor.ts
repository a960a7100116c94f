// Waiting in tests without reading the clock: poll a condition, or race a promise, against a generous timer that only
// bounds a hang (a busy CI machine may be many times slower than a laptop; the test must still pass there). The lint
// step (scripts/timeBudgets.mjs) refuses clock reads and fixed sleeps everywhere else under test/. Plain .mjs files
// (the e2e launcher) load this module through esbuild (test/e2e/lib.mjs), so there is one such helper.

type Probe<T> = T | undefined | null | false;

/**
 * Resolves with the first truthy value of `f`, polled (an async `f` is awaited before the next poll); rejects with
 * what `f` threw or rejected with, or, after `timeoutMs`, with an error naming `what` and `context()`.
 */
export function waitFor<T>(what: string, f: () => Probe<T> | Promise<Probe<T>>, timeoutMs = 60_000, context: () => string = () => ''): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (done: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(hang);
      done();
    };
    const hang = setTimeout(() => {
      let more = '';
      try {
        more = context();
      } catch (e) {
        more = `(describing the state threw: ${String(e)})`;
      }
      settle(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${more ? `\n${more}` : ''}`)));
    }, timeoutMs);
    const seen = (v: Probe<T>): void => {
      if (settled) return;
      if (v) settle(() => resolve(v));
      else setTimeout(poll, 20);
    };
    const failed = (e: unknown): void => settle(() => reject(e instanceof Error ? e : new Error(String(e))));
    function poll(): void {
      if (settled) return;
      let v: Probe<T> | Promise<Probe<T>>;
      try {
        v = f();
      } catch (e) {
        failed(e);
        return;
      }
      if (v && typeof (v as Promise<Probe<T>>).then === 'function') (v as Promise<Probe<T>>).then(seen, failed);
      else seen(v as Probe<T>);
    }
    poll();
  });
}

/** `p`, or a rejection naming `what` if it has not settled after `timeoutMs` (a hang). */
export function withTimeout<T>(p: Promise<T>, what: string, timeoutMs = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}

/** Settles after `timeoutMs` with `undefined` if `p` has not settled (for a best-effort step such as a polite shutdown). */
export function orAfter<T>(p: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const later = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  return Promise.race([p, later]).finally(() => clearTimeout(timer));
}
