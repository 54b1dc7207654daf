/**
 * `npm run bench:cache-faults`: what a Redis fault costs the admin user list.
 * Loopback load on GET /api/v1/users for a few seconds in each state: healthy Redis,
 * Redis hung (SIGSTOP) and then down under the same service, Redis silent (accepts TCP,
 * never answers) from the start, and no cache at all (the baseline), in BENCH_ROUNDS
 * rounds (default 3); the table gives each state's median round. Bounded: about
 * rounds × (5 × BENCH_SECONDS (default 5) + three warm-ups and start-ups). Prints a
 * Markdown table with the targets and writes it to bench/results/cache-faults.{md,json}.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { silentServer, TestRedis } from '../test/helpers/redis.ts';
import { startService } from '../test/helpers/service.ts';
import { startSmtpSinkProcess } from '../tools/smtp-sink/spawn.ts';
import { percentile } from './chaos/stats.ts';
import { ADMIN, freshDatabase, load, type LoadResult, login, seedUsers, table } from './lib.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
// Unrecorded load before each service's first state: V8 optimises the route and the
// in-process tier fills (a restarted worker's first reads go to Redis or PostgreSQL).
// 5 s, not 2: after 2 s the healthy state (always measured first) was still warming up
// and the faulted states after it came out 3-18% faster, flattering the 95% target.
const WARMUP_S = 5;
// A 5 s state measured once can land on a burst of the machine's other load (seen: one
// state at 41% of healthy in one run of four, the same state at 98-105% in the other
// three); the median of three rounds is not moved by one such burst.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// One worker by default: the fault's cost on one process, not how the kernel spreads
// connections over two (BENCH_WORKERS=2 for the deployed shape).
const WORKERS = process.env.BENCH_WORKERS ?? '1';
const outDir = path.resolve('bench/results');

async function main(): Promise<void> {
  const dbUrl = await freshDatabase('it360_bench_cache');
  const redis = await TestRedis.start();
  const silent = await silentServer();
  // Production requires a mail server; nothing here sends mail.
  const sink = await startSmtpSinkProcess();
  const common = {
    SMTP_URL: sink.url,
    PUBLIC_URL: 'http://127.0.0.1',
    NODE_ENV: 'production',
    DATABASE_URL: dbUrl,
    PAYSTACK_SECRET_KEY: 'sk_test_bench_unused',
    PAYSTACK_BASE_URL: 'http://127.0.0.1:9',
    // Random per run: production refuses secrets with placeholder words in them.
    JWT_SECRET: randomBytes(36).toString('base64url'),
    OPS_TOKEN: randomBytes(32).toString('base64url'),
    BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    WEB_CONCURRENCY: WORKERS,
    LOG_LEVEL: 'warn',
  };
  /** Every round's rows, in order. */
  const rounds: LoadResult[][] = [];
  let rows: LoadResult[] = [];
  /** Runs `states` against a service started with `env`, after a warm-up. */
  async function against(
    env: Record<string, string>,
    states: (measure: (label: string) => Promise<void>) => Promise<void>,
    setup?: () => Promise<void>,
  ) {
    const svc = await startService({ ...common, ...env });
    try {
      // The first service has migrated the database: the users can go in.
      await setup?.();
      const token = await login(svc.url);
      const opts = { connections: CONNECTIONS, headers: { authorization: `Bearer ${token}` } };
      const url = `${svc.url}/api/v1/users?page=1&pageSize=20`;
      await load('warm-up', url, { ...opts, seconds: WARMUP_S });
      await states(async (label) => {
        process.stderr.write(`${label}…\n`);
        rows.push(await load(label, url, { ...opts, seconds: SECONDS }));
      });
    } finally {
      await svc.kill();
    }
  }
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      process.stderr.write(`round ${round} of ${ROUNDS}\n`);
      rows = [];
      rounds.push(rows);
      // The previous round stopped it (the "down" state).
      if (!redis.proc) await redis.startProcess();
      await against(
        { REDIS_URL: redis.url },
        async (measure) => {
          await measure('healthy Redis');
          redis.freeze();
          await measure('Redis hung (SIGSTOP)');
          redis.thaw();
          await sleep(500);
          await redis.stop();
          await measure('Redis down');
        },
        () => seedUsers(dbUrl, 1000),
      );
      await against({ REDIS_URL: silent.url }, (measure) => measure('Redis silent (accepts TCP, never answers)'));
      await against({ CACHE_DISABLED: 'true' }, (measure) => measure('no cache configured'));
    }
  } finally {
    await redis.stop();
    await silent.close();
    await sink.stop();
  }
  rows = rounds[0].map((r) => medianOf(rounds.map((rs) => rs.find((x) => x.label === r.label)!)));
  const by = (prefix: string) => rows.find((r) => r.label.startsWith(prefix))!;
  const healthy = by('healthy');
  const base = by('no cache');
  const checks = [
    {
      target: 'healthy Redis at least as fast as no cache',
      measured: `${healthy.rps} vs ${base.rps} req/s`,
      met: healthy.rps >= base.rps,
    },
    ...['Redis hung', 'Redis down', 'Redis silent'].flatMap((label) => {
      const r = by(label);
      return [
        {
          target: `${label}: at least 95% of the healthy rate`,
          measured: `${r.rps} vs ${healthy.rps} req/s (${Math.round((100 * r.rps) / Math.max(1, healthy.rps))}%)`,
          met: r.rps >= 0.95 * healthy.rps,
        },
        {
          target: `${label}: p99 at most 1.2× healthy`,
          measured: `${r.p99} vs ${healthy.p99} ms`,
          met: r.p99 <= 1.2 * healthy.p99,
        },
      ];
    }),
  ];
  const md = [
    `GET /api/v1/users (1,000 users, page of 20, admin), production mode, ${WORKERS} worker(s), ${CONNECTIONS} connections, ${SECONDS} s per state after a ${WARMUP_S} s warm-up per service, ${ROUNDS} rounds (each row: the median round's req/s and the median p50, p99 and max; requests summed); ${new Date().toISOString()}, node ${process.version}`,
    '',
    table(rows),
    '| state | req/s in each round |',
    '|---|---|',
    ...rows.map((r) => `| ${r.label} | ${rounds.map((rs) => rs.find((x) => x.label === r.label)!.rps).join(', ')} |`),
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...checks.map((c) => `| ${c.target} | ${c.measured} | ${c.met ? 'yes' : '**no**'} |`),
    '',
  ].join('\n');
  process.stdout.write(`\n${md}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'cache-faults.md'), md);
  writeFileSync(
    path.join(outDir, 'cache-faults.json'),
    `${JSON.stringify({ date: new Date().toISOString(), rows, rounds, checks }, null, 1)}\n`,
  );
}

/** One state over the rounds: the median of each figure (the counts summed). */
function medianOf(rs: LoadResult[]): LoadResult {
  const med = (pick: (r: LoadResult) => number) =>
    percentile(
      rs.map(pick).sort((a, b) => a - b),
      50,
    )!;
  const sum = (pick: (r: LoadResult) => number) => rs.reduce((n, r) => n + pick(r), 0);
  return {
    label: rs[0].label,
    requests: sum((r) => r.requests),
    rps: med((r) => r.rps),
    p50: med((r) => r.p50),
    p99: med((r) => r.p99),
    max: med((r) => r.max),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
  };
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
