import cluster, { type Worker } from 'node:cluster';

import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';

import {
  COLLECT_TIMEOUT_MS,
  type Gathered,
  isOpsMessage,
  type MetricJson,
  OPS_TAG,
  type OpsMessage,
  type Want,
  type WorkerInfo,
  type WorkerReport,
} from './channel.ts';

/**
 * The supervisor's side of /metrics and /ops: it asks every serving worker for its
 * report and hands the lot to the worker that asked. It also counts worker restarts by
 * reason (the supervisor tells it, through recordWorkerStart) and keeps the counters of
 * workers that exited, so a sum across workers does not drop when one is replaced.
 * Loaded only in the supervisor's process; it knows nothing of the HTTP app.
 */

let installed = false;
const infos = new Map<number, WorkerInfo>();
const serving = new Set<number>();
const slotStarts = new Map<number, number>();
const restartsByReason = new Map<string, number>();
const lastMetrics = new Map<number, MetricJson[]>();
let retired: MetricJson[] = [];
let seq = 0;
const pending = new Map<number, (r: WorkerReport | undefined) => void>();

const registry = new Registry();
const restarts = new Counter({
  name: 'it360_worker_restarts_total',
  help: 'Workers started to replace another, by reason (replace-dead, replace-hung, retry-boot, reload, max-requests, past-deadline)',
  labelNames: ['reason'] as const,
  registers: [registry],
});
new Gauge({
  name: 'it360_workers',
  help: 'Worker processes serving',
  registers: [registry],
  collect() {
    this.set(serving.size);
  },
});
const unansweredGauge = new Gauge({
  name: 'it360_workers_unanswered',
  help: 'Serving workers that did not answer this scrape within 1 s (hung or saturated); their numbers are missing from it',
  registers: [registry],
});

/**
 * Called by the supervisor each time it starts a worker. `reason` other than "start"
 * counts as a restart. Installs the collector on first use.
 */
export function recordWorkerStart(w: { workerId: number; pid: number; slot: number; reason: string }): void {
  installOpsPrimary();
  const starts = (slotStarts.get(w.slot) ?? 0) + 1;
  slotStarts.set(w.slot, starts);
  infos.set(w.workerId, {
    workerId: w.workerId,
    pid: w.pid,
    slot: w.slot,
    reason: w.reason,
    startedAt: infos.get(w.workerId)?.startedAt ?? Date.now(),
    restarts: starts - 1,
  });
  if (w.reason !== 'start') {
    restarts.inc({ reason: w.reason });
    restartsByReason.set(w.reason, (restartsByReason.get(w.reason) ?? 0) + 1);
  }
}

function ask(worker: Worker, want: Want): Promise<WorkerReport | undefined> {
  const id = ++seq;
  return new Promise((resolve) => {
    const done = (r: WorkerReport | undefined) => {
      clearTimeout(timer);
      pending.delete(id);
      resolve(r);
    };
    const timer = setTimeout(() => done(undefined), COLLECT_TIMEOUT_MS);
    pending.set(id, done);
    try {
      worker.send({ tag: OPS_TAG, type: 'collect', id, want } satisfies OpsMessage);
    } catch {
      done(undefined);
    }
  });
}

async function gatherAll(want: Want): Promise<Gathered> {
  const targets = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && serving.has(w.id) && w.isConnected());
  const answers = await Promise.all(targets.map(async (w) => ({ w, report: await ask(w, want) })));
  const info = (w: Worker): WorkerInfo =>
    infos.get(w.id) ?? { workerId: w.id, pid: w.process.pid ?? -1, startedAt: Date.now(), restarts: 0 };
  const reports: Gathered['reports'] = [];
  const unanswered: WorkerInfo[] = [];
  for (const { w, report } of answers) {
    if (!report) {
      unanswered.push(info(w));
      continue;
    }
    if (report.metrics) lastMetrics.set(w.id, report.metrics);
    reports.push({ ...report, worker: info(w) });
  }
  unansweredGauge.set(unanswered.length);
  return {
    reports,
    unanswered,
    primaryMetrics: want === 'metrics' ? [...(await registry.getMetricsAsJSON()), ...retired] : [],
    restartsByReason: Object.fromEntries(restartsByReason),
  };
}

let retiring: Promise<void> = Promise.resolve();

/** Counters and histograms only: a gauge of a process that is gone means nothing. */
function retire(workerId: number): void {
  const last = lastMetrics.get(workerId);
  lastMetrics.delete(workerId);
  if (!last) return;
  // prom-client declares `type` as a numeric enum; at run time it is the type's name.
  const monotonic = last.filter((m) => ['counter', 'histogram'].includes(m.type as unknown as string));
  // One at a time: two workers exiting together must both be added.
  retiring = retiring
    .then(async () => {
      retired = await AggregatorRegistry.aggregate([retired, monotonic]).getMetricsAsJSON();
    })
    .catch(() => undefined);
}

/** Listens for the workers' requests. Idempotent; a no-op outside the cluster primary. */
export function installOpsPrimary(): void {
  if (installed || !cluster.isPrimary) return;
  installed = true;
  cluster.on('fork', (w) => {
    if (!infos.has(w.id)) infos.set(w.id, { workerId: w.id, pid: w.process.pid ?? -1, startedAt: Date.now(), restarts: 0 });
  });
  cluster.on('listening', (w) => serving.add(w.id));
  cluster.on('exit', (w) => {
    serving.delete(w.id);
    infos.delete(w.id);
    retire(w.id);
  });
  cluster.on('message', (worker: Worker, m: unknown) => {
    if (!isOpsMessage(m)) return;
    if (m.type === 'report') {
      pending.get(m.id)?.(m.report);
      return;
    }
    if (m.type !== 'gather') return;
    void gatherAll(m.want).then((gathered) => {
      try {
        worker.send({ tag: OPS_TAG, type: 'gathered', id: m.id, gathered } satisfies OpsMessage);
      } catch {
        // The asker exited meanwhile.
      }
    });
  });
}
