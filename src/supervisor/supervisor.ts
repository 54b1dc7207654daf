import cluster, { type Worker } from 'node:cluster';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { BootBackoff, BootFailureWindow, causedByWorker } from './crash-loop.ts';
import { explainDeath, readOomKills, readProcState, type DeathExplanation, type KillReason } from './deaths.ts';
import { hangRecord, liveness, pastDeadlineKeepsGrowing } from './heartbeat.ts';
import { isWorkerMessage, TAG, WATCHDOG_FD, type CaptureReply, type ErrorInfo, type SupervisorMessage, type WorkerMessage } from './protocol.ts';
import { requestLimit, type SupervisorSettings } from './settings.ts';

/**
 * The arbiter: starts the workers, watches their heartbeats, kills and replaces a hung
 * one after saying what it was doing, explains every death, replaces workers gracefully
 * (reload, max requests, past-deadline growth), and stops the instance on SIGTERM/SIGINT.
 * It knows the workers only as processes that beat, report and obey; never the app.
 */

export type StartReason = 'start' | 'replace-dead' | 'replace-hung' | 'retry-boot' | 'reload' | 'max-requests' | 'past-deadline';
type Heartbeat = Extract<WorkerMessage, { type: 'heartbeat' }>;

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
}

interface Tracked {
  worker: Worker;
  pid: number;
  slot: number;
  reason: StartReason;
  forkedAt: number;
  readyAt?: number;
  phase: 'booting' | 'serving' | 'draining';
  beats: number;
  lastBeatAt: number;
  lastBeat?: Heartbeat;
  lastError?: ErrorInfo & { phase: 'boot' | 'run' };
  sent?: { signal: NodeJS.Signals; why: KillReason };
  ordered?: string;
  limit: number;
  capture?: { id: number; reply?: CaptureReply; arrivedAt?: number; arrived?: () => void };
  hangHandled: boolean;
  successorForked: boolean;
  recycling: boolean;
  pastDeadline: { last: number; growth: number[] };
  channel?: Socket;
  exited: boolean;
  whenExited: Promise<void>;
  markExited: () => void;
  whenReady: Promise<boolean>;
  markReady: (ok: boolean) => void;
}

// A wrapper that passes signals on (a process manager, some npm and shell setups) can
// deliver one Ctrl-C twice: once from the terminal to the whole process group, once
// forwarded. The same signal again within this window is that echo, not an operator
// asking to force the exit; a person pressing Ctrl-C twice takes longer.
const DUPLICATE_SIGNAL_MS = 1000;
// A draining worker leaves on its own at its drain deadline; one more second for that
// exit (flushing its logs) before the supervisor kills it.
const DRAIN_EXIT_MS = 1000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export function runSupervisor(o: SupervisorOptions): void {
  const s = o.settings;
  const log = o.logger;
  const workers = new Map<number, Tracked>();
  let stopping = false;
  let everReady = false;
  const bootFailures = new BootFailureWindow(s.crashLoop);
  const backoff = new BootBackoff();
  let lastBootError: ErrorInfo | undefined;
  let captureSeq = 0;
  let oomKills = readOomKills();
  let queue: Promise<unknown> = Promise.resolve();
  let reloading = false;
  let reloadAgain = false;

  // SCHED_NONE: the workers share the listening socket and the kernel hands a new
  // connection to whichever worker calls accept(). A worker whose loop is blocked does not
  // accept, so no new connection waits on it. Round-robin (Node's default on Linux) would
  // keep handing connections to a frozen worker until it is killed. The price is a less
  // even spread of connections across workers.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({
    exec: o.exec,
    execArgv: o.execArgv,
    // fd 3 is cluster's IPC channel (heartbeats, orders); fd 4 is the watchdog pipe.
    stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
  });

  const alive = () => [...workers.values()];
  const pids = (list = alive()) => list.map((t) => t.pid);

  function fork(slot: number, reason: StartReason): Tracked {
    const worker = cluster.fork(o.env);
    let markExited!: () => void;
    let markReady!: (ok: boolean) => void;
    const now = performance.now();
    const t: Tracked = {
      worker,
      pid: worker.process.pid ?? -1,
      slot,
      reason,
      forkedAt: now,
      phase: 'booting',
      beats: 0,
      lastBeatAt: now,
      limit: requestLimit(s.maxRequests, s.maxRequestsJitter),
      hangHandled: false,
      successorForked: false,
      recycling: false,
      pastDeadline: { last: 0, growth: [] },
      exited: false,
      whenExited: new Promise<void>((resolve) => (markExited = resolve)),
      markExited: () => markExited(),
      whenReady: new Promise<boolean>((resolve) => (markReady = resolve)),
      markReady: (ok) => markReady(ok),
    };
    workers.set(worker.id, t);
    const channel = worker.process.stdio[WATCHDOG_FD] as Socket | null | undefined;
    if (channel) {
      t.channel = channel;
      channel.setEncoding('utf8');
      channel.on('error', () => undefined);
      let buffered = '';
      channel.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          try {
            const reply = JSON.parse(line) as CaptureReply;
            if (t.capture && reply.id === t.capture.id) {
              t.capture.reply = reply;
              t.capture.arrivedAt = performance.now();
              t.capture.arrived?.();
            }
          } catch {
            // Not a reply: ignore.
          }
        }
      });
    }
    worker.on('message', (m: unknown) => {
      if (isWorkerMessage(m)) onMessage(t, m);
    });
    worker.on('exit', (code: number | null, signal: NodeJS.Signals | null) => onExit(t, code, signal));
    worker.on('error', (err) => log.warn({ workerId: worker.id, workerPid: t.pid, err }, 'worker channel error'));
    log.info({ workerId: worker.id, workerPid: t.pid, slot, reason }, 'worker started');
    o.onWorkerStarted?.({ workerId: worker.id, pid: t.pid, slot, reason });
    return t;
  }

  function kill(t: Tracked, why: KillReason): void {
    if (t.exited) return;
    t.sent = { signal: 'SIGKILL', why };
    try {
      t.worker.process.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }

  function order(t: Tracked, reason: string, drainMs: number): void {
    t.phase = 'draining';
    t.ordered = reason;
    const m: SupervisorMessage = { tag: TAG, type: 'shutdown', drainMs: Math.max(0, Math.round(drainMs)), reason };
    try {
      t.worker.send(m);
    } catch {
      // Its channel is closed: it is exiting already.
    }
  }

  function onMessage(t: Tracked, m: WorkerMessage): void {
    switch (m.type) {
      case 'heartbeat': {
        t.beats++;
        t.lastBeatAt = performance.now();
        t.lastBeat = m;
        // A late beat: the worker recovered before the deadline, the capture is moot.
        if (!t.hangHandled) t.capture = undefined;
        if (t.phase === 'serving' && !stopping && !t.recycling && m.requests >= t.limit) {
          recycle(t, 'max-requests', { requests: m.requests, limit: t.limit });
        }
        return;
      }
      case 'ready': {
        t.readyAt = performance.now();
        if (t.phase === 'booting') t.phase = 'serving';
        backoff.reset(t.slot);
        log.info({ workerId: t.worker.id, workerPid: t.pid, slot: t.slot, reason: t.reason, bootMs: Math.round(t.readyAt - t.forkedAt), address: m.info.address }, 'worker ready');
        if (!everReady) {
          everReady = true;
          o.onFirstReady?.(m.info);
        }
        t.markReady(true);
        if (stopping) order(t, 'shutdown', 0);
        return;
      }
      case 'error':
        t.lastError = { ...m.error, phase: m.phase };
        return;
    }
  }

  function onExit(t: Tracked, code: number | null, signal: NodeJS.Signals | null): void {
    t.exited = true;
    workers.delete(t.worker.id);
    const before = oomKills;
    oomKills = readOomKills();
    const beat = t.lastBeat;
    const e = explainDeath({
      code,
      signal,
      sent: t.sent,
      ordered: t.ordered,
      lastError: t.lastError,
      memory: beat ? { ...beat.memory, agoMs: performance.now() - t.lastBeatAt } : undefined,
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
        lastError: t.lastError ? { name: t.lastError.name, message: t.lastError.message, code: t.lastError.code, phase: t.lastError.phase } : undefined,
        lastMemory: beat ? beat.memory : undefined,
        requests: beat?.requests,
        pastDeadline: beat?.pastDeadline,
        uptimeMs: Math.round(performance.now() - t.forkedAt),
      },
      'worker exited',
    );
    t.markExited();
    if (!t.readyAt) {
      t.markReady(false);
      if (!stopping) onBootFailure(t, e);
      return;
    }
    if (stopping || t.successorForked || t.phase === 'draining') return;
    fork(t.slot, 'replace-dead');
  }

  function onBootFailure(t: Tracked, death: DeathExplanation): void {
    const err = t.lastError ?? { name: 'WorkerExit', message: death.explanation };
    // A replacement for a worker that still serves: the old one keeps serving, nothing
    // is lost, and replace() reports it.
    if (t.reason === 'reload' || t.reason === 'max-requests' || t.reason === 'past-deadline') return;
    const now = performance.now();
    // Only a failure the worker caused counts towards a crash loop: a worker killed from
    // outside while booting says nothing about whether the next one can start.
    const counted = causedByWorker(death.cause);
    const failures = counted ? bootFailures.record(now) : bootFailures.count(now);
    if (counted) lastBootError = err;
    const serving = alive().filter((w) => w.phase === 'serving').length;
    const loop = counted && bootFailures.reached(now);
    // A worker that refused its configuration (exit 78: a bad setting, a bootstrap admin
    // address someone else registered) will refuse it again: with none serving, stop now.
    if (serving === 0 && (loop || death.cause === 'config-error')) {
      crashLoop(failures);
      return;
    }
    const retryInMs = Math.round(backoff.next(t.slot));
    const fields = { slot: t.slot, cause: death.cause, counted, bootFailures: failures, windowMs: s.crashLoop.windowMs, maxBootFailures: s.crashLoop.maxFailures, serving, retryInMs, error: { name: err.name, message: err.message } };
    if (loop) log.error(fields, 'a worker keeps failing at boot; the serving workers carry on, and it is retried');
    else log.warn(fields, 'worker failed to boot; retrying');
    setTimeout(() => {
      if (!stopping) fork(t.slot, 'retry-boot');
    }, retryInMs);
  }

  function crashLoop(failures: number): void {
    const err = lastBootError ?? { name: 'Error', message: 'unknown' };
    const exitCode = 3; // Gunicorn's WORKER_BOOT_ERROR
    const windowS = Math.round(s.crashLoop.windowMs / 1000);
    log.error({ bootFailures: failures, windowMs: s.crashLoop.windowMs, error: { name: err.name, message: err.message, code: err.code }, exitCode }, 'workers keep failing at boot; stopping');
    process.stderr.write(`it360acad: workers failed to start ${failures} time${failures === 1 ? '' : 's'} within ${windowS} s and none is serving; stopping. Error: ${err.name}: ${err.message}\n`);
    void shutdown('crash-loop', exitCode);
  }

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
    const blockedMs = performance.now() - t.lastBeatAt;
    const proc = readProcState(t.pid);
    const noCapture =
      stopped(proc?.state)
        ? 'the process is stopped: a stopped process runs no code, so neither its stack nor its live in-flight list can be read'
        : t.channel
          ? `the watchdog thread did not answer within ${s.captureLeadMs + s.captureGraceMs} ms`
          : 'no watchdog pipe to this worker';
    const replace = !stopping && t.phase === 'serving';
    const captureAgoMs = pending?.arrivedAt === undefined ? 0 : performance.now() - pending.arrivedAt;
    const rec = hangRecord({ workerPid: t.pid, workerId: t.worker.id, blockedMs, timeoutMs: hangTimeout(t), capture: pending?.reply, captureAgoMs, noCapture, lastBeat: t.lastBeat, proc });
    log.error({ ...rec, phase: t.phase, action: replace ? 'SIGKILL, replaced' : 'SIGKILL' }, 'worker hung');
    kill(t, 'hung');
    if (replace) {
      t.successorForked = true;
      fork(t.slot, 'replace-hung');
    }
  }

  /** Replaces a serving worker without dropping a request: the new one serves before the old one drains. */
  async function replace(old: Tracked, reason: 'reload' | 'max-requests' | 'past-deadline'): Promise<{ oldPid: number; newPid?: number }> {
    if (stopping || old.exited || old.phase !== 'serving') return { oldPid: old.pid };
    old.successorForked = true;
    const fresh = fork(old.slot, reason);
    if (!(await fresh.whenReady)) {
      old.successorForked = false;
      log.warn({ workerPid: old.pid, reason, error: fresh.lastError?.message }, 'replacement worker failed to boot; the old worker keeps serving');
      if (old.exited && !stopping) fork(old.slot, 'replace-dead');
      return { oldPid: old.pid };
    }
    if (!old.exited) {
      order(old, reason, s.gracefulTimeoutMs);
      const timer = setTimeout(() => kill(old, 'drain-timeout'), s.gracefulTimeoutMs + DRAIN_EXIT_MS);
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

  function recycle(t: Tracked, reason: 'max-requests' | 'past-deadline', facts: Record<string, unknown>): void {
    t.recycling = true;
    log.info({ workerId: t.worker.id, workerPid: t.pid, reason, ...facts }, 'worker recycling');
    void enqueue(() => replace(t, reason)).finally(() => {
      t.recycling = false;
    });
  }

  async function reload(signal: string): Promise<void> {
    if (stopping) return;
    if (reloading) {
      reloadAgain = true;
      log.info({ signal }, 'reload already running; another pass follows it');
      return;
    }
    reloading = true;
    const started = performance.now();
    const old = alive().filter((t) => t.phase === 'serving');
    log.info({ signal, workerPids: pids(old) }, 'reload started');
    const replaced: { oldPid: number; newPid?: number }[] = [];
    for (const t of old) {
      const r = await enqueue(() => replace(t, 'reload'));
      replaced.push(r);
      if (r.newPid === undefined && !stopping && !t.exited) break; // a new worker that cannot boot: keep the rest as they are
    }
    const ok = replaced.filter((r) => r.newPid !== undefined).length;
    log[ok === old.length ? 'info' : 'warn']({ signal, durationMs: Math.round(performance.now() - started), replaced, workerPids: pids() }, ok === old.length ? 'reload finished' : 'reload incomplete');
    reloading = false;
    if (reloadAgain && !stopping) {
      reloadAgain = false;
      await reload(signal);
    }
  }

  const hangTimeout = (t: Tracked) => (t.readyAt === undefined ? s.bootHangTimeoutMs : s.workerTimeoutMs);

  function check(): void {
    const now = performance.now();
    for (const t of alive()) {
      if (t.hangHandled || t.exited) continue;
      if (!t.readyAt && now - t.forkedAt > s.bootTimeoutMs) {
        log.error({ workerId: t.worker.id, workerPid: t.pid, bootTimeoutMs: s.bootTimeoutMs }, 'worker did not become ready in time');
        t.hangHandled = true;
        kill(t, 'boot-timeout');
        continue;
      }
      // Until its first beat a worker is loading code; the boot timeout covers that.
      if (t.beats === 0) continue;
      const state = liveness(now - t.lastBeatAt, { workerTimeoutMs: hangTimeout(t), captureLeadMs: s.captureLeadMs });
      if (state === 'ok') continue;
      if (!t.capture) requestCapture(t);
      if (state === 'hung') void onHung(t);
    }
  }

  function samplePastDeadline(): void {
    const r = s.recycle;
    for (const t of alive()) {
      if (t.phase !== 'serving' || !t.lastBeat || t.recycling || stopping) continue;
      const total = t.lastBeat.pastDeadline;
      t.pastDeadline.growth.push(total - t.pastDeadline.last);
      t.pastDeadline.last = total;
      if (t.pastDeadline.growth.length > r.periods) t.pastDeadline.growth.shift();
      if (pastDeadlineKeepsGrowing(t.pastDeadline.growth, r)) {
        recycle(t, 'past-deadline', { pastDeadline: total, growthPerPeriod: [...t.pastDeadline.growth], periodMs: r.periodMs });
        t.pastDeadline.growth = [];
      }
    }
  }

  async function shutdown(cause: string, exitCode: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    const started = performance.now();
    const deadline = started + s.gracefulTimeoutMs - s.exitReserveMs;
    log.info({ cause, workerPids: pids(), gracefulTimeoutMs: s.gracefulTimeoutMs }, 'shutting down');
    // Each worker leaves on its own a little before the deadline; the supervisor kills
    // whatever is left at the deadline.
    const drainMs = Math.max(0, deadline - performance.now() - Math.min(DRAIN_EXIT_MS, s.gracefulTimeoutMs / 10));
    for (const t of alive()) order(t, cause, drainMs);
    const allExited = () => Promise.all(alive().map((t) => t.whenExited));
    await Promise.race([allExited(), sleep(deadline - performance.now())]);
    if (alive().length > 0) {
      log.warn({ workerPids: pids(), inflight: alive().map((t) => ({ workerPid: t.pid, inflight: t.lastBeat?.inflightCount })) }, 'drain time over; killing workers');
      for (const t of alive()) kill(t, 'drain-timeout');
      await Promise.race([allExited(), sleep(DRAIN_EXIT_MS)]);
    }
    clearInterval(checkTimer);
    clearInterval(sampleTimer);
    if (o.onStop) {
      // What is left of the grace time, and at least half a second: the embedded
      // database's clean stop takes milliseconds when nothing is running in it.
      const leftMs = Math.max(started + s.gracefulTimeoutMs - performance.now(), 500);
      await Promise.race([o.onStop().catch((err: unknown) => log.warn({ err }, 'error while stopping shared dependencies')), sleep(leftMs)]);
    }
    log.info({ cause, exitCode, durationMs: Math.round(performance.now() - started) }, 'supervisor stopped');
    process.exit(exitCode);
  }

  let firstSignal: { signal: NodeJS.Signals; at: number } | undefined;
  const onStopSignal = (signal: NodeJS.Signals) => {
    const now = performance.now();
    if (!stopping) {
      firstSignal = { signal, at: now };
      void shutdown(signal, 0);
      return;
    }
    if (firstSignal && firstSignal.signal === signal && now - firstSignal.at < DUPLICATE_SIGNAL_MS) {
      log.info({ signal, afterMs: Math.round(now - firstSignal.at) }, 'same signal again at once; taken as an echo of the first, not as a second signal');
      return;
    }
    log.warn({ signal, workerPids: pids() }, 'second signal; forcing exit');
    for (const t of alive()) kill(t, 'forced');
    process.exit(1);
  };
  process.on('SIGTERM', onStopSignal);
  process.on('SIGINT', onStopSignal);
  process.on('SIGHUP', () => void reload('SIGHUP'));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'supervisor failed; killing workers');
    for (const t of alive()) kill(t, 'forced');
    process.exit(1);
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
  const checkTimer = setInterval(check, s.checkEveryMs);
  const sampleTimer = setInterval(samplePastDeadline, s.recycle.periodMs);
  for (let slot = 0; slot < s.workers; slot++) fork(slot, 'start');
}
