import { type Route, ROUTE_LABEL } from './load.ts';
import type { Mode } from './settings.ts';
import { PHASES, type PhaseStats, type RouteResult, type Window } from './stats.ts';

export interface BreakerTransition {
  t: number;
  pid: number;
  dependency: string;
  from: string;
  to: string;
}

export interface TouchedFailures {
  route: Route;
  count: number;
  codes: Record<string, number>;
  p50: number | null;
  max: number | null;
}

export interface ScenarioResult {
  id: string;
  title: string;
  kind: string;
  touches: Route[];
  window: Window;
  startedAt: string;
  routes: RouteResult[];
  /** Requests on connections already open on the frozen worker, counted apart. */
  apart: {
    connections: number;
    requests: number;
    answered: number;
    dropped: number;
    unanswered: number;
    samples: { route: Route; start: number; latency: number; status: number; error?: string }[];
  };
  facts: Record<string, unknown>;
  workerReplacements: { t: number; reason: string; workerPid: number }[];
  worker?: { frozenPid: number; killedAfterMs: number | null; replacementReadyAfterMs: number | null };
  breakerTransitions: BreakerTransition[];
  /** The service's own account of its 5xx answers (from its log). */
  service5xx: { route: string; code: string; dependency: string; count: number }[];
  /** 5xx answers on the routes the fault touches, during the fault. */
  touched5xx: TouchedFailures[];
  payments?: { faultRows: number; pendingLeft: number; settledAfterMs: number | null; statuses: Record<string, number> };
  /** Mail scenarios: messages queued during the fault and what the SMTP server received of them (distinct Message-IDs). */
  mail?: { queued: number; delivered: number; duplicates: number; deliveredAfterMs: number | null; statuses: Record<string, number> };
  violations: { fiveXxUntouched: Partial<Record<Route, number>>; dropped: number; unanswered: number; total: number };
  /** CPU used by processes outside the run while it was measured, percent of all cores. */
  cpu: { cores: number; foreignAvg: number | null; foreignMax: number | null; series: { t: number; busy: number; foreign: number }[] };
}

export interface Target {
  target: string;
  scenario: string;
  measured: string;
  met: boolean;
}

const fmt = (n: number | null | undefined, digits = 0) => (n === null || n === undefined ? '–' : n.toFixed(digits));
const pct = (a: number, b: number) => (b > 0 ? `${Math.round((a / b) * 100)}%` : 'n/a');
const route = (results: ScenarioResult[], id: string) => results.find((r) => r.id === id);
const phase = (r: ScenarioResult, rt: Route, p: 'before' | 'during' | 'after'): PhaseStats =>
  r.routes.find((x) => x.route === rt)!.phases[p];
const fivexx = (s: PhaseStats) =>
  Object.entries(s.non2xx)
    .filter(([k]) => Number(k) >= 500)
    .reduce((a, [, v]) => a + v, 0);

/** Evaluates the issue's targets against the measurements; every one is reported, met or not. */
export function evaluateTargets(results: ScenarioResult[], mode: Mode): Target[] {
  const out: Target[] = [];
  const base = route(results, 'no-cache');
  const healthy = route(results, 'healthy');
  if (base && healthy) {
    const h = phase(healthy, 'userList', 'during');
    const b = phase(base, 'userList', 'during');
    out.push({
      target: 'user list with a healthy Redis at least as fast as with no cache',
      scenario: 'healthy',
      measured: `${fmt(h.okPerS)}/s vs ${fmt(b.okPerS)}/s (${pct(h.okPerS, b.okPerS)})`,
      met: h.okPerS >= b.okPerS,
    });
  }
  for (const id of ['redis-hung', 'redis-down', 'redis-silent']) {
    const r = route(results, id);
    if (!r) continue;
    // Side by side in one scenario: the seconds before the fault are its healthy rate.
    const before = phase(r, 'userList', 'before');
    const during = phase(r, 'userList', 'during');
    out.push({
      target: 'user list 2xx/s during the fault ≥ 95% of its healthy rate (the in-process tier never waits on Redis)',
      scenario: id,
      measured: `${fmt(during.okPerS)}/s vs ${fmt(before.okPerS)}/s (${pct(during.okPerS, before.okPerS)})`,
      met: during.okPerS >= 0.95 * before.okPerS,
    });
    out.push({
      target: 'user list p99 during the fault ≤ 1.2× its healthy p99',
      scenario: id,
      measured: `${fmt(during.p99, 1)} ms vs ${fmt(before.p99, 1)} ms`,
      met: during.p99 !== null && before.p99 !== null && during.p99 <= 1.2 * before.p99,
    });
    if (base) {
      const during = phase(r, 'userList', 'during');
      const b = phase(base, 'userList', 'during');
      out.push({
        target: 'user list 2xx/s during the fault ≥ 80% of the no-cache baseline',
        scenario: id,
        measured: `${fmt(during.okPerS)}/s vs ${fmt(b.okPerS)}/s (${pct(during.okPerS, b.okPerS)})`,
        met: during.okPerS >= 0.8 * b.okPerS,
      });
      out.push({
        target: 'user list p99 during the fault ≤ 2× the no-cache baseline',
        scenario: id,
        measured: `${fmt(during.p99, 1)} ms vs ${fmt(b.p99, 1)} ms`,
        met: during.p99 !== null && b.p99 !== null && during.p99 <= 2 * b.p99,
      });
    }
    const n5 = r.routes.reduce((a, x) => a + PHASES.reduce((n, p) => n + fivexx(x.phases[p]), 0), 0);
    out.push({ target: 'no 5xx on any route', scenario: id, measured: `${n5} 5xx`, met: n5 === 0 });
    out.push({
      target: 'no worker replaced',
      scenario: id,
      measured: `${r.workerReplacements.length} replaced`,
      met: r.workerReplacements.length === 0,
    });
  }

  const hung = route(results, 'collector-hung');
  if (hung) {
    // The read routes, each against its own seconds before the freeze: exporting traces
    // must never make a request wait, so a hung collector costs nothing visible.
    for (const rt of ['userList', 'courseList', 'userDetail'] as const) {
      const before = phase(hung, rt, 'before');
      const during = phase(hung, rt, 'during');
      out.push({
        target: `${ROUTE_LABEL[rt]} 2xx/s during the hang ≥ 95% of its rate before (export never waits on the collector)`,
        scenario: 'collector-hung',
        measured: `${fmt(during.okPerS)}/s vs ${fmt(before.okPerS)}/s (${pct(during.okPerS, before.okPerS)})`,
        met: during.okPerS >= 0.95 * before.okPerS,
      });
    }
    const n5 = hung.routes.reduce((a, x) => a + PHASES.reduce((n, p) => n + fivexx(x.phases[p]), 0), 0);
    out.push({ target: 'no 5xx on any route', scenario: 'collector-hung', measured: `${n5} 5xx`, met: n5 === 0 });
    // The cost of tracing itself: the same load on the untraced service, when the run has it.
    if (healthy) {
      const during = phase(hung, 'userList', 'during');
      const h = phase(healthy, 'userList', 'during');
      out.push({
        target:
          'user list 2xx/s with the collector hung ≥ 80% of the untraced service (healthy scenario): the cost of tracing, not of the hang',
        scenario: 'collector-hung',
        measured: `${fmt(during.okPerS)}/s vs ${fmt(h.okPerS)}/s (${pct(during.okPerS, h.okPerS)})`,
        met: during.okPerS >= 0.8 * h.okPerS,
      });
    }
  }

  const lock = route(results, 'table-lock');
  if (lock) {
    const t = lock.touched5xx.filter((x) => x.count > 0);
    const codes = t.flatMap((x) => Object.keys(x.codes));
    const p50s = t.map((x) => x.p50 ?? 0);
    out.push({
      target: `requests needing users answer 503 dependency_unavailable after about DB_LOCK_TIMEOUT_MS (${mode.dbLockTimeoutMs} ms)`,
      scenario: 'table-lock',
      measured: t.length
        ? t
            .map(
              (x) =>
                `${x.route}: ${x.count}× ${Object.entries(x.codes)
                  .map(([k, v]) => `${k} ${v}`)
                  .join(', ')}, p50 ${fmt(x.p50)} ms, max ${fmt(x.max)} ms`,
            )
            .join('; ')
        : 'no 503 at all',
      met:
        t.length > 0 &&
        codes.every((c) => c === 'dependency_unavailable') &&
        p50s.every((p) => p >= 0.75 * mode.dbLockTimeoutMs && p <= 1.5 * mode.dbLockTimeoutMs),
    });
    for (const rt of ['userList', 'userDetail', 'courseList', 'lessonRead'] as Route[]) {
      const b = phase(lock, rt, 'before');
      const d = phase(lock, rt, 'during');
      out.push({
        target: 'cached reads and other routes keep ≥ 80% of their healthy rate',
        scenario: `table-lock / ${rt}`,
        measured: `${fmt(d.okPerS)}/s vs ${fmt(b.okPerS)}/s before (${pct(d.okPerS, b.okPerS)})`,
        met: d.okPerS >= 0.8 * b.okPerS,
      });
    }
    const worst = Math.max(...lock.routes.map((x) => x.recoveryS ?? Infinity));
    out.push({
      target: 'after the lock is released, every route back to its healthy rate within 2 s',
      scenario: 'table-lock',
      measured: recoveryText(lock),
      met: worst <= 2,
    });
  }

  for (const id of ['paystack-hung', 'paystack-slow', 'paystack-500']) {
    const r = route(results, id);
    if (!r) continue;
    const d = phase(r, 'paymentInit', 'during');
    const non503 = Object.entries(d.non2xx)
      .filter(([k]) => k !== '503')
      .reduce((a, [, v]) => a + v, 0);
    const deadline = mode.requestTimeoutMs;
    if (id !== 'paystack-slow') {
      out.push({
        target: `payment initialization answers 503 within its deadline (${deadline} ms)`,
        scenario: id,
        measured: `${d.non2xx['503'] ?? 0}× 503, ${d.ok}× 2xx, ${non503} other, ${d.dropped + d.unanswered} unanswered/dropped; max ${fmt(d.max)} ms`,
        // Client-side latency includes the loopback trip; 250 ms of slack for it.
        met: non503 === 0 && d.dropped + d.unanswered === 0 && (d.max ?? 0) <= deadline + 250,
      });
    } else {
      out.push({
        target: `payment initialization still answers within its deadline (${deadline} ms)`,
        scenario: id,
        measured: `${d.ok}× 2xx, ${d.non2xx['503'] ?? 0}× 503, p50 ${fmt(d.p50)} ms, max ${fmt(d.max)} ms`,
        met: d.dropped + d.unanswered === 0 && (d.max ?? 0) <= deadline + 250,
      });
    }
    for (const rt of r.routes.map((x) => x.route).filter((x) => x !== 'paymentInit')) {
      const b = phase(r, rt, 'before');
      const dd = phase(r, rt, 'during');
      out.push({
        target: 'every other route keeps ≥ 90% of its healthy rate',
        scenario: `${id} / ${rt}`,
        measured: `${fmt(dd.okPerS)}/s vs ${fmt(b.okPerS)}/s before (${pct(dd.okPerS, b.okPerS)})`,
        met: dd.okPerS >= 0.9 * b.okPerS,
      });
    }
    if (r.payments) {
      const p = r.payments;
      out.push({
        target: 'every payment row left pending by the fault is settled by the reconciler after it',
        scenario: id,
        measured: `${p.faultRows} rows made during the fault; ${p.pendingLeft} still pending${p.settledAfterMs !== null ? `; all settled ${fmt(p.settledAfterMs / 1000, 1)} s after the load` : ''} (${Object.entries(
          p.statuses,
        )
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`,
        met: p.pendingLeft === 0,
      });
    }
  }

  const w = route(results, 'worker-frozen');
  if (w?.worker) {
    const limit = mode.workerTimeoutMs + 2000;
    out.push({
      target: `the frozen worker is replaced within WORKER_TIMEOUT_MS + 2 s (${limit} ms)`,
      scenario: 'worker-frozen',
      measured: `killed and re-forked after ${fmt(w.worker.killedAfterMs)} ms; replacement serving after ${fmt(w.worker.replacementReadyAfterMs)} ms`,
      met: w.worker.killedAfterMs !== null && w.worker.killedAfterMs <= limit,
    });
    out.push({
      target: `the replacement is serving within WORKER_TIMEOUT_MS + 2 s (${limit} ms)`,
      scenario: 'worker-frozen',
      measured: `${fmt(w.worker.replacementReadyAfterMs)} ms`,
      met: w.worker.replacementReadyAfterMs !== null && w.worker.replacementReadyAfterMs <= limit,
    });
    const serving = w.routes.map((x) => ({
      rt: x.route,
      ok: x.phases.during.ok,
      rate: x.phases.during.okPerS,
      before: x.phases.before.okPerS,
    }));
    out.push({
      target: "the other worker's routes keep serving (new connections)",
      scenario: 'worker-frozen',
      measured:
        serving.map((s) => `${s.rt} ${fmt(s.rate)}/s (${pct(s.rate, s.before)})`).join(', ') +
        `; ${w.apart.connections} connections were on the frozen worker`,
      met: serving.every((s) => s.ok > 0),
    });
  }

  for (const id of ['smtp-hung', 'smtp-refusing', 'smtp-slow']) {
    const r = route(results, id);
    if (!r) continue;
    for (const rt of ['register', 'forgot'] as Route[]) {
      const b = phase(r, rt, 'before');
      const d = phase(r, rt, 'during');
      out.push({
        target: 'routes that queue mail keep their healthy rate (within 1.2×)',
        scenario: `${id} / ${rt}`,
        measured: `${fmt(d.okPerS, 1)}/s vs ${fmt(b.okPerS, 1)}/s before (${pct(d.okPerS, b.okPerS)})`,
        met: d.okPerS * 1.2 >= b.okPerS,
      });
      out.push({
        target: 'routes that queue mail keep their healthy p99 (within 1.2×)',
        scenario: `${id} / ${rt}`,
        measured: `${fmt(d.p99, 1)} ms vs ${fmt(b.p99, 1)} ms before`,
        met: d.p99 !== null && b.p99 !== null && d.p99 <= 1.2 * b.p99,
      });
    }
    if (r.mail) {
      const m = r.mail;
      out.push({
        target: 'every message queued during the fault delivered within 60 s after it ends (distinct Message-IDs at the SMTP server)',
        scenario: id,
        measured: `${m.delivered}/${m.queued} delivered${m.deliveredAfterMs === null ? '' : `, the last ${fmt(m.deliveredAfterMs / 1000, 1)} s after the fault`}; ${m.duplicates} duplicates`,
        met: m.queued > 0 && m.delivered === m.queued && m.deliveredAfterMs !== null && m.deliveredAfterMs <= 60_000,
      });
    }
  }

  const flood = route(results, 'login-flood');
  if (flood) {
    const before = phase(flood, 'login', 'before');
    const during = phase(flood, 'login', 'during');
    const non2xx = (s: PhaseStats) => Object.values(s.non2xx).reduce((a, b) => a + b, 0) + s.dropped + s.unanswered;
    out.push({
      target: "other users' logins keep answering within 2× their healthy p99 (before the flood) while it runs",
      scenario: 'login-flood',
      measured: `p99 ${fmt(during.p99, 1)} ms during vs ${fmt(before.p99, 1)} ms before (max ${fmt(during.max)} ms); ${during.ok}× 2xx, ${non2xx(during)} not`,
      met: during.p99 !== null && before.p99 !== null && during.p99 <= 2 * before.p99 && non2xx(during) === 0,
    });
    const victim = flood.routes.find((x) => x.route === 'loginVictim');
    const logins = flood.routes.filter((x) => x.route === 'login' || x.route === 'loginVictim');
    const locked = logins.reduce((a, x) => a + PHASES.reduce((n, p) => n + non2xx(x.phases[p]), 0), 0);
    const v = victim ? PHASES.map((p) => victim.phases[p]) : [];
    const facts = flood.facts as { flood?: Record<string, number>; guesses?: Record<string, number> };
    out.push({
      target: "nobody is locked out by someone else's load: every correct login of other users and of the guessed account's owner succeeds",
      scenario: 'login-flood',
      measured: `${locked} refused or failed; owner ${v.reduce((a, s) => a + s.ok, 0)}× 2xx (slowed by the account-wide ceiling: p50 ${fmt(victim?.phases.during.p50)} ms during, ${fmt(victim?.phases.after.p50)} ms after); attacker's logins ${JSON.stringify(facts.flood ?? {})}, guesses ${JSON.stringify(facts.guesses ?? {})}`,
      met: locked === 0 && v.reduce((a, s) => a + s.ok, 0) > 0,
    });
  }

  const limit = mode.breakerHalfOpenMs / 1000 + 2;
  for (const r of results.filter((x) => x.kind !== 'none')) {
    const worst = Math.max(...r.routes.map((x) => x.recoveryS ?? Infinity));
    out.push({
      target: `rates back to healthy within BREAKER_HALF_OPEN_MS + 2 s (${limit} s) of the fault's removal`,
      scenario: r.id,
      measured: recoveryText(r),
      met: worst <= limit,
    });
  }
  return out;
}

function recoveryText(r: ScenarioResult): string {
  return r.routes.map((x) => `${x.route} ${x.recoveryS === null ? 'not within the run' : `${fmt(x.recoveryS, 1)} s`}`).join(', ');
}

function transitions(list: BreakerTransition[]): string {
  if (list.length === 0) return '–';
  const counts = new Map<string, number>();
  for (const t of list) counts.set(`${t.dependency} ${t.from}→${t.to}`, (counts.get(`${t.dependency} ${t.from}→${t.to}`) ?? 0) + 1);
  return [...counts].map(([k, v]) => `${k} ×${v}`).join(', ');
}

function non2xx(s: PhaseStats): string {
  const e = Object.entries(s.non2xx);
  if (e.length === 0) return '0';
  const codes = Object.entries(s.codes5xx)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return e.map(([k, v]) => `${k}: ${v}`).join(', ') + (codes ? ` (${codes})` : '');
}

export function markdown(o: {
  results: ScenarioResult[];
  targets: Target[];
  mode: Mode;
  meta: Record<string, string>;
  durationS: number;
  plots: Record<string, string>;
}): string {
  const L: string[] = [];
  L.push(`# Chaos benchmark (${o.mode.name} mode)`, '');
  for (const [k, v] of Object.entries(o.meta)) L.push(`- ${k}: ${v}`);
  L.push(`- whole run: ${o.durationS.toFixed(0)} s`, '');
  if (o.mode.changes.length) {
    L.push('Settings that differ from the service defaults:', '', '| setting | default | here | why |', '|---|---:|---:|---|');
    for (const c of o.mode.changes) L.push(`| ${c.name} | ${c.from} | ${c.to} | ${c.why} |`);
    L.push('');
  }
  L.push(
    '## Scenarios',
    '',
    "Other processes' CPU: what processes outside the run (other work on the machine) used while the scenario ran, in percent of all cores, average and worst second; rates measured under much of it are not comparable with rates measured without.",
    '',
  );
  L.push(
    "| scenario | fault (s after start, length) | 5xx on untouched routes | dropped | unanswered | on frozen worker's connections (apart) | workers replaced | breaker transitions | other processes' CPU | CI |",
    '|---|---|---:|---:|---:|---|---:|---|---|---|',
  );
  for (const r of o.results) {
    const v = r.violations;
    const five = Object.values(v.fiveXxUntouched).reduce((a, b) => a + (b ?? 0), 0);
    const apart = r.apart.connections
      ? `${r.apart.connections} conns, ${r.apart.requests} req: ${r.apart.answered} answered, ${r.apart.dropped} dropped, ${r.apart.unanswered} unanswered`
      : '–';
    L.push(
      `| ${r.title} | ${r.kind === 'none' ? '–' : `${fmt(r.window.faultStart / 1000, 1)} s, ${fmt((r.window.faultEnd - r.window.faultStart) / 1000, 1)} s`} | ${five} | ${v.dropped} | ${v.unanswered} | ${apart} | ${r.workerReplacements.length} | ${transitions(r.breakerTransitions)} | ${fmt(r.cpu.foreignAvg)}% / ${fmt(r.cpu.foreignMax)}% | ${v.total === 0 ? 'pass' : '**FAIL**'} |`,
    );
  }
  L.push('', '## Targets', '', '| target | scenario | measured | met |', '|---|---|---|---|');
  for (const t of o.targets) L.push(`| ${t.target} | ${t.scenario} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`);
  const logged = o.results.flatMap((r) => r.service5xx.map((x) => ({ id: r.id, ...x })));
  if (logged.length) {
    L.push(
      '',
      '## 5xx as the service logged them',
      '',
      "From the service's own request log: the route, the problem code and the dependency it names as the cause.",
      '',
      '| scenario | route | code | dependency | count |',
      '|---|---|---|---|---:|',
    );
    for (const x of logged) L.push(`| ${x.id} | ${x.route} | ${x.code || '–'} | ${x.dependency || '–'} | ${x.count} |`);
  }
  L.push(
    '',
    '## Per request type and phase',
    '',
    'Phases by request start: before the fault, during it, after its removal. 2xx/s over the phase; latency over all answered requests.',
    '',
  );
  L.push(
    '| scenario | request | phase | 2xx/s | non-2xx by status (5xx codes) | dropped | unanswered | p50 ms | p99 ms | max ms |',
    '|---|---|---|---:|---|---:|---:|---:|---:|---:|',
  );
  for (const r of o.results) {
    for (const x of r.routes) {
      for (const p of PHASES) {
        const s = x.phases[p];
        L.push(
          `| ${r.id} | ${ROUTE_LABEL[x.route]} | ${p} | ${fmt(s.okPerS, 1)} | ${non2xx(s)} | ${s.dropped} | ${s.unanswered} | ${fmt(s.p50, 1)} | ${fmt(s.p99, 1)} | ${fmt(s.max, 0)} |`,
        );
      }
    }
  }
  L.push('', '## Plots', '');
  for (const r of o.results) if (o.plots[r.id]) L.push(`- ${r.title}: [${o.plots[r.id]}](${o.plots[r.id]})`);
  L.push('');
  return L.join('\n');
}
