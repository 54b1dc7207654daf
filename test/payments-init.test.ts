import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';

import { makeCourse, makeUser } from './helpers/factories.ts';
import { buildPayApp, type PayApp } from './helpers/payments.ts';

const SIM_KEY = 'sk_test_simulator';

async function attempts(app: PayApp, userId: string) {
  return app.c.db.query<{ course_id: string; status: string; amount: number }>(
    't',
    'SELECT course_id, status, amount FROM payments WHERE user_id = $1',
    [userId],
  );
}

// Initialize's first round is one statement (payment_checkout_begin, migration 007): it
// reads the course, the enrollment, the open attempt and the email, and inserts only
// where the service goes on to call Paystack.
test('initialize: what it refuses (no course, unpublished, enrolled) inserts nothing; an attempt has the course price and the caller email at Paystack', async (t) => {
  const app = await buildPayApp(t);
  const inst = await makeUser(app, 'instructor');
  const student = await makeUser(app);
  const ask = (courseId: string) =>
    app.inject({ method: 'POST', url: '/api/v1/payments/initialize', headers: student.auth, payload: { courseId } });

  const missing = await ask(randomUUID());
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().code, 'not_found');

  const draft = await makeCourse(app, inst, { price: 300_000, isPublished: false });
  assert.equal((await ask(draft.id)).statusCode, 404);

  const held = await makeCourse(app, inst, { price: 400_000 });
  await app.c.db.query('t', 'INSERT INTO enrollments (user_id, course_id) VALUES ($1, $2)', [student.id, held.id]);
  const enrolled = await ask(held.id);
  assert.equal(enrolled.statusCode, 409);
  assert.equal(enrolled.json().code, 'already_enrolled');
  assert.deepEqual(await attempts(app, student.id), []);

  const course = await makeCourse(app, inst, { price: 1_250_000 });
  const res = await ask(course.id);
  assert.equal(res.statusCode, 201);
  const p = res.json();
  assert.equal(p.amount, 1_250_000);
  assert.deepEqual(await attempts(app, student.id), [{ course_id: course.id, status: 'pending', amount: 1_250_000 }]);
  // What Paystack was sent: our reference, the course price and the caller's own email.
  const at = await fetch(`${app.sim.url}/transaction/verify/${p.reference}`, {
    headers: { authorization: `Bearer ${SIM_KEY}` },
    // The simulator is in this process and answers at once; 5 s means it is broken.
    signal: AbortSignal.timeout(5000),
  });
  const data = ((await at.json()) as { data: { amount: number; customer: { email: string } } }).data;
  assert.equal(data.amount, 1_250_000);
  assert.equal(data.customer.email, student.email);

  // Asked again: the open attempt is answered (its checkout), nothing inserted.
  const again = await ask(course.id);
  assert.equal(again.statusCode, 201);
  assert.equal(again.json().reference, p.reference);
  assert.equal(again.json().authorizationUrl, p.authorizationUrl);
  assert.equal((await attempts(app, student.id)).length, 1);
});
