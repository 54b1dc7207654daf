import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { loadConfig } from '../src/config/index.ts';
import { BootBackoff, BootFailureWindow, causedByWorker } from '../src/supervisor/crash-loop.ts';
import { explainDeath } from '../src/supervisor/deaths.ts';
import { hangRecord, pastDeadlineKeepsGrowing } from '../src/supervisor/heartbeat.ts';
import { requestLimit, resolveWorkers } from '../src/supervisor/settings.ts';
import { configProblems } from './helpers/config.ts';
import { createTestSchema, rawClient } from './helpers/db.ts';
import { freePort } from './helpers/redis.ts';
import { serviceCommand } from './helpers/service.ts';
import { waitFor } from './helpers/wait.ts';

/*
 * The supervisor, driven from outside like an operator would: the real `src/main.ts`
 * (what `npm start` runs) as a child process, its JSON log read line by line, and real
 * HTTP on loopback. Each test runs its own instance on a fresh schema. Time bounds are
 * generous for a loaded 2-core CI box; the measured values are printed as diagnostics.
 */

// Short budgets so a hang is detected in seconds; they satisfy the config's rules
// (every in-request timeout below REQUEST_TIMEOUT_MS - REPLY_MARGIN_MS, and
// REQUEST_TIMEOUT_MS below WORKER_TIMEOUT_MS).
const WORKER_TIMEOUT_MS = 3000;
const BASE_ENV = {
  NODE_ENV: 'test',
  FAULT_INJECTION: 'true',
  JWT_SECRET: 'supervisor-test-secret-0123456789abcdef',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  WEB_CONCURRENCY: '2',
  WORKER_TIMEOUT_MS: String(WORKER_TIMEOUT_MS),
  REQUEST_TIMEOUT_MS: '2000',
  PAYSTACK_TIMEOUT_MS: '1500',
  PAYSTACK_VERIFY_WAIT_MS: '1000',
  DB_CONNECT_TIMEOUT_MS: '1000',
  GRACEFUL_TIMEOUT_MS: '8000',
};
// Hang detection: the check runs every half heartbeat and the kill may wait 500 ms for
// a capture under way; 1.5 s over the timeout covers both on a busy box.
const KILL_MARGIN_MS = 1500;
// A worker boots in about 2 s on a quiet machine (tsx, migrations, listen); with the load
// average at 20 on 2 cores boots took 25-40 s, so 60 s means stuck, not slow.
const BOOT_MARGIN_MS = 60_000;

type Rec = Record<string, unknown> & { msg?: string; time?: string };

interface Instance {
  proc: ChildProcess;
  port: number;
  pidFile: string;
  records: Rec[];
  /** The test schema the instance uses (its sessions' application name), when the test made one. */
  schema?: string;
  stderr: () => string;
  /** Resolves with the first record, past or future, that matches. */
  waitFor(what: string, match: (r: Rec) => boolean, timeoutMs: number): Promise<Rec>;
  /** Pids of the workers that are ready and have not exited. */
  serving(): number[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

async function startInstance(t: TestContext, env: Record<string, string> = {}): Promise<Instance> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'it360-sup-'));
  const pidFile = path.join(dir, 'it360acad.pid');
  let databaseUrl = env.DATABASE_URL;
  let schemaName: string | undefined;
  if (!databaseUrl) {
    const schema = await createTestSchema('sup');
    databaseUrl = schema.url;
    schemaName = schema.schema;
    t.after(() => schema.release(t));
  }
  // The sources through tsx, or the compiled build with TEST_SERVICE_ENTRY=dist.
  const proc = spawn(process.execPath, serviceCommand(), {
    cwd: new URL('..', import.meta.url).pathname,
    // A clean environment: nothing from the runner's (NODE_TEST_CONTEXT, REDIS_URL...) leaks in.
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...BASE_ENV,
      PORT: String(port),
      DATA_DIR: dir,
      PID_FILE: pidFile,
      ...env,
      DATABASE_URL: databaseUrl,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so cleanup can end the supervisor and its workers together.
    detached: true,
  });
  const records: Rec[] = [];
  const waiters = new Set<{ match: (r: Rec) => boolean; resolve: (r: Rec) => void }>();
  let partial = '';
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      let r: Rec;
      try {
        r = JSON.parse(line) as Rec;
      } catch {
        continue;
      }
      r.seenAt = performance.now();
      records.push(r);
      for (const w of waiters) {
        if (!w.match(r)) continue;
        waiters.delete(w);
        w.resolve(r);
      }
    }
  });
  let stderr = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  t.after(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        // Gone already.
      }
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const inst: Instance = {
    proc,
    port,
    pidFile,
    records,
    schema: schemaName,
    stderr: () => stderr,
    exited,
    waitFor(what, match, timeoutMs) {
      const found = records.find(match);
      if (found) return Promise.resolve(found);
      return new Promise<Rec>((resolve, reject) => {
        const w = { match, resolve: (r: Rec) => (clearTimeout(timer), resolve(r)) };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no "${what}" log record within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    serving() {
      const gone = new Set(records.filter((r) => r.msg === 'worker exited' || r.msg === 'worker hung').map((r) => r.workerPid));
      return records.filter((r) => r.msg === 'worker ready' && !gone.has(r.workerPid)).map((r) => r.workerPid as number);
    },
  };
  return inst;
}

async function startServing(t: TestContext, env: Record<string, string> = {}): Promise<Instance> {
  const inst = await startInstance(t, env);
  const workers = Number(env.WEB_CONCURRENCY ?? BASE_ENV.WEB_CONCURRENCY);
  // Every worker boots; see BOOT_MARGIN_MS.
  await waitFor(
    () => {
      assert.equal(inst.proc.exitCode, null, `the supervisor exited: ${inst.stderr()}`);
      return inst.serving().length >= workers;
    },
    BOOT_MARGIN_MS + 30_000,
    `${workers} workers ready`,
    50,
  ).catch((err: Error) => assert.fail(`${err.message}; stderr: ${inst.stderr()}`));
  return inst;
}

interface Outcome {
  status?: number;
  error?: string;
  ms: number;
}

/** One request on a new connection (no keep-alive), so the kernel picks the worker. */
function request(
  port: number,
  urlPath: string,
  opts: { method?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
        timeout: opts.timeoutMs ?? 5000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started }));
        res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message, ms: performance.now() - started }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message, ms: performance.now() - started }));
    req.end();
  });
}

/** New-connection probes, one after another, until `done` resolves; none may wait on a frozen worker. */
async function probeUntil(port: number, done: Promise<unknown>, capMs: number): Promise<Outcome[]> {
  let finished = false;
  void done.then(
    () => (finished = true),
    () => (finished = true),
  );
  const out: Outcome[] = [];
  const until = performance.now() + capMs;
  while (!finished && performance.now() < until) {
    out.push(await request(port, '/healthz', { timeoutMs: 2000 }));
    await sleep(100); // pacing: a probe every 100 ms, not a flood
  }
  return out;
}

function assertProbesServed(probes: Outcome[]): void {
  assert.ok(probes.length >= 10, `only ${probes.length} probes`);
  const bad = probes.filter((p) => p.status !== 200);
  assert.deepEqual(bad, [], 'every new connection is answered');
  const slowest = Math.max(...probes.map((p) => p.ms));
  // A probe that reached the frozen worker would wait until the kill (seconds).
  assert.ok(slowest < 1000, `slowest probe took ${Math.round(slowest)} ms: it waited on the frozen worker`);
}

test('a worker whose event loop is blocked is killed and replaced in time, the record names the request, and no new connection waits on it', async (t) => {
  const inst = await startServing(t);
  const requestId = `hang-${randomUUID()}`;
  const blockedAt = performance.now();
  // Blocks for longer than the timeout; the worker is killed mid-request, so this fails.
  const blocked = request(inst.port, '/__fault/block-event-loop?ms=20000', {
    method: 'POST',
    headers: { 'x-request-id': requestId },
    timeoutMs: 25_000,
  });
  const hung = inst.waitFor('worker hung', (r) => r.msg === 'worker hung', WORKER_TIMEOUT_MS + KILL_MARGIN_MS + 2000);
  // Pacing, not a wait for state: the probes start once the block is likely under way (a
  // probe sent before it is answered at once, which the assertions below allow).
  await sleep(300);
  const probes = await probeUntil(inst.port, hung, 10_000);
  const hang = await hung;
  const hangMs = (hang.seenAt as number) - blockedAt;

  // The clock starts at the last heartbeat, which may precede the block by a beat (and
  // by a late timer on a busy box); the supervisor's own measure is checked exactly below.
  assert.ok(hangMs >= WORKER_TIMEOUT_MS - 1000, `killed after ${Math.round(hangMs)} ms, before the timeout`);
  assert.ok(hangMs <= WORKER_TIMEOUT_MS + KILL_MARGIN_MS, `killed after ${Math.round(hangMs)} ms`);
  assert.ok((hang.blockedMs as number) >= WORKER_TIMEOUT_MS);
  const inflight = hang.inflight as { route: string; requestId: string; method: string; ageMs: number }[];
  const culprit = inflight.find((w) => w.requestId === requestId);
  assert.ok(culprit, `the record names the blocked request: ${JSON.stringify(hang)}`);
  assert.equal(culprit.route, '/__fault/block-event-loop');
  assert.equal(culprit.method, 'POST');
  assert.ok(culprit.ageMs >= WORKER_TIMEOUT_MS - 1000, `request age ${culprit.ageMs} ms`);
  const stack = hang.stack as string[];
  assert.ok(stack?.[0]?.includes('src/operations/faults.ts'), `the stack shows where the loop is stuck: ${JSON.stringify(stack)}`);
  assertProbesServed(probes);

  const victim = hang.workerPid;
  const exit = await inst.waitFor('worker exited', (r) => r.msg === 'worker exited' && r.workerPid === victim, 5000);
  assert.equal(exit.signal, 'SIGKILL');
  assert.equal(exit.cause, 'hung');
  assert.equal(exit.sentBySupervisor, true);
  const replacement = await inst.waitFor(
    'replacement ready',
    (r) => r.msg === 'worker ready' && r.reason === 'replace-hung',
    WORKER_TIMEOUT_MS + BOOT_MARGIN_MS,
  );
  const replacedMs = (replacement.seenAt as number) - blockedAt;
  assert.ok(
    replacedMs <= WORKER_TIMEOUT_MS + KILL_MARGIN_MS + BOOT_MARGIN_MS,
    `replacement ready ${Math.round(replacedMs)} ms after the block`,
  );
  assert.equal(inst.serving().length, 2);
  const failed = await blocked;
  assert.ok(failed.error, 'the blocked request dies with its worker');
  t.diagnostic(
    `block -> hang record and kill: ${Math.round(hangMs)} ms; block -> replacement ready: ${Math.round(replacedMs)} ms (boot ${String(replacement.bootMs)} ms); probes: ${probes.length}, slowest ${Math.round(Math.max(...probes.map((p) => p.ms)))} ms; stack captured in ${String(hang.stackPauseMs)} ms`,
  );
});

test('a worker frozen from outside (SIGSTOP) is detected, reported as stopped, killed and replaced', async (t) => {
  const inst = await startServing(t);
  const victim = inst.serving()[0];
  const stoppedAt = performance.now();
  process.kill(victim, 'SIGSTOP');
  t.after(() => {
    try {
      process.kill(victim, 'SIGKILL');
    } catch {
      // Killed by the supervisor, as it should be.
    }
  });
  const hung = inst.waitFor(
    'worker hung',
    (r) => r.msg === 'worker hung' && r.workerPid === victim,
    WORKER_TIMEOUT_MS + KILL_MARGIN_MS + 2000,
  );
  const probes = await probeUntil(inst.port, hung, 10_000);
  const hang = await hung;
  const hangMs = (hang.seenAt as number) - stoppedAt;
  assert.ok(hangMs <= WORKER_TIMEOUT_MS + KILL_MARGIN_MS, `killed after ${Math.round(hangMs)} ms`);
  assert.match(hang.processState as string, /^T /, 'the record says the process was stopped');
  assert.equal(hang.stack, null);
  assert.match(hang.stackUnavailable as string, /stopped/);
  assertProbesServed(probes);
  const exit = await inst.waitFor('worker exited', (r) => r.msg === 'worker exited' && r.workerPid === victim, 5000);
  assert.equal(exit.cause, 'hung');
  assert.equal(exit.sentBySupervisor, true);
  await inst.waitFor(
    'replacement ready',
    (r) => r.msg === 'worker ready' && r.reason === 'replace-hung',
    WORKER_TIMEOUT_MS + BOOT_MARGIN_MS,
  );
  t.diagnostic(`SIGSTOP -> hang record and kill: ${Math.round(hangMs)} ms; probes: ${probes.length}`);
});

test('a worker killed from outside (SIGKILL) is reported as killed by a signal the supervisor did not send, without guessing at memory, and replaced', async (t) => {
  const inst = await startServing(t);
  const victim = inst.serving()[0];
  process.kill(victim, 'SIGKILL');
  const exit = await inst.waitFor('worker exited', (r) => r.msg === 'worker exited' && r.workerPid === victim, 5000);
  assert.equal(exit.signal, 'SIGKILL');
  assert.equal(exit.sentBySupervisor, false);
  assert.equal(exit.cause, 'killed');
  assert.match(exit.explanation as string, /which the supervisor did not send/);
  assert.doesNotMatch(exit.explanation as string, /perhaps/i);
  assert.ok((exit.lastMemory as { rssBytes: number }).rssBytes > 0, 'its last known memory is reported');
  const replacement = await inst.waitFor(
    'replacement ready',
    (r) => r.msg === 'worker ready' && r.reason === 'replace-dead',
    BOOT_MARGIN_MS,
  );
  assert.notEqual(replacement.workerPid, victim);
  assert.equal((await request(inst.port, '/healthz')).status, 200);
});

test('SIGTERM under load: every accepted request is answered, and the instance exits 0 within the grace time', async (t) => {
  const inst = await startServing(t);
  const graceMs = Number(BASE_ENV.GRACEFUL_TIMEOUT_MS);
  // Slow requests, in flight when the signal arrives: each holds a query for 1 s.
  const slow = Array.from({ length: 6 }, () => request(inst.port, '/__fault/db-sleep?seconds=1', { timeoutMs: 10_000 }));
  let stop = false;
  const fast: Outcome[] = [];
  const loops = Array.from({ length: 3 }, async () => {
    for (let i = 0; i < 2000 && !stop; i++) {
      fast.push(await request(inst.port, '/healthz', { timeoutMs: 3000 }));
      await sleep(10); // pacing the load
    }
  });
  // The signal must find the slow requests in flight: their queries are running (or, on a
  // slow machine, already done) before it is sent. 15 s is for a loaded machine.
  let slowAnswered = 0;
  for (const s of slow) void s.then(() => slowAnswered++);
  const db = await rawClient();
  t.after(() => db.end());
  const sleeping = async () =>
    (
      await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE 'SELECT pg_sleep%'",
        [inst.schema],
      )
    ).rows[0].n;
  await waitFor(async () => (await sleeping()) + slowAnswered >= slow.length, 15_000, 'the slow requests in flight');
  const signalAt = performance.now();
  inst.proc.kill('SIGTERM');
  const exit = await Promise.race([inst.exited, sleep(graceMs + 5000, undefined, { ref: false }).then(() => undefined)]);
  stop = true;
  await Promise.all(loops);
  assert.ok(exit, 'the instance exited');
  const tookMs = exit.at - signalAt;
  assert.equal(exit.code, 0, `exit code ${exit.code}; stderr: ${inst.stderr()}`);
  assert.ok(tookMs < graceMs, `exited ${Math.round(tookMs)} ms after SIGTERM; the grace time is ${graceMs} ms`);
  const slowDone = await Promise.all(slow);
  assert.deepEqual(
    slowDone.map((r) => r.status),
    slow.map(() => 200),
    'every request in flight at the signal finished',
  );
  // After the signal a new connection may be refused (the listener is closed) or reset
  // from the kernel's backlog (never read by a worker); an answered request is a 200.
  const answeredBadly = fast.filter((r) => r.status !== undefined && r.status !== 200);
  assert.deepEqual(answeredBadly, [], 'no request was answered with an error');
  const otherErrors = fast.filter((r) => r.error && r.error !== 'ECONNREFUSED' && r.error !== 'ECONNRESET');
  assert.deepEqual(otherErrors, []);
  const stopped = inst.records.find((r) => r.msg === 'supervisor stopped');
  assert.equal(stopped?.exitCode, 0);
  t.diagnostic(
    `SIGTERM -> exit: ${Math.round(tookMs)} ms; slow requests: ${slowDone.length} answered 200; fast: ${fast.filter((r) => r.status === 200).length} answered, ${fast.filter((r) => r.error).length} refused after the listener closed`,
  );
});

test('SIGHUP under load (sent to the pid in the pid file): a rolling reload with zero failed requests, and every worker pid changes', async (t) => {
  const inst = await startServing(t);
  const before = inst.serving();
  const pid = Number(readFileSync(inst.pidFile, 'utf8').trim());
  assert.equal(pid, inst.proc.pid, 'the pid file holds the supervisor pid');
  let stop = false;
  const results: Outcome[] = [];
  // A bounded loopback load: four clients, one request at a time each, new connections,
  // a cheap route and a database-backed one, for as long as the reload takes (capped).
  const loops = Array.from({ length: 4 }, async (_v, n) => {
    // Capped: as long as a reload may take (see below) and a little more.
    const until = performance.now() + 2 * (BOOT_MARGIN_MS + 2000) + 15_000;
    for (let i = 0; i < 3000 && !stop && performance.now() < until; i++) {
      results.push(await request(inst.port, (i + n) % 2 === 0 ? '/healthz' : '/api/v1/courses?pageSize=5', { timeoutMs: 5000 }));
      await sleep(20); // pacing the load
    }
  });
  // The load is under way before the signal, and goes on a little after the reload: a
  // request failing at either edge of the reload is caught.
  await waitFor(() => results.length >= 4, 15_000, 'the load under way');
  process.kill(pid, 'SIGHUP');
  const finished = await inst.waitFor(
    'reload finished',
    (r) => r.msg === 'reload finished' || r.msg === 'reload incomplete',
    2 * (BOOT_MARGIN_MS + 2000),
  );
  const atReload = results.length;
  await waitFor(() => results.length >= atReload + 4, 15_000, 'the load after the reload');
  stop = true;
  await Promise.all(loops);
  assert.equal(finished.msg, 'reload finished');
  const failed = results.filter((r) => r.status !== 200);
  assert.equal(failed.length, 0, `failed requests during the reload: ${JSON.stringify(failed.slice(0, 5))}`);
  assert.ok(results.length >= 100, `only ${results.length} requests`);
  const after = inst.serving();
  assert.equal(after.length, before.length);
  for (const p of before) assert.ok(!after.includes(p), `worker ${p} was not replaced`);
  t.diagnostic(
    `reload of ${before.length} workers: ${String(finished.durationMs)} ms; requests: ${results.length}, failed: ${failed.length}; pids ${before.join(',')} -> ${after.join(',')}`,
  );
});

test('a worker SIGKILLed during boot, before any worker was ready, is replaced and the service keeps running', async (t) => {
  const inst = await startInstance(t);
  const first = await inst.waitFor('worker started', (r) => r.msg === 'worker started', BOOT_MARGIN_MS);
  const victim = first.workerPid as number;
  process.kill(victim, 'SIGKILL');
  const exit = await inst.waitFor('worker exited', (r) => r.msg === 'worker exited' && r.workerPid === victim, 5000);
  assert.equal(
    inst.records.some((r) => r.msg === 'worker ready' && (r.seenAt as number) <= (exit.seenAt as number)),
    false,
    'no worker was ready before the kill',
  );
  assert.equal(exit.cause, 'killed');
  assert.equal(exit.sentBySupervisor, false);
  const retry = await inst.waitFor(
    'boot failure record',
    (r) => r.msg === 'worker failed to boot; retrying' && r.slot === first.slot,
    5000,
  );
  assert.equal(retry.counted, false, 'a kill from outside is not counted as a boot failure');
  const replacement = await inst.waitFor(
    'replacement started',
    (r) => r.msg === 'worker started' && r.reason === 'retry-boot' && r.slot === first.slot,
    BOOT_MARGIN_MS,
  );
  await waitFor(
    () => {
      assert.equal(inst.proc.exitCode, null, `the supervisor exited: ${inst.stderr()}`);
      return inst.serving().length >= 2;
    },
    BOOT_MARGIN_MS + 30_000,
    '2 workers serving',
    50,
  ).catch((err: Error) => assert.fail(`${err.message}; stderr: ${inst.stderr()}`));
  assert.ok(inst.serving().includes(replacement.workerPid as number));
  assert.equal((await request(inst.port, '/healthz')).status, 200);
  assert.equal(
    inst.records.some((r) => r.msg === 'workers keep failing at boot; stopping'),
    false,
  );
  assert.equal(inst.proc.exitCode, null, 'the supervisor still runs');
  t.diagnostic(
    `killed during boot: pid ${victim}; replaced after ${String(retry.retryInMs)} ms back-off by pid ${String(replacement.workerPid)}`,
  );
});

test('workers that really fail at boot stop the supervisor after CRASH_LOOP_BOOT_FAILURES failures within the window, backing off between boots', async (t) => {
  const started = performance.now();
  const inst = await startInstance(t, { FAULT_WORKER_BOOT_FAIL: 'true' });
  const exit = await Promise.race([inst.exited, sleep(60_000, undefined, { ref: false }).then(() => undefined)]);
  assert.ok(exit, 'the supervisor stopped instead of forking forever');
  assert.equal(exit.code, 3, `exit code ${exit.code}; stderr: ${inst.stderr().slice(-2000)}`);
  const stopping = inst.records.find((r) => r.msg === 'workers keep failing at boot; stopping');
  assert.equal(stopping?.bootFailures, 5, JSON.stringify(stopping));
  assert.equal(stopping?.windowMs, 60_000);
  assert.match(inst.stderr(), /FAULT_WORKER_BOOT_FAIL/);
  const retries = inst.records.filter((r) => r.msg === 'worker failed to boot; retrying');
  assert.ok(retries.length >= 4, `${retries.length} retries`);
  assert.ok(retries.every((r) => r.counted === true));
  // Back-off: every retry waits, and a slot's later retries wait longer.
  for (const r of retries) assert.ok((r.retryInMs as number) >= 400, `retry after ${String(r.retryInMs)} ms`);
  for (const slot of [0, 1]) {
    const delays = retries.filter((r) => r.slot === slot).map((r) => r.retryInMs as number);
    for (let i = 1; i < delays.length; i++) assert.ok(delays[i] >= delays[i - 1], `slot ${slot} back-off ${delays.join(', ')}`);
  }
  t.diagnostic(
    `boot failures -> exit 3 after ${Math.round(exit.at - started)} ms; retries: ${retries.map((r) => `slot ${String(r.slot)} +${String(r.retryInMs)} ms`).join(', ')}`,
  );
});

test('workers that fail at boot (database unreachable): the supervisor stops quickly, non-zero, with their error', async (t) => {
  const started = performance.now();
  // Port 1 on loopback refuses at once: every worker fails at its first query.
  const inst = await startInstance(t, { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
  // Five failures (CRASH_LOOP_BOOT_FAILURES) take three rounds of boots with back-off
  // between them; a failing boot takes 2-10 s here (tsx, a loaded box), hence the bound.
  const exit = await Promise.race([inst.exited, sleep(90_000, undefined, { ref: false }).then(() => undefined)]);
  assert.ok(exit, 'the supervisor stopped instead of forking forever');
  const tookMs = exit.at - started;
  assert.ok(exit.code !== 0 && exit.code !== null, `exit code ${exit.code}`);
  assert.match(inst.stderr(), /workers failed to start 5 times within 60 s.*ECONNREFUSED/);
  const stopping = inst.records.find((r) => r.msg === 'workers keep failing at boot; stopping');
  assert.equal((stopping?.error as { code?: string } | undefined)?.code, 'ECONNREFUSED');
  // Five failures within the window, the two first boots and the retries between: a
  // sixth may be booting when the fifth fails.
  const forks = inst.records.filter((r) => r.msg === 'worker started').length;
  assert.ok(forks >= 5 && forks <= 7, `${forks} workers forked`);
  assert.ok(tookMs < 90_000, `took ${Math.round(tookMs)} ms`);
  t.diagnostic(`boot failure -> supervisor exit ${exit.code}: ${Math.round(tookMs)} ms after start`);
});

test('a death is blamed on memory only with evidence', () => {
  const memory = { rssBytes: 300 * 1048576, heapUsedBytes: 100 * 1048576, heapLimitBytes: 4096 * 1048576, externalBytes: 0, agoMs: 200 };
  const outside = explainDeath({ code: null, signal: 'SIGKILL', memory, oomKills: { before: 0, after: 0 } });
  assert.equal(outside.cause, 'killed');
  assert.equal(outside.sentBySupervisor, false);
  assert.doesNotMatch(outside.explanation, /perhaps|out of memory/i);
  assert.match(explainDeath({ code: null, signal: 'SIGKILL', memory }).explanation, /neither confirmed nor ruled out/);
  assert.equal(explainDeath({ code: null, signal: 'SIGKILL', memory, oomKills: { before: 2, after: 3 } }).cause, 'oom-killer');
  assert.equal(
    explainDeath({ code: null, signal: 'SIGABRT', memory: { ...memory, heapUsedBytes: memory.heapLimitBytes * 0.97 } }).cause,
    'heap-limit',
  );
  assert.equal(explainDeath({ code: null, signal: 'SIGABRT', memory }).cause, 'native-crash');
  const ours = explainDeath({ code: null, signal: 'SIGKILL', sent: { signal: 'SIGKILL', why: 'hung' }, memory });
  assert.deepEqual([ours.cause, ours.sentBySupervisor], ['hung', true]);
  const crash = explainDeath({ code: 1, signal: null, lastError: { name: 'TypeError', message: 'x is not a function', phase: 'run' } });
  assert.equal(crash.cause, 'crashed');
  assert.match(crash.explanation, /TypeError: x is not a function/);
});

test('settings: one worker with the embedded database, CPU count by default, max requests with jitter, validated', () => {
  assert.deepEqual(resolveWorkers({ webConcurrency: undefined, embeddedDatabase: false }, 6), { workers: 6 });
  assert.equal(resolveWorkers({ webConcurrency: 3, embeddedDatabase: false }, 6).workers, 3);
  const embedded = resolveWorkers({ webConcurrency: 4, embeddedDatabase: true }, 6);
  assert.equal(embedded.workers, 1);
  assert.match(embedded.note ?? '', /WEB_CONCURRENCY=4 ignored/);
  assert.equal(requestLimit(0, 0), Infinity);
  assert.equal(
    requestLimit(1000, 50, () => 0),
    1000,
  );
  assert.equal(
    requestLimit(1000, 50, () => 0.9999),
    1050,
  );
  const problems = configProblems;
  assert.ok(problems({ MAX_REQUESTS_JITTER: '100' }).some((p) => p.includes('MAX_REQUESTS_JITTER') && p.includes('MAX_REQUESTS ')));
  assert.ok(problems({ MAX_REQUESTS: '-1' }).some((p) => p.startsWith('MAX_REQUESTS')));
  assert.deepEqual(problems({ MAX_REQUESTS: '1000', MAX_REQUESTS_JITTER: '100' }), []);
  assert.equal(loadConfig({ DATA_DIR: '/srv/data' }).pidFile, '/srv/data/it360acad.pid');
});

test('crash-loop rule: only failures the worker caused count, within a sliding window, with a growing back-off per slot', () => {
  const memory = { rssBytes: 1, heapUsedBytes: 1, heapLimitBytes: 100, externalBytes: 0, agoMs: 10 };
  const cause = (f: Parameters<typeof explainDeath>[0]) => explainDeath(f).cause;
  // The worker's own doing.
  assert.equal(
    causedByWorker(cause({ code: 1, signal: null, lastError: { name: 'Error', message: 'ECONNREFUSED', phase: 'boot' } })),
    true,
  );
  assert.equal(causedByWorker(cause({ code: 1, signal: null })), true);
  assert.equal(causedByWorker(cause({ code: 78, signal: null })), true);
  assert.equal(
    causedByWorker(cause({ code: null, signal: 'SIGKILL', oomKills: { before: 4, after: 5 } })),
    true,
    'the OOM killer, by the cgroup counter',
  );
  assert.equal(causedByWorker(cause({ code: null, signal: 'SIGABRT', memory: { ...memory, heapUsedBytes: 99 } })), true);
  assert.equal(causedByWorker(cause({ code: null, signal: 'SIGKILL', sent: { signal: 'SIGKILL', why: 'boot-timeout' } })), true);
  // Not the worker's doing: a signal another process sent, with no OOM evidence.
  assert.equal(causedByWorker(cause({ code: null, signal: 'SIGKILL', oomKills: { before: 4, after: 4 } })), false);
  assert.equal(causedByWorker(cause({ code: null, signal: 'SIGKILL' })), false, 'no counter readable: not blamed on the worker');
  assert.equal(causedByWorker(cause({ code: null, signal: 'SIGTERM' })), false);

  const w = new BootFailureWindow({ maxFailures: 5, windowMs: 60_000 });
  // One failure every 15 s: never five within a minute.
  for (let i = 0; i < 20; i++) {
    w.record(i * 15_000);
    assert.equal(w.reached(i * 15_000), false, `failure ${i + 1}`);
  }
  const burst = new BootFailureWindow({ maxFailures: 5, windowMs: 60_000 });
  for (const at of [0, 1000, 3000, 7000]) burst.record(at);
  assert.equal(burst.reached(7000), false);
  assert.equal(burst.record(15_000), 5);
  assert.equal(burst.reached(15_000), true);
  assert.equal(burst.count(60_500), 4, 'the oldest fell out of the window');

  const b = new BootBackoff();
  const slot0 = Array.from({ length: 7 }, () => b.next(0));
  const bounds = [
    [500, 1000],
    [1000, 2000],
    [2000, 4000],
    [4000, 8000],
    [8000, 16_000],
    [8000, 16_000],
    [8000, 16_000],
  ];
  slot0.forEach((d, i) => assert.ok(d >= bounds[i][0] && d < bounds[i][1], `wait ${i + 1}: ${d} ms`));
  const first1 = b.next(1);
  assert.ok(first1 >= 500 && first1 < 1000, 'each slot backs off on its own');
  b.reset(0);
  const again = b.next(0);
  assert.ok(again >= 500 && again < 1000, 'a slot that served starts again from the shortest wait');
});

test('a worker is recycled for requests past their deadline only when they keep growing, not for a burst', () => {
  const rule = { periods: 3, minPastDeadline: 10 };
  assert.equal(pastDeadlineKeepsGrowing([4, 4, 4], rule), true);
  assert.equal(pastDeadlineKeepsGrowing([30, 0, 0], rule), false, 'a burst that stopped (a breaker opened)');
  assert.equal(pastDeadlineKeepsGrowing([1, 1, 1], rule), false, 'a trickle');
  assert.equal(pastDeadlineKeepsGrowing([20, 20], rule), false, 'not yet three periods');
  assert.equal(pastDeadlineKeepsGrowing([0, 5, 5, 5], rule), true);
});

test('the hang record fits in one atomic pipe write, keeping the oldest requests and the innermost frames', () => {
  const inflight = Array.from({ length: 50 }, (_v, i) => ({
    method: 'GET',
    route: `/api/v1/courses/:id/${'x'.repeat(60)}`,
    requestId: randomUUID(),
    ageMs: 9000 - i,
    call: { dependency: 'database', op: 'courses.get', ageMs: 100 },
  }));
  const stack = Array.from({ length: 24 }, (_v, i) => `handler${i} (${'node_modules/some/deep/path/'.repeat(8)}file.js:${i + 1}:7)`);
  const rec = hangRecord({
    workerPid: 42,
    workerId: 3,
    blockedMs: 3100,
    timeoutMs: 3000,
    capture: { type: 'capture', id: 1, ok: true, stack, inflight, inflightCount: 50, pauseMs: 120 },
    captureAgoMs: 400,
  });
  // PIPE_BUF is 4096; the logger adds level, time, pid and msg.
  assert.ok(Buffer.byteLength(JSON.stringify(rec)) < 3700, `${Buffer.byteLength(JSON.stringify(rec))} bytes`);
  assert.equal(rec.workerPid, 42);
  assert.equal(rec.inflightCount, 50);
  const kept = rec.inflight as { requestId: string; ageMs: number }[];
  assert.equal(kept[0].requestId, inflight[0].requestId, 'the oldest request is kept');
  assert.equal(kept[0].ageMs, 9400, 'ages are moved forward to the time of the record');
  assert.ok((rec.stack as string[])[0].startsWith('handler0 '), 'the innermost frame is kept');
  assert.equal(rec.truncated, true);
});
