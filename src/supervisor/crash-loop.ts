import { ExponentialBackoff, halfJitterGenerator, type IBackoff } from 'cockatiel';

import type { DeathCause } from './deaths.ts';

/**
 * When the supervisor gives up on workers that cannot start. One failed boot proves
 * nothing (a kill from outside, a dependency that blipped); several in a short window,
 * each the worker's own doing, mean the cause is not going away by itself.
 */
export interface CrashLoopRule {
  /** Boot failures the workers caused themselves, within the window, that mean a crash loop. */
  maxFailures: number;
  windowMs: number;
}

/**
 * Deaths the worker brought on itself: an exit (non-zero, or 0 unasked), a fatal signal
 * of its own (V8 out of heap, a native crash), a hang or a boot past its time (killed by
 * the supervisor for it), or the kernel's OOM killer (its cgroup counter rose). Not a
 * signal another process sent ('killed': an operator, a script, a runtime), and not the
 * supervisor's own stop orders.
 */
export function causedByWorker(cause: DeathCause): boolean {
  switch (cause) {
    case 'crashed':
    case 'exited':
    case 'config-error':
    case 'oom-killer':
    case 'heap-limit':
    case 'native-crash':
    case 'hung':
    case 'boot-timeout':
      return true;
    case 'killed':
    case 'stopped':
    case 'drain-timeout':
    case 'forced':
      return false;
  }
}

/** Boot failures within a sliding window. */
export class BootFailureWindow {
  private readonly times: number[] = [];

  constructor(private readonly rule: CrashLoopRule) {}

  /** Records a failure at `now` (ms, monotonic); returns how many fall within the window. */
  record(now: number): number {
    this.times.push(now);
    return this.count(now);
  }

  count(now: number): number {
    while (this.times.length > 0 && now - this.times[0] >= this.rule.windowMs) this.times.shift();
    return this.times.length;
  }

  reached(now: number): boolean {
    return this.count(now) >= this.rule.maxFailures;
  }
}

/**
 * The wait before a slot's next boot after a failed one: cockatiel's exponential back-off
 * with half jitter, 0.5-1 s, then 1-2, 2-4, 4-8, 8-16 s, and 8-16 s from then on. The
 * first wait is short (a worker killed from outside is replaced at once, in effect); the
 * doubling keeps a worker that cannot start from burning a core on boots; the jitter
 * keeps instances that failed together (a shared database restarting) from retrying in
 * step.
 */
export class BootBackoff {
  private readonly factory = new ExponentialBackoff({ generator: halfJitterGenerator, initialDelay: 1000, maxDelay: 16_000 });
  private readonly slots = new Map<number, IBackoff<unknown>>();

  /** The wait before the next boot of `slot`, one step longer than the last. */
  next(slot: number): number {
    const last = this.slots.get(slot);
    const step = last ? last.next(undefined) : this.factory.next();
    this.slots.set(slot, step);
    return step.duration;
  }

  /** The slot's worker is serving: its next failure starts the back-off again. */
  reset(slot: number): void {
    this.slots.delete(slot);
  }
}
