/**
 * Deaths and boot failures: every exit explained and logged; a serving worker that died
 * replaced; a worker that failed to boot retried with backoff, or, when failures the
 * workers caused reach the crash-loop rule (or a worker refused its configuration) and
 * none is serving, the instance stopped.
 */
import type { Logger } from 'pino';

import { BootBackoff, BootFailureWindow, causedByWorker } from './crash-loop.ts';
import { type DeathExplanation, explainDeath, readOomKills } from './deaths.ts';
import type { ErrorInfo } from './protocol.ts';
import type { SupervisorSettings } from './settings.ts';
import type { Clock, Tracked, WorkerTable } from './workers.ts';

export interface ExitsOptions {
  settings: SupervisorSettings;
  logger: Logger;
  clock: Clock;
  table: WorkerTable;
  isStopping: () => boolean;
  /** Stops the instance (a crash loop). */
  shutdown: (cause: string, exitCode: number) => Promise<void>;
}

export interface Exits {
  onExit(t: Tracked, code: number | null, signal: NodeJS.Signals | null): void;
  /** A worker of this slot booted: its next boot failure starts the backoff afresh. */
  booted(slot: number): void;
}

export function createExits(o: ExitsOptions): Exits {
  const s = o.settings;
  const log = o.logger;
  const { clock, table, isStopping } = o;
  const bootFailures = new BootFailureWindow(s.crashLoop);
  const backoff = new BootBackoff();
  let lastBootError: ErrorInfo | undefined;
  let oomKills = readOomKills();

  function onExit(t: Tracked, code: number | null, signal: NodeJS.Signals | null): void {
    t.exited = true;
    table.remove(t);
    const before = oomKills;
    oomKills = readOomKills();
    const beat = t.lastBeat;
    const e = explainDeath({
      code,
      signal,
      sent: t.sent,
      ordered: t.ordered,
      lastError: t.lastError,
      memory: beat ? { ...beat.memory, agoMs: clock.now() - t.lastBeatAt } : undefined,
      oomKills: before !== undefined && oomKills !== undefined ? { before, after: oomKills } : undefined,
    });
    const level = e.cause === 'stopped' ? 'info' : e.sentBySupervisor ? 'warn' : 'error';
    log[level](
      {
        workerId: t.worker.id,
        workerPid: t.pid,
        slot: t.slot,
        code,
        signal,
        cause: e.cause,
        sentBySupervisor: e.sentBySupervisor,
        explanation: e.explanation,
        lastError: t.lastError
          ? { name: t.lastError.name, message: t.lastError.message, code: t.lastError.code, phase: t.lastError.phase }
          : undefined,
        lastMemory: beat ? beat.memory : undefined,
        requests: beat?.requests,
        pastDeadline: beat?.pastDeadline,
        uptimeMs: Math.round(clock.now() - t.forkedAt),
      },
      'worker exited',
    );
    t.markExited();
    if (!t.readyAt) {
      t.markReady(false);
      if (!isStopping()) onBootFailure(t, e);
      return;
    }
    if (isStopping() || t.successorForked || t.phase === 'draining') return;
    table.fork(t.slot, 'replace-dead');
  }

  function onBootFailure(t: Tracked, death: DeathExplanation): void {
    const err = t.lastError ?? { name: 'WorkerExit', message: death.explanation };
    // A replacement for a worker that still serves: the old one keeps serving, nothing
    // is lost, and the rolling replacement reports it.
    if (t.reason === 'reload' || t.reason === 'max-requests' || t.reason === 'past-deadline') return;
    const now = clock.now();
    // Only a failure the worker caused counts towards a crash loop: a worker killed from
    // outside while booting says nothing about whether the next one can start.
    const counted = causedByWorker(death.cause);
    const failures = counted ? bootFailures.record(now) : bootFailures.count(now);
    if (counted) lastBootError = err;
    const serving = table.alive().filter((w) => w.phase === 'serving').length;
    const loop = counted && bootFailures.reached(now);
    // A worker that refused its configuration (exit 78: a bad setting, a bootstrap admin
    // address someone else registered) will refuse it again: with none serving, stop now.
    if (serving === 0 && (loop || death.cause === 'config-error')) {
      crashLoop(failures);
      return;
    }
    const retryInMs = Math.round(backoff.next(t.slot));
    const fields = {
      slot: t.slot,
      cause: death.cause,
      counted,
      bootFailures: failures,
      windowMs: s.crashLoop.windowMs,
      maxBootFailures: s.crashLoop.maxFailures,
      serving,
      retryInMs,
      error: { name: err.name, message: err.message },
    };
    if (loop) log.error(fields, 'a worker keeps failing at boot; the serving workers carry on, and it is retried');
    else log.warn(fields, 'worker failed to boot; retrying');
    setTimeout(() => {
      if (!isStopping()) table.fork(t.slot, 'retry-boot');
    }, retryInMs);
  }

  function crashLoop(failures: number): void {
    const err = lastBootError ?? { name: 'Error', message: 'unknown' };
    const exitCode = 3; // Gunicorn's WORKER_BOOT_ERROR
    const windowS = Math.round(s.crashLoop.windowMs / 1000);
    log.error(
      { bootFailures: failures, windowMs: s.crashLoop.windowMs, error: { name: err.name, message: err.message, code: err.code }, exitCode },
      'workers keep failing at boot; stopping',
    );
    process.stderr.write(
      `it360acad: workers failed to start ${failures} time${failures === 1 ? '' : 's'} within ${windowS} s and none is serving; stopping. Error: ${err.name}: ${err.message}\n`,
    );
    void o.shutdown('crash-loop', exitCode);
  }

  return { onExit, booted: (slot) => backoff.reset(slot) };
}
