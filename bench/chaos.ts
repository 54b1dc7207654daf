/**
 * `npm run chaos [-- --quick] [-- --only=id,id] [-- --out=dir] [-- --keep-logs] [-- --screenshot=id]`
 *
 * Proves the promise under load and faults. Starts its own PostgreSQL database, its own
 * redis-server, the Paystack simulator as a separate process and the service in
 * production mode (supervisor, two workers); seeds users, courses and students; then for
 * each scenario runs a bounded mixed loopback load, applies the fault a few seconds in,
 * removes it a few seconds before the end, and records every response. Writes a Markdown
 * report, a JSON file and one SVG plot per scenario under bench/results/.
 *
 * Exit status: 0 when no scenario produced a 5xx on a route its fault does not touch, a
 * dropped connection or an unanswered request (connections already open on a frozen
 * worker are counted apart); 1 when one did; 2 when the run itself failed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { type ReceiverProcess, startReceiverProcess } from '../test/helpers/otlp-receiver.ts';
import { CpuMonitor, type CpuShare, postgresBackends } from './chaos/cpu.ts';
import {
  type LoadRun,
  type LoadType,
  OUTCOME_ERROR,
  OUTCOME_OK,
  OUTCOME_TIMEOUT,
  type Route,
  ROUTES,
  type Sample,
  startLoad,
} from './chaos/load.ts';
import { writeScenarioPlots } from './chaos/plot.ts';
import { cleanupAll, installSignalHandlers, onCleanup, runMain } from './chaos/procs.ts';
import { type BreakerTransition, evaluateTargets, markdown, type ScenarioResult, type TouchedFailures } from './chaos/report.ts';
import { type ActiveFault, loginLoadTypes, mailLoadTypes, type Scenario, SCENARIOS } from './chaos/scenarios.ts';
import { screenshotOps } from './chaos/screenshot.ts';
import { logIn, loginStudents, outboxRows, paymentStatuses, seed } from './chaos/seed.ts';
import { type Mode, modeFor } from './chaos/settings.ts';
import {
  type LogRecord,
  type Service,
  type Sink,
  startRedis,
  startService,
  startSimulator,
  startSink,
  waitHealthy,
} from './chaos/stack.ts';
import { percentile, phaseOf, summarize } from './chaos/stats.ts';
import { ADMIN, freshDatabase } from './lib.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const keepLogs = args.includes('--keep-logs');
// The scenario during whose fault the dashboard is photographed for the README (docs/ops-dashboard.png).
const screenshotOf = args.find((a) => a.startsWith('--screenshot='))?.slice('--screenshot='.length);
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const outDir = path.resolve(args.find((a) => a.startsWith('--out='))?.slice('--out='.length) ?? 'bench/results');

const WORKERS = 2;
const USERS = 1000;
// 200 students × 30 courses = 6,000 fresh (student, course) pairs: a default run makes
// about 2,300 payment attempts, a quick one about 550, so each student starts about a
// dozen at most, below PAYMENT_INIT_MAX_PER_USER (20 in 10 minutes).
const STUDENTS = 200;
const COURSES = 30;
const DETAIL_USERS = 100;
const READ_CONNECTIONS = 4;
const PAYMENT_CONNECTIONS = 4;
// Four connections, each starting at most one payment every 800 ms: about 5 per second,
// a small share as in real traffic, and few enough that two workers' sweeps keep up with
// the checkouts the load leaves unpaid.
const PAYMENT_PACE_MS = 800;
// The learning mix: two connections reading lessons (closed loop, like the other reads) and
// two marking progress, each at most one mark per 250 ms (about 8 a second: students read
// far more often than they tick a lesson off).
const LESSON_CONNECTIONS = 2;
const PROGRESS_CONNECTIONS = 2;
const PROGRESS_PACE_MS = 250;
// Real clients come and go; a one-second connection life also spreads the load over
// both workers whatever the kernel did with the first connections.
const CONNECTION_LIFETIME_MS = 1000;

const log = (s: string) => process.stdout.write(`${s}\n`);
const fmtS = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function loadTypes(o: { admin: string; students: string[]; detailIds: string[]; courseIds: string[]; lessonIds: string[] }): LoadType[] {
  const admin = { authorization: `Bearer ${o.admin}` };
  let detail = 0;
  let pair = 0;
  let read = 0;
  let mark = 0;
  return [
    {
      route: 'userList',
      connections: READ_CONNECTIONS,
      next: () => ({ method: 'GET', path: '/api/v1/users?page=1&pageSize=20', headers: admin }),
    },
    { route: 'courseList', connections: READ_CONNECTIONS, next: () => ({ method: 'GET', path: '/api/v1/courses', headers: {} }) },
    {
      route: 'userDetail',
      connections: READ_CONNECTIONS,
      next: () => ({ method: 'GET', path: `/api/v1/users/${o.detailIds[detail++ % o.detailIds.length]}`, headers: admin }),
    },
    {
      route: 'paymentInit',
      connections: PAYMENT_CONNECTIONS,
      paceMs: PAYMENT_PACE_MS,
      next: () => {
        // Student-major: consecutive payments come from different students.
        const k = pair++;
        const student = o.students[k % o.students.length];
        const course = o.courseIds[Math.floor(k / o.students.length) % o.courseIds.length];
        return {
          method: 'POST',
          path: '/api/v1/payments/initialize',
          headers: { authorization: `Bearer ${student}`, 'content-type': 'application/json' },
          body: JSON.stringify({ courseId: course }),
        };
      },
    },
    {
      route: 'lessonRead',
      connections: LESSON_CONNECTIONS,
      next: () => {
        const k = read++;
        return {
          method: 'GET',
          path: `/api/v1/lessons/${o.lessonIds[k % o.lessonIds.length]}`,
          headers: { authorization: `Bearer ${o.students[k % o.students.length]}` },
        };
      },
    },
    {
      route: 'progressMark',
      connections: PROGRESS_CONNECTIONS,
      paceMs: PROGRESS_PACE_MS,
      next: () => {
        // Marks and un-marks in turn, over every (student, lesson): progress rows come and go.
        const k = mark++;
        return {
          method: 'PUT',
          path: `/api/v1/lessons/${o.lessonIds[k % o.lessonIds.length]}/progress`,
          headers: {
            authorization: `Bearer ${o.students[Math.floor(k / o.lessonIds.length) % o.students.length]}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ completed: Math.floor(k / (o.lessonIds.length * o.students.length)) % 2 === 0 }),
        };
      },
    },
  ];
}

function progress(
  load: LoadRun,
  window: () => { faultStart: number; faultEnd: number },
  everyMs: number,
  cpu: () => CpuShare | undefined,
): NodeJS.Timeout {
  let seen = 0;
  let last = performance.now();
  return setInterval(() => {
    const now = performance.now();
    const fresh = load.samples.slice(seen);
    seen = load.samples.length;
    const secs = (now - last) / 1000;
    last = now;
    const sent = new Set(load.samples.map((x) => x.route));
    const parts = ROUTES.flatMap((r, i) => (sent.has(i) ? [r] : [])).map((r) => {
      const i = ROUTES.indexOf(r);
      const mine = fresh.filter((x) => x.route === i);
      const ok = mine.filter((x) => x.outcome === OUTCOME_OK && x.status < 300).length;
      const bad = mine.length - ok;
      return `${r} ${Math.round(ok / secs)}/s${bad ? ` (${bad} non-2xx/failed)` : ''}`;
    });
    const t = now - load.t0;
    const w = window();
    const c = cpu();
    log(
      `    ${fmtS(t).padStart(6)} ${phaseOf(t, { ...w, end: 0 }).padEnd(6)} ${parts.join('  ')}${c ? `  | others' CPU ${c.foreign}%` : ''}`,
    );
  }, everyMs);
}

/**
 * Unrecorded load before the first scenario on a freshly started service: the first
 * thousands of requests run cold code (V8 compiles each route's path as it gets hot) and
 * fill the cache, which would make the first scenario's before-phase unlike any other.
 */
async function warmUp(service: Service, types: LoadType[], mode: Mode, cache: boolean): Promise<void> {
  log(`warming up for ${fmtS(mode.warmUpMs)} (not recorded)…`);
  const load = startLoad({
    origin: service.url,
    types,
    durationMs: mode.warmUpMs,
    clientTimeoutMs: mode.clientTimeoutMs,
    connectionLifetimeMs: CONNECTION_LIFETIME_MS,
  });
  await load.done;
  const bad = load.samples.filter((x) => x.outcome !== OUTCOME_OK || x.status >= 500);
  if (bad.length)
    log(
      `  warm-up: ${bad.length} of ${load.samples.length} requests failed or got a 5xx (${[...new Set(bad.map((x) => x.code ?? x.error ?? x.status))].join(', ')})`,
    );
  await waitHealthy(service.url, mode.recoverMaxMs, { cache });
}

const recTime = (r: LogRecord, load: LoadRun) => Date.parse(r.time) - load.wall0;

async function runScenario(
  sc: Scenario,
  index: number,
  total: number,
  ctx: {
    mode: Mode;
    service: Service;
    dbUrl: string;
    redis: Awaited<ReturnType<typeof startRedis>>;
    sim: Awaited<ReturnType<typeof startSimulator>>;
    sink: Sink;
    collector?: ReceiverProcess;
    types: LoadType[];
    /** The routes that write mail, for the mail scenarios. */
    mailTypes: LoadType[];
  },
): Promise<ScenarioResult> {
  const { mode, service } = ctx;
  const timing = sc.kind === 'worker' ? mode.workerTiming : mode.timing;
  const durationMs = timing.beforeMs + timing.faultMs + timing.afterMs;
  log(
    `\n▶ [${index}/${total}] ${sc.id}: ${sc.title} (${fmtS(timing.beforeMs)} before, ${fmtS(timing.faultMs)} fault, ${fmtS(timing.afterMs)} after)`,
  );
  service.log.skip();
  const startedAt = new Date().toISOString();
  // The run's processes are the bench's descendants (service, simulator, redis-server)
  // and the database sessions of its own database; everything else is interference.
  const dbName = new URL(ctx.dbUrl).pathname.slice(1);
  const cpu = new CpuMonitor(() => [process.pid, ...postgresBackends(dbName)]);
  cpu.sample();
  const cpuSeries: (CpuShare & { t: number })[] = [];
  const types = [...ctx.types, ...(sc.logins ? loginLoadTypes() : []), ...(sc.mail ? ctx.mailTypes : [])];
  const load = startLoad({
    origin: service.url,
    types,
    durationMs,
    clientTimeoutMs: mode.clientTimeoutMs,
    connectionLifetimeMs: CONNECTION_LIFETIME_MS,
  });
  let faultStart = timing.beforeMs;
  let faultEnd = timing.beforeMs + timing.faultMs;
  // Progress every 2 s (1 s in quick mode, whose phases last 3-6 s).
  const ticker = progress(
    load,
    () => ({ faultStart, faultEnd }),
    mode.name === 'quick' ? 1000 : 2000,
    () => cpuSeries.at(-1),
  );
  // Once a second, as the rates are binned.
  const cpuTicker = setInterval(() => {
    const share = cpu.sample();
    if (share) cpuSeries.push({ t: Math.round(performance.now() - load.t0), ...share });
  }, 1000);
  let active: ActiveFault | undefined;
  try {
    await sleep(Math.max(0, load.t0 + timing.beforeMs - performance.now()));
    active = await sc.apply({
      mode,
      redis: ctx.redis,
      sim: ctx.sim,
      sink: ctx.sink,
      dbUrl: ctx.dbUrl,
      service,
      load,
      collector: ctx.collector,
    });
    faultStart = (active.appliedAt ?? performance.now()) - load.t0;
    if (sc.kind !== 'none') log(`    fault applied at ${fmtS(faultStart)}${active.facts ? ` ${JSON.stringify(active.facts)}` : ''}`);
    if (sc.id === screenshotOf) {
      const file = path.resolve('docs/ops-dashboard.png');
      await screenshotOps(service.url, file).then(
        () => log(`    dashboard photographed: ${file}`),
        (err: unknown) => log(`    dashboard screenshot failed: ${(err as Error).message}`),
      );
    }
    await sleep(Math.max(0, load.t0 + timing.beforeMs + timing.faultMs - performance.now()));
    faultEnd = performance.now() - load.t0;
    await active.remove();
    if (sc.kind !== 'none') log(`    fault removed at ${fmtS(faultEnd)}`);
  } finally {
    // The load ends on its own at its duration; a failure above still waits for it.
    await load.done;
    clearInterval(ticker);
    clearInterval(cpuTicker);
  }
  const loadEndWall = Date.now();
  const w = { faultStart, faultEnd, end: durationMs };
  const frozenSockets = active.apart ?? new Set<number>();
  // Only what was still waiting on those connections when the worker froze, or was sent
  // on them afterwards, is counted apart; what they served before the freeze is normal.
  const isApart = (x: Sample) => frozenSockets.has(x.socket) && x.start + x.latency >= faultStart;
  const records: LogRecord[] = [];

  let worker: ScenarioResult['worker'];
  if (sc.kind === 'worker') {
    const frozenPid = active.facts?.frozenPid as number;
    // The replacement may still be booting when the load ends.
    const until = Date.now() + mode.recoverMaxMs;
    while (Date.now() < until && !records.some((r) => r.msg === 'worker ready' && r.reason === 'replace-hung')) {
      records.push(...service.log.read());
      // Polled: a boot's progress shows in the log within a few of these.
      await sleep(250);
    }
    const hung = records.find((r) => r.msg === 'worker hung' && r.workerPid === frozenPid);
    const ready = records.find((r) => r.msg === 'worker ready' && r.reason === 'replace-hung');
    worker = {
      frozenPid,
      killedAfterMs: hung ? Math.round(recTime(hung, load) - faultStart) : null,
      replacementReadyAfterMs: ready ? Math.round(recTime(ready, load) - faultStart) : null,
    };
    log(
      `    frozen worker ${frozenPid}: killed after ${worker.killedAfterMs ?? '–'} ms, replacement serving after ${worker.replacementReadyAfterMs ?? '–'} ms`,
    );
  }

  let payments: ScenarioResult['payments'];
  if (sc.kind === 'paystack') {
    const from = load.wall0 + faultStart;
    const to = load.wall0 + faultEnd;
    const until = Date.now() + mode.settleMaxMs;
    let statuses = await paymentStatuses(ctx.dbUrl, from, to);
    let settledAfterMs: number | null = null;
    while (true) {
      if ((statuses.pending ?? 0) === 0) {
        settledAfterMs = Date.now() - loadEndWall;
        break;
      }
      if (Date.now() > until) break;
      // Polled at twice the sweep's interval.
      await sleep(500);
      statuses = await paymentStatuses(ctx.dbUrl, from, to);
    }
    const faultRows = Object.values(statuses).reduce((a, b) => a + b, 0);
    payments = { faultRows, pendingLeft: statuses.pending ?? 0, settledAfterMs, statuses };
    log(`    payments made during the fault: ${faultRows}; still pending: ${payments.pendingLeft} ${JSON.stringify(statuses)}`);
  }

  let mail: ScenarioResult['mail'];
  if (sc.kind === 'mail') {
    // Every message the fault window's requests queued, counted at the SMTP server by
    // distinct Message-ID, waited for at most mailDeliverMaxMs after the fault ended.
    const faultEndWall = load.wall0 + faultEnd;
    const rows = await outboxRows(ctx.dbUrl, load.wall0 + faultStart, faultEndWall);
    const want = new Set(rows.messageIds);
    const until = faultEndWall + mode.mailDeliverMaxMs;
    let arrived = new Map<string, number>();
    let deliveredAfterMs: number | null = null;
    while (true) {
      arrived = new Map();
      for (const m of await ctx.sink.messages())
        if (m.messageId && want.has(m.messageId)) arrived.set(m.messageId, (arrived.get(m.messageId) ?? 0) + 1);
      if (arrived.size === want.size) {
        deliveredAfterMs = Math.max(0, Date.now() - faultEndWall);
        break;
      }
      if (Date.now() > until) break;
      // Polled: the sender retries on a back-off of seconds.
      await sleep(250);
    }
    const duplicates = [...arrived.values()].reduce((a, n) => a + n - 1, 0);
    mail = {
      queued: want.size,
      delivered: arrived.size,
      duplicates,
      deliveredAfterMs,
      statuses: (await outboxRows(ctx.dbUrl, load.wall0 + faultStart, faultEndWall)).statuses,
    };
    log(
      `    mail queued during the fault: ${mail.queued}; delivered ${mail.delivered}${deliveredAfterMs === null ? '' : ` (all by ${fmtS(deliveredAfterMs)} after the fault ended)`}; duplicates ${duplicates}`,
    );
  }

  const healthy = await waitHealthy(service.url, mode.recoverMaxMs, { cache: sc.service !== 'no-cache' });
  if (!healthy) log(`    warning: the service did not report every dependency ok within ${fmtS(mode.recoverMaxMs)} after the scenario`);
  records.push(...service.log.read());

  const inScenario = records.filter((r) => recTime(r, load) >= 0);
  const breakerTransitions: BreakerTransition[] = inScenario
    .filter((r) => typeof r.from === 'string' && typeof r.to === 'string' && typeof r.dependency === 'string')
    .map((r) => ({
      t: Math.round(recTime(r, load)),
      pid: Number(r.pid),
      dependency: String(r.dependency),
      from: String(r.from),
      to: String(r.to),
    }));
  const workerReplacements = inScenario
    .filter((r) => r.msg === 'worker started' && r.reason !== 'start')
    .map((r) => ({ t: Math.round(recTime(r, load)), reason: String(r.reason), workerPid: Number(r.workerPid) }));
  const s5 = new Map<string, number>();
  for (const r of inScenario) {
    if (r.msg !== 'request completed' || Number(r.statusCode) < 500) continue;
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    const key = `${str(r.route)}|${str(r.code)}|${str(r.dependency)}`;
    s5.set(key, (s5.get(key) ?? 0) + 1);
  }
  const service5xx = [...s5].map(([k, count]) => {
    const [route, code, dependency] = k.split('|');
    return { route, code, dependency, count };
  });

  const samples = load.samples;
  const routes = summarize(samples, w, isApart, 0.8);
  const onApart = samples.filter(isApart);
  const touched5xx: TouchedFailures[] = sc.touches.map((rt) => {
    const ri = ROUTES.indexOf(rt);
    const bad = samples.filter((x) => x.route === ri && !isApart(x) && x.status >= 500 && phaseOf(x.start, w) === 'during');
    const lat = bad.map((x) => x.latency).sort((a, b) => a - b);
    const codes: Record<string, number> = {};
    for (const x of bad) codes[x.code ?? 'none'] = (codes[x.code ?? 'none'] ?? 0) + 1;
    return { route: rt, count: bad.length, codes, p50: percentile(lat, 50), max: lat.length ? lat[lat.length - 1] : null };
  });
  const fiveXxUntouched: Partial<Record<Route, number>> = {};
  let dropped = 0;
  let unanswered = 0;
  for (const x of samples) {
    if (isApart(x)) continue;
    const rt = ROUTES[x.route];
    if (x.status >= 500 && !sc.touches.includes(rt)) fiveXxUntouched[rt] = (fiveXxUntouched[rt] ?? 0) + 1;
    if (x.outcome === OUTCOME_ERROR) dropped++;
    if (x.outcome === OUTCOME_TIMEOUT) unanswered++;
  }
  const five = Object.values(fiveXxUntouched).reduce((a, b) => a + (b ?? 0), 0);
  const result: ScenarioResult = {
    id: sc.id,
    title: sc.title,
    kind: sc.kind,
    touches: sc.touches,
    window: { faultStart: Math.round(faultStart), faultEnd: Math.round(faultEnd), end: durationMs },
    startedAt,
    routes,
    apart: {
      connections: frozenSockets.size,
      samples: onApart.map((x) => ({
        route: ROUTES[x.route],
        start: Math.round(x.start),
        latency: Math.round(x.latency),
        status: x.status,
        error: x.error,
      })),
      requests: onApart.length,
      answered: onApart.filter((x) => x.outcome === OUTCOME_OK).length,
      dropped: onApart.filter((x) => x.outcome === OUTCOME_ERROR).length,
      unanswered: onApart.filter((x) => x.outcome === OUTCOME_TIMEOUT).length,
    },
    facts: active.facts ?? {},
    workerReplacements,
    worker,
    breakerTransitions,
    service5xx,
    touched5xx,
    payments,
    mail,
    violations: { fiveXxUntouched, dropped, unanswered, total: five + dropped + unanswered },
    cpu: {
      cores: CpuMonitor.cores(),
      foreignAvg: cpuSeries.length ? Math.round((cpuSeries.reduce((a, x) => a + x.foreign, 0) / cpuSeries.length) * 10) / 10 : null,
      foreignMax: cpuSeries.length ? Math.max(...cpuSeries.map((x) => x.foreign)) : null,
      series: cpuSeries,
    },
  };
  const errs = [...new Set(samples.filter((x) => x.error && !isApart(x)).map((x) => x.error))];
  log(
    `  ${result.violations.total === 0 ? 'pass' : 'FAIL'}: ${samples.length} requests; 5xx on untouched routes ${five}, dropped ${dropped}, unanswered ${unanswered}${errs.length ? ` (${errs.join(', ')})` : ''}` +
      `${frozenSockets.size ? `; apart (frozen worker's connections): ${result.apart.requests} requests, ${result.apart.dropped} dropped, ${result.apart.unanswered} unanswered` : ''}; workers replaced ${workerReplacements.length}; breaker transitions ${breakerTransitions.length}`,
  );
  return result;
}

async function main(): Promise<number> {
  installSignalHandlers();
  const started = performance.now();
  const mode = modeFor(quick);
  const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.id));
  if (scenarios.length === 0) throw new Error(`--only matched no scenario; ids: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  const expectedS = scenarios.reduce((a, s) => {
    const t = s.kind === 'worker' ? mode.workerTiming : mode.timing;
    return a + (t.beforeMs + t.faultMs + t.afterMs) / 1000;
  }, 0);
  // The whole run is bounded: twice the load time plus two minutes of set-up and
  // settling, then everything is stopped and the run fails.
  const budgetMs = (2 * expectedS + 120) * 1000;
  const watchdog = setTimeout(() => {
    process.stderr.write(`\nthe run took longer than ${Math.round(budgetMs / 1000)} s; stopping everything\n`);
    void cleanupAll().finally(() => process.exit(2));
  }, budgetMs);
  watchdog.unref();

  log(`chaos benchmark, ${mode.name} mode: ${scenarios.length} scenarios, about ${Math.round(expectedS)} s of load`);
  log(
    mode.name === 'quick'
      ? 'Timeouts shortened to fit (quick mode), and other settings changed for the bench:'
      : 'Settings changed for the bench (time budgets at their defaults):',
  );
  for (const c of mode.changes) log(`  ${c.name}: ${c.from} → ${c.to}  (${c.why})`);

  const logDir = mkdtempSync(path.join(os.tmpdir(), 'it360-chaos-'));
  log(`logs: ${logDir}`);
  const dbUrl = await freshDatabase('it360_chaos');
  const redis = await startRedis();
  const sim = await startSimulator(logDir);
  const sink = await startSink();
  const common = { ...mode.env, DATABASE_URL: dbUrl, PAYSTACK_BASE_URL: sim.url, SMTP_URL: sink.url };
  // The OTLP receiver the traced service exports to, as a process of its own (the
  // collector-hung scenario freezes it); only when a scenario needs it.
  let collector: ReceiverProcess | undefined;
  if (scenarios.some((s) => s.service === 'traced')) {
    collector = await startReceiverProcess();
    const c = collector;
    onCleanup('OTLP receiver', () => c.stop());
    log(`OTLP receiver (trace collector) at ${collector.url}`);
  }
  type Instance = Scenario['service'];
  const start = (which: Instance) =>
    which === 'no-cache'
      ? startService('service-no-cache', { ...common, CACHE_DISABLED: 'true' }, logDir, WORKERS)
      : which === 'traced'
        ? startService('service-traced', { ...common, REDIS_URL: redis.url, OTEL_EXPORTER_OTLP_ENDPOINT: collector!.url }, logDir, WORKERS)
        : startService('service', { ...common, REDIS_URL: redis.url }, logDir, WORKERS);
  let current: Instance = scenarios[0].service === 'traced' ? 'traced' : 'main';
  log(`starting the service (production mode, 2 workers${current === 'traced' ? ', exporting traces' : ''})…`);
  let service = await start(current);
  log(`seeding ${USERS} users, ${COURSES} courses; logging in ${STUDENTS} students…`);
  const seeded = await seed(dbUrl, { users: USERS, courses: COURSES, detailUsers: DETAIL_USERS });
  const admin = await logIn(service.url, ADMIN.email, ADMIN.password);
  const students = await loginStudents(service.url, STUDENTS, 8);
  const types = loadTypes({ admin, students, detailIds: seeded.detailIds, courseIds: seeded.courseIds, lessonIds: seeded.lessonIds });
  const mailTypes = mailLoadTypes(Date.now().toString(36));
  log(
    `load: ${READ_CONNECTIONS} connections each for the user list, course list and user detail; ${PAYMENT_CONNECTIONS} for payments, each at most one per ${PAYMENT_PACE_MS} ms; ${LESSON_CONNECTIONS} reading lessons; ${PROGRESS_CONNECTIONS} marking progress, each at most one per ${PROGRESS_PACE_MS} ms; connections live ${CONNECTION_LIFETIME_MS} ms`,
  );
  log(`set-up took ${fmtS(performance.now() - started)}`);
  await warmUp(service, types, mode, true);

  const results: ScenarioResult[] = [];
  let i = 0;
  for (const sc of scenarios) {
    i++;
    if (sc.service !== current) {
      log(
        `\nrestarting the service ${sc.service === 'no-cache' ? 'with CACHE_DISABLED=true' : sc.service === 'traced' ? 'exporting traces' : ''}…`,
      );
      await service.stop();
      service = await start(sc.service);
      current = sc.service;
      await warmUp(service, types, mode, sc.service !== 'no-cache');
    }
    results.push(await runScenario(sc, i, scenarios.length, { mode, service, dbUrl, redis, sim, sink, collector, types, mailTypes }));
  }
  await service.stop();
  await collector?.stop();

  const durationS = (performance.now() - started) / 1000;
  const targets = evaluateTargets(results, mode);
  mkdirSync(outDir, { recursive: true });
  const prefix = `chaos-${mode.name}`;
  const plots = await writeScenarioPlots(results, outDir, prefix);
  const meta = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`,
    node: process.version,
    service: `NODE_ENV=production, WEB_CONCURRENCY=${WORKERS}, LOG_LEVEL=info, PostgreSQL (own database), redis-server (own), Paystack simulator (own process), SMTP sink (own process)`,
    data: `${USERS} students + admin + instructor, ${COURSES} published courses, ${STUDENTS} students logged in for payments`,
    load: `closed loop on loopback: ${READ_CONNECTIONS} connections each for the user list (page 1 of 20), the course list and a user detail (rotating over ${DETAIL_USERS} users); ${PAYMENT_CONNECTIONS} for payment initialization, each paced to one per ${PAYMENT_PACE_MS} ms over fresh (student, course) pairs; ${LESSON_CONNECTIONS} reading lessons of a free course as its enrolled students (rotating over students and lessons) and ${PROGRESS_CONNECTIONS} marking them complete or not, each paced to one per ${PROGRESS_PACE_MS} ms; each connection replaced after ${CONNECTION_LIFETIME_MS} ms; in the login flood also other users' logins (2 connections, one per 200 ms each, each user from its own address) and the guessed account's owner (one per 2 s from four addresses of their own), with the attacker's own closed loops during the fault; in the SMTP scenarios also registrations (one connection, one per 500 ms, each from its own address) and password-reset requests (one connection, one per 250 ms) that each queue a mail; a request unanswered after ${mode.clientTimeoutMs} ms counts as unanswered`,
  };
  const md = markdown({ results, targets, mode, meta, durationS, plots });
  writeFileSync(path.join(outDir, `${prefix}.md`), md);
  writeFileSync(
    path.join(outDir, `${prefix}.json`),
    `${JSON.stringify({ mode: mode.name, meta, changes: mode.changes, durationS: Math.round(durationS), targets, results }, null, 1)}\n`,
  );

  log(`\n${md}`);
  log(`written: ${path.join(outDir, `${prefix}.md`)}, ${prefix}.json and ${results.length} plots`);
  const failed = results.filter((r) => r.violations.total > 0);
  const missed = targets.filter((t) => !t.met);
  log(`targets: ${targets.length - missed.length}/${targets.length} met`);
  log(`run took ${durationS.toFixed(0)} s`);
  if (!keepLogs) rmSync(logDir, { recursive: true, force: true });
  if (failed.length) {
    log(`FAIL: ${failed.map((r) => r.id).join(', ')} produced a 5xx on an untouched route, a dropped connection or an unanswered request`);
    return 1;
  }
  log('pass: no 5xx on untouched routes, no dropped connections, no unanswered requests');
  return 0;
}

runMain(main);
