/**
 * Things to close, closed last-opened first. `close()` runs once: a second call (a
 * signal during shutdown, a caller's finally) gets the first call's promise, as
 * pg-boss's `stop` does. A closer that fails is reported and the rest still run.
 */
export interface Closers {
  push: (closer: () => Promise<void>) => void;
  close: () => Promise<void>;
}

export function createClosers(onError: (err: unknown) => void): Closers {
  const closers: (() => Promise<void>)[] = [];
  let closing: Promise<void> | undefined;
  return {
    push: (closer) => void closers.push(closer),
    close() {
      closing ??= (async () => {
        for (const c of [...closers].reverse()) await c().catch(onError);
      })();
      return closing;
    },
  };
}
