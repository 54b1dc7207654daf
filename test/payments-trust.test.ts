import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { listMigrations } from '../src/infra/database/migrate.ts';
import { signPaystackBody } from '../src/infra/paystack/signature.ts';
import { createPaystackSimulator } from '../tools/paystack-sim/server.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { createTestSchema, rawClient } from './helpers/db.ts';
import { makeCourse, makeUser, type TestUser } from './helpers/factories.ts';
import { buildPayApp, eventually, type PayApp } from './helpers/payments.ts';

// Payment starts are rate limited per user; these tests start many on purpose.
const MANY_INITS = { PAYMENT_INIT_MAX_PER_USER: '1000' };

async function setup(t: TestContext, env: Record<string, string> = {}) {
  const app = await buildPayApp(t, { ...MANY_INITS, ...env });
  const inst = await makeUser(app, 'instructor');
  const student = await makeUser(app);
  const course = await makeCourse(app, inst, { price: 1_500_000 });
  const admin = await makeUser(app, 'admin');
  return { app, inst, student, course, admin };
}

function initialize(app: Pick<TestApp, 'inject'>, who: TestUser, courseId: string) {
  return app.inject({ method: 'POST', url: '/api/v1/payments/initialize', headers: who.auth, payload: { courseId } });
}

async function simStat(app: PayApp, op: string): Promise<number> {
  return Number((await app.sim.stats())[op]);
}

async function row(app: Pick<TestApp, 'c'>, reference: string) {
  return (
    await app.c.db.query<{ status: string; flagged: string | null; refunded_amount: string }>(
      't',
      'SELECT status, flagged, refunded_amount FROM payments WHERE reference = $1',
      [reference],
    )
  )[0];
}

async function refundRows(app: Pick<TestApp, 'c'>, reference: string) {
  return app.c.db.query<{ paystack_refund_id: string | null; amount: string; status: string }>(
    't',
    'SELECT paystack_refund_id, amount, status FROM refunds WHERE payment_reference = $1 ORDER BY requested_at',
    [reference],
  );
}

async function paid(app: PayApp, who: TestUser, courseId: string) {
  const p = (await initialize(app, who, courseId)).json();
  await app.sim.complete(p.reference, 'success', false);
  const v = await app.inject({ method: 'GET', url: `/api/v1/payments/verify/${p.reference}`, headers: who.auth });
  assert.equal(v.json().status, 'success');
  return p as { reference: string; amount: number };
}

// ---------------------------------------------------------------- one live checkout

test('20 concurrent initializes for one (user, course) with a slow Paystack: one reference, one Paystack call', async (t) => {
  const { app, student, course } = await setup(t);
  await app.sim.control({ mode: 'slow', delayMs: 800, ops: ['initialize'] });
  const answers = await Promise.all(Array.from({ length: 20 }, () => initialize(app, student, course.id)));
  const statuses = answers.map((a) => a.statusCode);
  assert.deepEqual([...new Set(statuses)], [201], `statuses: ${statuses.join(',')}`);
  const refs = new Set(answers.map((a) => a.json().reference));
  assert.equal(refs.size, 1, `references: ${[...refs].join(', ')}`);
  assert.ok(answers.every((a) => a.json().authorizationUrl === answers[0].json().authorizationUrl));
  const initCalls = await simStat(app, 'initialize');
  process.stdout.write(`# 20 concurrent initializes: ${refs.size} reference, ${initCalls} Paystack initialize call(s)\n`);
  assert.equal(initCalls, 1);
  const live = await app.c.db.query<{ n: number }>(
    't',
    'SELECT count(*)::int AS n FROM payments WHERE user_id = $1 AND authorization_url IS NOT NULL',
    [student.id],
  );
  assert.equal(live[0].n, 1);
});

for (const gapMs of [60, 300]) {
  test(`initializes ${gapMs} ms apart while Paystack takes 800 ms: one reference`, async (t) => {
    const { app, student, course } = await setup(t);
    await app.sim.control({ mode: 'slow', delayMs: 800, ops: ['initialize'] });
    const n = gapMs === 60 ? 12 : 3;
    const answers = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        await sleep(i * gapMs);
        return initialize(app, student, course.id);
      }),
    );
    assert.deepEqual([...new Set(answers.map((a) => a.statusCode))], [201]);
    assert.equal(new Set(answers.map((a) => a.json().reference)).size, 1);
    assert.equal(await simStat(app, 'initialize'), 1);
  });
}

test("an attempt in flight past the caller's deadline: 409 payment_in_progress with Retry-After; a stale one is superseded", async (t) => {
  const { app, student, course } = await setup(t, {
    REQUEST_TIMEOUT_MS: '1500',
    PAYSTACK_TIMEOUT_MS: '1000',
    PAYSTACK_VERIFY_WAIT_MS: '1000',
    DB_CONNECT_TIMEOUT_MS: '1000',
  });
  // Another request's attempt, still waiting on Paystack (its row says so).
  await app.c.db.query(
    't',
    "INSERT INTO payments (reference, user_id, course_id, amount, currency, init_in_flight) VALUES ('it360-inflight', $1, $2, $3, 'NGN', true)",
    [student.id, course.id, course.price],
  );
  const started = performance.now();
  const res = await initialize(app, student, course.id);
  assert.equal(res.statusCode, 409);
  assert.equal(res.json().code, 'payment_in_progress');
  assert.ok(Number(res.headers['retry-after']) >= 1);
  assert.ok(performance.now() - started < 1500, 'answered within its own deadline');
  assert.equal((await row(app, 'it360-inflight')).status, 'pending', 'an attempt in flight is never superseded');
  // The request that made it is certainly over: REQUEST_TIMEOUT_MS + 5 s without finishing.
  await app.c.db.query('t', "UPDATE payments SET created_at = now() - interval '7 seconds' WHERE reference = 'it360-inflight'");
  const fresh = await initialize(app, student, course.id);
  assert.equal(fresh.statusCode, 201);
  assert.notEqual(fresh.json().reference, 'it360-inflight');
  assert.equal((await row(app, 'it360-inflight')).status, 'abandoned');
});

// ---------------------------------------------------------------- second charge

test('a second charge paid at Paystack is refunded exactly once, with two instances settling it by webhook, verify and sweep', async (t) => {
  const KEY = 'sk_test_second_charge';
  const schema = await createTestSchema();
  const sim = createPaystackSimulator({ secretKey: KEY });
  const simUrl = await sim.listen(0, '127.0.0.1');
  t.after(async () => {
    await sim.close();
    await schema.release(t);
  });
  const env = { PAYSTACK_SECRET_KEY: KEY, PAYSTACK_BASE_URL: simUrl, RECONCILE_MIN_AGE_MS: '0', ...MANY_INITS };
  const a = await buildTestApp(t, env, { schema });
  const b = await buildTestApp(t, env, { schema });
  const control = (path: string, body: unknown) =>
    fetch(`${simUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
      (r) => r.json() as Promise<{ data: unknown }>,
    );
  await control('/__control', { refundDelayMs: 100 });
  // Paystack's refund webhooks go to one instance; charge webhooks are posted by hand below.
  const aUrl = await a.c.app.listen({ host: '127.0.0.1', port: 0 });
  sim.setWebhookUrl(`${aUrl}/api/v1/payments/webhook`);
  const inst = await makeUser(a, 'instructor');
  const student = await makeUser(a);
  const course = await makeCourse(a, inst, { price: 700_000 });

  // First checkout is declined; the student starts again and pays the second one.
  const first = (await initialize(a, student, course.id)).json();
  await control('/__control/complete', { reference: first.reference, outcome: 'failed', sendWebhook: false });
  assert.equal(
    (await a.inject({ method: 'GET', url: `/api/v1/payments/verify/${first.reference}`, headers: student.auth })).json().status,
    'failed',
  );
  const second = (await initialize(b, student, course.id)).json();
  assert.notEqual(second.reference, first.reference);
  await control('/__control/complete', { reference: second.reference, outcome: 'success', sendWebhook: false });
  assert.equal(
    (await b.inject({ method: 'GET', url: `/api/v1/payments/verify/${second.reference}`, headers: student.auth })).json().status,
    'success',
  );

  // Later the student goes back to the first checkout (it never expires) and pays it too.
  const charged = await control('/__control/complete', { reference: first.reference, outcome: 'success', sendWebhook: false });
  const raw = JSON.stringify({ event: 'charge.success', data: charged.data });
  const webhook = (app: TestApp) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/payments/webhook',
      headers: { 'content-type': 'application/json', 'x-paystack-signature': signPaystackBody(KEY, raw) },
      payload: raw,
    });
  await a.c.db.query('t', 'UPDATE payments SET next_check_at = now()');
  await Promise.all([
    webhook(a),
    webhook(b),
    a.inject({ method: 'GET', url: `/api/v1/payments/verify/${first.reference}`, headers: student.auth }),
    b.inject({ method: 'GET', url: `/api/v1/payments/verify/${first.reference}`, headers: student.auth }),
    a.c.payments.reconcileOnce(),
    b.c.payments.reconcileOnce(),
  ]);
  await eventually(async () => (await row(a, first.reference)).status === 'refunded', 8000, 'the second charge refunded');
  // Everyone looks again once more: nothing new may happen.
  await a.c.db.query('t', 'UPDATE payments SET next_check_at = now()');
  await Promise.all([a.c.payments.reconcileOnce(), b.c.payments.reconcileOnce(), webhook(a), webhook(b)]);
  await sleep(300);
  await Promise.all([a.c.payments.processEvents(undefined), b.c.payments.processEvents(undefined)]);
  const stats = (await (await fetch(`${simUrl}/__stats`)).json()) as { refund: number };
  process.stdout.write(`# second charge: simulator refund calls = ${stats.refund}\n`);
  assert.equal(stats.refund, 1, 'exactly one refund sent to Paystack');
  const refunds = await refundRows(a, first.reference);
  assert.equal(refunds.length, 1);
  assert.equal(refunds[0].status, 'processed');
  assert.equal(Number(refunds[0].amount), 700_000);
  assert.equal(Number((await row(a, first.reference)).refunded_amount), 700_000);
  // The enrollment stays with the payment that holds it.
  const enr = await a.inject({ method: 'GET', url: '/api/v1/enrollments', headers: student.auth });
  assert.deepEqual(
    enr.json().items.map((i: { paymentReference: string }) => i.paymentReference),
    [second.reference],
  );
  assert.equal((await row(a, second.reference)).status, 'success');
  const logged = [...a.logs, ...b.logs].filter(
    (l) => l.msg === 'second charge for a course already held; refunding it' && l.reference === first.reference,
  );
  assert.equal(logged.length, 1);
});

// ---------------------------------------------------------------- verify coalescing

test('100 verifies and 100 callback loads of one pending payment: a bounded number of Paystack verifies; the callback page is limited per address', async (t) => {
  const { app, student, course } = await setup(t);
  const p = (await initialize(app, student, course.id)).json();
  const before = await simStat(app, 'verify');
  const started = performance.now();
  const callbackStatuses: number[] = [];
  const limitedRetryAfter: number[] = [];
  for (let round = 0; round < 4; round++) {
    const verifies = Array.from({ length: 25 }, () =>
      app.inject({ method: 'GET', url: `/api/v1/payments/verify/${p.reference}`, headers: student.auth }),
    );
    const pages = Array.from({ length: 25 }, () => app.inject({ method: 'GET', url: `/payments/callback?reference=${p.reference}` }));
    const [v, c] = await Promise.all([Promise.all(verifies), Promise.all(pages)]);
    for (const r of v) {
      assert.equal(r.statusCode, 200);
      // Paystack calls an unpaid checkout "abandoned"; either way it is not settled.
      assert.ok(['pending', 'abandoned'].includes(r.json().status), r.json().status);
    }
    callbackStatuses.push(...c.map((r) => r.statusCode));
    limitedRetryAfter.push(...c.filter((r) => r.statusCode === 429).map((r) => Number(r.headers['retry-after'])));
    await sleep(300);
  }
  const elapsed = performance.now() - started;
  const calls = (await simStat(app, 'verify')) - before;
  process.stdout.write(
    `# 100 verifies + 100 callback loads in ${Math.round(elapsed)} ms: ${calls} Paystack verify calls; callback 200s=${callbackStatuses.filter((s) => s === 200).length}, 429s=${callbackStatuses.filter((s) => s === 429).length}\n`,
  );
  // One call per 2 s window at most, plus one in flight at each edge.
  assert.ok(calls >= 1 && calls <= 2 + Math.ceil(elapsed / 2000), `${calls} verify calls in ${Math.round(elapsed)} ms`);
  assert.ok(
    limitedRetryAfter.every((s) => s >= 1),
    'a 429 without Retry-After',
  );
  assert.equal(callbackStatuses.filter((s) => s === 200).length, 30);
  assert.equal(callbackStatuses.filter((s) => s === 429).length, 70);
  // A webhook is never answered from the stored status: it still fulfils at once.
  const done = (await app.sim.complete(p.reference, 'success', false)) as { data: unknown };
  const raw = JSON.stringify({ event: 'charge.success', data: done.data });
  await app.inject({
    method: 'POST',
    url: '/api/v1/payments/webhook',
    headers: { 'content-type': 'application/json', 'x-paystack-signature': signPaystackBody('sk_test_simulator', raw) },
    payload: raw,
  });
  await eventually(async () => (await row(app, p.reference)).status === 'success', 5000, 'fulfilled by the webhook');
});

// ---------------------------------------------------------------- refunds as rows

test("two partial refunds, the second one's answer lost: two refund rows, the right total, never the first refund's id twice", async (t) => {
  const { app, student, course, admin } = await setup(t, { PAYSTACK_TIMEOUT_MS: '600' });
  await app.sim.control({ refundDelayMs: 100 });
  const p = await paid(app, student, course.id);
  const refund = (amount: number) =>
    app.inject({ method: 'POST', url: `/api/v1/payments/${p.reference}/refund`, headers: admin.auth, payload: { amount } });
  assert.equal((await refund(100_000)).statusCode, 202);
  await eventually(async () => Number((await row(app, p.reference)).refunded_amount) === 100_000, 5000, 'first refund processed');
  // The second refund reaches Paystack but its answer never finishes; no webhook comes.
  await app.sim.control({ mode: 'hang-body', ops: ['refund'], webhookUrl: 'http://127.0.0.1:9/nowhere' });
  const r2 = await refund(100_000);
  assert.equal(r2.statusCode, 202);
  assert.equal(r2.json().status, 'refund_pending');
  await app.sim.control({ mode: 'normal' });
  // The sweep looks the refund up until Paystack has processed it (100 ms there; longer on a loaded machine).
  const after = await eventually(
    async () => {
      await app.c.db.query('t', 'UPDATE payments SET next_check_at = now() WHERE reference = $1', [p.reference]);
      await app.c.payments.reconcileOnce();
      const r = await row(app, p.reference);
      return r.status !== 'refund_pending' && r;
    },
    10_000,
    'the lost refund settled by the sweep',
  );
  assert.equal(after.status, 'refunded');
  assert.equal(Number(after.refunded_amount), 200_000);
  const rows = await refundRows(app, p.reference);
  assert.equal(rows.length, 2);
  assert.deepEqual(
    rows.map((r) => r.status),
    ['processed', 'processed'],
  );
  assert.equal(new Set(rows.map((r) => r.paystack_refund_id)).size, 2, "the first refund's id recorded twice");
  assert.equal(await simStat(app, 'refund'), 2);
});

test('a second partial refund that never reached Paystack is not matched to the first one', async (t) => {
  const { app, student, course, admin } = await setup(t, { PAYSTACK_TIMEOUT_MS: '600' });
  await app.sim.control({ refundDelayMs: 100 });
  const p = await paid(app, student, course.id);
  const refund = (amount: number) =>
    app.inject({ method: 'POST', url: `/api/v1/payments/${p.reference}/refund`, headers: admin.auth, payload: { amount } });
  assert.equal((await refund(100_000)).statusCode, 202);
  await eventually(async () => Number((await row(app, p.reference)).refunded_amount) === 100_000, 5000, 'first refund processed');
  // Paystack hangs without processing: the second refund does not exist there.
  await app.sim.control({ mode: 'hang', ops: ['refund'], webhookUrl: 'http://127.0.0.1:9/nowhere' });
  assert.equal((await refund(100_000)).json().status, 'refund_pending');
  await app.sim.control({ mode: 'normal' });
  await app.c.db.query('t', 'UPDATE payments SET next_check_at = now() WHERE reference = $1', [p.reference]);
  await app.c.payments.reconcileOnce();
  const after = await row(app, p.reference);
  assert.equal(Number(after.refunded_amount), 100_000, 'the books say more was refunded than Paystack holds');
  assert.equal(after.status, 'refunded');
  const rows = await refundRows(app, p.reference);
  assert.deepEqual(
    rows.map((r) => r.status),
    ['processed', 'failed'],
  );
  assert.equal(rows[1].paystack_refund_id, null);
});

test('three refund webhooks for three refunds of one payment are each processed at once, not left for the sweep', async (t) => {
  const { app, student, course, admin } = await setup(t);
  await app.sim.control({ refundDelayMs: 50 });
  const p = await paid(app, student, course.id);
  for (let i = 1; i <= 3; i++) {
    const r = await app.inject({
      method: 'POST',
      url: `/api/v1/payments/${p.reference}/refund`,
      headers: admin.auth,
      payload: { amount: 100_000 },
    });
    assert.equal(r.statusCode, 202);
    // No sweep runs in this test: only the webhook can finish each refund.
    await eventually(
      async () =>
        Number((await row(app, p.reference)).refunded_amount) === i * 100_000 && (await row(app, p.reference)).status === 'refunded',
      5000,
      `refund ${i} by its webhook`,
    );
  }
  const events = await app.c.db.query<{ n: number }>(
    't',
    "SELECT count(*)::int AS n FROM webhook_events WHERE event = 'refund.processed' AND processed_at IS NOT NULL",
  );
  assert.equal(events[0].n, 3);
  assert.equal((await refundRows(app, p.reference)).length, 3);
});

// ---------------------------------------------------------------- flagged

test('a payment Paystack reports for another amount is flagged: not pending, never fulfilled, a new attempt is allowed, listed on /ops', async (t) => {
  const { app, student, course } = await setup(t);
  const p = (await initialize(app, student, course.id)).json();
  await app.sim.plant({ reference: p.reference, status: 'success', amount: 100, paidAt: new Date().toISOString() });
  const v = await app.inject({ method: 'GET', url: `/api/v1/payments/verify/${p.reference}`, headers: student.auth });
  assert.equal(v.json().status, 'flagged');
  const r = await row(app, p.reference);
  assert.equal(r.status, 'flagged');
  assert.match(r.flagged ?? '', /expected 1500000 NGN/);
  // The sweep and a webhook leave it alone: never fulfilled.
  await app.c.db.query('t', 'UPDATE payments SET next_check_at = now()');
  await app.c.payments.reconcileOnce();
  assert.equal((await row(app, p.reference)).status, 'flagged');
  const listed = await app.inject({ method: 'GET', url: '/api/v1/payments?status=flagged', headers: student.auth });
  assert.equal(listed.json().total, 1);
  const again = await initialize(app, student, course.id);
  assert.equal(again.statusCode, 201);
  assert.notEqual(again.json().reference, p.reference);
  const ops = await app.inject({ method: 'GET', url: '/ops/data' });
  assert.equal(ops.statusCode, 200);
  const flagged = ops.json().flaggedPayments as { reference: string; reason: string }[];
  assert.deepEqual(
    flagged.map((f) => f.reference),
    [p.reference],
  );
  assert.match(flagged[0].reason, /expected/);
  const enr = await app.inject({ method: 'GET', url: '/api/v1/enrollments', headers: student.auth });
  assert.equal(enr.json().items.length, 0);
});

test('the migration turns rows with the old flagged text into status flagged, keeping the reason', async (t) => {
  const schema = await createTestSchema();
  const db = await rawClient(schema.url);
  t.after(async () => {
    await db.end();
    await schema.release(t);
  });
  const migrations = listMigrations();
  const trust = migrations.find((m) => m.name === '003_payments_trust');
  assert.ok(trust, 'migration 003_payments_trust exists');
  await db.query('CREATE EXTENSION IF NOT EXISTS pgcrypto').catch(() => undefined);
  for (const m of migrations.filter((x) => x.version < 3)) await db.query(m.sql);
  const u = await db.query(
    "INSERT INTO users (email, password_hash, first_name, last_name) VALUES ('m@x.test', 'x', 'M', 'X') RETURNING id",
  );
  const c = await db.query(
    "INSERT INTO courses (slug, title, description, price, instructor_id) VALUES ('m', 'M', '', 500, $1) RETURNING id",
    [u.rows[0].id],
  );
  await db.query(
    `INSERT INTO payments (reference, user_id, course_id, amount, currency, status, flagged) VALUES
       ('old-flagged', $1, $2, 500, 'NGN', 'pending', 'paystack reports success: 100 NGN, expected 500 NGN'),
       ('old-ok', $1, $2, 500, 'NGN', 'failed', NULL)`,
    [u.rows[0].id, c.rows[0].id],
  );
  await db.query(trust.sql);
  const rows = await db.query('SELECT reference, status, flagged FROM payments ORDER BY reference');
  assert.deepEqual(rows.rows, [
    { reference: 'old-flagged', status: 'flagged', flagged: 'paystack reports success: 100 NGN, expected 500 NGN' },
    { reference: 'old-ok', status: 'failed', flagged: null },
  ]);
});
