import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createPaystackSimulator } from '../tools/paystack-sim/server.ts';
import { onTestEnd } from './helpers/children.ts';
import { createTestSchema, rawClient } from './helpers/db.ts';
import { api } from './helpers/http.ts';
import { eventually } from './helpers/payments.ts';
import { type RunningService, startService } from './helpers/service.ts';

const KEY = 'sk_test_crash_simulator';

test('the service is SIGKILLed after the payment row is written and before Paystack answers: after a restart the reconciler settles it', async (t) => {
  const schema = await createTestSchema();
  const sim = createPaystackSimulator({ secretKey: KEY });
  const simUrl = await sim.listen(0, '127.0.0.1');
  const db = await rawClient(schema.url);
  // The services go first, so none holds the schema while it is released.
  const services: RunningService[] = [];
  onTestEnd(
    t,
    () => Promise.all(services.map((s) => s.kill())),
    () => db.end(),
    () => sim.close(),
    () => schema.release(t),
  );
  const env = {
    DATABASE_URL: schema.url,
    PAYSTACK_SECRET_KEY: KEY,
    PAYSTACK_BASE_URL: simUrl,
    JWT_SECRET: 'crash-test-secret-crash-test-secret-0123',
    BOOTSTRAP_ADMIN_EMAIL: 'admin@crash.test',
    BOOTSTRAP_ADMIN_PASSWORD: 'admin-password-1',
    WEB_CONCURRENCY: '1',
    RECONCILE_MIN_AGE_MS: '0',
  };
  // First life: the reconciler is far away, so only the crash and the restart matter.
  const first = await startService({ ...env, RECONCILE_INTERVAL_MS: '3600000' });
  services.push(first);
  const admin = (
    await api(first.url, '/api/v1/auth/login', { method: 'POST', body: { email: 'admin@crash.test', password: 'admin-password-1' } })
  ).body;
  const course = (
    await api(first.url, '/api/v1/courses', {
      method: 'POST',
      token: admin.accessToken,
      body: { title: 'Crash Course', description: '', price: 250_000, isPublished: true },
    })
  ).body;
  const student = (
    await api(first.url, '/api/v1/auth/register', {
      method: 'POST',
      body: { email: 'student@crash.test', password: 'student-password', firstName: 'S', lastName: 'T' },
    })
  ).body;

  // Paystack receives and records the initialize, and never answers it.
  await fetch(`${simUrl}/__control`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'hang-body', ops: ['initialize'] }),
  });
  const pending = api(first.url, '/api/v1/payments/initialize', {
    method: 'POST',
    token: student.accessToken,
    body: { courseId: course.id },
  }).catch(() => undefined);
  const reference = await eventually(
    async () => (await db.query('SELECT reference FROM payments')).rows[0]?.reference as string | undefined,
    10_000,
    'payment row',
  );
  // The row is committed; kill once Paystack holds the request (and has not answered).
  await eventually(
    async () => ((await (await fetch(`${simUrl}/__stats`)).json()) as { initialize: number }).initialize >= 1,
    10_000,
    'initialize sent',
  );
  await first.kill();
  await pending;
  assert.equal((await db.query('SELECT status FROM payments WHERE reference = $1', [reference])).rows[0].status, 'pending');

  // The customer paid at Paystack meanwhile; no webhook reaches anyone.
  await fetch(`${simUrl}/__control`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'normal' }),
  });
  const done = await fetch(`${simUrl}/__control/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reference, outcome: 'success', sendWebhook: false }),
  });
  assert.equal(done.status, 200);

  // Second life: the reconciler runs every 300 ms and finishes the payment.
  const second = await startService({ ...env, RECONCILE_INTERVAL_MS: '300' });
  services.push(second);
  await eventually(
    async () => (await db.query('SELECT status FROM payments WHERE reference = $1', [reference])).rows[0].status === 'success',
    15_000,
    'settled by the reconciler',
  );
  const enrolled = await db.query('SELECT count(*)::int AS n FROM enrollments WHERE payment_reference = $1', [reference]);
  assert.equal(enrolled.rows[0].n, 1);
  const mine = await api(second.url, '/api/v1/enrollments', { token: student.accessToken });
  assert.equal(mine.body.items[0].course.id, course.id);
});
