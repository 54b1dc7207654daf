import { AggregatorRegistry } from 'prom-client';

import type { Dependency } from '../errors/index.ts';
import { inflight, type LifecycleOptions } from '../http/lifecycle.ts';
import type { LocalTierStats } from '../infra/cache/local-tier.ts';
import type { PoolStats } from '../infra/database/client.ts';
import type { ExportStats } from '../infra/telemetry/index.ts';
import type { OutboxStats } from '../mail/repository.ts';
import type { BreakerState, DependencyCallEvent, DependencyPolicy, SlowCallEvent } from '../resilience/policy.ts';
import { answerCollects, gather, GATHER_TIMEOUT_MS, type Gathered, underSupervisor, type Want, type WorkerReport } from './channel.ts';
import { createProcessMetrics } from './metrics.ts';
import type { checkReadiness } from './readiness.ts';
import { BUCKET_MS, createRecentWindow, DEPENDENCIES, mergeDependency, mergeRequests, type RecentSnapshot, WINDOW_MS } from './recent.ts';
import type { DependencyViewT, OpsData, WorkerViewT } from './schemas.ts';

/**
 * What one process knows about itself, fed by the container's hooks (dependency calls,
 * breaker changes, cache outcomes, finished requests), and how /metrics and /ops/data
 * are answered from it: summed with the sibling workers' through the supervisor when
 * there is one, from this process alone when there is not (tests, `buildTestApp`).
 */

type Hooks = Pick<LifecycleOptions, 'onFinished' | 'onDeadline'>;
type Readiness = Awaited<ReturnType<typeof checkReadiness>>;

// Paystack is judged from its recent calls (probing it would spend its rate limit):
// the last minute, once there are enough calls for a ratio to mean something.
const PAYSTACK_RATIO_WINDOW_MS = 60_000;
const PAYSTACK_RATIO_MIN_CALLS = 5;
// On the dashboard a dependency whose probe passes is still "degraded" when this share
// of its calls failed in the last minute (with at least the minimum number of calls).
const DEGRADED_FAILURE_RATE = 0.1;
const DEGRADED_MIN_CALLS = 5;
const LAST_MINUTE_POINTS = 60_000 / BUCKET_MS;

export interface Telemetry {
  onDependencyCall: (e: DependencyCallEvent) => void;
  onSlowCall: (e: SlowCallEvent) => void;
  onBreakerChange: (dependency: Dependency, from: BreakerState, to: BreakerState) => void;
  onCacheOutcome: (scope: string, outcome: string) => void;
  onMailFate: (fate: string, kind: string) => void;
  /** The request hooks, calling `next` (the supervisor agent's counters) as well. */
  lifecycle(next?: Hooks): Hooks;
  /** Where breaker states and pool numbers are read from. */
  track(sources: {
    breakers: Record<Dependency, DependencyPolicy>;
    poolStats: () => PoolStats;
    outboxStats?: () => Promise<OutboxStats | undefined>;
    cacheLocal?: () => LocalTierStats;
    /** The trace export's counts, with tracing on. */
    traceExport?: () => ExportStats;
    hitLane?: () => { served: number; urls: number } | undefined;
  }): void;
  /** Share of failed Paystack (or other) calls in the last minute, for readiness. */
  failureRatio(dependency: Dependency): number | undefined;
  /** GET /metrics: Prometheus text, every worker summed. */
  metricsText(): Promise<{ contentType: string; body: string }>;
  /** GET /ops/data. */
  opsData(readiness: () => Promise<Readiness>): Promise<OpsData>;
  close(): void;
}

/** The in-process tier as /ops shows it: size against its bound, and the share of lookups it answered. */
const localView = (s: LocalTierStats) => ({
  entries: s.entries,
  bytes: s.bytes,
  maxBytes: s.maxBytes,
  hitRatio: s.hits + s.misses > 0 ? Math.round((1000 * s.hits) / (s.hits + s.misses)) / 1000 : 0,
});

const countBreakers = (states: (BreakerState | undefined)[]) => {
  const out = { closed: 0, open: 0, 'half-open': 0, isolated: 0 };
  for (const s of states) if (s) out[s]++;
  return out;
};

export function createTelemetry(): Telemetry {
  const metrics = createProcessMetrics();
  const recent = createRecentWindow();
  let breakers: Partial<Record<Dependency, DependencyPolicy>> = {};
  let cacheLocal: (() => LocalTierStats) | undefined;
  const breakerStates = () => Object.fromEntries(Object.entries(breakers).map(([d, p]) => [d, p.state()])) as Record<string, BreakerState>;

  async function report(want: Want): Promise<WorkerReport> {
    return {
      pid: process.pid,
      uptimeS: Math.round(process.uptime()),
      inflight: inflight.size,
      rssBytes: process.memoryUsage.rss(),
      breakers: breakerStates(),
      ...(cacheLocal ? { cacheLocal: localView(cacheLocal()) } : {}),
      ...(want === 'metrics' ? { metrics: await metrics.registry.getMetricsAsJSON() } : { recent: recent.snapshot() }),
    };
  }
  const stopAnswering = answerCollects(report);

  function workerViews(g: Gathered | undefined, self: WorkerReport): WorkerViewT[] {
    const view = (r: WorkerReport, answered: boolean, w?: Gathered['reports'][number]['worker']): WorkerViewT => ({
      pid: r.pid,
      ...(w ? { workerId: w.workerId, ...(w.slot !== undefined ? { slot: w.slot } : {}), ...(w.reason ? { reason: w.reason } : {}) } : {}),
      uptimeS: w ? Math.round((Date.now() - w.startedAt) / 1000) : r.uptimeS,
      restarts: w?.restarts ?? 0,
      inflight: r.inflight,
      rssBytes: r.rssBytes,
      ...(r.cacheLocal ? { cacheLocal: r.cacheLocal } : {}),
      answered,
      breakers: r.breakers,
    });
    if (!g) return [view(self, true)];
    const answered = g.reports.map((r) => view(r, true, r.worker));
    const silent = g.unanswered.map((w): WorkerViewT => ({
      pid: w.pid,
      workerId: w.workerId,
      ...(w.slot !== undefined ? { slot: w.slot } : {}),
      ...(w.reason ? { reason: w.reason } : {}),
      uptimeS: Math.round((Date.now() - w.startedAt) / 1000),
      restarts: w.restarts,
      answered: false,
      breakers: {},
    }));
    return [...answered, ...silent].sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0) || a.pid - b.pid);
  }

  return {
    onDependencyCall: (e) => {
      metrics.onCall(e);
      recent.recordCall(e);
    },
    onSlowCall: (e) => {
      metrics.onSlowCall(e);
      recent.recordSlowCall(e);
    },
    onBreakerChange: (dependency, from, to) => metrics.onBreakerChange(dependency, from, to),
    onCacheOutcome: (scope, outcome) => metrics.onCacheOutcome(scope, outcome),
    onMailFate: (fate, kind) => metrics.onMailFate(fate, kind),
    lifecycle(next) {
      return {
        onFinished(e) {
          metrics.onRequest(e);
          recent.recordRequest(e);
          next?.onFinished?.(e);
        },
        onDeadline(ctx) {
          next?.onDeadline?.(ctx);
        },
      };
    },
    track(s) {
      breakers = s.breakers;
      cacheLocal = s.cacheLocal;
      metrics.track({
        breakers: s.breakers,
        poolStats: s.poolStats,
        inflight: () => inflight.size,
        outboxStats: s.outboxStats,
        cacheLocal: s.cacheLocal,
        traceExport: s.traceExport,
        hitLane: s.hitLane,
      });
    },
    failureRatio: (dependency) => recent.failureRatio(dependency, PAYSTACK_RATIO_WINDOW_MS, PAYSTACK_RATIO_MIN_CALLS),

    async metricsText() {
      const g = await gather('metrics', GATHER_TIMEOUT_MS);
      if (!g) {
        const note = underSupervisor() ? "# it360: the supervisor did not answer in time; these are this worker's numbers only\n" : '';
        return { contentType: metrics.registry.contentType, body: note + (await metrics.registry.metrics()) };
      }
      const reg = AggregatorRegistry.aggregate([...g.reports.map((r) => r.metrics ?? []), g.primaryMetrics]);
      return { contentType: reg.contentType, body: await reg.metrics() };
    },

    async opsData(readiness) {
      const [ready, g] = await Promise.all([readiness(), gather('ops', GATHER_TIMEOUT_MS)]);
      const self = g ? undefined : await report('ops');
      const reports = g ? g.reports : [self!];
      const snapshots = reports.map((r) => r.recent).filter((s): s is RecentSnapshot => !!s);
      const now = Date.now();
      const dependencies = DEPENDENCIES.map((name): DependencyViewT => {
        const w = mergeDependency(snapshots, name, now);
        const check = ready.checks[name];
        const probe = check
          ? {
              status: check.status,
              ...(check.latencyMs !== undefined ? { latencyMs: check.latencyMs } : {}),
              ...(check.detail ? { detail: check.detail } : {}),
            }
          : { status: 'ok' as const };
        const b = countBreakers(reports.map((r) => r.breakers[name]));
        const lastMinute = w.series.slice(-LAST_MINUTE_POINTS);
        const calls = lastMinute.reduce((a, p) => a + p.calls, 0);
        const failed = lastMinute.reduce((a, p) => a + p.failures, 0);
        const failing = calls >= DEGRADED_MIN_CALLS && failed / calls >= DEGRADED_FAILURE_RATE;
        const state = probe.status !== 'ok' ? probe.status : b.open + b['half-open'] + b.isolated > 0 || failing ? 'degraded' : 'ok';
        return { name, state, probe, breakers: b, ...w };
      });
      const { slowest, timedOut } = mergeRequests(snapshots);
      return {
        generatedAt: new Date(now).toISOString(),
        status: ready.status,
        supervised: !!g,
        windowMinutes: WINDOW_MS / 60_000,
        bucketSeconds: BUCKET_MS / 1000,
        dependencies,
        timedOut,
        slowest,
        workers: workerViews(g, self ?? reports[0]),
        restartsByReason: g?.restartsByReason ?? {},
      };
    },

    close() {
      stopAnswering();
      metrics.close();
    },
  };
}
