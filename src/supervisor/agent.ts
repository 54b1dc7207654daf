import { getHeapStatistics } from 'node:v8';

import type { Logger } from 'pino';

import { type ErrorInfo, errorInfo, type SupervisorMessage, TAG, type WorkerMessage, type WorkItem } from './protocol.ts';
import { startWatchdog } from './watchdog.ts';

/**
 * The supervisor's agent inside a worker: heartbeats from the event loop, the watchdog
 * thread, orders from the supervisor, and the report of a fatal error. It knows the
 * worker's work only through the small interface below.
 */

/** One in-flight piece of work, as the worker tracks it. */
export interface WorkSource {
  method: string;
  route: string;
  requestId: string;
  /** Date.now() when it started. */
  startedAt: number;
  currentCall?: { dependency: string; op: string; startedAt: number };
}

export interface AgentOptions {
  logger: Logger;
  heartbeatMs: number;
  /** The worker's in-flight work, live. */
  work(): Iterable<WorkSource>;
  /** Finished requests and requests past their deadline, since the worker started. */
  counters(): { requests: number; pastDeadline: number };
}

export interface Agent {
  /** The worker serves: the supervisor may count on it from now on. */
  ready(info: Record<string, string>): void;
  /** What to do when the supervisor orders a stop: stop accepting, finish what is in flight, close. */
  onShutdown(drain: () => Promise<void>): void;
  /** The worker could not start: tell the supervisor why, then exit. */
  bootFailed(err: unknown, exitCode?: number): Promise<never>;
}

// Heartbeats carry the oldest few in-flight requests, in case the worker is frozen
// (SIGSTOP) before it can be asked; five is what an operator reads, and keeps beats small.
const OLDEST_IN_HEARTBEAT = 5;
// A capture lists at most this many in-flight requests, oldest first.
const MAX_CAPTURED = 50;
// The stack is read with this many frames: enough to go from a hot loop up to its route
// handler through Fastify's hooks.
const STACK_FRAMES = 24;
// A fatal error is sent to the supervisor before the exit; the send is given this long,
// since a process that just threw may not get the IPC write out at all.
const FATAL_SEND_MS = 1000;

function snapshot(work: Iterable<WorkSource>, limit: number): { items: WorkItem[]; count: number } {
  const now = Date.now();
  const all = [...work];
  all.sort((a, b) => a.startedAt - b.startedAt);
  const items = all.slice(0, limit).map((w) => ({
    method: w.method,
    route: w.route,
    requestId: w.requestId,
    ageMs: now - w.startedAt,
    call: w.currentCall ? { dependency: w.currentCall.dependency, op: w.currentCall.op, ageMs: now - w.currentCall.startedAt } : undefined,
  }));
  return { items, count: all.length };
}

/**
 * Reads the stack of the code that called it, as source-mapped text frames. Called on the
 * paused main thread, through the inspector's evaluate; the frames above the paused
 * code (this function and the evaluation itself) are dropped.
 */
function pausedStack(): string[] {
  const limit = Error.stackTraceLimit;
  // A few more than kept: this function and the inspector's evaluation are dropped.
  Error.stackTraceLimit = STACK_FRAMES + 4;
  const raw = new Error('stack').stack ?? '';
  Error.stackTraceLimit = limit;
  const lines = raw
    .split('\n')
    .slice(1)
    .map((l) => l.trim().replace(/^at /, ''));
  const evalAt = lines.findIndex((l) => l.startsWith('eval ') || l.includes('(eval at '));
  const cwd = `${process.cwd()}/`;
  return lines
    .slice(evalAt + 1)
    .slice(0, STACK_FRAMES)
    .map((l) => l.replaceAll('file://', '').replaceAll(cwd, ''));
}

export function startAgent(o: AgentOptions): Agent {
  const send = (m: WorkerMessage, cb?: () => void): void => {
    try {
      process.send?.(m, undefined, undefined, cb);
    } catch {
      // The supervisor is gone; cluster exits this worker on the disconnect.
      cb?.();
    }
  };
  const heapLimitBytes = getHeapStatistics().heap_size_limit;

  // Workers take their orders from the supervisor, not from the terminal: a Ctrl-C
  // reaches the whole process group, and a worker that stopped on it would drop its
  // requests while the supervisor is still draining them.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => o.logger.info({ signal }, 'worker ignored a signal; it stops when the supervisor says so'));
  }

  const beat = () => {
    const m = process.memoryUsage();
    const { requests, pastDeadline } = o.counters();
    const { items, count } = snapshot(o.work(), OLDEST_IN_HEARTBEAT);
    send({
      tag: TAG,
      type: 'heartbeat',
      memory: { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapLimitBytes, externalBytes: m.external },
      requests,
      pastDeadline,
      inflightCount: count,
      oldest: items,
    });
  };
  beat();
  setInterval(beat, o.heartbeatMs).unref();

  startWatchdog(
    () => {
      const { items, count } = snapshot(o.work(), MAX_CAPTURED);
      return JSON.stringify({ stack: pausedStack(), inflight: items, inflightCount: count });
    },
    (msg, err) => o.logger.warn({ err }, msg),
  );

  let drain: (() => Promise<void>) | undefined;
  let stopping = false;
  const shutdown = async (drainMs: number, reason: string) => {
    if (stopping) return;
    stopping = true;
    const started = performance.now();
    o.logger.info({ reason, drainMs, inflight: snapshot(o.work(), 0).count }, 'worker draining');
    // The supervisor's deadline: past it the worker would be killed, so it leaves on its
    // own, saying what it could not finish.
    const timer = setTimeout(() => {
      o.logger.warn(
        { reason, drainMs, unfinished: snapshot(o.work(), 20).items },
        'worker drain time over; exiting with requests in flight',
      );
      process.exit(0);
    }, drainMs);
    try {
      await drain?.();
    } catch (err) {
      o.logger.error({ err }, 'error while draining');
    }
    clearTimeout(timer);
    o.logger.info({ reason, drainedMs: Math.round(performance.now() - started) }, 'worker drained');
    process.exit(0);
  };
  process.on('message', (m: SupervisorMessage) => {
    if (m?.tag === TAG && m.type === 'shutdown') void shutdown(m.drainMs, m.reason);
  });

  const fatal = (phase: 'boot' | 'run', error: ErrorInfo, exitCode: number): Promise<never> =>
    new Promise<never>(() => {
      const exit = () => process.exit(exitCode);
      setTimeout(exit, FATAL_SEND_MS).unref();
      send({ tag: TAG, type: 'error', phase, error }, exit);
    });
  let ready = false;
  // An uncaught error leaves the process in an unknown state: report it, exit, and let
  // the supervisor start a fresh worker.
  process.on('uncaughtException', (err) => {
    o.logger.fatal({ err }, 'uncaught error; worker exiting');
    void fatal(ready ? 'run' : 'boot', errorInfo(err), 1);
  });

  return {
    ready(info) {
      ready = true;
      send({ tag: TAG, type: 'ready', info });
    },
    onShutdown(fn) {
      drain = fn;
    },
    bootFailed(err, exitCode = 1) {
      o.logger.fatal({ err }, 'worker failed to start');
      return fatal('boot', errorInfo(err), exitCode);
    },
  };
}
