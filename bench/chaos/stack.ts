import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { freePort, TestRedis } from '../../test/helpers/redis.ts';
import { type SmtpSinkProcess, startSmtpSinkProcess } from '../../tools/smtp-sink/spawn.ts';
import { ADMIN } from '../lib.ts';
import { childPids, type Group, onCleanup, spawnGroup, waitForPort } from './procs.ts';

export const PAYSTACK_KEY = `sk_test_${randomBytes(20).toString('hex')}`;
// Random per run, as production requires of real secrets (no placeholder words).
export const OPS_TOKEN = randomBytes(32).toString('base64url');
export const JWT_SECRET = randomBytes(36).toString('base64url');

/** A parsed service log record (pino JSON line). */
export type LogRecord = Record<string, unknown> & { time: string; msg: string };

/**
 * Records the run needs from the service's log: the supervisor's worker events, breaker
 * transitions, and the service's own account of each 5xx. The log itself (every request
 * at info level, as in production) stays on disk and is read incrementally.
 */
const INTERESTING = /"msg":"(worker [a-z ]+|breaker [^"]*|supervisor [a-z]+)"|"statusCode":5\d\d/;

export class LogTail {
  private offset = 0;
  private partial = '';
  constructor(readonly file: string) {}

  /** Skips everything written so far. */
  skip(): void {
    this.offset = statSync(this.file).size;
    this.partial = '';
  }

  /** New interesting records since the last call. */
  read(): LogRecord[] {
    const size = statSync(this.file).size;
    const out: LogRecord[] = [];
    const fd = openSync(this.file, 'r');
    try {
      // 4 MiB at a time: bounded memory however large the log has grown.
      const buf = Buffer.alloc(4 * 1024 * 1024);
      while (this.offset < size) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, size - this.offset), this.offset);
        if (n <= 0) break;
        this.offset += n;
        const text = this.partial + buf.toString('utf8', 0, n);
        const lines = text.split('\n');
        this.partial = lines.pop() ?? '';
        for (const line of lines) {
          if (!INTERESTING.test(line)) continue;
          try {
            out.push(JSON.parse(line) as LogRecord);
          } catch {
            // Not a JSON record (a stack trace line): not ours to parse.
          }
        }
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }
}

/**
 * What the benchmarks and the chaos run start: the compiled build (`node dist/main.js`, as
 * `npm start` and the image run it; built first when missing or older than src/), or with
 * BENCH_SERVICE_ENTRY=src the sources through tsx (`npm run dev`'s way).
 */
const ENTRY = process.env.BENCH_SERVICE_ENTRY ?? 'dist';
let built = false;
function serviceArgs(): string[] {
  if (ENTRY === 'src') return ['--import', 'tsx', 'src/main.ts'];
  if (ENTRY !== 'dist') throw new Error(`BENCH_SERVICE_ENTRY=${ENTRY}: dist or src`);
  if (!built) {
    // A build takes 15-20 s here; five minutes is a machine in trouble, not a slow build.
    const r = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`npm run build failed (${r.status ?? r.signal})`);
    built = true;
  }
  return ['--enable-source-maps', 'dist/main.js'];
}

export interface Service {
  group: Group;
  url: string;
  port: number;
  log: LogTail;
  /** The supervisor's live children: the workers. */
  workerPids(): number[];
  stop(): Promise<void>;
}

export async function startService(
  name: string,
  env: Record<string, string>,
  logDir: string,
  workers: number,
  nodeArgs: string[] = [],
): Promise<Service> {
  const port = await freePort();
  const logFile = path.join(logDir, `${name}.log`);
  const group = spawnGroup(
    name,
    process.execPath,
    [...nodeArgs, ...serviceArgs()],
    {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      JWT_SECRET,
      OPS_TOKEN,
      PAYSTACK_SECRET_KEY: PAYSTACK_KEY,
      BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      WEB_CONCURRENCY: String(workers),
      LOG_LEVEL: 'info',
      // Production requires it: the links in mails point here.
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: logDir,
      PID_FILE: path.join(logDir, `${name}.pid`),
      ...env,
    },
    logFile,
  );
  const log = new LogTail(logFile);
  const url = `http://127.0.0.1:${port}`;
  const svc: Service = {
    group,
    url,
    port,
    log,
    workerPids: () => childPids(group.pid),
    stop: () => group.stop(),
  };
  // Booting two workers (loading the code, migrating) takes about 5 s on a 2-core box,
  // over 10 s when other work shares it; a minute means it is not coming.
  const until = Date.now() + 60_000;
  let ready = 0;
  const seen = new LogTail(logFile);
  while (ready < workers) {
    if (group.proc.exitCode !== null || Date.now() > until) {
      await group.stop();
      throw new Error(`service ${name} did not start (${ready}/${workers} workers ready); see ${logFile}`);
    }
    ready += seen.read().filter((r) => r.msg === 'worker ready').length;
    // Polled: boot progress shows in the log within a few of these.
    await sleep(200);
  }
  return svc;
}

/** Waits until /readyz reports every dependency ok (breakers closed), bounded. */
export async function waitHealthy(url: string, maxMs: number, opts: { cache: boolean }): Promise<boolean> {
  const until = Date.now() + maxMs;
  while (Date.now() < until) {
    try {
      // Each probe is bounded by the readiness route's own short probes.
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      const body = (await res.json()) as { checks: Record<string, { status: string; breaker?: string }> };
      const c = body.checks;
      const cacheOk = !opts.cache || (c.cache?.status === 'ok' && c.cache?.breaker === 'closed');
      if (c.database?.status === 'ok' && c.database.breaker === 'closed' && c.paystack?.breaker === 'closed' && cacheOk) return true;
    } catch {
      // Not ready yet.
    }
    // Polled: readiness is decided by breakers that change on the half-open delay.
    await sleep(250);
  }
  return false;
}

export interface Simulator {
  group: Group;
  url: string;
  control(body: Record<string, unknown>): Promise<void>;
  stats(): Promise<Record<string, unknown>>;
}

export async function startSimulator(logDir: string): Promise<Simulator> {
  const port = await freePort();
  const group = spawnGroup(
    'paystack-sim',
    process.execPath,
    ['--import', 'tsx', 'tools/paystack-sim/main.ts'],
    {
      NODE_ENV: 'development',
      PAYSTACK_SIM_PORT: String(port),
      PAYSTACK_SIM_HOST: '127.0.0.1',
      PAYSTACK_SECRET_KEY: PAYSTACK_KEY,
    },
    path.join(logDir, 'paystack-sim.log'),
  );
  // Loading the simulator's code takes one to two seconds; 30 s means it is not coming.
  await waitForPort(port, 30_000);
  const url = `http://127.0.0.1:${port}`;
  return {
    group,
    url,
    async control(body) {
      // The simulator answers control calls at once, whatever fault it plays.
      const res = await fetch(`${url}/__control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok) throw new Error(`simulator control ${JSON.stringify(body)}: ${res.status} ${await res.text()}`);
    },
    async stats() {
      // As above: answered at once whatever the fault.
      const res = await fetch(`${url}/__stats`, { signal: AbortSignal.timeout(5000) });
      return ((await res.json()) as { data: Record<string, unknown> }).data;
    },
  };
}

/**
 * The run's own SMTP server (tools/smtp-sink, a process of its own so it can be frozen):
 * production refuses to start without SMTP_URL, and the mail scenarios count what arrives.
 */
export type Sink = SmtpSinkProcess;

export async function startSink(): Promise<SmtpSinkProcess> {
  let stop: (() => void) | undefined;
  const sink = await startSmtpSinkProcess({
    onSpawn: (proc) => {
      stop = onCleanup('smtp-sink', () => {
        proc.kill('SIGCONT');
        proc.kill('SIGKILL');
      });
    },
  });
  return {
    ...sink,
    async stop() {
      stop?.();
      await sink.stop();
    },
  };
}

export async function startRedis(): Promise<TestRedis> {
  const redis = await TestRedis.start();
  onCleanup('redis-server', () => redis.stop());
  return redis;
}

/** A TCP server on a given port that accepts connections and never answers: a "silent" Redis. */
export async function silentServerOn(port: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  // The port was freed a moment ago by the real Redis; a retry covers a slow release.
  for (let attempt = 0; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      break;
    } catch (err) {
      if (attempt >= 20) throw err;
      // Up to 20 × 100 ms for the kernel to release the port.
      await sleep(100);
    }
  }
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  const unregister = onCleanup('silent server', close);
  return {
    async close() {
      unregister();
      await close();
    },
  };
}
