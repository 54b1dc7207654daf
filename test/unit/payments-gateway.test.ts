import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { PaystackClient } from '../../src/infra/paystack/client.ts';
import {
  PaystackAmbiguousError,
  PaystackDuplicateReferenceError,
  PaystackHttpError,
  PaystackNotFoundError,
  PaystackRateLimitedError,
  PaystackTimeoutError,
} from '../../src/infra/paystack/errors.ts';
import { createPaystackGateway } from '../../src/infra/paystack/gateway.ts';
import { signPaystackBody } from '../../src/infra/paystack/signature.ts';
import type { RefundResult, VerifyResult } from '../../src/infra/paystack/types.ts';
import { isPaymentGatewayError } from '../../src/payments/gateway.ts';
import { CallRejectedError } from '../../src/resilience/policy.ts';

const SECRET = 'sk_test_unit';

/** A client whose every call answers what `answer` says (a value, or a thrown error). */
function gatewayAnswering(answer: () => unknown) {
  const call = async () => {
    const a = answer();
    if (a instanceof Error) throw a;
    return a;
  };
  const client = {
    initialize: call,
    verify: call,
    refund: call,
    fetchRefund: call,
    listRefunds: call,
    listTransactions: call,
    close: async () => undefined,
  } as unknown as PaystackClient;
  return createPaystackGateway({ client, secretKey: SECRET });
}

const tx = (status: string, extra: Partial<VerifyResult> = {}): VerifyResult => ({
  id: 12,
  status,
  reference: 'ref-1',
  amount: 5_000,
  currency: 'NGN',
  paidAt: '2026-01-01T00:00:00.000Z',
  gatewayResponse: 'Approved',
  metadata: null,
  channel: 'card',
  customerEmail: null,
  createdAt: null,
  ...extra,
});
const refund = (status: string): RefundResult =>
  ({ id: 3, status, amount: 5_000, currency: 'NGN', transactionId: 12, transactionReference: 'ref-1' }) as RefundResult;

describe('Paystack gateway: verify outcomes', () => {
  it('success → paid with amount, requested amount, currency and time', async () => {
    const v = await gatewayAnswering(() => tx('success', { requestedAmount: 4_900 })).verify('ref-1');
    assert.deepEqual(v, {
      status: 'paid',
      reference: 'ref-1',
      transactionId: 12,
      amount: 5_000,
      requestedAmount: 4_900,
      currency: 'NGN',
      paidAt: '2026-01-01T00:00:00.000Z',
      gatewayResponse: 'Approved',
    });
  });
  it('failed and abandoned pass through; ongoing, queued, reversed or anything new are pending', async () => {
    assert.equal((await gatewayAnswering(() => tx('failed')).verify('ref-1')).status, 'failed');
    assert.equal((await gatewayAnswering(() => tx('abandoned')).verify('ref-1')).status, 'abandoned');
    for (const s of ['ongoing', 'queued', 'processing', 'reversed', 'something-new'])
      assert.equal((await gatewayAnswering(() => tx(s)).verify('ref-1')).status, 'pending');
  });
  it('a 404 → unknown-reference', async () => {
    const v = await gatewayAnswering(
      () =>
        new PaystackNotFoundError('verify', 404, 'transaction_not_found', 'Transaction reference not found', 'validation_error', 'ref-1'),
    ).verify('ref-1');
    assert.deepEqual(v, { status: 'unknown-reference' });
  });
  it('trouble → PaymentGatewayError carrying the original, with when to come back', async () => {
    const limited = new PaystackRateLimitedError('verify', undefined, 'slow down', undefined, Date.now() + 4_500);
    await assert.rejects(
      gatewayAnswering(() => limited).verify('ref-1'),
      (e) => isPaymentGatewayError(e) && e.cause === limited && e.retryAfterS >= 4 && !e.byDeadline,
    );
    const rejected = new CallRejectedError('paystack', 'breaker_open', undefined);
    await assert.rejects(
      gatewayAnswering(() => rejected).verify('ref-1'),
      (e) => isPaymentGatewayError(e) && e.retryAfterS === 5 && e.message === rejected.message,
    );
    const timeout = new PaystackTimeoutError('verify', 1_000, 'headers', false);
    await assert.rejects(gatewayAnswering(() => timeout).verify('ref-1'), (e) => isPaymentGatewayError(e) && e.retryAfterS === 1);
  });
});

describe('Paystack gateway: initialize and refund outcomes', () => {
  it('initialize: a checkout, or duplicate-reference', async () => {
    const input = { email: 'a@b.test', amount: 1, reference: 'r', currency: 'NGN', callbackUrl: 'http://x/cb', metadata: {} };
    assert.deepEqual(
      await gatewayAnswering(() => ({ authorizationUrl: 'https://c/x', accessCode: 'ac', reference: 'r' })).initialize(input),
      { status: 'created', authorizationUrl: 'https://c/x', accessCode: 'ac' },
    );
    assert.deepEqual(
      await gatewayAnswering(
        () => new PaystackDuplicateReferenceError('Duplicate Transaction Reference', 'validation_error', 'r', true),
      ).initialize(input),
      { status: 'duplicate-reference' },
    );
  });
  it('refund: processed / pending / failed sent; ambiguous; a 4xx refused; a 429 or 5xx is trouble', async () => {
    assert.equal((await gatewayAnswering(() => refund('processed')).refund({ reference: 'ref-1', amount: 1 })).status, 'sent');
    for (const [paystack, ours] of [
      ['processed', 'processed'],
      ['failed', 'failed'],
      ['pending', 'pending'],
      ['processing', 'pending'],
      ['needs-attention', 'pending'],
    ]) {
      const r = await gatewayAnswering(() => refund(paystack)).refund({ reference: 'ref-1', amount: 1 });
      assert.equal(r.status === 'sent' && r.refund.status, ours);
    }
    assert.deepEqual(
      await gatewayAnswering(() => new PaystackAmbiguousError('refund', 'ref-1', 1, new Error('socket hang up'))).refund({
        reference: 'ref-1',
        amount: 1,
      }),
      { status: 'ambiguous' },
    );
    const refused = await gatewayAnswering(
      () => new PaystackHttpError('refund', 400, undefined, 'Transaction has been fully reversed', 'validation_error'),
    ).refund({ reference: 'ref-1', amount: 1 });
    assert.deepEqual(refused, {
      status: 'refused',
      reason: 'Transaction has been fully reversed',
      message: 'Paystack refund answered 400: Transaction has been fully reversed',
    });
    await assert.rejects(
      gatewayAnswering(() => new PaystackRateLimitedError('refund', undefined, 'slow', undefined, undefined)).refund({
        reference: 'ref-1',
        amount: 1,
      }),
      isPaymentGatewayError,
    );
    await assert.rejects(
      gatewayAnswering(() => new PaystackHttpError('refund', 502, undefined, 'bad gateway', undefined)).refund({
        reference: 'ref-1',
        amount: 1,
      }),
      isPaymentGatewayError,
    );
  });
});

describe('Paystack gateway: webhook normalisation', () => {
  const g = gatewayAnswering(() => undefined);
  const receive = (body: unknown, sign = true) => {
    const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    return g.receiveWebhook(raw, sign ? signPaystackBody(SECRET, raw) : 'bad');
  };

  it('a bad signature is rejected before the body is read', () =>
    assert.deepEqual(receive('not json', false), { kind: 'invalid-signature' }));
  it('signed but not an event: malformed', () => {
    assert.equal(receive('not json').kind, 'malformed');
    assert.equal(receive([1, 2]).kind, 'malformed');
    let deep: unknown = {};
    for (let i = 0; i < 40; i++) deep = { d: deep };
    assert.deepEqual(receive({ event: 'charge.success', data: deep }), {
      kind: 'malformed',
      message: 'The webhook body is nested too deeply',
    });
  });
  it('events we do not act on, or references we could not have made, are ignored', () => {
    assert.deepEqual(receive({ event: 'transfer.success', data: { reference: 'ref-1' } }), { kind: 'ignored' });
    assert.deepEqual(receive({ event: 'charge.success', data: {} }), { kind: 'ignored' });
    assert.deepEqual(receive({ event: 'charge.success', data: { reference: 'bad ref/../' } }), { kind: 'ignored' });
  });
  it('a charge event is keyed by (event, reference, status); a refund event by its refund id', () => {
    const charge = receive({ event: 'charge.success', data: { reference: 'ref-1', status: 'success' } });
    assert.equal(charge.kind === 'event' && charge.key, 'charge.success:ref-1:success');
    const r = receive({ event: 'refund.processed', data: { id: 44, transaction_reference: 'ref-1', status: 'processed' } });
    assert.equal(r.kind === 'event' && r.key, 'refund.processed:refund:44:processed');
    assert.equal(r.kind === 'event' && r.reference, 'ref-1');
  });
  it('a stored event → its action', () => {
    assert.deepEqual(g.actionOf({ event: 'charge.success', reference: 'ref-1', payload: {} }), {
      kind: 'charge-succeeded',
      reference: 'ref-1',
    });
    assert.deepEqual(g.actionOf({ event: 'refund.processed', reference: 'ref-1', payload: { data: { id: 44 } } }), {
      kind: 'refund-updated',
      reference: 'ref-1',
      refundId: 44,
    });
    assert.deepEqual(g.actionOf({ event: 'refund.pending', reference: 'ref-1', payload: { data: { id: '44' } } }), {
      kind: 'refund-updated',
      reference: 'ref-1',
      refundId: undefined,
    });
    assert.deepEqual(g.actionOf({ event: 'charge.dispute.create', reference: 'ref-1', payload: {} }), { kind: 'ignored' });
  });
});
