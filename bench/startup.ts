/**
 * `npm run bench:startup [-- --runs=N]`: the service from source through tsx against the
 * compiled build (dist/, built first when stale), on the embedded defaults and on a real
 * PostgreSQL and Redis. For each: the time from spawn until /readyz answers 200 (a
 * restart: the data is already migrated by a first, unmeasured start), and the resident
 * memory of the worker (VmRSS from /proc/<pid>/status) once ready and after 1,000
 * requests (GET /api/v1/courses, 10 at a time). One worker; the Paystack simulator and the
 * SMTP sink run as processes of their own in both modes, so the service's processes hold
 * only its own code.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { freePort } from '../test/helpers/redis.ts';
import { childPids, installSignalHandlers, onCleanup, runMain, spawnGroup } from './chaos/procs.ts';
import { JWT_SECRET, OPS_TOKEN, PAYSTACK_KEY, startRedis, startSimulator, startSink } from './chaos/stack.ts';
import { freshDatabase } from './lib.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const RUNS = Number(/^--runs=(\d+)$/.exec(process.argv.find((a) => a.startsWith('--runs=')) ?? '')?.[1] ?? 3);
const REQUESTS = 1000;
const CONCURRENCY = 10;
// A restart takes seconds; 120 s means this start is not coming.
const READY_TIMEOUT_MS = 120_000;
// A local GET answers in milliseconds; 10 s means the service hangs.
const REQUEST_TIMEOUT_MS = 10_000;
// Heap and RSS settle a moment after the last request (buffers released, GC run).
const SETTLE_MS = 1000;

const MODES = {
  tsx: ['--import', 'tsx', 'src/main.ts'],
  compiled: ['--enable-source-maps', 'dist/main.js'],
} as const;
type Mode = keyof typeof MODES;

const rssKb = (pid: number) => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

interface Sample {
  readyMs: number;
  bootRssKb: number;
  loadedRssKb: number;
}

async function startOnce(mode: Mode, env: Record<string, string>, logDir: string): Promise<Sample> {
  const port = await freePort();
  const started = performance.now();
  const group = spawnGroup(
    `service-${mode}`,
    process.execPath,
    [...MODES[mode]],
    {
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      WEB_CONCURRENCY: '1',
      LOG_LEVEL: 'info',
      PID_FILE: path.join(logDir, `${mode}.pid`),
      ...env,
    },
    path.join(logDir, `${mode}.log`),
  );
  const remove = onCleanup(`service-${mode}`, () => group.stop());
  try {
    const url = `http://127.0.0.1:${port}`;
    let readyMs = NaN;
    while (performance.now() - started < READY_TIMEOUT_MS) {
      try {
        // One probe: /readyz answers in milliseconds once listening; 1 s bounds a probe sent
        // to a worker still booting, so the loop polls again instead of waiting on it.
        if ((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) })).status === 200) {
          readyMs = performance.now() - started;
          break;
        }
      } catch {
        /* not listening yet */
      }
      await sleep(20); // polling: 20 ms resolves the start time finely at a negligible cost
    }
    if (Number.isNaN(readyMs)) throw new Error(`${mode} did not become ready; see ${logDir}/${mode}.log`);
    // The worker: the supervisor's child that is a node running worker.ts/.js (the embedded
    // database's child is the other one).
    const worker = childPids(group.pid).find((pid) => /worker\.(ts|js)/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8')));
    if (!worker) throw new Error(`${mode}: no worker process found`);
    await sleep(SETTLE_MS);
    const bootRssKb = rssKb(worker);
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < REQUESTS) {
          const res = await fetch(`${url}/api/v1/courses?page=${(next % 5) + 1}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`${mode}: GET /api/v1/courses answered ${res.status}`);
        }
      }),
    );
    await sleep(SETTLE_MS);
    return { readyMs, bootRssKb, loadedRssKb: rssKb(worker) };
  } finally {
    await group.stop();
    remove();
  }
}

async function main(): Promise<number> {
  installSignalHandlers();
  const built = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) return 1;
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'it360-startup-'));
  onCleanup('logs', () => rmSync(logDir, { recursive: true, force: true }));
  const sim = await startSimulator(logDir);
  onCleanup('paystack-sim', () => sim.group.stop());
  const sink = await startSink();
  onCleanup('smtp-sink', () => sink.stop());
  const redis = await startRedis();

  const setups: { name: string; env: () => Promise<Record<string, string>> }[] = [
    {
      name: 'embedded defaults',
      // What `npm start` runs with no environment (PGlite child, in-process cache), the
      // simulator and the mail sink given from outside. A data directory per mode.
      env: async () => ({
        NODE_ENV: 'development',
        DATA_DIR: mkdtempSync(path.join(logDir, 'data-')),
        PAYSTACK_SECRET_KEY: PAYSTACK_KEY,
        PAYSTACK_BASE_URL: sim.url,
        SMTP_URL: sink.url,
      }),
    },
    {
      name: 'PostgreSQL + Redis',
      env: async () => ({
        NODE_ENV: 'production',
        DATA_DIR: logDir,
        DATABASE_URL: await freshDatabase(`it360_startup_${process.pid}`),
        REDIS_URL: redis.url,
        JWT_SECRET,
        OPS_TOKEN,
        PAYSTACK_SECRET_KEY: PAYSTACK_KEY,
        PAYSTACK_BASE_URL: sim.url,
        SMTP_URL: sink.url,
      }),
    },
  ];

  const loadBefore = os.loadavg()[0];
  const rows: string[][] = [];
  for (const setup of setups) {
    for (const mode of Object.keys(MODES) as Mode[]) {
      const env = await setup.env();
      // The first start migrates and seeds; the measured ones are restarts.
      await startOnce(mode, env, logDir);
      const samples: Sample[] = [];
      for (let i = 0; i < RUNS; i++) samples.push(await startOnce(mode, env, logDir));
      const row = [
        setup.name,
        mode,
        `${(median(samples.map((s) => s.readyMs)) / 1000).toFixed(2)} s`,
        mb(median(samples.map((s) => s.bootRssKb))),
        mb(median(samples.map((s) => s.loadedRssKb))),
      ];
      process.stderr.write(`${row.join(' | ')}\n`);
      rows.push(row);
    }
  }
  const head = ['setup', 'mode', 'start → /readyz 200', 'worker RSS, ready', `worker RSS, after ${REQUESTS} requests`];
  process.stdout.write(
    `\nNode ${process.version}, median of ${RUNS} restarts each, one worker; ${os.cpus().length} cores, ` +
      `load average ${loadBefore.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end\n\n` +
      `| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|\n` +
      rows.map((r) => `| ${r.join(' | ')} |`).join('\n') +
      '\n',
  );
  return 0;
}

runMain(main);
