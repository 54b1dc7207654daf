import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { listMigrations } from '../src/infra/database/migrate.ts';
import { signPaystackBody } from '../src/infra/paystack/signature.ts';
import { createPaystackSimulator } from '../tools/paystack-sim/server.ts';
import { onTestEnd } from './helpers/children.ts';
import { createTestSchema, rawClient } from './helpers/db.ts';
import { api } from './helpers/http.ts';
import { startNginx } from './helpers/nginx.ts';
import { eventually } from './helpers/payments.ts';
import { silentServer, TestRedis } from './helpers/redis.ts';
import { type RunningService, startService } from './helpers/service.ts';

const KEY = 'sk_test_scale_out';
const ADMIN = { email: 'admin@scale.test', password: 'admin-password-1' };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Shared PostgreSQL schema, shared redis-server, the Paystack simulator: what every instance points at. */
async function sharedEnv(t: TestContext) {
  const schema = await createTestSchema('so');
  const redis = await TestRedis.start();
  const sim = createPaystackSimulator({ secretKey: KEY });
  const simUrl = await sim.listen(0, '127.0.0.1');
  const instances: RunningService[] = [];
  // Every step runs even when one before it fails: no instance or redis-server outlives the test.
  onTestEnd(
    t,
    () => Promise.all(instances.map((i) => i.kill())),
    () => sim.close(),
    () => redis.stop(),
    () => schema.release(t),
  );
  const env = {
    DATABASE_URL: schema.url,
    REDIS_URL: redis.url,
    PAYSTACK_SECRET_KEY: KEY,
    PAYSTACK_BASE_URL: simUrl,
    JWT_SECRET: 'scale-out-secret-scale-out-secret-0123456789',
    BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'info',
  };
  const start = async (extra: Record<string, string> = {}, port?: number) => {
    const s = await startService({ ...env, ...extra }, { port, readyTimeoutMs: 60_000 });
    instances.push(s);
    return s;
  };
  return { schema, redis, sim, simUrl, env, start, instances };
}

test('instances starting together against an empty database migrate it exactly once', async (t) => {
  const shared = await sharedEnv(t);
  const started = await Promise.all([
    shared.start({ WEB_CONCURRENCY: '1' }),
    shared.start({ WEB_CONCURRENCY: '1' }),
    shared.start({ WEB_CONCURRENCY: '1' }),
  ]);
  const applied = started.flatMap((s) => s.records().filter((r) => r.msg === 'migration applied'));
  assert.equal(applied.length, listMigrations().length, 'each migration applied once in all');
  const db = await rawClient(shared.schema.url);
  t.after(() => db.end());
  const rows = await db.query('SELECT count(*)::int AS n FROM schema_migrations');
  assert.equal(rows.rows[0].n, listMigrations().length);
});

test('behind nginx: a write through one instance is seen through every instance within the bound, also when the writer cannot reach Redis', async (t) => {
  const shared = await sharedEnv(t);
  const a = await shared.start({ WEB_CONCURRENCY: '2' });
  const b = await shared.start({ WEB_CONCURRENCY: '2' });
  const silent = await silentServer();
  t.after(() => silent.close());
  // This instance's Redis never answers: its writes cannot DEL or SET anything there.
  const blind = await shared.start({ WEB_CONCURRENCY: '1', REDIS_URL: silent.url });
  const lb = await startNginx([a.port, b.port]);
  t.after(() => lb.stop());
  const admin = (await api(lb.url, '/api/v1/auth/login', { method: 'POST', body: ADMIN })).body;
  const student = (
    await api(lb.url, '/api/v1/auth/register', {
      method: 'POST',
      body: { email: 's@scale.test', password: 'student-pass', firstName: 'v0', lastName: 'S' },
    })
  ).body;
  const id = student.user.id as string;
  const writers = [a, b, blind];
  const readers = [a, b];
  const delays: number[] = [];
  for (let i = 1; i <= 100; i++) {
    // Every reader has the current value cached (each worker, through nginx and directly).
    for (const r of readers) for (let k = 0; k < 2; k++) await api(r.url, `/api/v1/users/${id}`, { token: admin.accessToken });
    const writer = writers[i % writers.length];
    const w = await api(writer.url, `/api/v1/users/${id}`, { method: 'PATCH', token: admin.accessToken, body: { firstName: `v${i}` } });
    assert.equal(w.status, 200);
    const acked = performance.now();
    for (const r of [...readers, lb]) {
      for (;;) {
        const got = await api(r.url, `/api/v1/users/${id}`, { token: admin.accessToken });
        if (got.body.firstName === `v${i}`) break;
        assert.ok(performance.now() - acked < 2000, `write ${i} not visible through ${r.url} after 2 s`);
        await sleep(1);
      }
    }
    delays.push(performance.now() - acked);
  }
  process.stdout.write(
    `# cross-instance propagation over ${delays.length} writes: median ${median(delays).toFixed(1)} ms, worst ${Math.max(...delays).toFixed(1)} ms\n`,
  );
});

test('payments across instances: one webhook to two instances at once, a verify on a third, reconcilers everywhere: one success, one enrollment; the sweep is split, not repeated', async (t) => {
  const shared = await sharedEnv(t);
  // Sweeps run every 200 ms in every instance and take payments older than 45 s: old
  // enough that the test has paid them at the simulator before any sweep looks (with the
  // load average at 30 on 2 cores, 5 s was not: a sweep verified one payment while still
  // unpaid, then again once paid).
  // One student starts 31 payments within seconds below, past the per-user limit of 20.
  const common = { WEB_CONCURRENCY: '1', RECONCILE_MIN_AGE_MS: '45000', PAYMENT_INIT_MAX_PER_USER: '100' };
  const [a, b, c] = await Promise.all([
    shared.start({ ...common, RECONCILE_INTERVAL_MS: '200' }),
    shared.start({ ...common, RECONCILE_INTERVAL_MS: '200' }),
    shared.start({ ...common, RECONCILE_INTERVAL_MS: '200' }),
  ]);
  const admin = (await api(a.url, '/api/v1/auth/login', { method: 'POST', body: ADMIN })).body;
  const db = await rawClient(shared.schema.url);
  t.after(() => db.end());

  // 1. The race: the same signed webhook to A and B at once, a verify on C.
  const course = (
    await api(a.url, '/api/v1/courses', {
      method: 'POST',
      token: admin.accessToken,
      body: { title: 'Race', description: '', price: 300_000, isPublished: true },
    })
  ).body;
  const s1 = (
    await api(a.url, '/api/v1/auth/register', {
      method: 'POST',
      body: { email: 'race@scale.test', password: 'student-pass', firstName: 'R', lastName: 'S' },
    })
  ).body;
  const p = (await api(b.url, '/api/v1/payments/initialize', { method: 'POST', token: s1.accessToken, body: { courseId: course.id } }))
    .body;
  assert.equal(p.status, 'pending');
  const done = (await (
    await fetch(`${shared.simUrl}/__control/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reference: p.reference, outcome: 'success', sendWebhook: false }),
    })
  ).json()) as { data: unknown };
  const raw = JSON.stringify({ event: 'charge.success', data: done.data });
  const sig = signPaystackBody(KEY, raw);
  const deliver = (s: RunningService) =>
    fetch(`${s.url}/api/v1/payments/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-paystack-signature': sig },
      body: raw,
      signal: AbortSignal.timeout(10_000),
    });
  const [wa, wb, vc] = await Promise.all([
    deliver(a),
    deliver(b),
    api(c.url, `/api/v1/payments/verify/${p.reference}`, { token: s1.accessToken }),
  ]);
  assert.equal(wa.status, 200);
  assert.equal(wb.status, 200);
  assert.equal(vc.status, 200);
  await eventually(
    async () => (await db.query("SELECT 1 FROM payments WHERE reference = $1 AND status = 'success'", [p.reference])).rowCount === 1,
    10_000,
    'success',
  );
  await sleep(1000); // every straggler (webhook processing, sweeps) has had its chance
  const counts = await db.query(
    `SELECT (SELECT count(*)::int FROM enrollments WHERE payment_reference = $1) AS enrollments,
            (SELECT count(*)::int FROM webhook_events WHERE reference = $1) AS events`,
    [p.reference],
  );
  assert.deepEqual(counts.rows[0], { enrollments: 1, events: 1 });
  const fulfilled = [a, b, c].flatMap((s) => s.records().filter((r) => r.msg === 'payment fulfilled' && r.reference === p.reference));
  assert.equal(fulfilled.length, 1, 'fulfilled exactly once across instances');
  const raceVerifies = ((await (await fetch(`${shared.simUrl}/__stats`)).json()) as { verify: number }).verify;

  // 2. The sweep: 30 paid payments nobody told us about; three reconcilers share them.
  const n = 30;
  const refs: string[] = [];
  const courses = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      api(a.url, '/api/v1/courses', {
        method: 'POST',
        token: admin.accessToken,
        body: { title: `Sweep ${i}`, description: '', price: 100_000 + i, isPublished: true },
      }),
    ),
  );
  // Made and paid all at once, then the counters reset: the whole set-up must end well
  // inside RECONCILE_MIN_AGE_MS of the first payment, or a sweep could verify one while
  // Paystack still calls it pending and verify it again once paid (one at a time, thirty
  // initializes on a loaded machine took long enough for that).
  const made = await Promise.all(
    courses.map((cr) =>
      api(c.url, '/api/v1/payments/initialize', { method: 'POST', token: s1.accessToken, body: { courseId: cr.body.id } }),
    ),
  );
  for (const r of made) refs.push(r.body.reference);
  await Promise.all(
    refs.map((ref) =>
      fetch(`${shared.simUrl}/__control/complete`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reference: ref, outcome: 'success', sendWebhook: false }),
      }),
    ),
  );
  await fetch(`${shared.simUrl}/__control/reset`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  await eventually(
    async () =>
      (await db.query("SELECT count(*)::int AS n FROM payments WHERE reference = ANY($1) AND status = 'success'", [refs])).rows[0].n === n,
    120_000,
    'all settled by the sweep',
  );
  const stats = (await (await fetch(`${shared.simUrl}/__stats`)).json()) as { verify: number };
  const sweepers = new Set(
    [a, b, c].filter((s) => s.records().some((r) => r.msg === 'reconciler run' && Number(r.payments) > 0)).map((s) => s.port),
  );
  process.stdout.write(
    `# verify calls: ${raceVerifies} for the raced payment (2 webhooks + 1 verify + sweeps); ${stats.verify} for ${n} swept payments, by ${sweepers.size} instances\n`,
  );
  assert.equal(stats.verify, n, 'each swept payment verified exactly once across all instances');
  const enrolled = await db.query('SELECT count(*)::int AS n FROM enrollments WHERE payment_reference = ANY($1)', [refs]);
  assert.equal(enrolled.rows[0].n, n);
});

test('rolling deploy behind nginx: instances restarted one at a time under load, no failed request', async (t) => {
  const shared = await sharedEnv(t);
  const a = await shared.start({ WEB_CONCURRENCY: '2', GRACEFUL_TIMEOUT_MS: '10000' });
  const b = await shared.start({ WEB_CONCURRENCY: '2', GRACEFUL_TIMEOUT_MS: '10000' });
  const lb = await startNginx([a.port, b.port]);
  t.after(() => lb.stop());
  let ok = 0;
  const failures: string[] = [];
  let running = true;
  // The load stops when the test ends, failed or not, instead of running on to its deadline.
  t.after(() => {
    running = false;
  });
  // A bounded load: 4 loops of sequential GETs until the deploy is over (at most 90 s).
  const deadline = Date.now() + 90_000;
  const loops = Array.from({ length: 4 }, async () => {
    while (running && Date.now() < deadline) {
      try {
        const r = await fetch(`${lb.url}/api/v1/courses`, { signal: AbortSignal.timeout(15_000) });
        await r.arrayBuffer();
        if (r.status === 200) ok++;
        else failures.push(`status ${r.status}`);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  });
  // As a deploy tool would: the next instance goes down only once the previous one is
  // ready on every probe for a second and the balancer has it back in rotation (nginx
  // retries an upstream it marked failed after fail_timeout, 2 s).
  const settled = async (s: RunningService) => {
    for (let ok = 0, tries = 0; ok < 10 && tries < 600; tries++) {
      const r = await fetch(`${s.url}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      ok = r?.status === 200 ? ok + 1 : 0;
      await sleep(100);
    }
    await sleep(3000);
  };
  await settled(a);
  await settled(b);
  for (const old of [a, b]) {
    old.signal('SIGTERM');
    const exit = await old.exited;
    assert.equal(exit.code, 0, 'graceful shutdown exits 0');
    const fresh = await startService(
      { ...shared.env, WEB_CONCURRENCY: '2', GRACEFUL_TIMEOUT_MS: '10000' },
      { port: old.port, readyTimeoutMs: 60_000 },
    );
    shared.instances.push(fresh);
    await settled(fresh);
  }
  await sleep(500);
  running = false;
  await Promise.all(loops);
  process.stdout.write(`# rolling deploy: ${ok} requests answered 200, ${failures.length} failed\n`);
  if (failures.length)
    process.stdout.write(
      `# nginx says:\n${lb
        .errorLog()
        .split('\n')
        .filter((l) => !l.includes('[warn]'))
        .slice(-25)
        .map((l) => `#   ${l}`)
        .join('\n')}\n`,
    );
  assert.deepEqual(failures, []);
  assert.ok(ok > 50, `only ${ok} requests ran`);
});

test('login rate limits hold across instances through Redis, and fall back to each process when Redis hangs', async (t) => {
  const shared = await sharedEnv(t);
  const limit = 6;
  const env = {
    WEB_CONCURRENCY: '1',
    LOGIN_MAX_FAILURES_PER_ACCOUNT: String(limit),
    LOGIN_MAX_FAILURES_PER_ADDRESS: '1000',
    BREAKER_HALF_OPEN_MS: '60000',
  };
  const [a, b] = await Promise.all([shared.start(env), shared.start(env)]);
  const victim = { email: 'victim@scale.test', password: 'victim-password' };
  assert.equal(
    (await api(a.url, '/api/v1/auth/register', { method: 'POST', body: { ...victim, firstName: 'V', lastName: 'S' } })).status,
    201,
  );
  const wrong = (s: RunningService) =>
    api(s.url, '/api/v1/auth/login', { method: 'POST', body: { email: victim.email, password: 'not-it' } });
  // Failures alternate between the instances; the shared counter sees all of them.
  const statuses: number[] = [];
  for (let i = 0; i < limit; i++) statuses.push((await wrong(i % 2 ? b : a)).status);
  assert.deepEqual(
    statuses,
    Array.from({ length: limit }, () => 401),
  );
  for (const s of [a, b]) {
    const r = await wrong(s);
    assert.equal(r.status, 429, `instance ${s.port} let a ${limit + 1}th failure through`);
    assert.equal(r.body.code, 'rate_limited');
  }

  // Redis hangs: each process falls back to its own counters (kept alongside all along),
  // so the account stays limited, at worst at N processes × the limit, and nothing waits
  // on Redis or answers 5xx.
  shared.redis.freeze();
  t.after(() => shared.redis.thaw());
  for (const s of [a, b]) {
    let limited = false;
    for (let i = 0; i < limit && !limited; i++) {
      const started = performance.now();
      const r = await wrong(s);
      assert.ok([401, 429].includes(r.status), `answered ${r.status} with Redis hung`);
      assert.ok(performance.now() - started < 2000, 'a rate-limit check waited on the hung Redis');
      limited = r.status === 429;
    }
    assert.ok(limited, `instance ${s.port} never limited the account with Redis hung`);
  }
});
