import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` until it returns a truthy value, at most `ms`: the one way tests wait for
 * asynchronous state (never a fixed sleep, which is either too short on a loaded machine
 * or needlessly long on a quiet one).
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 5000,
  label = 'condition',
  everyMs = 25,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`${label} not reached within ${ms} ms`);
    await sleep(everyMs);
  }
}
