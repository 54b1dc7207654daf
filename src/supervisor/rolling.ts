/**
 * Rolling replacement: a serving worker is replaced without dropping a request (the new
 * one serves before the old one drains), one at a time through one queue, for a reload
 * (SIGHUP) or a recycle (max requests, past-deadline growth).
 */
import type { Logger } from 'pino';

import type { RecycleReason } from './hang-watch.ts';
import type { SupervisorSettings } from './settings.ts';
import type { Clock, Tracked, WorkerTable } from './workers.ts';

// A draining worker leaves on its own at its drain deadline; one more second for that
// exit (flushing its logs) before the supervisor kills it.
export const DRAIN_EXIT_MS = 1000;

export interface RollingOptions {
  settings: SupervisorSettings;
  logger: Logger;
  clock: Clock;
  table: WorkerTable;
  isStopping: () => boolean;
}

export interface Rolling {
  recycle(t: Tracked, reason: RecycleReason, facts: Record<string, unknown>): void;
  /** Replaces every serving worker in turn; a reload asked for while one runs follows it. */
  reload(signal: string): Promise<void>;
}

export function createRolling(o: RollingOptions): Rolling {
  const s = o.settings;
  const log = o.logger;
  const { clock, table, isStopping } = o;
  let queue: Promise<unknown> = Promise.resolve();
  let reloading = false;
  let reloadAgain = false;

  async function replace(old: Tracked, reason: 'reload' | RecycleReason): Promise<{ oldPid: number; newPid?: number }> {
    if (isStopping() || old.exited || old.phase !== 'serving') return { oldPid: old.pid };
    old.successorForked = true;
    const fresh = table.fork(old.slot, reason);
    if (!(await fresh.whenReady)) {
      old.successorForked = false;
      log.warn(
        { workerPid: old.pid, reason, error: fresh.lastError?.message },
        'replacement worker failed to boot; the old worker keeps serving',
      );
      if (old.exited && !isStopping()) table.fork(old.slot, 'replace-dead');
      return { oldPid: old.pid };
    }
    if (!old.exited) {
      table.order(old, reason, s.gracefulTimeoutMs);
      const timer = setTimeout(() => table.kill(old, 'drain-timeout'), s.gracefulTimeoutMs + DRAIN_EXIT_MS);
      await old.whenExited;
      clearTimeout(timer);
    }
    return { oldPid: old.pid, newPid: fresh.pid };
  }

  function enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = queue.then(job);
    queue = run.catch(() => undefined);
    return run;
  }

  async function reload(signal: string): Promise<void> {
    if (isStopping()) return;
    if (reloading) {
      reloadAgain = true;
      log.info({ signal }, 'reload already running; another pass follows it');
      return;
    }
    reloading = true;
    const started = clock.now();
    const old = table.alive().filter((t) => t.phase === 'serving');
    log.info({ signal, workerPids: table.pids(old) }, 'reload started');
    const replaced: { oldPid: number; newPid?: number }[] = [];
    for (const t of old) {
      const r = await enqueue(() => replace(t, 'reload'));
      replaced.push(r);
      if (r.newPid === undefined && !isStopping() && !t.exited) break; // a new worker that cannot boot: keep the rest as they are
    }
    const ok = replaced.filter((r) => r.newPid !== undefined).length;
    log[ok === old.length ? 'info' : 'warn'](
      { signal, durationMs: Math.round(clock.now() - started), replaced, workerPids: table.pids() },
      ok === old.length ? 'reload finished' : 'reload incomplete',
    );
    reloading = false;
    if (reloadAgain && !isStopping()) {
      reloadAgain = false;
      await reload(signal);
    }
  }

  return {
    recycle(t, reason, facts) {
      t.recycling = true;
      log.info({ workerId: t.worker.id, workerPid: t.pid, reason, ...facts }, 'worker recycling');
      void enqueue(() => replace(t, reason)).finally(() => {
        t.recycling = false;
      });
    },
    reload,
  };
}
