/**
 * The worker table: the workers the supervisor forked, by cluster id, with what it knows
 * of each (slot, phase, beats, the last error, what it sent it), and the three things it
 * does to one: fork, order to drain, kill.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Socket } from 'node:net';

import type { Logger } from 'pino';

import type { KillReason } from './deaths.ts';
import {
  type CaptureReply,
  type ErrorInfo,
  isWorkerMessage,
  type SupervisorMessage,
  TAG,
  WATCHDOG_FD,
  type WorkerMessage,
} from './protocol.ts';
import { requestLimit, type SupervisorSettings } from './settings.ts';

export type StartReason = 'start' | 'replace-dead' | 'replace-hung' | 'retry-boot' | 'reload' | 'max-requests' | 'past-deadline';
export type Heartbeat = Extract<WorkerMessage, { type: 'heartbeat' }>;

/** Monotonic milliseconds: what decides timeouts, ages and crash-loop windows. */
export interface Clock {
  now(): number;
}

export interface Tracked {
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

export interface WorkerTableOptions {
  exec: string;
  execArgv: string[];
  env: Record<string, string>;
  settings: SupervisorSettings;
  logger: Logger;
  clock: Clock;
  onMessage: (t: Tracked, m: WorkerMessage) => void;
  onExit: (t: Tracked, code: number | null, signal: NodeJS.Signals | null) => void;
  onWorkerStarted?: (w: { workerId: number; pid: number; slot: number; reason: StartReason }) => void;
}

export interface WorkerTable {
  fork(slot: number, reason: StartReason): Tracked;
  /** SIGKILL, remembering why (the death is then explained as the supervisor's doing). */
  kill(t: Tracked, why: KillReason): void;
  /** Tells a worker to drain within `drainMs` and leave. */
  order(t: Tracked, reason: string, drainMs: number): void;
  /** Takes an exited worker out of the table. */
  remove(t: Tracked): void;
  alive(): Tracked[];
  pids(list?: Tracked[]): number[];
}

export function createWorkerTable(o: WorkerTableOptions): WorkerTable {
  const s = o.settings;
  const log = o.logger;
  const workers = new Map<number, Tracked>();

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
    // stdout and stderr are the supervisor's own: a worker's lines go straight to them,
    // and a worker decides its log format on the same terminal (src/log-format.ts).
    stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
  });

  const alive = () => [...workers.values()];

  function fork(slot: number, reason: StartReason): Tracked {
    const worker = cluster.fork(o.env);
    let markExited!: () => void;
    let markReady!: (ok: boolean) => void;
    const now = o.clock.now();
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
    if (channel) listenForCaptures(t, channel, o.clock);
    worker.on('message', (m: unknown) => {
      if (isWorkerMessage(m)) o.onMessage(t, m);
    });
    worker.on('exit', (code: number | null, signal: NodeJS.Signals | null) => o.onExit(t, code, signal));
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

  return {
    fork,
    kill,
    order,
    remove: (t) => {
      workers.delete(t.worker.id);
    },
    alive,
    pids: (list = alive()) => list.map((t) => t.pid),
  };
}

/** The watchdog pipe: newline-delimited capture replies, matched to the pending capture. */
function listenForCaptures(t: Tracked, channel: Socket, clock: Clock): void {
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
          t.capture.arrivedAt = clock.now();
          t.capture.arrived?.();
        }
      } catch {
        // Not a reply: ignore.
      }
    }
  });
}
