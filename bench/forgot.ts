/**
 * `npm run bench:forgot`: whether `POST /api/v1/auth/password/forgot` tells, by its
 * timing, which addresses have accounts.
 *
 * One worker process in production mode on its own PostgreSQL database, redis-server
 * (the rate-limit counters) and the project's SMTP sink (the mails the known addresses
 * get are really sent, in the background, as in production). After unrecorded warm-up,
 * FORGOT_BENCH_N requests (default 200) for addresses that have accounts and as many
 * for addresses that do not, one at a time and interleaved (known, unknown, known, …)
 * so that drift in the machine's load falls on both alike; each from an address of its
 * own (X-Forwarded-For, believed from loopback) and for a different email, so no rate
 * limit answers instead. Prints both medians, their ratio, and p90s. Target: medians
 * within 10 % of each other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startSmtpSinkProcess } from '../tools/smtp-sink/spawn.ts';
import { installSignalHandlers, onCleanup, runMain } from './chaos/procs.ts';
import { startRedis, startService, startSimulator } from './chaos/stack.ts';
import { percentile } from './chaos/stats.ts';
import { freshDatabase, seedUsers } from './lib.ts';

const N = Number(process.env.FORGOT_BENCH_N ?? 200);
// Unrecorded: V8 compiles the route and the pools fill before anything counts.
const WARMUP = 30;
const log = (s: string) => process.stdout.write(`${s}\n`);

async function forgot(url: string, email: string, from: string): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/v1/auth/password/forgot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
    body: JSON.stringify({ email }),
    // Far past the 10 s request deadline: an answer not back by then is not coming.
    signal: AbortSignal.timeout(15_000),
  });
  const body = await res.text();
  return { status: res.status, body, ms: performance.now() - t0 };
}

// Addresses 10.x.y.z, one per request.
const address = (i: number) => `10.${Math.floor(i / 65_536) % 256}.${Math.floor(i / 256) % 256}.${i % 256}`;

async function main(): Promise<number> {
  installSignalHandlers();
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'it360-forgot-bench-'));
  const dbName = 'it360_forgot_bench';
  const dbUrl = await freshDatabase(dbName);
  const redis = await startRedis();
  const sim = await startSimulator(logDir);
  const sink = await startSmtpSinkProcess();
  onCleanup('smtp-sink', () => sink.stop());
  const svc = await startService(
    'service',
    {
      DATABASE_URL: dbUrl,
      REDIS_URL: redis.url,
      PAYSTACK_BASE_URL: sim.url,
      TRUST_PROXY: '127.0.0.1',
      SMTP_URL: sink.url,
      PUBLIC_URL: 'https://academy.example',
    },
    logDir,
    1,
  );
  try {
    // student1..: known addresses; nobody1..: unknown ones. Each used once.
    await seedUsers(dbUrl, N + WARMUP);
    let n = 0;
    const statuses: Record<string, number> = {};
    const bodies = new Set<string>();
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 1; i <= N + WARMUP; i++) {
      for (const kind of ['known', 'unknown'] as const) {
        const email = kind === 'known' ? `student${i}@example.com` : `nobody${i}@example.com`;
        const r = await forgot(svc.url, email, address(++n));
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        bodies.add(r.body);
        if (i <= WARMUP) continue;
        (kind === 'known' ? known : unknown).push(r.ms);
      }
    }
    known.sort((a, b) => a - b);
    unknown.sort((a, b) => a - b);
    const mk = percentile(known, 50)!;
    const mu = percentile(unknown, 50)!;
    const ratio = mk / mu;
    const delivered = (await sink.stats()).received;
    log(`forgot-password timing: 1 worker process, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
    log(`${N} requests each for known and unknown addresses (after ${WARMUP} each unrecorded), one at a time, interleaved`);
    log('');
    log('| addresses | requests | median ms | p90 ms |');
    log('|---|---:|---:|---:|');
    log(`| with an account | ${known.length} | ${mk.toFixed(2)} | ${percentile(known, 90)!.toFixed(2)} |`);
    log(`| without one | ${unknown.length} | ${mu.toFixed(2)} | ${percentile(unknown, 90)!.toFixed(2)} |`);
    log('');
    log(`median ratio known/unknown: ${ratio.toFixed(3)} (${ratio >= 0.9 && ratio <= 1.1 ? 'within' : 'OUTSIDE'} 10 %)`);
    log(`answers: ${JSON.stringify(statuses)}; distinct bodies: ${bodies.size}; mails received by the sink so far: ${delivered}`);
    return ratio >= 0.9 && ratio <= 1.1 && bodies.size === 1 ? 0 : 1;
  } finally {
    // The simulator, the sink and redis-server are stopped by runMain's clean-up, as every process started here.
    await svc.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
}

runMain(main);
