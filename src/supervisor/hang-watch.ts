/**
 * Heartbeats: each beat is recorded; a worker whose beats stop is asked for a capture
 * (its stack and in-flight requests, read by its watchdog thread) and then killed and
 * replaced with a record of what it was doing; a worker past its request limit, or whose
 * past-deadline requests keep growing, is recycled.
 */
import type { Logger } from 'pino';

import { readProcState } from './deaths.ts';
import { hangRecord, liveness, pastDeadlineKeepsGrowing } from './heartbeat.ts';
import type { SupervisorSettings } from './settings.ts';
import type { Clock, Heartbeat, Tracked, WorkerTable } from './workers.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export type RecycleReason = 'max-requests' | 'past-deadline';

export interface HangWatchOptions {
  settings: SupervisorSettings;
  logger: Logger;
  clock: Clock;
  table: WorkerTable;
  isStopping: () => boolean;
  recycle: (t: Tracked, reason: RecycleReason, facts: Record<string, unknown>) => void;
}

export interface HangWatch {
  /** A heartbeat arrived. */
  beat(t: Tracked, m: Heartbeat): void;
  /** Every checkEveryMs: boot timeouts, silent workers (capture, then kill). */
  check(): void;
  /** Every recycle.periodMs: past-deadline growth per worker. */
  samplePastDeadline(): void;
}

export function createHangWatch(o: HangWatchOptions): HangWatch {
  const s = o.settings;
  const log = o.logger;
  const { clock, table } = o;
  let captureSeq = 0;

  const hangTimeout = (t: Tracked) => (t.readyAt === undefined ? s.bootHangTimeoutMs : s.workerTimeoutMs);

  function requestCapture(t: Tracked): void {
    const id = ++captureSeq;
    t.capture = { id };
    // The watchdog gives up on the pause 100 ms (an IPC round trip, with room to spare)
    // before the supervisor stops waiting, so its "did not pause" answer arrives in time.
    const timeoutMs = Math.max(100, s.captureLeadMs + s.captureGraceMs - 100);
    t.channel?.write(`${JSON.stringify({ type: 'capture', id, timeoutMs })}\n`);
  }

  async function onHung(t: Tracked): Promise<void> {
    t.hangHandled = true;
    const pending = t.capture;
    const stopped = (state?: string) => state === 'T' || state === 't';
    // A stopped process will not answer: waiting for its capture would only delay the kill.
    if (pending && !pending.reply && !stopped(readProcState(t.pid)?.state)) {
      await Promise.race([new Promise<void>((resolve) => (pending.arrived = resolve)), sleep(s.captureGraceMs)]);
    }
    if (t.exited) return;
    const blockedMs = clock.now() - t.lastBeatAt;
    const proc = readProcState(t.pid);
    const noCapture = stopped(proc?.state)
      ? 'the process is stopped: a stopped process runs no code, so neither its stack nor its live in-flight list can be read'
      : t.channel
        ? `the watchdog thread did not answer within ${s.captureLeadMs + s.captureGraceMs} ms`
        : 'no watchdog pipe to this worker';
    const replace = !o.isStopping() && t.phase === 'serving';
    const captureAgoMs = pending?.arrivedAt === undefined ? 0 : clock.now() - pending.arrivedAt;
    const rec = hangRecord({
      workerPid: t.pid,
      workerId: t.worker.id,
      blockedMs,
      timeoutMs: hangTimeout(t),
      capture: pending?.reply,
      captureAgoMs,
      noCapture,
      lastBeat: t.lastBeat,
      proc,
    });
    log.error({ ...rec, phase: t.phase, action: replace ? 'SIGKILL, replaced' : 'SIGKILL' }, 'worker hung');
    table.kill(t, 'hung');
    if (replace) {
      t.successorForked = true;
      table.fork(t.slot, 'replace-hung');
    }
  }

  return {
    beat(t, m) {
      t.beats++;
      t.lastBeatAt = clock.now();
      t.lastBeat = m;
      // A late beat: the worker recovered before the deadline, the capture is moot.
      if (!t.hangHandled) t.capture = undefined;
      if (t.phase === 'serving' && !o.isStopping() && !t.recycling && m.requests >= t.limit) {
        o.recycle(t, 'max-requests', { requests: m.requests, limit: t.limit });
      }
    },

    check() {
      const now = clock.now();
      for (const t of table.alive()) {
        if (t.hangHandled || t.exited) continue;
        if (!t.readyAt && now - t.forkedAt > s.bootTimeoutMs) {
          log.error({ workerId: t.worker.id, workerPid: t.pid, bootTimeoutMs: s.bootTimeoutMs }, 'worker did not become ready in time');
          t.hangHandled = true;
          table.kill(t, 'boot-timeout');
          continue;
        }
        // Until its first beat a worker is loading code; the boot timeout covers that.
        if (t.beats === 0) continue;
        const state = liveness(now - t.lastBeatAt, { workerTimeoutMs: hangTimeout(t), captureLeadMs: s.captureLeadMs });
        if (state === 'ok') continue;
        if (!t.capture) requestCapture(t);
        if (state === 'hung') void onHung(t);
      }
    },

    samplePastDeadline() {
      const r = s.recycle;
      for (const t of table.alive()) {
        if (t.phase !== 'serving' || !t.lastBeat || t.recycling || o.isStopping()) continue;
        const total = t.lastBeat.pastDeadline;
        t.pastDeadline.growth.push(total - t.pastDeadline.last);
        t.pastDeadline.last = total;
        if (t.pastDeadline.growth.length > r.periods) t.pastDeadline.growth.shift();
        if (pastDeadlineKeepsGrowing(t.pastDeadline.growth, r)) {
          o.recycle(t, 'past-deadline', { pastDeadline: total, growthPerPeriod: [...t.pastDeadline.growth], periodMs: r.periodMs });
          t.pastDeadline.growth = [];
        }
      }
    },
  };
}
