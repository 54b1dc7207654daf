/**
 * `npm run bench:cache-faults`: what a Redis fault costs the admin user list.
 * Loopback load on GET /api/v1/users for a few seconds in each state: healthy Redis,
 * Redis hung (SIGSTOP) and then down under the same service, Redis silent (accepts TCP,
 * never answers) from the start, and no cache at all (the baseline). Bounded: about
 * 5 × BENCH_SECONDS (default 5) plus three warm-ups and start-ups. Prints a Markdown
 * table with the targets and writes it to bench/results/cache-faults.{md,json}.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { silentServer, TestRedis } from '../test/helpers/redis.ts';
import { startService } from '../test/helpers/service.ts';
import { startSmtpSinkProcess } from '../tools/smtp-sink/spawn.ts';
import { ADMIN, freshDatabase, load, type LoadResult, login, seedUsers, table } from './lib.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
// Unrecorded load before each service's first state: V8 optimises the route and the
// in-process tier fills (a restarted worker's first reads go to Redis or PostgreSQL).
const WARMUP_S = 2;
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
    WEB_CONCURRENCY: '1',
    LOG_LEVEL: 'warn',
  };
  const rows: LoadResult[] = [];
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
  } finally {
    await redis.stop();
    await silent.close();
    await sink.stop();
  }
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
    `GET /api/v1/users (1,000 users, page of 20, admin), production mode, 1 worker, ${CONNECTIONS} connections, ${SECONDS} s per state after a ${WARMUP_S} s warm-up per service; ${new Date().toISOString()}, node ${process.version}`,
    '',
    table(rows),
    '| target | measured | met |',
    '|---|---|---|',
    ...checks.map((c) => `| ${c.target} | ${c.measured} | ${c.met ? 'yes' : '**no**'} |`),
    '',
  ].join('\n');
  process.stdout.write(`\n${md}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'cache-faults.md'), md);
  writeFileSync(path.join(outDir, 'cache-faults.json'), `${JSON.stringify({ date: new Date().toISOString(), rows, checks }, null, 1)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
