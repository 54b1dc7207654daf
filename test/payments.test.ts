import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { signPaystackBody } from '../src/infra/paystack/signature.ts';
import { makeCourse, makeUser } from './helpers/factories.ts';
import { buildPayApp, eventually, initializePayment, type PayApp } from './helpers/payments.ts';
import { waitFor } from './helpers/wait.ts';

const SIM_KEY = 'sk_test_simulator';

async function setup(t: Parameters<typeof buildPayApp>[0], env: Record<string, string> = {}) {
  const app = await buildPayApp(t, env);
  const inst = await makeUser(app, 'instructor');
  const student = await makeUser(app);
  const course = await makeCourse(app, inst, { price: 1_500_000 });
  return { app, inst, student, course };
}

async function paymentRow(app: PayApp, reference: string) {
  return (
    await app.c.db.query<{ status: string; flagged: string | null; refunded_amount: number }>(
      't',
      'SELECT status, flagged, refunded_amount FROM payments WHERE reference = $1',
      [reference],
    )
  )[0];
}

async function counts(app: PayApp, reference: string) {
  const r = await app.c.db.query<{ payments: number; enrollments: number; events: number }>(
    't',
    `SELECT (SELECT count(*)::int FROM payments WHERE reference = $1 AND status = 'success') AS payments,
            (SELECT count(*)::int FROM enrollments WHERE payment_reference = $1) AS enrollments,
            (SELECT count(*)::int FROM webhook_events WHERE reference = $1) AS events`,
    [reference],
  );
  return r[0];
}

/** Whether the simulator holds a refund and has processed every one (its refund list, as Paystack's API gives it). */
async function refundsProcessedAtPaystack(app: PayApp): Promise<boolean> {
  const res = await fetch(`${app.sim.url}/refund`, { headers: { authorization: `Bearer ${SIM_KEY}` }, signal: AbortSignal.timeout(5000) });
  const items = ((await res.json()) as { data: { status: string }[] }).data;
  return items.length > 0 && items.every((r) => r.status === 'processed');
}

function signedWebhook(body: unknown) {
  const raw = JSON.stringify(body);
  return { raw, signature: signPaystackBody(SIM_KEY, raw) };
}

test('initialize → pay at the simulator → signed webhook → success and enrollment; asking again returns the same payment', async (t) => {
  const { app, student, course } = await setup(t);
  const res = await initializePayment(app, student, course.id);
  assert.equal(res.statusCode, 201);
  const p = res.json();
  assert.equal(p.status, 'pending');
  assert.equal(p.amount, 1_500_000);
  assert.equal(p.currency, 'NGN');
  assert.match(p.authorizationUrl, /\/checkout\//);
  assert.ok(p.accessCode);
  const again = await initializePayment(app, student, course.id);
  assert.equal(again.json().reference, p.reference);

  await app.sim.complete(p.reference, 'success', true);
  await eventually(async () => (await paymentRow(app, p.reference)).status === 'success', 5000, 'fulfilment by webhook');
  const enr = await app.inject({ method: 'GET', url: '/api/v1/enrollments', headers: student.auth });
  assert.equal(enr.statusCode, 200);
  assert.deepEqual(
    enr.json().items.map((i: { course: { id: string }; paymentReference: string }) => [i.course.id, i.paymentReference]),
    [[course.id, p.reference]],
  );
  const dup = await initializePayment(app, student, course.id);
  assert.equal(dup.statusCode, 409);
  assert.equal(dup.json().code, 'already_enrolled');
  const verify = await app.inject({ method: 'GET', url: `/api/v1/payments/verify/${p.reference}`, headers: student.auth });
  assert.equal(verify.json().status, 'success');
  assert.ok(verify.json().paidAt);
  const mine = await app.inject({ method: 'GET', url: '/api/v1/payments', headers: student.auth });
  assert.equal(mine.json().total, 1);
});

test('a free course enrolls at once without Paystack', async (t) => {
  const { app, inst, student } = await setup(t);
  const free = await makeCourse(app, inst, { price: 0 });
  const before = (await app.sim.stats()).initialize;
  const res = await initializePayment(app, student, free.id);
  assert.equal(res.statusCode, 201);
  assert.equal(res.json().status, 'success');
  assert.equal(res.json().authorizationUrl, null);
  assert.equal((await app.sim.stats()).initialize, before);
  const enr = await app.inject({ method: 'GET', url: '/api/v1/enrollments', headers: student.auth });
  assert.equal(enr.json().items.length, 1);
});

test('verify settles a paid payment without any webhook; other students get 404; unpublished courses cannot be bought', async (t) => {
  const { app, inst, student, course } = await setup(t);
  const other = await makeUser(app);
  const p = (await initializePayment(app, student, course.id)).json();
  await app.sim.complete(p.reference, 'success', false);
  assert.equal((await app.inject({ method: 'GET', url: `/api/v1/payments/verify/${p.reference}`, headers: other.auth })).statusCode, 404);
  const v = await app.inject({ method: 'GET', url: `/api/v1/payments/verify/${p.reference}`, headers: student.auth });
  assert.equal(v.statusCode, 200);
  assert.equal(v.json().status, 'success');
  assert.equal((await counts(app, p.reference)).enrollments, 1);
  const draft = await makeCourse(app, inst, { isPublished: false });
  assert.equal((await initializePayment(app, student, draft.id)).statusCode, 404);
  const others = await app.inject({ method: 'GET', url: '/api/v1/payments', headers: other.auth });
  assert.equal(others.json().total, 0);
});

test('callbackUrl must be on the allow-list', async (t) => {
  const { app, student, course } = await setup(t, { CALLBACK_URL_ALLOWLIST: 'https://academy.example.com' });
  const bad = await initializePayment(app, student, course.id, { callbackUrl: 'https://evil.example.net/steal' });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().code, 'validation_failed');
  const good = await initializePayment(app, student, course.id, { callbackUrl: 'https://academy.example.com/thanks' });
  assert.equal(good.statusCode, 201);
});

test('a webhook that arrives after the reconciler marked the payment abandoned still fulfils it', async (t) => {
  const { app, student, course } = await setup(t);
  const p = (await initializePayment(app, student, course.id)).json();
  await app.sim.complete(p.reference, 'abandoned', false);
  await app.c.db.query('t', 'UPDATE payments SET next_check_at = now() WHERE reference = $1', [p.reference]);
  await app.c.payments.reconcileOnce();
  assert.equal((await paymentRow(app, p.reference)).status, 'abandoned');
  await app.sim.complete(p.reference, 'success', true);
  await eventually(async () => (await paymentRow(app, p.reference)).status === 'success', 5000, 'late fulfilment');
  assert.equal((await counts(app, p.reference)).enrollments, 1);
});

test('the same webhook 5 times at once, with a verify and a reconciler run: one success, one enrollment', async (t) => {
  const { app, student, course } = await setup(t);
  const p = (await initializePayment(app, student, course.id)).json();
  const data = (await app.sim.complete(p.reference, 'success', false)) as { data: unknown };
  const { raw, signature } = signedWebhook({ event: 'charge.success', data: data.data });
  await app.c.db.query('t', 'UPDATE payments SET next_check_at = now() WHERE reference = $1', [p.reference]);
  const deliveries = Array.from({ length: 5 }, () =>
    app.inject({
      method: 'POST',
      url: '/api/v1/payments/webhook',
      headers: { 'content-type': 'application/json', 'x-paystack-signature': signature },
      payload: raw,
    }),
  );
  const [results] = await Promise.all([
    Promise.all(deliveries),
    app.inject({ method: 'GET', url: `/api/v1/payments/verify/${p.reference}`, headers: student.auth }),
    app.c.payments.reconcileOnce(),
  ]);
  for (const r of results) assert.equal(r.statusCode, 200);
  await eventually(async () => (await counts(app, p.reference)).payments === 1, 5000, 'success');
  // Give any straggling processing a moment, then count again.
  await app.c.payments.processEvents(undefined);
  const c = await counts(app, p.reference);
  assert.deepEqual(c, { payments: 1, enrollments: 1, events: 1 });
  const fulfilled = app.logs.filter((l) => l.msg === 'payment fulfilled' && l.reference === p.reference);
  assert.equal(fulfilled.length, 1);
});

test('bad, missing or stale signatures are 401 and store nothing', async (t) => {
  const { app, student, course } = await setup(t);
  const p = (await initializePayment(app, student, course.id)).json();
  const body = { event: 'charge.success', data: { reference: p.reference, status: 'success', amount: p.amount, currency: 'NGN' } };
  const { raw, signature } = signedWebhook(body);
  const tampered = raw.replace(String(p.amount), '1');
  const cases: [string, Record<string, string>, string][] = [
    ['bad signature', { 'x-paystack-signature': signPaystackBody('sk_test_wrong_key', raw) }, raw],
    ['missing signature', {}, raw],
    ['body changed after signing', { 'x-paystack-signature': signature }, tampered],
    ['garbage signature', { 'x-paystack-signature': 'abc' }, raw],
  ];
  for (const [name, headers, payload] of cases) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/payments/webhook',
      headers: { 'content-type': 'application/json', ...headers },
      payload,
    });
    assert.equal(res.statusCode, 401, name);
    assert.equal(res.json().code, 'unauthorized');
  }
  assert.equal((await counts(app, p.reference)).events, 0);
  assert.equal((await paymentRow(app, p.reference)).status, 'pending');
});

test('an amount or currency mismatch is not fulfilled, is flagged, and is logged at error for a person', async (t) => {
  const { app, student, course } = await setup(t);
  const other = await makeCourse(app, await makeUser(app, 'instructor'), { price: 900_000 });
  for (const [c, plant] of [
    [course, { amount: 100 }],
    [other, { amount: 900_000, currency: 'USD' }],
  ] as const) {
    const p = (await initializePayment(app, student, c.id)).json();
    await app.sim.plant({ reference: p.reference, status: 'success', paidAt: new Date().toISOString(), ...plant });
    const v = await app.inject({ method: 'GET', url: `/api/v1/payments/verify/${p.reference}`, headers: student.auth });
    assert.equal(v.json().status, 'flagged');
    const row = await paymentRow(app, p.reference);
    assert.equal(row.status, 'flagged');
    assert.ok(row.flagged);
    assert.equal((await counts(app, p.reference)).enrollments, 0);
    assert.ok(app.logs.some((l) => l.level === 'error' && l.reference === p.reference));
  }
});

test('Paystack hangs during initialize: 503 within the deadline, the row is kept, the reconciler settles it afterwards', async (t) => {
  const { app, student, course } = await setup(t, {
    PAYSTACK_TIMEOUT_MS: '600',
    REQUEST_TIMEOUT_MS: '3000',
    DB_CONNECT_TIMEOUT_MS: '1000',
  });
  await app.sim.control({ mode: 'hang', ops: ['initialize'] });
  const started = performance.now();
  const res = await initializePayment(app, student, course.id);
  const ms = performance.now() - started;
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().code, 'dependency_unavailable');
  assert.ok(res.headers['retry-after']);
  assert.ok(ms < 3000, `answered after ${ms.toFixed(0)} ms, past the 3000 ms deadline`);
  const rows = await app.c.db.query<{ reference: string; status: string }>(
    't',
    'SELECT reference, status FROM payments WHERE user_id = $1',
    [student.id],
  );
  assert.equal(rows.length, 1);
  assert.equal(rows[0].status, 'pending');
  // Other routes are untouched meanwhile.
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/courses' })).statusCode, 200);
  await app.sim.control({ mode: 'normal' });
  await app.c.db.query('t', 'UPDATE payments SET next_check_at = now()');
  await app.c.payments.reconcileOnce();
  // Paystack never heard of it (the hung call was never processed): final state expired.
  assert.equal((await paymentRow(app, rows[0].reference)).status, 'expired');
  // And the student can start again with a fresh attempt.
  const retry = await initializePayment(app, student, course.id);
  assert.equal(retry.statusCode, 201);
  assert.notEqual(retry.json().reference, rows[0].reference);
});

test('verify never fails because Paystack is slow: it answers the stored status after PAYSTACK_VERIFY_WAIT_MS', async (t) => {
  const { app, student, course } = await setup(t, { PAYSTACK_VERIFY_WAIT_MS: '500' });
  const p = (await initializePayment(app, student, course.id)).json();
  await app.sim.control({ mode: 'hang', ops: ['verify'] });
  const started = performance.now();
  const v = await app.inject({ method: 'GET', url: `/api/v1/payments/verify/${p.reference}`, headers: student.auth });
  const ms = performance.now() - started;
  assert.equal(v.statusCode, 200);
  assert.equal(v.json().status, 'pending');
  assert.ok(ms < 2000, `verify took ${ms.toFixed(0)} ms with a 500 ms wait`);
});

test('refund: success → refund_pending → refunded by webhook; a full refund ends the enrollment', async (t) => {
  const { app, student, course } = await setup(t);
  const admin = await makeUser(app, 'admin');
  await app.sim.control({ refundDelayMs: 200 });
  const p = (await initializePayment(app, student, course.id)).json();
  await app.sim.complete(p.reference, 'success', false);
  await app.inject({ method: 'GET', url: `/api/v1/payments/verify/${p.reference}`, headers: student.auth });
  assert.equal(
    (await app.inject({ method: 'POST', url: `/api/v1/payments/${p.reference}/refund`, headers: student.auth, payload: {} })).statusCode,
    403,
  );
  assert.equal(
    (
      await app.inject({
        method: 'POST',
        url: `/api/v1/payments/${p.reference}/refund`,
        headers: admin.auth,
        payload: { amount: p.amount + 1 },
      })
    ).statusCode,
    400,
  );
  const r = await app.inject({ method: 'POST', url: `/api/v1/payments/${p.reference}/refund`, headers: admin.auth, payload: {} });
  assert.equal(r.statusCode, 202);
  assert.equal(r.json().status, 'refund_pending');
  await eventually(async () => (await paymentRow(app, p.reference)).status === 'refunded', 5000, 'refund by webhook');
  const enr = await app.inject({ method: 'GET', url: '/api/v1/enrollments', headers: student.auth });
  assert.equal(enr.json().items.length, 0);
  assert.equal(
    (await app.inject({ method: 'POST', url: `/api/v1/payments/${p.reference}/refund`, headers: admin.auth, payload: {} })).statusCode,
    409,
  );
});

test('refund finished by the reconciler when no webhook comes; a partial refund keeps the enrollment', async (t) => {
  const { app, student, course } = await setup(t);
  const admin = await makeUser(app, 'admin');
  const p = (await initializePayment(app, student, course.id)).json();
  await app.sim.complete(p.reference, 'success', false);
  await app.inject({ method: 'GET', url: `/api/v1/payments/verify/${p.reference}`, headers: student.auth });
  // Webhooks go nowhere from now on.
  await app.sim.control({ refundDelayMs: 100, webhookUrl: 'http://127.0.0.1:9/nowhere' });
  const r = await app.inject({
    method: 'POST',
    url: `/api/v1/payments/${p.reference}/refund`,
    headers: admin.auth,
    payload: { amount: 500_000 },
  });
  assert.equal(r.statusCode, 202);
  await waitFor(() => refundsProcessedAtPaystack(app), 10_000, 'the refund processed at Paystack');
  await app.c.db.query('t', 'UPDATE payments SET next_check_at = now() WHERE reference = $1', [p.reference]);
  await app.c.payments.reconcileOnce();
  const row = await paymentRow(app, p.reference);
  assert.equal(row.status, 'refunded');
  assert.equal(Number(row.refunded_amount), 500_000);
  const enr = await app.inject({ method: 'GET', url: '/api/v1/enrollments', headers: student.auth });
  assert.equal(enr.json().items.length, 1, 'a partial refund must not end the enrollment');
});

test('a refund whose answer is lost is looked up, not repeated', async (t) => {
  const { app, student, course } = await setup(t, { PAYSTACK_TIMEOUT_MS: '600' });
  const admin = await makeUser(app, 'admin');
  const p = (await initializePayment(app, student, course.id)).json();
  await app.sim.complete(p.reference, 'success', false);
  await app.inject({ method: 'GET', url: `/api/v1/payments/verify/${p.reference}`, headers: student.auth });
  await app.sim.control({ mode: 'hang-body', ops: ['refund'], refundDelayMs: 50, webhookUrl: 'http://127.0.0.1:9/nowhere' });
  const r = await app.inject({ method: 'POST', url: `/api/v1/payments/${p.reference}/refund`, headers: admin.auth, payload: {} });
  assert.equal(r.statusCode, 202);
  assert.equal(r.json().status, 'refund_pending');
  await app.sim.control({ mode: 'normal' });
  await waitFor(() => refundsProcessedAtPaystack(app), 10_000, 'the refund processed at Paystack');
  await app.c.db.query('t', 'UPDATE payments SET next_check_at = now() WHERE reference = $1', [p.reference]);
  await app.c.payments.reconcileOnce();
  assert.equal((await paymentRow(app, p.reference)).status, 'refunded');
  const stats = await app.sim.stats();
  assert.equal(stats.refund, 1, 'the refund was sent again');
});

test('a sweep holds what it claimed for as long as its batch may take: a second sweep started while the first waits on a slow Paystack verifies nothing again', async (t) => {
  // The sweep's own backoff (100 ms here) is far shorter than one slow verify (800 ms).
  const { app, inst, student } = await setup(t, { RECONCILE_INTERVAL_MS: '100' });
  const refs: string[] = [];
  for (const title of ['Sweep A', 'Sweep B']) {
    const course = await makeCourse(app, inst, { title, price: 200_000 });
    const p = (await initializePayment(app, student, course.id)).json();
    await app.sim.complete(p.reference, 'success', false);
    refs.push(p.reference);
  }
  await app.c.db.query('t', 'UPDATE payments SET next_check_at = now() WHERE reference = ANY($1)', [refs]);
  await app.sim.reset();
  await app.sim.control({ mode: 'slow', delayMs: 800, ops: ['verify'] });
  const first = app.c.payments.reconcileOnce();
  // Well past the rows' 100 ms backoff, while the first sweep still waits on its first verify.
  await sleep(400);
  const second = app.c.payments.reconcileOnce();
  await Promise.all([first, second]);
  const stats = await app.sim.stats();
  assert.equal(stats.verify, 2, 'each claimed payment verified once');
  for (const ref of refs) assert.deepEqual(await counts(app, ref), { payments: 1, enrollments: 1, events: 0 });
});
