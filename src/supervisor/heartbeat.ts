import type { CaptureReply, MemorySample, WorkItem } from './protocol.ts';

/**
 * The supervisor's reading of a worker's heartbeats, and the one record that says what a
 * hung worker was doing.
 */

export type Liveness = 'ok' | 'capture' | 'hung';

/** From the time since the last heartbeat: fine, time to ask for a capture, or hung. */
export function liveness(silentMs: number, s: { workerTimeoutMs: number; captureLeadMs: number }): Liveness {
  if (silentMs >= s.workerTimeoutMs) return 'hung';
  if (silentMs >= s.workerTimeoutMs - s.captureLeadMs) return 'capture';
  return 'ok';
}

/**
 * True when a worker's requests past their deadline grew in each of the last
 * `periods` periods, by at least `minPastDeadline` in all: a trend worth a graceful
 * replacement. `growth` holds the increase per period, oldest first.
 */
export function pastDeadlineKeepsGrowing(growth: readonly number[], rule: { periods: number; minPastDeadline: number }): boolean {
  if (growth.length < rule.periods) return false;
  const recent = growth.slice(-rule.periods);
  return recent.every((n) => n > 0) && recent.reduce((a, b) => a + b, 0) >= rule.minPastDeadline;
}

export interface HangFacts {
  workerPid: number;
  workerId: number;
  blockedMs: number;
  timeoutMs: number;
  capture?: CaptureReply;
  /** How long before the record the capture arrived: its ages are moved forward by this. */
  captureAgoMs?: number;
  /** Why there is no capture, when there is none. */
  noCapture?: string;
  lastBeat?: { oldest: WorkItem[]; inflightCount: number; memory: MemorySample };
  proc?: { state: string; meaning: string; rssBytes?: number };
}

// Workers and the supervisor write to the same stdout; a pipe write of at most PIPE_BUF
// (4096 bytes on Linux) is atomic, so a record kept under it is never interleaved with a
// worker's line. Headroom is left for the logger's own fields.
const MAX_RECORD_BYTES = 3600;

/** The fields of the "worker hung" record: pid, blocked time, in-flight work, stack. */
export function hangRecord(f: HangFacts): Record<string, unknown> {
  const live = f.capture?.ok ? f.capture : undefined;
  const rec: Record<string, unknown> = {
    workerPid: f.workerPid,
    workerId: f.workerId,
    blockedMs: Math.round(f.blockedMs),
    timeoutMs: f.timeoutMs,
    processState: f.proc ? `${f.proc.state} (${f.proc.meaning})` : 'unknown',
  };
  // Ages are as of the snapshot, moved forward to the time of this record.
  const aged = (items: WorkItem[], byMs: number) =>
    items.map((w) => ({
      ...w,
      ageMs: Math.round(w.ageMs + byMs),
      call: w.call ? { ...w.call, ageMs: Math.round(w.call.ageMs + byMs) } : undefined,
    }));
  if (live && live.inflightCount >= 0) {
    rec.inflightSource = 'read from the paused main thread';
    rec.inflightCount = live.inflightCount;
    rec.inflight = aged(live.inflight, f.captureAgoMs ?? 0);
  } else if (f.lastBeat) {
    rec.inflightSource = `last heartbeat, ${Math.round(f.blockedMs)} ms before (its ${f.lastBeat.oldest.length} oldest of ${f.lastBeat.inflightCount})`;
    rec.inflightCount = f.lastBeat.inflightCount;
    rec.inflight = aged(f.lastBeat.oldest, f.blockedMs);
  } else {
    rec.inflightSource = 'none: no heartbeat yet';
    rec.inflight = [];
  }
  if (live) {
    rec.stack = live.stack;
    rec.stackPauseMs = live.pauseMs;
  } else {
    rec.stack = null;
    rec.stackUnavailable = f.capture && !f.capture.ok ? f.capture.reason : (f.noCapture ?? 'no capture');
  }
  rec.memory = {
    rssBytes: f.proc?.rssBytes ?? f.lastBeat?.memory.rssBytes,
    heapUsedBytes: f.lastBeat?.memory.heapUsedBytes,
    heapLimitBytes: f.lastBeat?.memory.heapLimitBytes,
  };
  return fit(rec);
}

// Never shortened below these: the oldest few requests, the innermost frames (where the
// loop is stuck and its caller chain up to the route), and frame text long enough for a
// path and a line number.
const MIN_INFLIGHT = 3;
const MIN_FRAMES = 6;
const MAX_FRAME_CHARS = 160;

/** Shortens the lists (never the identifying fields) until the record fits in one atomic write. */
function fit(rec: Record<string, unknown>): Record<string, unknown> {
  const size = () => Buffer.byteLength(JSON.stringify(rec));
  let inflight = rec.inflight as unknown[];
  let stack = rec.stack as string[] | null;
  while (size() > MAX_RECORD_BYTES) {
    if (inflight.length > MIN_INFLIGHT) inflight = inflight.slice(0, Math.max(MIN_INFLIGHT, Math.ceil(inflight.length / 2)));
    else if (stack && stack.length > MIN_FRAMES) stack = stack.slice(0, Math.max(MIN_FRAMES, Math.ceil(stack.length * 0.75)));
    else if (stack && stack.some((l) => l.length > MAX_FRAME_CHARS))
      stack = stack.map((l) => (l.length > MAX_FRAME_CHARS ? `${l.slice(0, MAX_FRAME_CHARS - 3)}...` : l));
    else break;
    rec.inflight = inflight;
    rec.stack = stack;
    rec.truncated = true;
  }
  return rec;
}
