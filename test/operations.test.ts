import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { Redis } from 'ioredis';

import { PROBE_TIMEOUT_MS } from '../src/operations/readiness.ts';
import { BUCKET_MS, createRecentWindow, mergeDependency, WINDOW_MS } from '../src/operations/recent.ts';
import { createPaystackSimulator } from '../tools/paystack-sim/server.ts';
import { buildTestApp } from './helpers/app.ts';
import { createTestSchema, TEST_DATABASE_URL } from './helpers/db.ts';
import { eventually } from './helpers/payments.ts';
import { freePort, TestRedis } from './helpers/redis.ts';
import { type RunningService, startService } from './helpers/service.ts';

/*
 * What an operator is told: readiness, /metrics summed over the workers, the /ops data,
 * `doctor` and `logs:summary`, each against real services. The dashboard in a browser
 * is in ops-dashboard.test.ts.
 */

const ROOT = new URL('..', import.meta.url).pathname;
const OPS_TOKEN = 'ops-token-for-tests-0123456789';
const bearer = { authorization: `Bearer ${OPS_TOKEN}` };
// A readiness answer is bounded by the 1 s probe timeout; the rest is for a busy CI box.
const READY_BOUND_MS = PROBE_TIMEOUT_MS + 500;
// Any answer from a healthy local service comes in milliseconds; 5 s means it hangs.
const HTTP_TIMEOUT_MS = 5000;
// Two workers boot in 3-5 s here (tsx, migrations); 20 s is for a loaded CI box.
const BOOT_MS = 20_000;

/** Runs a CLI of this project as an operator would, with only the given environment. */
function runCli(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
    p.stdin.end(stdin ?? '');
  });
}

/** A TCP proxy to PostgreSQL that the test can cut, as a network partition would. */
async function tcpProxy(targetPort: number): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function timedReady(inject: (o: { method: 'GET'; url: string }) => Promise<{ statusCode: number; json(): any }>) {
  const started = performance.now();
  const res = await inject({ method: 'GET', url: '/readyz' });
  return { res, body: res.json(), ms: performance.now() - started };
}

test("the /ops window: two workers' calls merge into one p50/p99 and error rate; old calls age out", () => {
  let now = 1_000_000_000_000;
  const clock = () => now;
  const a = createRecentWindow(clock);
  const b = createRecentWindow(clock);
  const call = (w: typeof a, elapsedMs: number, outcome: 'ok' | 'timeout' = 'ok') =>
    w.recordCall({ dependency: 'cache', op: 'get', outcome, elapsedMs, budgetMs: 250 });
  for (let i = 0; i < 98; i++) call(i % 2 ? a : b, 1);
  call(a, 250, 'timeout');
  call(b, 250, 'timeout');
  const merged = mergeDependency([a.snapshot(), b.snapshot()], 'cache', now);
  assert.equal(merged.calls, 100);
  assert.equal(merged.timeouts, 2);
  assert.equal(merged.errorRate, 0.02);
  assert.ok(merged.p50Ms! <= 1, `p50 ${merged.p50Ms}`);
  assert.ok(merged.p99Ms! > 200 && merged.p99Ms! <= 250, `p99 ${merged.p99Ms}`);
  now += WINDOW_MS + BUCKET_MS;
  assert.equal(mergeDependency([a.snapshot(), b.snapshot()], 'cache', now).calls, 0);
});

test('readiness: with Redis stopped it says degraded with 200, within its bound', async (t) => {
  const redis = await TestRedis.start();
  t.after(() => redis.stop());
  const app = await buildTestApp(t, { REDIS_URL: redis.url });
  // The Redis connection opens in the background after start: until then the cache is degraded.
  await eventually(async () => (await timedReady(app.inject)).body.status === 'ok', HTTP_TIMEOUT_MS, 'ready with the cache');

  await redis.stop();
  const after = await timedReady(app.inject);
  assert.equal(after.res.statusCode, 200, 'a dead cache is degraded, not "not ready"');
  assert.equal(after.body.status, 'degraded');
  assert.equal(after.body.checks.cache.status, 'degraded');
  assert.equal(after.body.checks.database.status, 'ok');
  assert.ok(after.ms < READY_BOUND_MS, `answered in ${after.ms.toFixed(0)} ms`);
  t.diagnostic(`readyz with Redis stopped: ${after.ms.toFixed(0)} ms`);
});

test('readiness: with PostgreSQL unreachable after start it says down with 503, within its bound', async (t) => {
  const schema = await createTestSchema();
  t.after(() => schema.release(t));
  const proxy = await tcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
  const viaProxy = new URL(schema.url);
  viaProxy.port = String(proxy.port);
  const app = await buildTestApp(t, { DATABASE_URL: viaProxy.toString() }, { schema });
  const before = await timedReady(app.inject);
  assert.equal(before.res.statusCode, 200);
  assert.equal(before.body.checks.database.status, 'ok');

  await proxy.cut();
  const after = await timedReady(app.inject);
  assert.equal(after.res.statusCode, 503);
  assert.equal(after.body.status, 'down');
  assert.equal(after.body.checks.database.status, 'down');
  assert.ok(after.ms < READY_BOUND_MS, `answered in ${after.ms.toFixed(0)} ms`);
  t.diagnostic(`readyz with PostgreSQL cut off: ${after.ms.toFixed(0)} ms`);
});

test('/metrics and /ops/data need OPS_TOKEN when it is set; the /ops page and its files are public and same-origin', async (t) => {
  const app = await buildTestApp(t, { OPS_TOKEN });
  for (const url of ['/metrics', '/ops/data']) {
    const none = await app.inject({ method: 'GET', url });
    assert.equal(none.statusCode, 401, url);
    assert.equal(none.json().code, 'unauthorized');
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    assert.equal(
      (await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${OPS_TOKEN}x` } })).statusCode,
      401,
      `${url}, wrong token`,
    );
    assert.equal((await app.inject({ method: 'GET', url, headers: bearer })).statusCode, 200, `${url}, right token`);
  }
  const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: bearer });
  assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  assert.match(metrics.body, /^# TYPE it360_http_requests_total counter$/m);
  // Without a supervisor the process answers from its own registry.
  const data = (await app.inject({ method: 'GET', url: '/ops/data', headers: bearer })).json();
  assert.equal(data.supervised, false);
  assert.equal(data.workers.length, 1);
  assert.equal(data.workers[0].pid, process.pid);

  const page = await app.inject({ method: 'GET', url: '/ops' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  assert.doesNotMatch(page.body, /<script>|<script [^>]*>[^<]|\sstyle=|\son\w+=/i, 'no inline script, style attribute or handler');
  assert.match(String((await app.inject({ method: 'GET', url: '/ops/app.js' })).headers['content-type']), /^text\/javascript/);
  assert.match(String((await app.inject({ method: 'GET', url: '/ops/app.css' })).headers['content-type']), /^text\/css/);
  // The dashboard's polling is not traffic: it stays out of the request metrics.
  const after = await app.inject({ method: 'GET', url: '/metrics', headers: bearer });
  assert.doesNotMatch(after.body, /route="\/(metrics|ops\/data|readyz|healthz)"/);
});

/** Parses Prometheus text into `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

async function opsData(svc: RunningService) {
  const res = await fetch(`${svc.url}/ops/data`, { headers: bearer, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  assert.equal(res.status, 200);
  return (await res.json()) as { supervised: boolean; workers: { pid: number; answered: boolean; reason?: string; restarts: number }[] };
}

test('/metrics after a scripted sequence (misses, hits, one cache timeout opening one breaker) shows the counts summed over two workers, and the restart of one', async (t) => {
  const redis = await TestRedis.start();
  t.after(() => redis.stop());
  const schema = await createTestSchema();
  t.after(() => schema.release(t));
  const svc = await startService({
    WEB_CONCURRENCY: '2',
    DATABASE_URL: schema.url,
    REDIS_URL: redis.url,
    OPS_TOKEN,
    JWT_SECRET: 'metrics-test-secret-0123456789abcdef',
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'it360-ops-')),
    // One failure opens a breaker, and it stays open for the test: one timeout, one opening.
    BREAKER_CONSECUTIVE_FAILURES: '1',
    BREAKER_HALF_OPEN_MS: '60000',
    // With one failure opening the breaker, a healthy Redis command that a loaded machine
    // delays past the default 250 ms would open it too early; only the frozen Redis may.
    REDIS_COMMAND_TIMEOUT_MS: '1500',
  });
  t.after(() => svc.kill());
  await eventually(
    async () => {
      const d = await opsData(svc);
      return d.supervised && d.workers.filter((w) => w.answered).length === 2;
    },
    BOOT_MS,
    'two workers answering',
  );

  const get = async (q: string) => {
    const res = await fetch(`${svc.url}/api/v1/courses?${q}`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    assert.equal(res.status, 200);
    return res.headers.get('x-cache');
  };
  // Three misses; Redis is shared, so the repeats are hits whichever worker serves them.
  for (const q of ['page=1', 'page=2', 'page=3']) assert.equal(await get(q), 'miss');
  const probe = new Redis(redis.url, { maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  // The cache write is not awaited by the request; it lands within milliseconds.
  await eventually(async () => (await probe.keys('it360:*courses*')).length === 3, HTTP_TIMEOUT_MS, 'three cache entries');
  probe.disconnect();
  for (let i = 0; i < 2; i++) for (const q of ['page=1', 'page=2', 'page=3']) assert.equal(await get(q), 'hit');

  redis.freeze();
  assert.equal(await get('page=4'), 'bypass');
  redis.thaw();

  const scrape = async () => {
    const res = await fetch(`${svc.url}/metrics`, { headers: bearer, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    assert.equal(res.status, 200);
    return samples(await res.text());
  };
  const m = await scrape();
  const expect = (key: string, value: number) => assert.equal(m.get(key), value, key);
  expect('it360_http_requests_total{route="/api/v1/courses",method="GET",status="200"}', 10);
  expect('it360_cache_reads_total{scope="courses",outcome="miss"}', 3);
  expect('it360_cache_reads_total{scope="courses",outcome="hit"}', 6);
  expect('it360_cache_reads_total{scope="courses",outcome="bypass"}', 1);
  expect('it360_dependency_calls_total{dependency="cache",op="get",outcome="timeout"}', 1);
  // Three misses asked Redis; of the six hits, a page's first in the other worker comes
  // from Redis (at most three), every other from the worker's own tier.
  const redisGets = m.get('it360_dependency_calls_total{dependency="cache",op="get",outcome="ok"}') ?? 0;
  assert.ok(redisGets >= 3 && redisGets <= 6, `${redisGets} Redis GETs`);
  assert.equal(m.get('it360_cache_local_reads_total{outcome="hit"}'), 9 - redisGets, 'every other hit was in-process');
  assert.ok((m.get('it360_cache_local_bytes') ?? 0) > 0 && (m.get('it360_cache_local_entries') ?? 0) >= 3);
  expect('it360_breaker_transitions_total{dependency="cache",from="closed",to="open"}', 1);
  // A gauge per worker, summed: one worker's breaker opened, the other's did not.
  expect('it360_breaker_state{dependency="cache",state="open"}', 1);
  expect('it360_breaker_state{dependency="cache",state="closed"}', 1);
  expect('it360_breaker_state{dependency="database",state="closed"}', 2);
  expect('it360_workers', 2);
  expect('it360_workers_unanswered', 0);
  assert.equal(m.get('it360_http_request_duration_seconds_count{route="/api/v1/courses",method="GET"}'), 10);
  assert.ok((m.get('it360_db_pool_idle') ?? 0) >= 1, 'pool gauges are there');
  assert.ok(m.has('it360_event_loop_delay_seconds{stat="p99"}'));

  // A worker dies: the supervisor replaces it and says why; the counts it had stay.
  const victim = (await opsData(svc)).workers[0].pid;
  process.kill(victim, 'SIGKILL');
  const d = await eventually(
    async () => {
      // A kept-alive connection to the killed worker fails once; the next one reaches a live worker.
      const x = await opsData(svc).catch(() => undefined);
      return x && x.workers.filter((w) => w.answered).length === 2 && !x.workers.some((w) => w.pid === victim) ? x : undefined;
    },
    BOOT_MS,
    'a replacement worker answering',
  );
  assert.ok(
    d.workers.some((w) => w.reason === 'replace-dead' && w.restarts === 1),
    JSON.stringify(d.workers),
  );
  const after = await scrape();
  assert.equal(after.get('it360_worker_restarts_total{reason="replace-dead"}'), 1);
  assert.equal(after.get('it360_cache_reads_total{scope="courses",outcome="hit"}'), 6, 'counters survive the worker that counted them');
});

test('doctor: a healthy set-up exits 0; a stopped Redis and a wrong database port exit non-zero, naming both', async (t) => {
  const redis = await TestRedis.start();
  t.after(() => redis.stop());
  const stopped = await TestRedis.start();
  await stopped.stop();
  const sim = createPaystackSimulator({ secretKey: 'sk_test_doctor_0123456789' });
  const simUrl = await sim.listen(0, '127.0.0.1');
  t.after(() => sim.close());
  const wrongPort = new URL(TEST_DATABASE_URL);
  wrongPort.port = String(await freePort());
  const base = { NODE_ENV: 'test', PAYSTACK_SECRET_KEY: 'sk_test_doctor_0123456789', PAYSTACK_BASE_URL: simUrl };

  const [healthy, broken] = await Promise.all([
    runCli(['src/cli/index.ts', 'doctor'], { ...base, DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: redis.url }),
    runCli(['src/cli/index.ts', 'doctor'], { ...base, DATABASE_URL: wrongPort.toString(), REDIS_URL: stopped.url }),
  ]);
  t.diagnostic(`healthy doctor: ${healthy.ms.toFixed(0)} ms; broken doctor: ${broken.ms.toFixed(0)} ms`);
  assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
  assert.match(healthy.stdout, /^postgres\s+ok\s/m);
  assert.match(healthy.stdout, /^postgres statement_timeout\s+ok\s.*cancelled pg_sleep/m);
  assert.match(healthy.stdout, /^redis\s+ok\s/m);
  assert.match(healthy.stdout, /^paystack\s+ok\s.*accepted the test key/m);
  assert.match(healthy.stdout, /nothing down/);

  assert.notEqual(broken.code, 0, broken.stdout + broken.stderr);
  assert.match(broken.stdout, new RegExp(`^postgres\\s+DOWN\\s.*:${wrongPort.port}.*ECONNREFUSED`, 'm'));
  assert.match(broken.stdout, new RegExp(`^redis\\s+DOWN\\s.*:${stopped.port}.*ECONNREFUSED`, 'm'));
  assert.match(broken.stdout, /2 down: postgres, redis/);
  assert.match(broken.stdout, /^paystack\s+ok\s/m, 'what works is still said to work');
});

test('logs:summary on a log of a test run names the route that timed out, its culprit and its request id', async (t) => {
  // A 1 s deadline so the slow query overruns it at once; the per-call budgets must fit inside it.
  const app = await buildTestApp(t, {
    REQUEST_TIMEOUT_MS: '1000',
    DB_CONNECT_TIMEOUT_MS: '500',
    PAYSTACK_TIMEOUT_MS: '500',
    PAYSTACK_VERIFY_WAIT_MS: '400',
  });
  for (let i = 0; i < 3; i++) assert.equal((await app.inject({ method: 'GET', url: '/api/v1/courses' })).statusCode, 200);
  const slow = await app.inject({ method: 'GET', url: '/__fault/db-sleep?seconds=5' });
  assert.equal(slow.statusCode, 503);
  assert.equal(slow.json().code, 'deadline_exceeded');
  const requestId = String(slow.headers['x-request-id']);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'it360-logs-')), 'service.log');
  writeFileSync(file, `${app.logs.map((r) => JSON.stringify(r)).join('\n')}\nnot a JSON line\n`);

  const fromFile = await runCli(['src/cli/logs-summary.ts', file], {});
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.match(fromFile.stdout, /^Timing out: GET \/__fault\/db-sleep \(1\)$/m);
  assert.match(fromFile.stdout, /^GET \/__fault\/db-sleep\s+1\s+1\s+1\s.*deadline_exceeded ×1\s+database ×1$/m);
  assert.match(fromFile.stdout, /^GET \/api\/v1\/courses\s+3\s+0\s+0\s/m);
  assert.match(fromFile.stdout, /^database\s+fault\.pg_sleep\s/m);
  // The worst request comes first, by its id.
  const worst = fromFile.stdout.split('Worst requests')[1].split('\n')[2];
  assert.ok(worst.startsWith(requestId), worst);

  const fromStdin = await runCli(['src/cli/logs-summary.ts', '--json'], {}, app.logs.map((r) => JSON.stringify(r)).join('\n'));
  const s = JSON.parse(fromStdin.stdout);
  assert.equal(s.routes[0].route, 'GET /__fault/db-sleep');
  assert.equal(s.routes[0].pastDeadline, 1);
  assert.equal(s.worst[0].requestId, requestId);
});
