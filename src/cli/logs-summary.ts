import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/**
 * `npm run logs:summary -- FILE…` (or the log on stdin): reads the service's JSON log
 * lines and answers "which endpoints are timing out, on what, and which requests":
 * per route the requests, 5xx, 503s by reason and deadline overruns; per dependency the
 * failed calls by operation; and the request ids of the worst requests. Lines that are
 * not JSON (a start banner, a stack trace) are skipped.
 *
 * Options: --json (machine-readable), --top N (worst requests shown, default 10).
 */

type Rec = Record<string, unknown>;

export interface RouteSummary {
  route: string;
  requests: number;
  errors5xx: number;
  /** 503 answers by problem code (deadline_exceeded, dependency_unavailable, overloaded). */
  unavailableByReason: Record<string, number>;
  /** Answered 503 deadline_exceeded. */
  pastDeadline: number;
  /** Dependencies named as the culprit of this route's 5xx. */
  culprits: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface DependencySummary {
  dependency: string;
  op: string;
  errors: number;
  timeouts: number;
  rejected: number;
  errorCodes: Record<string, number>;
  routes: Record<string, number>;
}

export interface WorstRequest {
  requestId: string;
  route: string;
  statusCode: number;
  code?: string;
  durationMs: number;
  dependency?: string;
  time?: string;
  pid?: number;
}

export interface LogSummary {
  records: number;
  skippedLines: number;
  from?: string;
  to?: string;
  routes: RouteSummary[];
  dependencies: DependencySummary[];
  breakers: { dependency: string; to: string; count: number }[];
  workers: { event: string; cause: string; count: number }[];
  worst: WorstRequest[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const inc = (m: Record<string, number>, k: string, by = 1) => void (m[k] = (m[k] ?? 0) + by);

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

export async function summarize(inputs: Readable[], top = 10): Promise<LogSummary> {
  const routes = new Map<string, Omit<RouteSummary, 'p50Ms' | 'p99Ms' | 'maxMs'> & { durations: number[] }>();
  const deps = new Map<string, DependencySummary>();
  const breakers = new Map<string, number>();
  const workers = new Map<string, number>();
  const worst: WorstRequest[] = [];
  let records = 0;
  let skippedLines = 0;
  let from: string | undefined;
  let to: string | undefined;
  // Worst first: failed before slow, then the longest.
  const rank = (r: WorstRequest) => (r.statusCode >= 500 ? 1e12 : 0) + r.durationMs;

  const take = (r: Rec) => {
    records++;
    const time = str(r.time);
    if (time) {
      if (!from || time < from) from = time;
      if (!to || time > to) to = time;
    }
    const msg = str(r.msg) ?? '';
    if (msg === 'request completed') {
      const route = `${str(r.method) ?? '?'} ${str(r.route) ?? '?'}`;
      const status = num(r.statusCode) ?? 0;
      const durationMs = num(r.durationMs) ?? 0;
      const code = str(r.code);
      const dependency = str(r.dependency);
      let s = routes.get(route);
      if (!s)
        routes.set(
          route,
          (s = { route, requests: 0, errors5xx: 0, unavailableByReason: {}, pastDeadline: 0, culprits: {}, durations: [] }),
        );
      s.requests++;
      s.durations.push(durationMs);
      if (status >= 500) {
        s.errors5xx++;
        if (dependency) inc(s.culprits, dependency);
      }
      if (status === 503) inc(s.unavailableByReason, code ?? 'unknown');
      if (code === 'deadline_exceeded') s.pastDeadline++;
      const requestId = str(r.requestId);
      if (requestId) {
        const w: WorstRequest = {
          requestId,
          route,
          statusCode: status,
          durationMs,
          ...(code ? { code } : {}),
          ...(dependency ? { dependency } : {}),
          ...(time ? { time } : {}),
          ...(num(r.pid) ? { pid: num(r.pid) } : {}),
        };
        if (worst.length < top || rank(w) > rank(worst[worst.length - 1])) {
          worst.push(w);
          worst.sort((a, b) => rank(b) - rank(a));
          if (worst.length > top) worst.pop();
        }
      }
      return;
    }
    const dependency = str(r.dependency);
    const outcome = str(r.outcome);
    const op = str(r.op);
    // The policy's one line per failed call: "<dependency> <op> <outcome>".
    if (
      dependency &&
      op &&
      (outcome === 'error' || outcome === 'timeout' || outcome === 'rejected') &&
      msg === `${dependency} ${op} ${outcome}`
    ) {
      const key = `${dependency}\u0000${op}`;
      let d = deps.get(key);
      if (!d) deps.set(key, (d = { dependency, op, errors: 0, timeouts: 0, rejected: 0, errorCodes: {}, routes: {} }));
      if (outcome === 'error') d.errors++;
      else if (outcome === 'timeout') d.timeouts++;
      else d.rejected++;
      inc(d.errorCodes, str(r.errorCode) ?? outcome);
      const route = str(r.route);
      if (route) inc(d.routes, route);
      return;
    }
    if (msg.startsWith('breaker ') && dependency && str(r.to)) {
      breakers.set(`${dependency}\u0000${str(r.to)}`, (breakers.get(`${dependency}\u0000${str(r.to)}`) ?? 0) + 1);
      return;
    }
    if (msg === 'worker hung' || msg === 'worker exited' || msg === 'worker recycling') {
      const cause = str(r.cause) ?? str(r.reason) ?? (msg === 'worker hung' ? 'hung' : 'unknown');
      workers.set(`${msg}\u0000${cause}`, (workers.get(`${msg}\u0000${cause}`) ?? 0) + 1);
    }
  };

  for (const input of inputs) {
    const lines = createInterface({ input, crlfDelay: Infinity });
    for await (const line of lines) {
      const start = line.indexOf('{');
      if (start < 0) {
        if (line.trim()) skippedLines++;
        continue;
      }
      try {
        const r = JSON.parse(line.slice(start)) as unknown;
        if (r && typeof r === 'object' && !Array.isArray(r)) take(r as Rec);
        else skippedLines++;
      } catch {
        skippedLines++;
      }
    }
  }

  return {
    records,
    skippedLines,
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    routes: [...routes.values()]
      .map(({ durations, ...s }) => {
        const sorted = durations.sort((a, b) => a - b);
        return { ...s, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), maxMs: sorted[sorted.length - 1] ?? 0 };
      })
      .sort((a, b) => b.pastDeadline - a.pastDeadline || b.errors5xx - a.errors5xx || b.requests - a.requests),
    dependencies: [...deps.values()].sort((a, b) => b.timeouts + b.errors + b.rejected - (a.timeouts + a.errors + a.rejected)),
    breakers: [...breakers.entries()].map(([k, count]) => {
      const [dependency, to] = k.split('\u0000') as [string, string];
      return { dependency, to, count };
    }),
    workers: [...workers.entries()].map(([k, count]) => {
      const [event, cause] = k.split('\u0000') as [string, string];
      return { event, cause, count };
    }),
    worst,
  };
}

// ---------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------

function table(head: string[], rows: string[][], right: number[] = []): string {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : right.includes(i) ? c.padStart(width[i]) : c.padEnd(width[i])))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
const counts = (m: Record<string, number>) =>
  Object.entries(m)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');

export function formatSummary(s: LogSummary): string {
  const out: string[] = [];
  out.push(
    `${s.records} log records${s.from ? `, ${s.from} to ${s.to}` : ''}${s.skippedLines ? ` (${s.skippedLines} non-JSON lines skipped)` : ''}`,
  );
  const timingOut = s.routes.filter((r) => r.pastDeadline > 0);
  out.push(
    timingOut.length
      ? `Timing out: ${timingOut.map((r) => `${r.route} (${r.pastDeadline})`).join(', ')}`
      : 'Timing out: no route ran past its deadline',
  );
  const culprits: Record<string, number> = {};
  for (const d of s.dependencies) inc(culprits, d.dependency, d.timeouts + d.errors);
  if (Object.keys(culprits).length) out.push(`Failing dependency calls: ${counts(culprits)}`);

  out.push('', 'Requests by route');
  out.push(
    s.routes.length
      ? table(
          ['ROUTE', 'REQUESTS', '5XX', 'PAST DEADLINE', 'P50', 'P99', 'MAX', '503 BY REASON', 'CULPRIT'],
          s.routes.map((r) => [
            r.route,
            String(r.requests),
            String(r.errors5xx),
            String(r.pastDeadline),
            ms(r.p50Ms),
            ms(r.p99Ms),
            ms(r.maxMs),
            counts(r.unavailableByReason) || '–',
            counts(r.culprits) || '–',
          ]),
          [1, 2, 3, 4, 5, 6],
        )
      : '(no "request completed" records)',
  );

  out.push('', 'Dependency calls that failed, by operation');
  out.push(
    s.dependencies.length
      ? table(
          ['DEPENDENCY', 'OP', 'ERRORS', 'TIMEOUTS', 'REJECTED', 'ERROR CODES', 'ROUTES'],
          s.dependencies.map((d) => [
            d.dependency,
            d.op,
            String(d.errors),
            String(d.timeouts),
            String(d.rejected),
            counts(d.errorCodes),
            counts(d.routes) || '–',
          ]),
          [2, 3, 4],
        )
      : '(none)',
  );

  if (s.breakers.length) {
    out.push('', 'Breaker transitions');
    out.push(
      table(
        ['DEPENDENCY', 'TO', 'COUNT'],
        s.breakers.map((b) => [b.dependency, b.to, String(b.count)]),
        [2],
      ),
    );
  }
  if (s.workers.length) {
    out.push('', 'Workers');
    out.push(
      table(
        ['EVENT', 'CAUSE', 'COUNT'],
        s.workers.map((w) => [w.event, w.cause, String(w.count)]),
        [2],
      ),
    );
  }

  out.push('', `Worst requests (failed first, then slowest)`);
  out.push(
    s.worst.length
      ? table(
          ['REQUEST ID', 'ROUTE', 'STATUS', 'TOOK', 'CODE', 'WAITED ON', 'TIME'],
          s.worst.map((w) => [
            w.requestId,
            w.route,
            String(w.statusCode),
            ms(w.durationMs),
            w.code ?? '–',
            w.dependency ?? '–',
            w.time ?? '',
          ]),
          [2, 3],
        )
      : '(none)',
  );
  return `${out.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const topAt = argv.indexOf('--top');
  const top = topAt >= 0 ? Math.max(1, Number(argv[topAt + 1]) || 10) : 10;
  const files = argv.filter((a, i) => !a.startsWith('--') && !(topAt >= 0 && i === topAt + 1));
  if (files.length === 0 && process.stdin.isTTY) {
    process.stderr.write('usage: npm run logs:summary -- FILE… [--json] [--top N]   (or pipe the log on stdin)\n');
    return 64;
  }
  const inputs = files.length === 0 || (files.length === 1 && files[0] === '-') ? [process.stdin] : files.map((f) => createReadStream(f));
  const summary = await summarize(inputs, top);
  process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
  return 0;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
