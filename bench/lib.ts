import autocannon from 'autocannon';
import pg from 'pg';

import { hashPassword } from '../src/auth/passwords.ts';

export const ADMIN = { email: 'bench-admin@example.com', password: 'bench-admin-password' };
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database of the benchmark's own on the local PostgreSQL. */
export async function freshDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: BASE_URL, connectionTimeoutMillis: 3000 });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(BASE_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Inserts `n` students straight into the (migrated) database. */
export async function seedUsers(url: string, n: number): Promise<void> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await c.connect();
  const hash = await hashPassword('student-password');
  await c.query(
    `INSERT INTO users (email, first_name, last_name, password_hash)
     SELECT 'student' || i || '@example.com', 'Student', 'Number ' || i, $1 FROM generate_series(1, $2::int) AS i
     ON CONFLICT DO NOTHING`,
    [hash, n],
  );
  await c.end();
}

export async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

export interface LoadResult {
  label: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** A bounded loopback load: fixed duration, fixed connections, one URL. */
export async function load(
  label: string,
  url: string,
  opts: { seconds: number; connections: number; headers?: Record<string, string> },
): Promise<LoadResult> {
  const r = await autocannon({
    url,
    connections: opts.connections,
    duration: opts.seconds,
    headers: opts.headers,
    // A request unanswered after 15 s counts as a timeout (past the 10 s request deadline).
    timeout: 15,
  });
  return {
    label,
    requests: r.requests.total,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

export function table(rows: LoadResult[]): string {
  const head =
    '| state | requests | req/s | p50 ms | p99 ms | max ms | non-2xx | errors | timeouts |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n';
  return (
    head +
    rows
      .map((r) => `| ${r.label} | ${r.requests} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.max} | ${r.non2xx} | ${r.errors} | ${r.timeouts} |`)
      .join('\n') +
    '\n'
  );
}
