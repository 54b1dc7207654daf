/**
 * `npm run bench:login`: how many logins per second, per core, the service sustains
 * while an attacker logs in at full speed.
 *
 * One worker process (WEB_CONCURRENCY=1) in production mode on its own PostgreSQL
 * database and redis-server. Two runs of LOGIN_BENCH_SECONDS each (default 10), after a
 * few seconds of unrecorded warm-up:
 *   1. users only: LOGIN_BENCH_USERS connections (default 4) logging in students with
 *      no pause, each login from the student's own address (X-Forwarded-For, believed
 *      from loopback through TRUST_PROXY), rotating over 900 students;
 *   2. the same users, plus the attacker: 16 connections logging in to three accounts
 *      of its own from one address with no pause, and 4 guessing another account's
 *      password from 20 addresses.
 * For each run it prints the users' successful logins per second, their p50/p99, the
 * worker's CPU use in cores (its user + system time, scrypt threads included, over the
 * wall time), logins per CPU-second (= per core kept busy), and what the attacker got.
 * Bounded: about 2 × (3 + LOGIN_BENCH_SECONDS) s of load plus set-up.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { CpuMonitor, postgresBackends } from './chaos/cpu.ts';
import { type LoadType, OUTCOME_OK, type RequestSpec, type Sample, startLoad } from './chaos/load.ts';
import { installSignalHandlers, runMain } from './chaos/procs.ts';
import { studentAddress } from './chaos/seed.ts';
import { type Service, startRedis, startService, startSimulator, startSink } from './chaos/stack.ts';
import { percentile } from './chaos/stats.ts';
import { freshDatabase, seedUsers } from './lib.ts';

const SECONDS = Number(process.env.LOGIN_BENCH_SECONDS ?? 10);
const USER_CONNECTIONS = Number(process.env.LOGIN_BENCH_USERS ?? 4);
// Unrecorded: V8 compiles the login path and the pools fill before anything counts.
const WARMUP_S = 3;
const PASSWORD = 'student-password';
const log = (s: string) => process.stdout.write(`${s}\n`);

const spec = (student: number, password: string, from: string): RequestSpec => ({
  method: 'POST',
  path: '/api/v1/auth/login',
  headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
  body: JSON.stringify({ email: `student${student}@example.com`, password }),
});

/** user + system CPU seconds of a process (scrypt's libuv threads included). */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // Fields 14 and 15 (utime, stime) in clock ticks; 100 a second on Linux.
  return (Number(f[11]) + Number(f[12])) / 100;
}

function users(): LoadType {
  let n = 0;
  // Students 1-900, each from an address of its own: at a few dozen logins a second each
  // comes back every half minute or so, within its per-account share (10 a minute).
  return {
    route: 'login',
    connections: USER_CONNECTIONS,
    next: () => {
      const k = (n++ % 900) + 1;
      return spec(k, PASSWORD, studentAddress(k));
    },
  };
}

// The attacker's two closed loops: 16 connections logging in to three accounts of its
// own from one address, and 4 guessing another account's password from 20 addresses.
function attacker(): LoadType {
  let a = 0;
  return { route: 'login', connections: 16, next: () => spec([996, 997, 998][a++ % 3], PASSWORD, '203.0.113.66') };
}
function guesser(): LoadType {
  let g = 0;
  return { route: 'login', connections: 4, next: () => spec(999, `guess-${g}`, `198.18.0.${(g++ % 20) + 1}`) };
}

interface Measured {
  label: string;
  loginsPerS: number;
  p50: number | null;
  p99: number | null;
  userStatuses: Record<string, number>;
  cores: number;
  perCore: number;
  attacker: Record<string, number>;
  guesses: Record<string, number>;
  foreignCpu: number | null;
}

const counts = (samples: Sample[]) => {
  const out: Record<string, number> = {};
  for (const x of samples) {
    const k = x.outcome === OUTCOME_OK ? String(x.status) : (x.error ?? 'failed');
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
};

async function run(label: string, svc: Service, withAttacker: boolean, dbName: string): Promise<Measured> {
  // Connections live 5 s: real clients reconnect now and then; not the subject here. A
  // login unanswered after 12 s (past the 10 s request deadline) is not coming.
  const go = (types: LoadType[], ms: number) =>
    startLoad({ origin: svc.url, types, durationMs: ms, clientTimeoutMs: 12_000, connectionLifetimeMs: 5000 });
  await go([users()], WARMUP_S * 1000).done;
  const worker = svc.workerPids()[0];
  const cpu = new CpuMonitor(() => [process.pid, ...postgresBackends(dbName)]);
  cpu.sample();
  const foreign: number[] = [];
  const ticker = setInterval(() => {
    const s = cpu.sample();
    if (s) foreign.push(s.foreign);
  }, 1000);
  const cpu0 = cpuSeconds(worker);
  const t0 = performance.now();
  const load = go([users()], SECONDS * 1000);
  const attack = withAttacker ? go([attacker()], SECONDS * 1000) : undefined;
  const guesses = withAttacker ? go([guesser()], SECONDS * 1000) : undefined;
  await Promise.all([load.done, attack?.done, guesses?.done]);
  clearInterval(ticker);
  const wallS = (performance.now() - t0) / 1000;
  const cores = (cpuSeconds(worker) - cpu0) / wallS;
  const mine = load.samples;
  const ok = mine.filter((x) => x.outcome === OUTCOME_OK && x.status === 200);
  const lat = mine
    .filter((x) => x.outcome === OUTCOME_OK)
    .map((x) => x.latency)
    .sort((p, q) => p - q);
  const loginsPerS = ok.length / wallS;
  const per = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round((v / wallS) * 10) / 10]));
  return {
    label,
    loginsPerS: Math.round(loginsPerS * 10) / 10,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    userStatuses: counts(mine),
    cores: Math.round(cores * 100) / 100,
    perCore: Math.round((loginsPerS / Math.max(0.01, cores)) * 10) / 10,
    attacker: per(counts(attack?.samples ?? [])),
    guesses: per(counts(guesses?.samples ?? [])),
    foreignCpu: foreign.length ? Math.round(foreign.reduce((p, q) => p + q, 0) / foreign.length) : null,
  };
}

async function main(): Promise<number> {
  installSignalHandlers();
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'it360-login-bench-'));
  const dbName = 'it360_login_bench';
  const dbUrl = await freshDatabase(dbName);
  const redis = await startRedis();
  const sim = await startSimulator(logDir);
  const sink = await startSink();
  // Production mode, one worker; the default login limits, TRUST_PROXY so that each
  // client's X-Forwarded-For is its address.
  const svc = await startService(
    'service',
    { DATABASE_URL: dbUrl, REDIS_URL: redis.url, PAYSTACK_BASE_URL: sim.url, TRUST_PROXY: '127.0.0.1', SMTP_URL: sink.url },
    logDir,
    1,
  );
  try {
    await seedUsers(dbUrl, 1000);
    log(
      `login capacity: 1 worker process, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${SECONDS} s per run after ${WARMUP_S} s of warm-up; ${USER_CONNECTIONS} user connections`,
    );
    const rows = [await run('users only', svc, false, dbName), await run('users + attacker at full speed', svc, true, dbName)];
    log('');
    log(
      "| run | users' logins/s | p50 ms | p99 ms | users' answers | worker CPU (cores) | logins per CPU-second | attacker's answers per s (own accounts, one address) | guesses per s (20 addresses) | other processes' CPU |",
    );
    log('|---|---:|---:|---:|---|---:|---:|---|---|---:|');
    for (const r of rows) {
      log(
        `| ${r.label} | ${r.loginsPerS} | ${r.p50?.toFixed(0) ?? '–'} | ${r.p99?.toFixed(0) ?? '–'} | ${JSON.stringify(r.userStatuses)} | ${r.cores} | ${r.perCore} | ${JSON.stringify(r.attacker)} | ${JSON.stringify(r.guesses)} | ${r.foreignCpu ?? '–'}% |`,
      );
    }
    const [base, attacked] = rows;
    log('');
    log(
      `With the attacker at full speed the users kept ${base.loginsPerS > 0 ? Math.round((attacked.loginsPerS / base.loginsPerS) * 100) : 0}% of their login rate: ${attacked.loginsPerS} logins/s on ${attacked.cores} cores, ${attacked.perCore} logins per second per core.`,
    );
    return 0;
  } finally {
    // The simulator and redis-server are stopped by runMain's clean-up, as every process started here.
    await svc.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
}

runMain(main);
