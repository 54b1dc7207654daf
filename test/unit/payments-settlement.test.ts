import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { PaymentGatewayError } from '../../src/payments/gateway.ts';
import type { PaymentStatus } from '../../src/payments/types.ts';
import { course, paid, setup } from './fakes/payments.ts';

const USER = 'u1';

function withPayment(status: PaymentStatus = 'pending', o: { ageMs?: number; initInFlight?: boolean; amount?: number } = {}) {
  const s = setup();
  const row = s.payments.add({
    reference: 'ref-1',
    userId: USER,
    courseId: course.id,
    amount: o.amount ?? course.price,
    currency: 'NGN',
    status,
    initInFlight: o.initInFlight ?? false,
    createdAt: s.clock.iso(o.ageMs ?? 120_000),
  });
  return { ...s, row };
}

describe('settlement: verify answers move a payment', () => {
  it('pending → success when paid in full, enrolled in the same transaction', async () => {
    const s = withPayment();
    s.g.verifyAnswer.set('ref-1', paid('ref-1'));
    const out = await s.settlement.settle(s.row);
    assert.equal(out.status, 'success');
    assert.equal(out.paystackTransactionId, 9001);
    assert.deepEqual(s.payments.transactions, ['payments.fulfil']);
    assert.equal(await s.enrollments.repo.isEnrolled(USER, course.id), true);
  });

  for (const status of ['failed', 'abandoned'] as const) {
    it(`pending → ${status}, recording the transaction id; a later success still fulfils`, async () => {
      const s = withPayment();
      s.g.verifyAnswer.set('ref-1', { status, transactionId: 77, gatewayResponse: 'Declined' });
      const out = await s.settlement.settle(s.row);
      assert.equal(out.status, status);
      assert.equal(s.payments.get('ref-1')!.paystackTransactionId, 77);
      s.g.verifyAnswer.set('ref-1', paid('ref-1'));
      assert.equal((await s.settlement.settle(out)).status, 'success');
      assert.equal(await s.enrollments.repo.isEnrolled(USER, course.id), true);
    });
  }

  it('failed → abandoned while not settled (the latest answer counts)', async () => {
    const s = withPayment('failed');
    s.g.verifyAnswer.set('ref-1', { status: 'abandoned', transactionId: 77, gatewayResponse: null });
    assert.equal((await s.settlement.settle(s.row)).status, 'abandoned');
  });

  it('a pending answer (ongoing, queued…) leaves the status as it is', async () => {
    const s = withPayment();
    s.g.verifyAnswer.set('ref-1', { status: 'pending', transactionId: 5, gatewayResponse: null });
    assert.equal((await s.settlement.settle(s.row)).status, 'pending');
    assert.equal(s.payments.get('ref-1')!.paystackTransactionId, 5);
  });

  it('unknown to the gateway: expired only once old enough and not in flight', async () => {
    // Young: the initialize may still land.
    let s = withPayment('pending', { ageMs: 59_000 });
    assert.equal((await s.settlement.settle(s.row)).status, 'pending');
    // Old enough but its initialize is in flight and not stale (requestTimeout 10 s + 5 s).
    s = withPayment('pending', { ageMs: 14_000, initInFlight: true });
    s.ctx.reconcileMinAgeMs = 1_000;
    assert.equal((await s.settlement.settle(s.row)).status, 'pending');
    // In flight but stale: the request that made it is over.
    s = withPayment('pending', { ageMs: 16_000, initInFlight: true });
    s.ctx.reconcileMinAgeMs = 1_000;
    assert.equal((await s.settlement.settle(s.row)).status, 'expired');
    // Old and finished.
    s = withPayment('pending', { ageMs: 61_000 });
    assert.equal((await s.settlement.settle(s.row)).status, 'expired');
  });

  it('the clock decides the age: the same row expires once the clock has moved on', async () => {
    const s = withPayment('pending', { ageMs: 0 });
    assert.equal((await s.settlement.settle(s.row)).status, 'pending');
    s.clock.t += 60_000;
    assert.equal((await s.settlement.settle(s.row)).status, 'expired');
  });

  it('only a pending payment expires: failed and abandoned stay (a checkout may still be paid)', async () => {
    for (const status of ['failed', 'abandoned'] as const) {
      const s = withPayment(status, { ageMs: 3_600_000 });
      assert.equal((await s.settlement.settle(s.row)).status, status);
    }
  });

  it('expired → success when a payment arrives after all', async () => {
    const s = withPayment('expired');
    s.g.verifyAnswer.set('ref-1', paid('ref-1'));
    assert.equal((await s.settlement.settle(s.row)).status, 'success');
  });

  it('settled payments are not asked about again', async () => {
    for (const status of ['success', 'flagged', 'refund_pending', 'refunded'] as const) {
      const s = withPayment(status);
      s.g.verifyAnswer.set('ref-1', paid('ref-1'));
      assert.equal((await s.settlement.settle(s.row)).status, status);
      assert.equal(s.g.verifyCalls, 0);
    }
  });

  it('gateway trouble is thrown to the caller and changes nothing', async () => {
    const s = withPayment();
    s.g.verifyAnswer.set('ref-1', new PaymentGatewayError('down', 1, false));
    await assert.rejects(s.settlement.settle(s.row), /down/);
    assert.equal(s.payments.get('ref-1')!.status, 'pending');
  });
});

describe('settlement: amount and currency', () => {
  it('another amount → flagged with the reason, never fulfilled', async () => {
    const s = withPayment();
    s.g.verifyAnswer.set('ref-1', paid('ref-1', 100));
    const out = await s.settlement.settle(s.row);
    assert.equal(out.status, 'flagged');
    assert.match(out.flagged ?? '', /100 NGN, expected 500000 NGN/);
    assert.equal(await s.enrollments.repo.isEnrolled(USER, course.id), false);
    // Flagged is never fulfilled, even by a later correct answer.
    s.g.verifyAnswer.set('ref-1', paid('ref-1'));
    assert.equal((await s.settlement.settle(out)).status, 'flagged');
    assert.equal(await s.enrollments.repo.isEnrolled(USER, course.id), false);
  });

  it('another currency → flagged; the currency compares case-insensitively', async () => {
    let s = withPayment();
    s.g.verifyAnswer.set('ref-1', paid('ref-1', course.price, { currency: 'USD' }));
    assert.equal((await s.settlement.settle(s.row)).status, 'flagged');
    s = withPayment();
    s.g.verifyAnswer.set('ref-1', paid('ref-1', course.price, { currency: 'ngn' }));
    assert.equal((await s.settlement.settle(s.row)).status, 'success');
  });

  it('another reference in the answer → flagged', async () => {
    const s = withPayment();
    s.g.verifyAnswer.set('ref-1', paid('ref-other'));
    assert.equal((await s.settlement.settle(s.row)).status, 'flagged');
  });

  it('requested_amount is preferred: fees the customer bore do not flag; a requested amount that differs does', async () => {
    let s = withPayment();
    s.g.verifyAnswer.set('ref-1', paid('ref-1', course.price + 7_500, { requestedAmount: course.price }));
    assert.equal((await s.settlement.settle(s.row)).status, 'success');
    s = withPayment();
    s.g.verifyAnswer.set('ref-1', paid('ref-1', course.price, { requestedAmount: course.price - 1 }));
    assert.equal((await s.settlement.settle(s.row)).status, 'flagged');
  });
});

describe('settlement: a second charge', () => {
  function secondCharge() {
    const s = withPayment();
    // The course is held already, by an earlier payment.
    s.enrollments.held.set(s.enrollments.key(USER, course.id), { paymentReference: 'ref-0', active: true });
    s.g.verifyAnswer.set('ref-1', paid('ref-1'));
    return s;
  }

  it('begins exactly one refund, however many callers settle it', async () => {
    const s = secondCharge();
    s.g.refundAnswer = async () => ({
      status: 'sent',
      refund: { id: 41, status: 'pending', amount: course.price, transactionReference: 'ref-1', createdAt: null },
    });
    const outs = await Promise.all([s.settlement.settle(s.row), s.settlement.settle(s.row), s.settlement.settle(s.row)]);
    assert.equal(s.payments.refunds.length, 1);
    assert.equal(s.payments.refunds[0].kind, 'second_charge');
    assert.equal(s.payments.refunds[0].paystackRefundId, 41);
    assert.equal(s.g.refundCalls.length, 1);
    assert.deepEqual(s.g.refundCalls[0], { reference: 'ref-1', amount: course.price });
    assert.ok(outs.some((o) => o.status === 'refund_pending'));
    assert.equal(s.payments.get('ref-1')!.status, 'refund_pending');
    // The earlier payment keeps the course.
    assert.equal(s.enrollments.held.get(s.enrollments.key(USER, course.id))!.paymentReference, 'ref-0');
  });

  it('a refund that cannot be sent now stays requested for the sweep, and the settle still answers', async () => {
    const s = secondCharge();
    s.g.refundAnswer = () => Promise.reject(new PaymentGatewayError('breaker open', 5, false));
    const out = await s.settlement.settle(s.row);
    assert.equal(out.status, 'refund_pending');
    assert.equal(s.payments.refunds[0].status, 'requested');
  });
});

describe('settlement: refunds', () => {
  function refunding(refundAnswer: () => Promise<import('../../src/payments/gateway.ts').RefundOutcome>) {
    const s = withPayment('success');
    s.enrollments.held.set(s.enrollments.key(USER, course.id), { paymentReference: 'ref-1', active: true });
    s.g.refundAnswer = refundAnswer;
    return s;
  }
  const admin = { id: 'admin', role: 'admin' } as never;

  it('refund_pending → refunded when processed; a full refund ends the enrollment', async () => {
    const s = refunding(async () => ({
      status: 'sent',
      refund: { id: 1, status: 'processed', amount: course.price, transactionReference: 'ref-1', createdAt: null },
    }));
    const out = await s.service.refund(admin, 'ref-1', undefined);
    assert.equal(out.status, 'refunded');
    assert.equal(s.payments.get('ref-1')!.refundedAmount, course.price);
    assert.equal(await s.enrollments.repo.isEnrolled(USER, course.id), false);
    assert.deepEqual(s.payments.transactions, ['payments.begin_refund', 'payments.refund_done']);
  });

  it('a partial refund keeps the enrollment and leaves the rest refundable', async () => {
    const s = refunding(async () => ({
      status: 'sent',
      refund: { id: 1, status: 'processed', amount: 1_000, transactionReference: 'ref-1', createdAt: null },
    }));
    assert.equal((await s.service.refund(admin, 'ref-1', 1_000)).status, 'refunded');
    assert.equal(await s.enrollments.repo.isEnrolled(USER, course.id), true);
    s.g.refundAnswer = async () => ({
      status: 'sent',
      refund: { id: 2, status: 'failed', amount: 2_000, transactionReference: 'ref-1', createdAt: null },
    });
    // A failed second refund goes back to refunded (something was refunded before).
    assert.equal((await s.service.refund(admin, 'ref-1', 2_000)).status, 'refunded');
  });

  it('refund_pending → success when the gateway reports the refund failed', async () => {
    const s = refunding(async () => ({
      status: 'sent',
      refund: { id: 1, status: 'failed', amount: course.price, transactionReference: 'ref-1', createdAt: null },
    }));
    assert.equal((await s.service.refund(admin, 'ref-1', undefined)).status, 'success');
  });

  it('a pending refund stays refund_pending until a later answer settles it', async () => {
    const s = refunding(async () => ({
      status: 'sent',
      refund: { id: 1, status: 'pending', amount: course.price, transactionReference: 'ref-1', createdAt: null },
    }));
    assert.equal((await s.service.refund(admin, 'ref-1', undefined)).status, 'refund_pending');
    s.g.refundsAt.set(1, { id: 1, status: 'processed', amount: course.price, transactionReference: 'ref-1', createdAt: null });
    assert.equal((await s.settlement.settleRefund(s.payments.get('ref-1')!)).status, 'refunded');
  });

  it('an ambiguous refund stays refund_pending; a lookup that finds it settles it', async () => {
    const s = refunding(async () => ({ status: 'ambiguous' }));
    assert.equal((await s.service.refund(admin, 'ref-1', undefined)).status, 'refund_pending');
    s.payments.rows.get('ref-1')!.paystackTransactionId = 9001;
    s.g.refundsAt.set(8, { id: 8, status: 'processed', amount: course.price, transactionReference: 'ref-1', createdAt: null });
    assert.equal((await s.settlement.settleRefund(s.payments.get('ref-1')!)).status, 'refunded');
    assert.equal(s.payments.refunds[0].paystackRefundId, 8);
  });

  it('an admin refund the gateway never got goes back to success, only once old enough', async () => {
    const s = refunding(async () => ({ status: 'ambiguous' }));
    await s.service.refund(admin, 'ref-1', undefined);
    s.payments.rows.get('ref-1')!.paystackTransactionId = 9001;
    assert.equal((await s.settlement.settleRefund(s.payments.get('ref-1')!)).status, 'refund_pending');
    s.clock.t += 60_000;
    assert.equal((await s.settlement.settleRefund(s.payments.get('ref-1')!)).status, 'success');
  });

  it('a refusal fails the refund, puts the payment back, and is a conflict for the admin', async () => {
    const s = refunding(async () => ({
      status: 'refused',
      reason: 'Transaction has been fully reversed',
      message: 'Paystack refund answered 400: Transaction has been fully reversed',
    }));
    await assert.rejects(
      s.service.refund(admin, 'ref-1', undefined),
      (e: { code?: string; message: string }) => e.code === 'conflict' && /fully reversed/.test(e.message),
    );
    assert.equal(s.payments.get('ref-1')!.status, 'success');
    assert.equal(s.payments.refunds[0].status, 'failed');
  });

  it('an admin refund that could not be sent is failed and reported as 503', async () => {
    const s = refunding(() => Promise.reject(new PaymentGatewayError('rate limited', 7, false, { cause: new Error('429') })));
    await assert.rejects(
      s.service.refund(admin, 'ref-1', undefined),
      (e: { code?: string; retryAfterS?: number }) => e.code === 'dependency_unavailable' && e.retryAfterS === 7,
    );
    assert.equal(s.payments.get('ref-1')!.status, 'success');
  });
});
