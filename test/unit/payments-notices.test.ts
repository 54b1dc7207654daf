import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { course, paid, setup } from './fakes/payments.ts';

const USER = 'u1';

function withPayment(status: 'pending' | 'success' = 'pending') {
  const s = setup();
  const row = s.payments.add({
    reference: 'ref-1',
    userId: USER,
    courseId: course.id,
    amount: course.price,
    currency: 'NGN',
    status,
    initInFlight: false,
    createdAt: s.clock.iso(120_000),
  });
  return { ...s, row };
}

describe('payment mail: written in the transaction of its event, once', () => {
  it('a fulfilment writes one receipt, with the course, amount, currency and reference, however often it is settled', async () => {
    const s = withPayment();
    s.g.verifyAnswer.set('ref-1', paid('ref-1'));
    await s.settlement.settle(s.row);
    await s.settlement.settle(s.payments.get('ref-1')!);
    await s.settlement.fulfil(s.row, paid('ref-1') as never);
    assert.equal(s.notices.length, 1);
    const r = s.notices[0];
    assert.deepEqual(
      { kind: r.kind, userId: r.userId, courseTitle: r.courseTitle, amount: r.amount, currency: r.currency, reference: r.reference },
      { kind: 'receipt', userId: USER, courseTitle: course.title, amount: course.price, currency: 'NGN', reference: 'ref-1' },
    );
    assert.ok(r.paidAt instanceof Date);
  });

  it('a second charge (the course held by another payment) gets no receipt: it is being refunded', async () => {
    const s = withPayment();
    s.enrollments.held.set(s.enrollments.key(USER, course.id), { paymentReference: 'other', active: true });
    s.g.verifyAnswer.set('ref-1', paid('ref-1'));
    await s.settlement.settle(s.row);
    assert.deepEqual(s.notices, []);
  });

  it('a mismatched amount (flagged) gets no receipt', async () => {
    const s = withPayment();
    s.g.verifyAnswer.set('ref-1', paid('ref-1', course.price - 1));
    assert.equal((await s.settlement.settle(s.row)).status, 'flagged');
    assert.deepEqual(s.notices, []);
  });

  it('a processed refund writes one notice with the refunded total; a refund that failed writes none', async () => {
    const s = withPayment('success');
    s.enrollments.held.set(s.enrollments.key(USER, course.id), { paymentReference: 'ref-1', active: true });
    s.g.refundAnswer = async () => ({
      status: 'sent',
      refund: { id: 1, status: 'failed', amount: 1_000, transactionReference: 'ref-1', createdAt: null },
    });
    await s.service.refund({ id: 'admin', role: 'admin' } as never, 'ref-1', 1_000);
    assert.equal(s.notices.length, 0);
    s.g.refundAnswer = async () => ({
      status: 'sent',
      refund: { id: 2, status: 'processed', amount: 1_000, transactionReference: 'ref-1', createdAt: null },
    });
    await s.service.refund({ id: 'admin', role: 'admin' } as never, 'ref-1', 1_000);
    assert.equal(s.notices.length, 1);
    const n = s.notices[0];
    assert.deepEqual(
      {
        kind: n.kind,
        refundAmount: n.refundAmount,
        refundedTotal: n.refundedTotal,
        paidAmount: n.paidAmount,
        secondCharge: n.secondCharge,
      },
      { kind: 'refund', refundAmount: 1_000, refundedTotal: 1_000, paidAmount: course.price, secondCharge: false },
    );
  });

  it('a free course writes a receipt for 0 in the enrolling transaction', async () => {
    const s = setup();
    const free = { ...course, price: 0 };
    // The course the service sees is free (one courses object serves the service and the context).
    (s.ctx.courses as unknown as { findByIdOrSlug: (id: string) => Promise<unknown> }).findByIdOrSlug = async (id: string) =>
      id === course.id ? free : undefined;
    const out = await s.service.initialize({ id: USER, role: 'student' } as never, { courseId: course.id });
    assert.equal(out.payment.status, 'success');
    assert.equal(s.notices.length, 1);
    assert.equal(s.notices[0].amount, 0);
    assert.equal(s.notices[0].reference, out.payment.reference);
    assert.deepEqual(s.payments.transactions, ['payments.free']);
  });
});
