import type { Logger } from 'pino';

import { createExits } from './exits.ts';
import { createHangWatch } from './hang-watch.ts';
import type { WorkerMessage } from './protocol.ts';
import { createRolling, DRAIN_EXIT_MS } from './rolling.ts';
import type { SupervisorSettings } from './settings.ts';
import { installSignalHandlers } from './signals.ts';
import { type Clock, createWorkerTable, type StartReason, type Tracked } from './workers.ts';

/**
 * The arbiter: starts the workers, watches their heartbeats, kills and replaces a hung
 * one after saying what it was doing, explains every death, replaces workers gracefully
 * (reload, max requests, past-deadline growth), and stops the instance on SIGTERM/SIGINT.
 * It knows the workers only as processes that beat, report and obey; never the app.
 *
 * The parts: `workers.ts` (the worker table: fork, order, kill), `hang-watch.ts`
 * (heartbeats, hangs, recycling triggers), `exits.ts` (deaths, boot failures, crash
 * loops), `rolling.ts` (reload and recycle without dropping a request), `signals.ts`.
 * This file wires them and owns the shutdown.
 */

export type { StartReason } from './workers.ts';

export interface SupervisorOptions {
  /** The worker's entry module. */
  exec: string;
  execArgv: string[];
  /** Added to each worker's environment. */
  env: Record<string, string>;
  settings: SupervisorSettings;
  logger: Logger;
  /** Each time a worker is forked (metrics: restarts by reason). */
  onWorkerStarted?: (w: { workerId: number; pid: number; slot: number; reason: StartReason }) => void;
  /** Once, when the first worker is ready (the start banner). */
  onFirstReady?: (info: Record<string, string>) => void;
  /** After the last worker is gone, before exiting: stop what the workers shared. */
  onStop?: () => Promise<void>;
  /** Monotonic time for timeouts, ages and windows; performance.now by default. */
  clock?: Clock;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export function runSupervisor(o: SupervisorOptions): void {
  const s = o.settings;
  const log = o.logger;
  const clock: Clock = o.clock ?? performance;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let everReady = false;
  const isStopping = () => stopping;

  const table = createWorkerTable({
    exec: o.exec,
    execArgv: o.execArgv,
    env: o.env,
    settings: s,
    logger: log,
    clock,
    onMessage: (t, m) => onMessage(t, m),
    onExit: (t, code, signal) => exits.onExit(t, code, signal),
    onWorkerStarted: o.onWorkerStarted,
  });
  const rolling = createRolling({ settings: s, logger: log, clock, table, isStopping });
  const hangs = createHangWatch({
    settings: s,
    logger: log,
    clock,
    table,
    isStopping,
    recycle: (t, reason, facts) => rolling.recycle(t, reason, facts),
  });
  const exits = createExits({ settings: s, logger: log, clock, table, isStopping, shutdown });

  function onMessage(t: Tracked, m: WorkerMessage): void {
    switch (m.type) {
      case 'heartbeat':
        hangs.beat(t, m);
        return;
      case 'ready': {
        t.readyAt = clock.now();
        if (t.phase === 'booting') t.phase = 'serving';
        exits.booted(t.slot);
        log.info(
          {
            workerId: t.worker.id,
            workerPid: t.pid,
            slot: t.slot,
            reason: t.reason,
            bootMs: Math.round(t.readyAt - t.forkedAt),
            address: m.info.address,
          },
          'worker ready',
        );
        if (!everReady) {
          everReady = true;
          o.onFirstReady?.(m.info);
        }
        t.markReady(true);
        if (stopping) table.order(t, 'shutdown', 0);
        return;
      }
      case 'error':
        t.lastError = { ...m.error, phase: m.phase };
        return;
    }
  }

  /** Drains and stops every worker, then the shared parts, then exits. A second call returns the first call's promise. */
  function shutdown(cause: string, exitCode: number): Promise<void> {
    stopped ??= drainAndExit(cause, exitCode);
    return stopped;
  }

  async function drainAndExit(cause: string, exitCode: number): Promise<void> {
    stopping = true;
    const started = clock.now();
    const deadline = started + s.gracefulTimeoutMs - s.exitReserveMs;
    log.info({ cause, workerPids: table.pids(), gracefulTimeoutMs: s.gracefulTimeoutMs }, 'shutting down');
    // Each worker leaves on its own a little before the deadline; the supervisor kills
    // whatever is left at the deadline.
    const drainMs = Math.max(0, deadline - clock.now() - Math.min(DRAIN_EXIT_MS, s.gracefulTimeoutMs / 10));
    for (const t of table.alive()) table.order(t, cause, drainMs);
    const allExited = () => Promise.all(table.alive().map((t) => t.whenExited));
    await Promise.race([allExited(), sleep(deadline - clock.now())]);
    if (table.alive().length > 0) {
      log.warn(
        { workerPids: table.pids(), inflight: table.alive().map((t) => ({ workerPid: t.pid, inflight: t.lastBeat?.inflightCount })) },
        'drain time over; killing workers',
      );
      for (const t of table.alive()) table.kill(t, 'drain-timeout');
      await Promise.race([allExited(), sleep(DRAIN_EXIT_MS)]);
    }
    clearInterval(checkTimer);
    clearInterval(sampleTimer);
    if (o.onStop) {
      // What is left of the grace time, and at least half a second: the embedded
      // database's clean stop takes milliseconds when nothing is running in it.
      const leftMs = Math.max(started + s.gracefulTimeoutMs - clock.now(), 500);
      await Promise.race([
        o.onStop().catch((err: unknown) => log.warn({ err }, 'error while stopping shared dependencies')),
        sleep(leftMs),
      ]);
    }
    log.info({ cause, exitCode, durationMs: Math.round(clock.now() - started) }, 'supervisor stopped');
    process.exit(exitCode);
  }

  installSignalHandlers({
    logger: log,
    clock,
    isStopping,
    shutdown: (signal) => void shutdown(signal, 0),
    reload: (signal) => void rolling.reload(signal),
    force(why, details) {
      if (why === 'second-signal') log.warn({ ...details, workerPids: table.pids() }, 'second signal; forcing exit');
      else log.fatal(details, 'supervisor failed; killing workers');
      for (const t of table.alive()) table.kill(t, 'forced');
      process.exit(1);
    },
  });

  log.info(
    {
      workers: s.workers,
      workerTimeoutMs: s.workerTimeoutMs,
      gracefulTimeoutMs: s.gracefulTimeoutMs,
      maxRequests: s.maxRequests,
      maxRequestsJitter: s.maxRequestsJitter,
      heartbeatMs: s.heartbeatMs,
      schedulingPolicy: 'none',
    },
    'supervisor started',
  );
  const checkTimer = setInterval(() => hangs.check(), s.checkEveryMs);
  const sampleTimer = setInterval(() => hangs.samplePastDeadline(), s.recycle.periodMs);
  for (let slot = 0; slot < s.workers; slot++) table.fork(slot, 'start');
}
