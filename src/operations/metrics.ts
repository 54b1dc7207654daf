import { monitorEventLoopDelay } from 'node:perf_hooks';

import { Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { Dependency } from '../errors/index.ts';
import type { LocalTierStats } from '../infra/cache/local-tier.ts';
import type { PoolStats } from '../infra/database/client.ts';
import type { ExportStats } from '../infra/telemetry/index.ts';
import type { OutboxStats } from '../mail/repository.ts';
import type { BreakerState, DependencyCallEvent, SlowCallEvent } from '../resilience/policy.ts';
import type { FinishedRequest } from './recent.ts';

/**
 * One process's Prometheus metrics (docs/metrics.md lists each). A worker's registry is
 * summed with its siblings' by the supervisor for GET /metrics; counters and histograms
 * add up, gauges say how they combine (`aggregator`).
 */

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half-open', 'isolated'];
// Requests: from a cache hit (ms) to the 10 s default deadline and a little past it.
const HTTP_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];
// Dependency calls: a Redis GET (sub-ms) up to the 30 s statement timeout of background work.
const CALL_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// Event-loop delay is reported over the last complete 10 s: long enough to catch a
// one-off block between two 15 s scrapes' worth of samples, short enough to be "now".
const LOOP_WINDOW_MS = 10_000;
// 10 ms sampling resolution: finer costs CPU and says nothing an operator acts on.
const LOOP_RESOLUTION_MS = 10;

export interface MetricSources {
  breakers: Partial<Record<Dependency, { state(): BreakerState }>>;
  poolStats?: () => PoolStats;
  inflight?: () => number;
  /** The mail outbox's last counts (every worker reads the same table). */
  outboxStats?: () => Promise<OutboxStats | undefined>;
  /** The in-process cache tier's size and counts. */
  cacheLocal?: () => LocalTierStats;
  /** The trace export's counts (src/infra/telemetry), with tracing on. */
  traceExport?: () => ExportStats;
  /** The hit lane's counts (src/http/hit-lane.ts); absent with tracing on. */
  hitLane?: () => { served: number; urls: number } | undefined;
}

export interface ProcessMetrics {
  readonly registry: Registry;
  onRequest(r: FinishedRequest): void;
  onCall(e: DependencyCallEvent): void;
  onSlowCall(e: SlowCallEvent): void;
  onBreakerChange(dependency: Dependency, from: BreakerState, to: BreakerState): void;
  onCacheOutcome(scope: string, outcome: string): void;
  onMailFate(fate: string, kind: string): void;
  /** Where the gauges read from; set once the clients exist. */
  track(sources: MetricSources): void;
  close(): void;
}

export function createProcessMetrics(): ProcessMetrics {
  const registry = new Registry();
  const registers = [registry];
  let sources: MetricSources = { breakers: {} };

  const httpRequests = new Counter({
    name: 'it360_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status (probes and /metrics excluded)',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'it360_http_request_duration_seconds',
    help: 'Time from receiving a request to answering it',
    labelNames: ['route', 'method'] as const,
    buckets: HTTP_BUCKETS_S,
    registers,
  });
  const pastDeadline = new Counter({
    name: 'it360_http_requests_past_deadline_total',
    help: 'Requests answered 503 deadline_exceeded, by route and the dependency they were waiting on',
    labelNames: ['route', 'dependency'] as const,
    registers,
  });
  new Gauge({
    name: 'it360_http_requests_in_flight',
    help: 'Requests being served right now',
    registers,
    collect() {
      this.set(sources.inflight?.() ?? 0);
    },
  });

  const calls = new Counter({
    name: 'it360_dependency_calls_total',
    help: 'Dependency calls by dependency, operation and outcome (ok, error, timeout, rejected by breaker or bulkhead)',
    labelNames: ['dependency', 'op', 'outcome'] as const,
    registers,
  });
  const callDuration = new Histogram({
    name: 'it360_dependency_call_duration_seconds',
    help: 'Time a dependency call took, whatever its outcome (a timeout lasts its budget)',
    labelNames: ['dependency', 'op'] as const,
    buckets: CALL_BUCKETS_S,
    registers,
  });
  const slowCalls = new Counter({
    name: 'it360_dependency_slow_calls_total',
    help: 'Dependency calls still waiting past half their budget (at most 4 s), by dependency and operation; each call counts once, whatever its outcome',
    labelNames: ['dependency', 'op'] as const,
    registers,
  });
  new Gauge({
    name: 'it360_breaker_state',
    help: 'Workers whose breaker for the dependency is in the state (1 per worker; summed across workers)',
    labelNames: ['dependency', 'state'] as const,
    registers,
    collect() {
      for (const [dependency, policy] of Object.entries(sources.breakers)) {
        const now = policy.state();
        for (const state of BREAKER_STATES) this.set({ dependency, state }, now === state ? 1 : 0);
      }
    },
  });
  const transitions = new Counter({
    name: 'it360_breaker_transitions_total',
    help: 'Breaker state changes by dependency and the state entered',
    labelNames: ['dependency', 'from', 'to'] as const,
    registers,
  });
  const cacheReads = new Counter({
    name: 'it360_cache_reads_total',
    help: 'Cached reads by scope and outcome (hit, miss, bypass); error counts failed cache calls, whose read is also a bypass',
    labelNames: ['scope', 'outcome'] as const,
    registers,
  });
  // The in-process tier keeps plain counts (a hit must stay cheap); they are read here at scrape time.
  new Counter({
    name: 'it360_cache_local_reads_total',
    help: 'Lookups in the in-process cache tier by outcome (hit: answered without Redis or the database); hit ratio = hit / (hit + miss)',
    labelNames: ['outcome'] as const,
    registers,
    collect() {
      const s = sources.cacheLocal?.();
      this.reset();
      if (!s) return;
      this.inc({ outcome: 'hit' }, s.hits);
      this.inc({ outcome: 'miss' }, s.misses);
    },
  });
  new Counter({
    name: 'it360_hit_lane_answers_total',
    help: 'Cached reads answered by the hit lane, ahead of Fastify (200s and 304s; also counted in it360_http_requests_total)',
    registers,
    collect() {
      const s = sources.hitLane?.();
      this.reset();
      if (s) this.inc(s.served);
    },
  });
  new Gauge({
    name: 'it360_hit_lane_urls',
    help: 'URLs the hit lane can answer, summed over workers (at most 10,000 per worker)',
    registers,
    collect() {
      const s = sources.hitLane?.();
      if (s) this.set(s.urls);
    },
  });
  const localGauge = (name: string, help: string, pick: (s: LocalTierStats) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const s = sources.cacheLocal?.();
        if (s) this.set(pick(s));
      },
    });
  localGauge('it360_cache_local_bytes', 'Estimated heap held by the in-process cache tier, summed over workers', (s) => s.bytes);
  localGauge('it360_cache_local_entries', 'Entries in the in-process cache tier, summed over workers', (s) => s.entries);
  localGauge('it360_cache_local_max_bytes', 'The in-process tier bound (CACHE_L1_MAX_BYTES), summed over workers', (s) => s.maxBytes);

  const poolGauge = (name: string, help: string, pick: (s: PoolStats) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const s = sources.poolStats?.();
        if (s) this.set(pick(s));
      },
    });
  poolGauge('it360_db_pool_in_use', 'PostgreSQL connections checked out of the pool', (s) => s.inUse);
  poolGauge('it360_db_pool_idle', 'PostgreSQL connections open and idle in the pool', (s) => s.idle);
  poolGauge('it360_db_pool_waiting', 'Callers waiting for a pooled PostgreSQL connection', (s) => s.waiting);

  // The outbox is one table every worker reads: the largest answer is the freshest, not a sum.
  const outboxGauge = (name: string, help: string, pick: (s: OutboxStats) => number) =>
    new Gauge({
      name,
      help,
      aggregator: 'max',
      registers,
      async collect() {
        const s = await sources.outboxStats?.();
        if (s) this.set(pick(s));
      },
    });
  outboxGauge('it360_mail_outbox_pending', 'Mail outbox rows waiting to be sent (read at most 5 s ago)', (s) => s.pending);
  outboxGauge('it360_mail_outbox_failed', 'Mail outbox rows given up on (shown on /ops with their error)', (s) => s.failed);
  outboxGauge(
    'it360_mail_outbox_oldest_pending_seconds',
    'Age of the oldest mail outbox row waiting to be sent; 0 when none',
    (s) => s.oldestPendingS,
  );
  const mailFates = new Counter({
    name: 'it360_mail_messages_total',
    help: 'Outbox rows by kind and what the sender did with them (sent, retry, failed, dropped, requeued)',
    labelNames: ['kind', 'fate'] as const,
    registers,
  });

  // The trace export keeps plain counts (a span's end must stay cheap); read at scrape time.
  // No samples while tracing is off.
  const traceCounter = (name: string, help: string, labelNames: string[], read: (s: ExportStats, c: Counter) => void) =>
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        const s = sources.traceExport?.();
        this.reset();
        if (s) read(s, this);
      },
    });
  traceCounter('it360_trace_spans_exported_total', 'Spans the OTLP collector accepted', [], (s, c) => c.inc(s.exported));
  traceCounter(
    'it360_trace_spans_dropped_total',
    'Spans never exported, by reason: queue_full (the bounded export queue was full: the collector is slow or gone), export_failed (lost in an export that failed or timed out)',
    ['reason'],
    (s, c) => {
      c.inc({ reason: 'queue_full' }, s.droppedQueueFull);
      c.inc({ reason: 'export_failed' }, s.droppedExportFailed);
    },
  );
  traceCounter(
    'it360_trace_exports_failed_total',
    'Trace exports (one POST of up to 512 spans) that failed, by reason: timeout (no answer within the export timeout), busy (refused at once: the exports allowed in flight were all still waiting on the collector), error (refused, unreachable, non-2xx)',
    ['reason'],
    (s, c) => {
      c.inc({ reason: 'timeout' }, s.failedExports.timeout);
      c.inc({ reason: 'busy' }, s.failedExports.busy);
      c.inc({ reason: 'error' }, s.failedExports.error);
    },
  );
  new Gauge({
    name: 'it360_trace_queue_spans',
    help: 'Spans waiting to be exported (queued or in the export in flight), summed over workers; bounded by 4096 per worker',
    registers,
    collect() {
      const s = sources.traceExport?.();
      if (s) this.set(s.queued);
    },
  });

  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const empty = { p50: 0, p99: 0, max: 0 };
  let lastWindow = empty;
  const read = () => (loop.count === 0 ? empty : { p50: loop.percentile(50) / 1e9, p99: loop.percentile(99) / 1e9, max: loop.max / 1e9 });
  const rotate = setInterval(() => {
    lastWindow = read();
    loop.reset();
  }, LOOP_WINDOW_MS);
  rotate.unref();
  new Gauge({
    name: 'it360_event_loop_delay_seconds',
    help: 'Event-loop delay: p50 and p99 over the last complete 10 s, max over the last 10-20 s; the worst worker is reported',
    labelNames: ['stat'] as const,
    aggregator: 'max',
    registers,
    collect() {
      // Percentiles of the last complete window; the max also covers the window under
      // way, so a block that is happening now shows at once.
      this.set({ stat: 'p50' }, lastWindow.p50);
      this.set({ stat: 'p99' }, lastWindow.p99);
      this.set({ stat: 'max' }, Math.max(lastWindow.max, read().max));
    },
  });
  new Gauge({
    name: 'it360_process_resident_memory_bytes',
    help: 'Resident memory of the worker processes, summed',
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });

  // Per-request series, looked up once per label set: prom-client hashes a labels object on
  // every inc/observe, which the hot path need not pay. Bounded: route patterns × methods × statuses.
  const requestSeries = new Map<string, { count: { inc(): void }; duration: { observe(v: number): void } }>();
  const cacheSeries = new Map<string, { inc(): void }>();

  return {
    registry,
    onRequest(r) {
      const key = `${r.method} ${r.route} ${r.statusCode}`;
      let s = requestSeries.get(key);
      if (!s) {
        s = {
          count: httpRequests.labels({ route: r.route, method: r.method, status: String(r.statusCode) }),
          duration: httpDuration.labels({ route: r.route, method: r.method }),
        };
        requestSeries.set(key, s);
      }
      s.count.inc();
      s.duration.observe(r.durationMs / 1000);
      if (r.timedOut) pastDeadline.inc({ route: r.route, dependency: r.dependency ?? 'none' });
    },
    onCall(e) {
      calls.inc({ dependency: e.dependency, op: e.op, outcome: e.outcome });
      callDuration.observe({ dependency: e.dependency, op: e.op }, e.elapsedMs / 1000);
    },
    onSlowCall(e) {
      slowCalls.inc({ dependency: e.dependency, op: e.op });
    },
    onBreakerChange(dependency, from, to) {
      transitions.inc({ dependency, from, to });
    },
    onCacheOutcome(scope, outcome) {
      const key = `${scope} ${outcome}`;
      let c = cacheSeries.get(key);
      if (!c) cacheSeries.set(key, (c = cacheReads.labels({ scope, outcome })));
      c.inc();
    },
    onMailFate(fate, kind) {
      mailFates.inc({ kind, fate });
    },
    track(s) {
      sources = s;
    },
    close() {
      clearInterval(rotate);
      loop.disable();
    },
  };
}
