/**
 * What the supervisor and its workers say to each other. Two channels:
 *
 * - the cluster IPC channel, owned by the worker's main thread: heartbeats, "ready",
 *   errors, and the supervisor's orders. A heartbeat is only sent when the main
 *   thread's event loop turns, which is the point: its absence is the hang signal.
 * - a pipe on fd 4, owned by the worker's watchdog thread, which has an event loop of
 *   its own and so still answers while the main thread is blocked: the supervisor asks
 *   it for a capture (stack and in-flight work) when heartbeats stop.
 */

/** File descriptor of the watchdog pipe in a worker (stdio index 4, after the IPC channel on 3). */
export const WATCHDOG_FD = 4;

/** Tags our IPC messages, so they are never confused with cluster's own or a library's. */
export const TAG = 'it360.supervisor';

/** One piece of work a worker has in flight. */
export interface WorkItem {
  method: string;
  route: string;
  requestId: string;
  ageMs: number;
  /** The dependency call it is waiting on right now, if any. */
  call?: { dependency: string; op: string; ageMs: number };
}

export interface MemorySample {
  rssBytes: number;
  heapUsedBytes: number;
  /** V8's heap size limit: how close heapUsed came to it is the evidence for a heap OOM. */
  heapLimitBytes: number;
  externalBytes: number;
}

export interface ErrorInfo {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export type WorkerMessage =
  | {
      tag: typeof TAG;
      type: 'heartbeat';
      memory: MemorySample;
      /** Requests finished since the worker started (health probes excluded). */
      requests: number;
      /** Requests that passed their deadline since the worker started. */
      pastDeadline: number;
      inflightCount: number;
      /** The oldest in-flight requests, kept in case the worker freezes before it can be asked. */
      oldest: WorkItem[];
    }
  | { tag: typeof TAG; type: 'ready'; info: Record<string, string> }
  | { tag: typeof TAG; type: 'error'; phase: 'boot' | 'run'; error: ErrorInfo };

export type SupervisorMessage = { tag: typeof TAG; type: 'shutdown'; drainMs: number; reason: string };

export interface CaptureRequest {
  type: 'capture';
  id: number;
  /** How long the watchdog may wait for the main thread to pause. */
  timeoutMs: number;
}

export type CaptureReply =
  | {
      type: 'capture';
      id: number;
      ok: true;
      /** Source-mapped frames of the main thread, innermost first, read while it was paused. */
      stack: string[];
      inflight: WorkItem[];
      inflightCount: number;
      /** Time from the request to the main thread being paused. */
      pauseMs: number;
    }
  | { type: 'capture'; id: number; ok: false; reason: string };

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  return typeof m === 'object' && m !== null && (m as { tag?: unknown }).tag === TAG;
}

export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, code: typeof code === 'string' ? code : undefined, stack: err.stack };
  }
  return { name: 'NonError', message: String(err) };
}
