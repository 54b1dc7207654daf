import { availableParallelism } from 'node:os';

import type { CrashLoopRule } from './crash-loop.ts';

/**
 * The supervisor's settings: Gunicorn's `workers`, `timeout`, `graceful_timeout`,
 * `max_requests` and `max_requests_jitter` in spirit, plus the derived intervals. Every
 * number that is not an operator's choice is derived here, with its reason, so the
 * supervisor and its workers agree on them.
 */
export interface SupervisorSettings {
  /** Worker processes (WEB_CONCURRENCY). */
  workers: number;
  /** A worker whose event loop does not turn for this long is killed (WORKER_TIMEOUT_MS). */
  workerTimeoutMs: number;
  /** Drain time on shutdown and reload (GRACEFUL_TIMEOUT_MS). */
  gracefulTimeoutMs: number;
  /** Requests after which a worker is replaced; 0 = never (MAX_REQUESTS). */
  maxRequests: number;
  /** Random 0..N added to maxRequests per worker (MAX_REQUESTS_JITTER). */
  maxRequestsJitter: number;
  heartbeatMs: number;
  checkEveryMs: number;
  captureLeadMs: number;
  captureGraceMs: number;
  bootTimeoutMs: number;
  bootHangTimeoutMs: number;
  /** Boot failures the workers caused themselves, within a window, that stop the instance when none serves (CRASH_LOOP_*). */
  crashLoop: CrashLoopRule;
  exitReserveMs: number;
  recycle: { periodMs: number; periods: number; minPastDeadline: number };
}

export interface SettingsInput {
  webConcurrency: number | undefined;
  /** The embedded database (PGlite) is single-process: it forces one worker. */
  embeddedDatabase: boolean;
  workerTimeoutMs: number;
  gracefulTimeoutMs: number;
  maxRequests: number;
  maxRequestsJitter: number;
  /** CRASH_LOOP_BOOT_FAILURES and CRASH_LOOP_WINDOW_MS. */
  crashLoopBootFailures: number;
  crashLoopWindowMs: number;
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(n)));

/**
 * How often a worker's event loop reports that it turns. Ten beats per timeout, so a
 * late beat or two (a GC pause, a busy box) never looks like a hang; at most one per
 * second, so the supervisor's copy of a worker's memory and in-flight work is never
 * more than a second old; at least 100 ms apart, so heartbeats cost nothing measurable.
 */
export function heartbeatIntervalMs(workerTimeoutMs: number): number {
  return clamp(workerTimeoutMs / 10, 100, 1000);
}

/** Workers to run, and why when it is not what was asked. */
export function resolveWorkers(
  input: Pick<SettingsInput, 'webConcurrency' | 'embeddedDatabase'>,
  cpus = availableParallelism(),
): { workers: number; note?: string } {
  if (input.embeddedDatabase) {
    const note =
      input.webConcurrency !== undefined && input.webConcurrency !== 1
        ? `WEB_CONCURRENCY=${input.webConcurrency} ignored: the embedded database serves one process at a time, so one worker runs`
        : undefined;
    return { workers: 1, note };
  }
  return { workers: input.webConcurrency ?? Math.max(1, cpus) };
}

export function supervisorSettings(input: SettingsInput, cpus = availableParallelism()): SupervisorSettings & { note?: string } {
  const { workers, note } = resolveWorkers(input, cpus);
  const heartbeatMs = heartbeatIntervalMs(input.workerTimeoutMs);
  return {
    workers,
    note,
    workerTimeoutMs: input.workerTimeoutMs,
    gracefulTimeoutMs: input.gracefulTimeoutMs,
    maxRequests: input.maxRequests,
    maxRequestsJitter: input.maxRequestsJitter,
    heartbeatMs,
    // Half a beat: a silent worker is noticed at most half a beat after its deadline.
    checkEveryMs: clamp(heartbeatMs / 2, 50, 500),
    // The capture (stack and in-flight work) is asked for this long before the deadline,
    // so it is in hand when the timeout strikes and the kill is not delayed by it. A
    // capture measured 30-300 ms on a loaded 2-core box; a fifth of the timeout, within
    // 0.2-2 s, leaves room for that and never asks when a worker is merely a little late.
    captureLeadMs: clamp(input.workerTimeoutMs / 5, 200, 2000),
    // Past the deadline, a capture already under way gets this much longer; the kill
    // waits no more than that for the diagnosis.
    captureGraceMs: 500,
    // From fork to "ready": loading the code, connecting, migrating. Migrations run under
    // DB_STATEMENT_TIMEOUT_MS (30 s by default) each and wait up to 60 s for another
    // process's migration lock, so two minutes allows a slow but progressing boot and
    // still ends one that waits forever. The heartbeat timeout applies during boot too.
    bootTimeoutMs: 120_000,
    // While booting, a worker's loop may legitimately be held for seconds at a time
    // (evaluating modules, compiling every route's schemas), longer still on a loaded box;
    // a booting worker is taken as hung only after 30 s of silence (or WORKER_TIMEOUT_MS,
    // if longer). Once ready, WORKER_TIMEOUT_MS applies.
    bootHangTimeoutMs: Math.max(input.workerTimeoutMs, 30_000),
    // A crash loop: this many boot failures within the window, each one the worker's own
    // doing (see crash-loop.ts), with back-off between boots. Then, if no worker serves,
    // the supervisor stops with their error (exit 3) rather than forking forever; if some
    // do, they keep serving and the failing slot keeps retrying at the back-off's cap.
    crashLoop: { maxFailures: input.crashLoopBootFailures, windowMs: input.crashLoopWindowMs },
    // Kept back from GRACEFUL_TIMEOUT_MS to stop the shared dependencies and exit, so the
    // whole instance is gone within GRACEFUL_TIMEOUT_MS.
    exitReserveMs: clamp(input.gracefulTimeoutMs / 10, 0, 1000),
    recycle: {
      // The arbiter's period: one WORKER_TIMEOUT_MS.
      periodMs: input.workerTimeoutMs,
      // Past-deadline requests growing in three periods in a row (90 s by default) is a
      // trend, not a burst. A shared outage does not get there: once a dependency's
      // breaker opens, its calls fail fast instead of running past the deadline.
      periods: 3,
      // And at least this many in those periods, so a trickle never restarts a worker.
      minPastDeadline: 10,
    },
  };
}

/** A worker's request limit: Gunicorn's `max_requests + randint(0, max_requests_jitter)`. */
export function requestLimit(maxRequests: number, jitter: number, random: () => number = Math.random): number {
  if (maxRequests <= 0) return Infinity;
  return maxRequests + Math.floor(random() * (jitter + 1));
}
