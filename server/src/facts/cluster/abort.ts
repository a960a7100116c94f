// One 'abort' listener per signal, however many requests wait on it. A session's signal is shared by every request
// it makes, and an audit runs a dozen lists at once: one listener each trips Node's MaxListenersExceededWarning at
// eleven (events.defaultMaxListeners, which applies to an AbortSignal too), a warning on the CLI's stderr that means
// nothing is leaking. A registry per signal keeps it to one listener, and forgets each waiter when it is done.
const waiters = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `fn` once when `signal` aborts (at once if it has); the returned function stops waiting. */
export function whenAborted(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => undefined;
  }
  let set = waiters.get(signal);
  if (!set) {
    const fresh = new Set<() => void>();
    set = fresh;
    waiters.set(signal, fresh);
    signal.addEventListener(
      'abort',
      () => {
        const run = [...fresh];
        fresh.clear();
        for (const f of run) f();
      },
      { once: true },
    );
  }
  const mine = set;
  const entry = () => fn();
  mine.add(entry);
  return () => void mine.delete(entry);
}
