import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { IN_FLIGHT_POLL_MS, liveCheckoutDecision } from '../../src/payments/checkout.ts';
import type { PaymentRow } from '../../src/payments/types.ts';
import { runWithDeadline } from '../../src/resilience/deadline.ts';
import { course, paid, setup } from './fakes/payments.ts';

const student = { id: 'u1', role: 'student' } as never;

function openAttempt(s: ReturnType<typeof setup>, o: { ageMs: number; initInFlight: boolean; checkout?: boolean }): PaymentRow {
  return s.payments.add({
    reference: 'ref-open',
    userId: 'u1',
    courseId: course.id,
    amount: course.price,
    currency: 'NGN',
    status: 'pending',
    initInFlight: o.initInFlight,
    createdAt: s.clock.iso(o.ageMs),
    authorizationUrl: o.checkout ? 'https://checkout.test/ref-open' : null,
    accessCode: o.checkout ? 'ac-open' : null,
  });
}

describe('one live checkout: the decision', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const row = (ageMs: number, initInFlight: boolean, url: string | null = null) =>
    ({ createdAt: new Date(now - ageMs).toISOString(), initInFlight, authorizationUrl: url }) as PaymentRow;
  const o = { now, staleAttemptMs: 15_000 };

  it('no open attempt: insert one', () => assert.deepEqual(liveCheckoutDecision(undefined, o), { action: 'insert' }));
  it('an attempt with a checkout: answer it, whatever its age', () =>
    assert.deepEqual(liveCheckoutDecision(row(3_600_000, false, 'https://x'), o), { action: 'answer' }));
  it('an attempt in flight and younger than stale: wait', () =>
    assert.deepEqual(liveCheckoutDecision(row(14_999, true), o), { action: 'wait', ageMs: 14_999 }));
  it('an attempt in flight and stale: supersede', () =>
    assert.deepEqual(liveCheckoutDecision(row(15_000, true), o), { action: 'supersede' }));
  it('an attempt that finished without a checkout: supersede at once', () =>
    assert.deepEqual(liveCheckoutDecision(row(0, false), o), { action: 'supersede' }));
});

describe('one live checkout: initialize', () => {
  it('no open attempt: one new attempt, one gateway call, its checkout answered', async () => {
    const s = setup();
    const r = await s.service.initialize(student, { courseId: course.id });
    assert.equal(s.g.initializeCalls, 1);
    assert.equal(r.payment.status, 'pending');
    assert.equal(r.authorizationUrl, `https://checkout.test/${r.payment.reference}`);
    assert.equal(s.payments.get(r.payment.reference)!.initInFlight, false);
  });

  it('an open attempt with a checkout is answered again, without a gateway call', async () => {
    const s = setup();
    openAttempt(s, { ageMs: 600_000, initInFlight: false, checkout: true });
    const r = await s.service.initialize(student, { courseId: course.id });
    assert.equal(r.payment.reference, 'ref-open');
    assert.equal(r.authorizationUrl, 'https://checkout.test/ref-open');
    assert.equal(s.g.initializeCalls, 0);
  });

  it('an attempt in flight is waited for, and its checkout answered once it lands', async () => {
    const s = setup();
    openAttempt(s, { ageMs: 1_000, initInFlight: true });
    s.clock.onSleep = async () => {
      // The other request's initialize lands after three polls.
      if (s.clock.sleeps === 3) await s.payments.repo.setCheckout('ref-open', 'https://checkout.test/ref-open', 'ac-open');
    };
    const r = await s.service.initialize(student, { courseId: course.id });
    assert.equal(r.payment.reference, 'ref-open');
    assert.equal(s.clock.sleeps, 3);
    assert.equal(s.g.initializeCalls, 0);
  });

  it('an attempt in flight that never finishes is waited for until stale (by the clock), then superseded', async () => {
    const s = setup({ requestTimeoutMs: 10_000 });
    openAttempt(s, { ageMs: 1_000, initInFlight: true });
    const r = await s.service.initialize(student, { courseId: course.id });
    assert.notEqual(r.payment.reference, 'ref-open');
    assert.equal(s.payments.get('ref-open')!.status, 'abandoned');
    // Stale at 15 s of age (REQUEST_TIMEOUT_MS + 5 s): 14 s of polls from 1 s old.
    assert.equal(s.clock.sleeps, (15_000 - 1_000) / IN_FLIGHT_POLL_MS);
    assert.equal(s.g.initializeCalls, 1);
  });

  it('an attempt that finished without a checkout is superseded at once', async () => {
    const s = setup();
    openAttempt(s, { ageMs: 0, initInFlight: false });
    const r = await s.service.initialize(student, { courseId: course.id });
    assert.notEqual(r.payment.reference, 'ref-open');
    assert.equal(s.payments.get('ref-open')!.status, 'abandoned');
    assert.equal(s.clock.sleeps, 0);
  });

  it('waiting would pass the caller deadline: 409 payment_in_progress, Retry-After from the attempt age', async () => {
    const s = setup({ requestTimeoutMs: 10_000 });
    openAttempt(s, { ageMs: 2_000, initInFlight: true });
    await assert.rejects(
      runWithDeadline('t', 'test', 300, () => s.service.initialize(student, { courseId: course.id })),
      (e: { code?: string; retryAfterS?: number }) => e.code === 'payment_in_progress' && e.retryAfterS === 8,
    );
    assert.equal(s.payments.get('ref-open')!.status, 'pending');
    assert.equal(s.g.initializeCalls, 0);
  });

  it('a duplicate reference at the gateway: 503, and the attempt is marked finished so the next request supersedes it', async () => {
    const s = setup();
    s.gateway.initialize = async () => ({ status: 'duplicate-reference' });
    await assert.rejects(
      s.service.initialize(student, { courseId: course.id }),
      (e: { code?: string }) => e.code === 'dependency_unavailable',
    );
    const [attempt] = [...s.payments.rows.values()];
    assert.equal(attempt.initInFlight, false);
    s.gateway.initialize = async (input) => ({
      status: 'created',
      authorizationUrl: `https://checkout.test/${input.reference}`,
      accessCode: 'x',
    });
    const r = await s.service.initialize(student, { courseId: course.id });
    assert.notEqual(r.payment.reference, attempt.reference);
    assert.equal(s.payments.get(attempt.reference)!.status, 'abandoned');
  });

  it('a free course enrolls at once in one transaction, without the gateway', async () => {
    const s = setup();
    const free = { ...course, id: 'free', price: 0 };
    const courses = s.ctx.courses as { findByIdOrSlug: (id: string) => Promise<unknown> };
    courses.findByIdOrSlug = async () => free;
    const service = (await import('../../src/payments/service.ts')).createPaymentService({ ...s.ctx, clock: s.clock });
    const r = await service.initialize(student, { courseId: 'free' });
    assert.equal(r.payment.status, 'success');
    assert.equal(r.authorizationUrl, null);
    assert.deepEqual(s.payments.transactions, ['payments.free']);
    assert.equal(await s.enrollments.repo.isEnrolled('u1', 'free'), true);
  });
});

describe('verify coalescing (people asking)', () => {
  function pending() {
    const s = setup();
    const row = s.payments.add({
      reference: 'ref-1',
      userId: 'u1',
      courseId: course.id,
      amount: course.price,
      currency: 'NGN',
      status: 'pending',
      createdAt: s.clock.iso(5_000),
    });
    return { ...s, row };
  }

  it('many people asking at once: one gateway verify in flight, all get its answer', async () => {
    const s = pending();
    s.g.verifyAnswer.set('ref-1', paid('ref-1'));
    s.g.hold();
    const asks = Array.from({ length: 5 }, () => s.service.verify(student, 'ref-1'));
    await new Promise((r) => setImmediate(r));
    s.g.release();
    const answers = await Promise.all(asks);
    assert.equal(s.g.verifyCalls, 1);
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(5).fill('success'),
    );
  });

  it('none within 2 s of the last answer (the stored status instead); one again after 2 s by the clock', async () => {
    const s = pending();
    s.g.verifyAnswer.set('ref-1', { status: 'pending', transactionId: 3, gatewayResponse: null });
    await s.service.verify(student, 'ref-1');
    assert.equal(s.g.verifyCalls, 1);
    s.clock.t += 1_999;
    assert.equal((await s.service.verify(student, 'ref-1')).status, 'pending');
    assert.equal(s.g.verifyCalls, 1);
    s.clock.t += 1;
    s.g.verifyAnswer.set('ref-1', paid('ref-1'));
    assert.equal((await s.service.verify(student, 'ref-1')).status, 'success');
    assert.equal(s.g.verifyCalls, 2);
  });

  it('a gateway that does not know the reference also starts the 2 s window', async () => {
    const s = pending();
    await s.service.verify(student, 'ref-1');
    await s.service.verify(student, 'ref-1');
    assert.equal(s.g.verifyCalls, 1);
  });

  it('the sweep asking does not start the window: a person asking right after is answered by the gateway', async () => {
    const s = pending();
    s.g.verifyAnswer.set('ref-1', { status: 'pending', transactionId: 3, gatewayResponse: null });
    await s.service.reconcileOnce();
    assert.equal(s.g.verifyCalls, 1);
    await s.service.verify(student, 'ref-1');
    assert.equal(s.g.verifyCalls, 2);
  });

  it('gateway trouble answers the stored status (never a failure for the person)', async () => {
    const s = pending();
    s.g.verifyAnswer.set('ref-1', new Error('timed out'));
    assert.equal((await s.service.verify(student, 'ref-1')).status, 'pending');
  });
});
