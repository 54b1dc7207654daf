/**
 * `npm run bench:cache-faults`: what a Redis fault costs the admin user list.
 * Loopback load on GET /api/v1/users for a few seconds in each state: healthy Redis,
 * Redis hung (SIGSTOP), Redis down, and no cache at all (the baseline). Bounded: about
 * 4 × BENCH_SECONDS (default 5) plus start-up. Prints a Markdown table.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { TestRedis } from '../test/helpers/redis.ts';
import { startService } from '../test/helpers/service.ts';
import { startSmtpSinkProcess } from '../tools/smtp-sink/spawn.ts';
import { ADMIN, freshDatabase, load, type LoadResult, login, seedUsers, table } from './lib.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

async function main(): Promise<void> {
  const dbUrl = await freshDatabase('it360_bench_cache');
  const redis = await TestRedis.start();
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
  const withCache = await startService({ ...common, REDIS_URL: redis.url });
  try {
    await seedUsers(dbUrl, 1000);
    const token = await login(withCache.url);
    const url = `${withCache.url}/api/v1/users?page=1&pageSize=20`;
    const headers = { authorization: `Bearer ${token}` };
    process.stderr.write('healthy Redis…\n');
    rows.push(await load('healthy Redis', url, { seconds: SECONDS, connections: CONNECTIONS, headers }));
    process.stderr.write('Redis hung (SIGSTOP)…\n');
    redis.freeze();
    rows.push(await load('Redis hung (SIGSTOP)', url, { seconds: SECONDS, connections: CONNECTIONS, headers }));
    redis.thaw();
    await sleep(500);
    process.stderr.write('Redis down…\n');
    await redis.stop();
    rows.push(await load('Redis down', url, { seconds: SECONDS, connections: CONNECTIONS, headers }));
  } finally {
    await withCache.kill();
    await redis.stop();
  }
  const noCache = await startService({ ...common, CACHE_DISABLED: 'true' });
  try {
    const token = await login(noCache.url);
    process.stderr.write('no cache…\n');
    rows.push(
      await load('no cache configured', `${noCache.url}/api/v1/users?page=1&pageSize=20`, {
        seconds: SECONDS,
        connections: CONNECTIONS,
        headers: { authorization: `Bearer ${token}` },
      }),
    );
  } finally {
    await noCache.kill();
    await sink.stop();
  }
  const base = rows.find((r) => r.label === 'no cache configured')!;
  const hung = rows.find((r) => r.label.startsWith('Redis hung'))!;
  process.stdout.write(`\nGET /api/v1/users (1,000 users, page of 20), ${CONNECTIONS} connections, ${SECONDS} s per state\n\n`);
  process.stdout.write(table(rows));
  process.stdout.write(
    `\nRedis hung vs no cache: p99 ${hung.p99} / ${base.p99} ms = ${(hung.p99 / Math.max(1, base.p99)).toFixed(2)}×, throughput ${((hung.rps / Math.max(1, base.rps)) * 100).toFixed(0)}%\n`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
