import type { Dependency } from '../errors/index.ts';
import type { CallOutcome, DependencyCallEvent, SlowCallEvent } from '../resilience/policy.ts';

/**
 * The last few minutes of one process, for /ops: per dependency, calls in 10-second
 * buckets with a latency histogram (so percentiles survive merging across workers);
 * the slowest requests; the requests that timed out, with the dependency they waited
 * on. Everything is bounded by count and by age, whatever the traffic.
 */

export const DEPENDENCIES: readonly Dependency[] = ['database', 'cache', 'paystack', 'mail'];
// "The last minutes": five is what an operator looks back over during an incident,
// and short enough that a recovered dependency turns green again soon after.
export const WINDOW_MS = 5 * 60_000;
// Chart resolution: 30 points over the window, one every 10 s.
export const BUCKET_MS = 10_000;
// Slowest requests are kept per minute, so one slow burst cannot hide the others.
const SLOW_BUCKET_MS = 60_000;
const SLOWEST_PER_BUCKET = 10;
// Timed-out requests kept per process: more than a screen, few enough to ship every refresh.
const TIMED_OUT_KEPT = 50;
// Requests whose dependency calls are being attributed; in-flight requests are capped far
// below this (MAX_INFLIGHT_REQUESTS), the rest are fire-and-forget calls after a reply.
const ATTRIBUTION_KEPT = 5000;

/** Upper bounds (ms) of the latency histogram's buckets; the last bucket is open-ended. */
export const LATENCY_BOUNDS_MS = [
  1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10_000, 15_000, 30_000,
];

export interface BucketSnapshot {
  /** Start of the bucket, ms since the epoch (wall clock, so workers' buckets line up). */
  start: number;
  calls: number;
  errors: number;
  timeouts: number;
  rejected: number;
  /** Calls noticed still waiting past their slow threshold (counted when noticed, not when they end). */
  slow: number;
  maxMs: number;
  /** Calls per latency bucket, LATENCY_BOUNDS_MS.length + 1 entries. */
  hist: number[];
}

/** The dependency call a request spent the longest on, or the one that failed it. */
export interface WaitedOn {
  dependency: string;
  /** Empty when only the request's verdict named the dependency (its call had not reported). */
  op: string;
  outcome: CallOutcome;
  elapsedMs: number;
}

export interface RequestRecord {
  /** When it finished, ms since the epoch. */
  at: number;
  pid: number;
  method: string;
  route: string;
  statusCode: number;
  durationMs: number;
  requestId: string;
  /** The problem code it was answered with (deadline_exceeded, dependency_unavailable, …). */
  code?: string;
  /** Answered 503 deadline_exceeded, or cut off by the deadline timer. */
  pastDeadline: boolean;
  waitedOn?: WaitedOn;
}

export interface RecentSnapshot {
  pid: number;
  at: number;
  dependencies: Record<string, BucketSnapshot[]>;
  slowest: RequestRecord[];
  timedOut: RequestRecord[];
}

export interface FinishedRequest {
  method: string;
  route: string;
  statusCode: number;
  durationMs: number;
  requestId: string;
  timedOut: boolean;
  code?: string;
  dependency?: string;
}

const emptyBucket = (start: number): BucketSnapshot => ({
  start,
  calls: 0,
  errors: 0,
  timeouts: 0,
  rejected: 0,
  slow: 0,
  maxMs: 0,
  hist: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0),
});

function histIndex(ms: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (ms <= LATENCY_BOUNDS_MS[i]) return i;
  return LATENCY_BOUNDS_MS.length;
}

// A failed call explains a slow request better than a fast successful one.
const SEVERITY: Record<CallOutcome, number> = { timeout: 3, error: 2, rejected: 1, ok: 0 };

function worse(a: WaitedOn | undefined, b: WaitedOn): WaitedOn {
  if (!a) return b;
  if (SEVERITY[b.outcome] !== SEVERITY[a.outcome]) return SEVERITY[b.outcome] > SEVERITY[a.outcome] ? b : a;
  return b.elapsedMs > a.elapsedMs ? b : a;
}

export interface RecentWindow {
  recordCall(e: DependencyCallEvent): void;
  recordSlowCall(e: SlowCallEvent): void;
  recordRequest(r: FinishedRequest): void;
  /** Share of failed calls (error, timeout, rejected) over the last `ms`; undefined below `minCalls`. */
  failureRatio(dependency: Dependency, ms: number, minCalls: number): number | undefined;
  snapshot(): RecentSnapshot;
}

export function createRecentWindow(now: () => number = Date.now): RecentWindow {
  const deps = new Map<string, Map<number, BucketSnapshot>>();
  const slow = new Map<number, RequestRecord[]>();
  let timedOut: RequestRecord[] = [];
  const attribution = new Map<string, WaitedOn>();

  function prune(t: number): void {
    const oldest = t - WINDOW_MS;
    for (const buckets of deps.values()) for (const start of buckets.keys()) if (start + BUCKET_MS <= oldest) buckets.delete(start);
    for (const start of slow.keys()) if (start + SLOW_BUCKET_MS <= oldest) slow.delete(start);
    if (timedOut.length > 0 && timedOut[0].at < oldest) timedOut = timedOut.filter((r) => r.at >= oldest);
  }

  function bucketOf(dependency: string): BucketSnapshot {
    const t = now();
    const start = t - (t % BUCKET_MS);
    let buckets = deps.get(dependency);
    if (!buckets) deps.set(dependency, (buckets = new Map<number, BucketSnapshot>()));
    let b = buckets.get(start);
    if (!b) {
      prune(t);
      buckets.set(start, (b = emptyBucket(start)));
    }
    return b;
  }

  return {
    recordSlowCall(e) {
      bucketOf(e.dependency).slow++;
    },

    recordCall(e) {
      const b = bucketOf(e.dependency);
      b.calls++;
      if (e.outcome === 'error') b.errors++;
      else if (e.outcome === 'timeout') b.timeouts++;
      else if (e.outcome === 'rejected') b.rejected++;
      b.maxMs = Math.max(b.maxMs, e.elapsedMs);
      b.hist[histIndex(e.elapsedMs)]++;
      if (e.requestId) {
        const prev = attribution.get(e.requestId);
        attribution.delete(e.requestId);
        attribution.set(e.requestId, worse(prev, { dependency: e.dependency, op: e.op, outcome: e.outcome, elapsedMs: e.elapsedMs }));
        if (attribution.size > ATTRIBUTION_KEPT) attribution.delete(attribution.keys().next().value!);
      }
    },

    recordRequest(r) {
      const t = now();
      let waitedOn = attribution.get(r.requestId);
      if (waitedOn) attribution.delete(r.requestId);
      // The request's own verdict names the culprit when the calls did not (the deadline
      // timer fired while a call was still running and had not reported yet).
      if (r.dependency && waitedOn?.dependency !== r.dependency) {
        waitedOn = { dependency: r.dependency, op: '', outcome: r.timedOut ? 'timeout' : 'error', elapsedMs: r.durationMs };
      }
      prune(t);
      const keepTimedOut = r.timedOut || waitedOn?.outcome === 'timeout';
      const start = t - (t % SLOW_BUCKET_MS);
      const list = slow.get(start);
      const keepSlow = !list || list.length < SLOWEST_PER_BUCKET || r.durationMs > list[list.length - 1].durationMs;
      // Most requests are neither: no record is made for them.
      if (!keepTimedOut && !keepSlow) return;
      const rec: RequestRecord = {
        at: t,
        pid: process.pid,
        method: r.method,
        route: r.route,
        statusCode: r.statusCode,
        durationMs: r.durationMs,
        requestId: r.requestId,
        ...(r.code ? { code: r.code } : {}),
        pastDeadline: r.timedOut,
        ...(waitedOn ? { waitedOn } : {}),
      };
      if (keepTimedOut) {
        timedOut.push(rec);
        if (timedOut.length > TIMED_OUT_KEPT) timedOut.shift();
      }
      if (keepSlow) {
        if (list) list.push(rec);
        else slow.set(start, [rec]);
        const kept = slow.get(start)!;
        kept.sort((a, b) => b.durationMs - a.durationMs);
        if (kept.length > SLOWEST_PER_BUCKET) kept.pop();
      }
    },

    failureRatio(dependency, ms, minCalls) {
      const since = now() - ms;
      let calls = 0;
      let failed = 0;
      for (const b of deps.get(dependency)?.values() ?? []) {
        if (b.start + BUCKET_MS <= since) continue;
        calls += b.calls;
        failed += b.errors + b.timeouts + b.rejected;
      }
      return calls < minCalls ? undefined : failed / calls;
    },

    snapshot() {
      const t = now();
      prune(t);
      const dependencies: Record<string, BucketSnapshot[]> = {};
      for (const d of DEPENDENCIES) dependencies[d] = [...(deps.get(d)?.values() ?? [])].map((b) => ({ ...b, hist: [...b.hist] }));
      const slowest = [...slow.values()]
        .flat()
        .sort((a, b) => b.durationMs - a.durationMs)
        .slice(0, SLOWEST_PER_BUCKET);
      return { pid: process.pid, at: t, dependencies, slowest, timedOut: [...timedOut] };
    },
  };
}

// ---------------------------------------------------------------------------------
// Merging the workers' snapshots into what the dashboard shows
// ---------------------------------------------------------------------------------

export interface SeriesPoint {
  start: number;
  calls: number;
  failures: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface DependencyWindow {
  calls: number;
  errors: number;
  timeouts: number;
  rejected: number;
  /** Calls noticed still waiting past their slow threshold. */
  slowCalls: number;
  /** Share of calls that failed (error, timeout or rejected), 0–1. */
  errorRate: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** One point per bucket over the whole window, oldest first; empty buckets have null latencies. */
  series: SeriesPoint[];
}

/** A percentile from the histogram, interpolated within its bucket. */
export function percentile(hist: readonly number[], maxMs: number, q: number): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    const n = hist[i];
    if (n === 0) continue;
    if (seen + n >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1];
      const upper = Math.min(i < LATENCY_BOUNDS_MS.length ? LATENCY_BOUNDS_MS[i] : maxMs, maxMs);
      const v = lower + (Math.max(upper, lower) - lower) * ((rank - seen) / n);
      return Math.round(Math.min(v, maxMs) * 10) / 10;
    }
    seen += n;
  }
  return maxMs;
}

function addInto(into: BucketSnapshot, b: BucketSnapshot): void {
  into.calls += b.calls;
  into.errors += b.errors;
  into.timeouts += b.timeouts;
  into.rejected += b.rejected;
  into.slow += b.slow ?? 0;
  into.maxMs = Math.max(into.maxMs, b.maxMs);
  for (let i = 0; i < into.hist.length; i++) into.hist[i] += b.hist[i] ?? 0;
}

/** Sums every worker's buckets for one dependency over the window ending at `at`. */
export function mergeDependency(snapshots: readonly RecentSnapshot[], dependency: string, at: number): DependencyWindow {
  const end = at - (at % BUCKET_MS);
  const first = end - WINDOW_MS + BUCKET_MS;
  const byStart = new Map<number, BucketSnapshot>();
  for (let s = first; s <= end; s += BUCKET_MS) byStart.set(s, emptyBucket(s));
  const total = emptyBucket(first);
  for (const snap of snapshots) {
    for (const b of snap.dependencies[dependency] ?? []) {
      const into = byStart.get(b.start);
      if (!into) continue;
      addInto(into, b);
      addInto(total, b);
    }
  }
  const failures = (b: BucketSnapshot) => b.errors + b.timeouts + b.rejected;
  return {
    calls: total.calls,
    errors: total.errors,
    timeouts: total.timeouts,
    rejected: total.rejected,
    slowCalls: total.slow,
    errorRate: total.calls === 0 ? 0 : failures(total) / total.calls,
    p50Ms: percentile(total.hist, total.maxMs, 0.5),
    p99Ms: percentile(total.hist, total.maxMs, 0.99),
    maxMs: total.calls === 0 ? null : total.maxMs,
    series: [...byStart.values()].map((b) => ({
      start: b.start,
      calls: b.calls,
      failures: failures(b),
      p50Ms: percentile(b.hist, b.maxMs, 0.5),
      p99Ms: percentile(b.hist, b.maxMs, 0.99),
    })),
  };
}

/** The slowest and the timed-out requests across workers, newest timeouts first. */
export function mergeRequests(
  snapshots: readonly RecentSnapshot[],
  limits = { slowest: 10, timedOut: 20 },
): { slowest: RequestRecord[]; timedOut: RequestRecord[] } {
  return {
    slowest: snapshots
      .flatMap((s) => s.slowest)
      .sort((a, b) => b.durationMs - a.durationMs)
      .slice(0, limits.slowest),
    timedOut: snapshots
      .flatMap((s) => s.timedOut)
      .sort((a, b) => b.at - a.at)
      .slice(0, limits.timedOut),
  };
}
