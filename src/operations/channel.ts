import cluster from 'node:cluster';

import type { MetricObjectWithValues, MetricValue } from 'prom-client';

import type { BreakerState } from '../resilience/policy.ts';
import type { RecentSnapshot } from './recent.ts';

/**
 * How a worker serving GET /metrics or /ops/data gets its siblings' numbers: it asks the
 * supervisor (primary.ts), which asks every serving worker, waits a bounded time, and
 * answers with what arrived. Messages travel on cluster's IPC channel, tagged apart
 * from the supervisor's own heartbeats and orders.
 */

export const OPS_TAG = 'it360.ops';

// A healthy worker answers in a few ms; a hung one never does. Past 1 s the supervisor
// answers with the workers that did answer, and names the others as unanswered.
export const COLLECT_TIMEOUT_MS = 1000;
// The asking worker waits for the supervisor's collection plus the IPC round trips.
export const GATHER_TIMEOUT_MS = COLLECT_TIMEOUT_MS + 500;

export type Want = 'metrics' | 'ops';
export type MetricJson = MetricObjectWithValues<MetricValue<string>>;

/** What one worker says about itself. */
export interface WorkerReport {
  pid: number;
  uptimeS: number;
  inflight: number;
  rssBytes: number;
  breakers: Record<string, BreakerState>;
  /** Its in-process cache tier. */
  cacheLocal?: { entries: number; bytes: number; maxBytes: number; hitRatio: number };
  /** Its registry, for /metrics. */
  metrics?: MetricJson[];
  /** Its last minutes, for /ops. */
  recent?: RecentSnapshot;
}

/** What the supervisor knows about a worker. */
export interface WorkerInfo {
  workerId: number;
  pid: number;
  slot?: number;
  /** Why it was started: start, replace-dead, replace-hung, reload, … */
  reason?: string;
  /** ms since the epoch. */
  startedAt: number;
  /** Workers started in its slot after the first one. */
  restarts: number;
}

export interface Gathered {
  reports: (WorkerReport & { worker?: WorkerInfo })[];
  /** Serving workers that did not answer in time (hung, or too busy). */
  unanswered: WorkerInfo[];
  /** The supervisor's own metrics (restarts, workers), and the counters of workers that exited. */
  primaryMetrics: MetricJson[];
  restartsByReason: Record<string, number>;
}

export type OpsMessage =
  | { tag: typeof OPS_TAG; type: 'gather'; id: number; want: Want }
  | { tag: typeof OPS_TAG; type: 'collect'; id: number; want: Want }
  | { tag: typeof OPS_TAG; type: 'report'; id: number; report: WorkerReport }
  | { tag: typeof OPS_TAG; type: 'gathered'; id: number; gathered: Gathered };

export function isOpsMessage(m: unknown): m is OpsMessage {
  return typeof m === 'object' && m !== null && (m as { tag?: unknown }).tag === OPS_TAG;
}

/** True in a worker started by the supervisor. */
export function underSupervisor(): boolean {
  return cluster.isWorker && typeof process.send === 'function';
}

function send(m: OpsMessage): boolean {
  try {
    return process.send?.(m) ?? false;
  } catch {
    // The channel is closing: the worker is on its way out.
    return false;
  }
}

let seq = 0;
const waiting = new Map<number, (g: Gathered | undefined) => void>();
let listening = false;

function listen(): void {
  if (listening) return;
  listening = true;
  process.on('message', (m: unknown) => {
    if (!isOpsMessage(m) || m.type !== 'gathered') return;
    waiting.get(m.id)?.(m.gathered);
  });
}

/**
 * Asks the supervisor for every worker's report. Undefined when there is no supervisor,
 * or it did not answer within `timeoutMs` (the caller then serves its own numbers).
 */
export function gather(want: Want, timeoutMs: number): Promise<Gathered | undefined> {
  if (!underSupervisor()) return Promise.resolve(undefined);
  listen();
  const id = ++seq;
  return new Promise((resolve) => {
    const done = (g: Gathered | undefined) => {
      clearTimeout(timer);
      waiting.delete(id);
      resolve(g);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    waiting.set(id, done);
    if (!send({ tag: OPS_TAG, type: 'gather', id, want })) done(undefined);
  });
}

/** Answers the supervisor's requests for this worker's report. Returns the uninstaller. */
export function answerCollects(report: (want: Want) => Promise<WorkerReport>): () => void {
  if (!underSupervisor()) return () => undefined;
  const onMessage = (m: unknown) => {
    if (!isOpsMessage(m) || m.type !== 'collect') return;
    report(m.want).then(
      (r) => send({ tag: OPS_TAG, type: 'report', id: m.id, report: r }),
      () => undefined,
    );
  };
  process.on('message', onMessage);
  return () => process.off('message', onMessage);
}
