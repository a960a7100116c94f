// Waiting in tests without reading the clock: poll a condition, or race a promise, against a generous timer that only
// bounds a hang (a busy CI machine may be many times slower than a laptop; the test must still pass there). The lint
// step (scripts/timeBudgets.mjs) refuses clock reads and fixed sleeps everywhere else under test/.

/** Resolves with the first truthy value of `f` (polled), rejects with `what` (and `context()`) after `timeoutMs`. */
export function waitFor<T>(what: string, f: () => T | undefined | null | false, timeoutMs = 60_000, context: () => string = () => ''): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timedOut = false;
    const hang = setTimeout(() => (timedOut = true), timeoutMs);
    const poll = (): void => {
      let v: T | undefined | null | false;
      try {
        v = f();
      } catch (e) {
        clearTimeout(hang);
        reject(e as Error);
        return;
      }
      if (v) {
        clearTimeout(hang);
        resolve(v);
      } else if (timedOut) {
        const more = context();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${more ? `\n${more}` : ''}`));
      } else setTimeout(poll, 20);
    };
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
