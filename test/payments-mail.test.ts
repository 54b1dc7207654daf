import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';

import { makeCourse, makeUser, type TestUser } from './helpers/factories.ts';
import { deliveredTo, outboxMail, tokenIn } from './helpers/mail.ts';
import { buildPayApp, eventually, initializePayment, type PayApp } from './helpers/payments.ts';
import { startSmtpSink } from './helpers/smtp.ts';

/** The service with the Paystack simulator and its mail going to the SMTP sink. */
async function setup(t: TestContext) {
  const sink = await startSmtpSink(t);
  const app = await buildPayApp(t, { SMTP_URL: sink.url, PUBLIC_URL: 'https://academy.example' });
  const inst = await makeUser(app, 'instructor');
  return { app, sink, inst };
}

async function pay(app: PayApp, who: TestUser, courseId: string): Promise<string> {
  const res = await initializePayment(app, who, courseId);
  assert.equal(res.statusCode, 201, res.body);
  const reference = res.json().reference as string;
  await app.sim.complete(reference, 'success', true);
  await eventually(
    async () =>
      (await app.inject({ method: 'GET', url: `/api/v1/payments/verify/${reference}`, headers: who.auth })).json().status === 'success',
    10_000,
    'the payment fulfilled',
  );
  return reference;
}

test('a paid course mails a receipt (course, amount, reference, date); an unverified student gets one verification reminder, once', async (t) => {
  const { app, sink, inst } = await setup(t);
  const student = await makeUser(app, 'student', { firstName: 'Ada <b>' });
  const course = await makeCourse(app, inst, { title: 'Networks <script>alert(1)</script> & "More"', price: 1_500_000 });
  const reference = await pay(app, student, course.id);

  const receipt = await deliveredTo(sink, student.email, /receipt/i);
  assert.match(receipt.text, /Networks <script>alert\(1\)<\/script> & "More"/, 'the text part shows the title as it is');
  assert.match(receipt.text, /NGN 15,000\.00/);
  assert.ok(receipt.text.includes(reference));
  assert.match(receipt.text, /Date:\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  assert.ok(!receipt.html.includes('<script>'), 'the HTML part escapes the title');
  assert.ok(!receipt.html.includes('<b>'), 'and the name');
  assert.ok(receipt.html.includes('&#60;script&#62;'));
  // Unverified: the reminder, with a link that works.
  const token = tokenIn(receipt, '/verify-email');
  assert.match(receipt.text, /https:\/\/academy\.example\/verify-email\?token=/);

  // A second purchase: a receipt, and no second reminder.
  const other = await makeCourse(app, inst, { title: 'Second course', price: 250_000 });
  const second = await pay(app, student, other.id);
  const receipt2 = await deliveredTo(sink, student.email, /receipt/i, 2);
  assert.ok(receipt2.text.includes(second));
  assert.match(receipt2.text, /NGN 2,500\.00/);
  assert.ok(!/verify-email/.test(receipt2.text), 'the reminder comes once per account');

  const verified = await app.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token } });
  assert.equal(verified.statusCode, 204);
  assert.ok((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: student.auth })).json().emailVerifiedAt);
  // Exactly one receipt per payment was queued.
  assert.equal((await outboxMail(app, student.email)).filter((m) => m.kind === 'payment_receipt').length, 2);
});

test('a verified student gets a receipt without a reminder; a free course mails one too', async (t) => {
  const { app, sink, inst } = await setup(t);
  const student = await makeUser(app, 'student', { emailVerified: true });
  const free = await makeCourse(app, inst, { title: 'Free intro', price: 0 });
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/payments/initialize',
    headers: student.auth,
    payload: { courseId: free.id },
  });
  assert.equal(res.statusCode, 201);
  const receipt = await deliveredTo(sink, student.email, /receipt/i);
  assert.match(receipt.text, /Free intro/);
  assert.match(receipt.text, /NGN 0\.00 \(free course\)/);
  assert.ok(receipt.text.includes(res.json().reference));
  assert.ok(!/verify-email/.test(receipt.text));
});

test('a processed refund mails a notice; a full refund says the enrollment ended', async (t) => {
  const { app, sink, inst } = await setup(t);
  const admin = await makeUser(app, 'admin');
  const student = await makeUser(app, 'student', { emailVerified: true });
  const course = await makeCourse(app, inst, { title: 'Refundable', price: 1_000_000 });
  const reference = await pay(app, student, course.id);
  await deliveredTo(sink, student.email, /receipt/i);

  const partial = await app.inject({
    method: 'POST',
    url: `/api/v1/payments/${reference}/refund`,
    headers: admin.auth,
    payload: { amount: 400_000 },
  });
  assert.equal(partial.statusCode, 202, partial.body);
  const first = await deliveredTo(sink, student.email, /refund/i);
  assert.match(first.text, /A refund of NGN 4,000\.00 for "Refundable"/);
  assert.ok(first.text.includes(reference));
  assert.match(first.text, /partial refund: NGN 4,000\.00 of NGN 10,000\.00/);
  assert.match(first.text, /enrollment continues/);

  const rest = await app.inject({ method: 'POST', url: `/api/v1/payments/${reference}/refund`, headers: admin.auth, payload: {} });
  assert.equal(rest.statusCode, 202, rest.body);
  const full = await deliveredTo(sink, student.email, /refund/i, 2);
  assert.match(full.text, /A refund of NGN 6,000\.00/);
  assert.match(full.text, /refunded in full, and the enrollment in the course has ended/);
  assert.equal((await outboxMail(app, student.email)).filter((m) => m.kind === 'refund_processed').length, 2);
});
