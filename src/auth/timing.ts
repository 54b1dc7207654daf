import { setTimeout as sleep } from 'node:timers/promises';

import { timeLeftMs } from '../resilience/deadline.ts';

// The most recent durations kept of each kind: enough that a few odd requests move the
// median little, few enough to follow a change in load within seconds of traffic.
const WINDOW = 64;
// Never wait longer than this to look like the real work, nor into the last quarter
// second of the request's deadline: an answer in time matters more than the disguise.
const MAX_WAIT_MS = 2_000;
const DEADLINE_MARGIN_MS = 250;

function window() {
  const values: number[] = [];
  let next = 0;
  return {
    add(ms: number): void {
      if (values.length < WINDOW) values.push(ms);
      else values[next] = ms;
      next = (next + 1) % WINDOW;
    },
    median(): number | undefined {
      if (values.length === 0) return undefined;
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)];
    },
  };
}

/**
 * Makes lesser work take as long as the real thing. `record` the durations of the real
 * work; `matchAfter` records the lesser work's own duration and then waits the difference
 * between the two recent medians, so that the lesser work's durations are centred where
 * the real work's are, whatever the machine's load. Per process: each process answers at
 * its own load.
 */
export function createTimingMirror() {
  const real = window();
  const lesser = window();
  return {
    record(ms: number): void {
      real.add(ms);
    },
    /** Records the lesser work that began at `startedAt` (performance.now()), then waits the medians' difference. */
    async matchAfter(startedAt: number): Promise<void> {
      lesser.add(performance.now() - startedAt);
      const r = real.median();
      const l = lesser.median();
      if (r === undefined || l === undefined) return;
      const wait = Math.min(r - l, MAX_WAIT_MS, timeLeftMs() - DEADLINE_MARGIN_MS);
      if (wait > 0) await sleep(wait);
    },
  };
}

export type TimingMirror = ReturnType<typeof createTimingMirror>;
