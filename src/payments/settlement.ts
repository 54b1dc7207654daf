import { LRUCache } from 'lru-cache';

import { errors } from '../errors/index.ts';
import { ageMs, gatewayProblem, type PaymentContext } from './context.ts';
import { type GatewayRefund, PaymentGatewayError, type RefundOutcome, type VerifyOutcome } from './gateway.ts';
import { FULFILLABLE } from './repository.ts';
import type { PaymentRow, RefundRow } from './types.ts';

// The verify endpoint and the callback page are asked by people and browsers, as often
// as they like: per reference, one verify in flight per process, and none within 2 s of
// the last answer (the stored status is answered instead). The merchant's Paystack rate
// limit is shared by everything; a checkout's outcome is not lost by waiting 2 s (the
// webhook and the sweep always ask Paystack themselves).
export const VERIFY_FRESH_MS = 2_000;
// A refund listed at Paystack up to this long before our row's request time may still be
// ours (clock skew between us and Paystack).
const REFUND_SKEW_MS = 60_000;
// Refunds of one transaction looked through when a refund call's answer was lost: far
// more than a payment is ever refunded in parts.
const REFUND_LOOKUP_PAGE = 50;

type PaidOutcome = Extract<VerifyOutcome, { status: 'paid' }>;

/**
 * Settlement: the transitions of a payment after its checkout. Verify answers move
 * pending/failed/abandoned/expired to success (fulfilled), failed, abandoned, expired or
 * flagged; refunds move success to refund_pending and on to refunded, or back.
 */
export function createSettlement(ctx: PaymentContext) {
  const { payments, enrollments, gateway, logger, clock } = ctx;
  const verifying = new Map<string, Promise<VerifyOutcome>>();
  // When each reference was last answered to a person; at most this many remembered, far
  // above the payments answered in 2 s. Freshness is judged by the clock, not the cache.
  const lastAnswer = new LRUCache<string, number>({ max: 10_000 });
  const fresh = (reference: string) => {
    const at = lastAnswer.get(reference);
    return at !== undefined && clock.now() - at < VERIFY_FRESH_MS;
  };

  /** Log and start the automatic refund of a second charge; never throws (the sweep finishes it). */
  async function refundSecondCharge(p: PaymentRow, refund: RefundRow, holder: string): Promise<PaymentRow> {
    logger.warn(
      { reference: p.reference, userId: p.userId, courseId: p.courseId, amount: p.amount, heldBy: holder, refundId: refund.id },
      'second charge for a course already held; refunding it',
    );
    try {
      return await sendRefund(p, refund);
    } catch (err) {
      logger.warn({ reference: p.reference, err: (err as Error).message }, 'second-charge refund not sent yet; the sweep sends it');
      return p;
    }
  }

  /**
   * Fulfilment, the one path to success, used by the verify endpoint, the webhook and
   * the reconciler alike. It trusts only the gateway's verify answer for our reference,
   * and marks the payment successful and enrolls in one transaction whose WHERE clause
   * and unique indexes make it happen exactly once however many callers race. A second
   * charge (the course is held by another payment) begins its own refund in that same
   * transaction: the refund row is the fact that it is refunded once, on any instance.
   */
  async function fulfil(p: PaymentRow, v: PaidOutcome): Promise<PaymentRow> {
    const expected = v.requestedAmount ?? v.amount;
    if (v.reference !== p.reference || expected !== p.amount || v.currency.toUpperCase() !== p.currency) {
      const why = `paystack reports success for ${v.reference}: ${expected} ${v.currency}, expected ${p.amount} ${p.currency}`;
      logger.error(
        {
          dependency: 'paystack',
          op: 'fulfil',
          reference: p.reference,
          paystackAmount: expected,
          paystackCurrency: v.currency,
          amount: p.amount,
          currency: p.currency,
        },
        'payment NOT fulfilled: amount or currency mismatch; flagged for a person',
      );
      return (await payments.flag(p.reference, why)) ?? (await payments.findByReference(p.reference)) ?? p;
    }
    // Read before the transaction: the receipt names the course, and no other connection is held meanwhile.
    const courseTitle = ctx.notices ? ((await ctx.courses.findByIdOrSlug(p.courseId))?.title ?? p.courseId) : '';
    const outcome = await payments.transaction('payments.fulfil', async (tx) => {
      const row = await payments.markSuccess(tx, p.reference, {
        paidAt: v.paidAt,
        transactionId: v.transactionId,
        gatewayResponse: v.gatewayResponse,
      });
      if (!row) return undefined;
      if (await enrollments.enroll(tx, { userId: row.userId, courseId: row.courseId, paymentReference: row.reference })) {
        // The receipt commits with the enrollment, exactly once.
        await ctx.notices?.receipt(tx, {
          userId: row.userId,
          courseTitle,
          amount: row.amount,
          currency: row.currency,
          reference: row.reference,
          paidAt: row.paidAt ? new Date(row.paidAt) : new Date(clock.now()),
        });
        return { row };
      }
      const holder = await enrollments.activeHolder(tx, row.userId, row.courseId);
      if (holder) {
        const begun = await payments.beginRefund(tx, row.reference, row.amount, 'second_charge');
        if (begun) return { row: begun.payment, second: { refund: begun.refund, holder } };
      }
      logger.error(
        { reference: row.reference, userId: row.userId, courseId: row.courseId },
        'payment succeeded for a course the user already holds without a payment; consider a refund',
      );
      return { row };
    });
    if (!outcome) return (await payments.findByReference(p.reference)) ?? p;
    logger.info({ reference: p.reference, courseId: p.courseId, userId: p.userId, amount: p.amount }, 'payment fulfilled');
    if (outcome.second) return refundSecondCharge(outcome.row, outcome.second.refund, outcome.second.holder);
    return outcome.row;
  }

  // Only answers to people's calls start the 2 s window: a webhook or the sweep asking
  // just before must not keep a person who has just paid from seeing it.
  function verifyOnce(reference: string, maxWaitMs: number | undefined, coalesce: boolean): Promise<VerifyOutcome> {
    const inFlight = verifying.get(reference);
    if (coalesce && inFlight) return inFlight;
    const tracked = gateway.verify(reference, { maxWaitMs }).then((v) => {
      if (coalesce) lastAnswer.set(reference, clock.now());
      return v;
    });
    verifying.set(reference, tracked);
    const clear = () => {
      if (verifying.get(reference) === tracked) verifying.delete(reference);
    };
    tracked.then(clear, clear);
    return tracked;
  }

  /**
   * Asks the gateway about a payment that is not settled and applies the answer.
   * Throws the gateway's errors; callers decide whether that is a 503 or a "try later".
   * `coalesce` (people asking): joins a verify in flight and answers the stored row
   * within VERIFY_FRESH_MS of the last answer.
   */
  async function settle(p: PaymentRow, opts: { maxWaitMs?: number; coalesce?: boolean } = {}): Promise<PaymentRow> {
    if (!FULFILLABLE.includes(p.status)) return p;
    if (opts.coalesce && fresh(p.reference) && !verifying.has(p.reference)) return p;
    const v = await verifyOnce(p.reference, opts.maxWaitMs, opts.coalesce === true);
    if (v.status === 'unknown-reference') {
      // The gateway never heard of it: its initialize never arrived. Final once old enough
      // that an initialize still in flight cannot land any more.
      const age = ageMs(ctx, p.createdAt);
      if (p.status === 'pending' && age >= ctx.reconcileMinAgeMs && !(p.initInFlight && age < ctx.staleAttemptMs)) {
        logger.info({ reference: p.reference, ageMs: age }, 'payment expired: Paystack has no such transaction');
        return (await payments.markUnsuccessful(p.reference, 'expired', 'unknown to Paystack', ['pending'])) ?? p;
      }
      return p;
    }
    // A joined call may have been answered for a row read earlier: apply it to the current one.
    const current = opts.coalesce ? ((await payments.findByReference(p.reference)) ?? p) : p;
    if (!FULFILLABLE.includes(current.status)) return current;
    if (v.status === 'paid') return fulfil(current, v);
    if (current.paystackTransactionId === null) await payments.setTransactionId(current.reference, v.transactionId);
    if (v.status === 'failed' || v.status === 'abandoned') {
      // Not final: checkout sessions do not expire, and a later success still fulfils.
      return (
        (await payments.markUnsuccessful(current.reference, v.status, v.gatewayResponse, ['pending', 'failed', 'abandoned'])) ?? current
      );
    }
    return current; // ongoing, pending, processing, queued, reversed: look again later
  }

  /**
   * Sends a refund row to the gateway (never retried: no idempotency key) and applies
   * the answer. An unknown outcome leaves it requested for the lookup; a definite refusal
   * fails it (an admin's refund is reported; an automatic one is logged for a person).
   */
  async function sendRefund(p: PaymentRow, refund: RefundRow): Promise<PaymentRow> {
    let r: RefundOutcome;
    try {
      r = await gateway.refund({ reference: p.reference, amount: refund.amount });
    } catch (err) {
      // Never sent (breaker open, refused connection, rate limited): the sweep sends an automatic one.
      if (refund.kind === 'second_charge') throw err;
      // Definitely not done: back as it was.
      await payments.failRefund(refund.id, `refund refused: ${(err as Error).message}`);
      throw gatewayProblem(err);
    }
    if (r.status === 'ambiguous') {
      // It may or may not have happened: the reconciler looks it up before deciding.
      logger.warn(
        { dependency: 'paystack', op: 'refund', reference: p.reference, refundId: refund.id },
        'refund outcome unknown; left refund_pending for the reconciler',
      );
      return p;
    }
    if (r.status === 'refused') {
      await payments.failRefund(refund.id, `refund refused: ${r.message}`);
      if (refund.kind === 'second_charge')
        logger.error({ reference: p.reference, err: r.message }, 'Paystack refused the refund of a second charge; needs a person');
      throw errors.conflict(`Paystack refused the refund: ${r.reason}`);
    }
    await payments.setRefundId(refund.id, r.refund.id);
    return settleRefund(p, r.refund);
  }

  /** The refund a lost refund answer may have made: one on the transaction not recorded yet, claimed by this caller. */
  async function findLostRefund(p: PaymentRow, open: RefundRow): Promise<GatewayRefund | undefined> {
    let txId = p.paystackTransactionId;
    if (txId === null) {
      const v = await gateway.verify(p.reference);
      if (v.status === 'unknown-reference') throw new PaymentGatewayError(`no transaction ${p.reference} at the gateway`, 1, false);
      txId = v.transactionId;
    }
    const recorded = await payments.recordedRefundIds(p.reference);
    const candidates = (await gateway.listRefunds(txId, REFUND_LOOKUP_PAGE))
      .filter(
        (x) =>
          x.amount === open.amount &&
          !recorded.has(x.id) &&
          (!x.createdAt || Date.parse(x.createdAt) >= Date.parse(open.requestedAt) - REFUND_SKEW_MS),
      )
      .sort((a, b) => a.id - b.id);
    for (const c of candidates) {
      if (await payments.setRefundId(open.id, c.id)) return c;
    }
    return undefined;
  }

  /** Finishes the open refund of a payment in refund_pending from what the gateway says about it. */
  async function settleRefund(p: PaymentRow, known?: GatewayRefund): Promise<PaymentRow> {
    if (p.status !== 'refund_pending') return p;
    const open = await payments.openRefund(p.reference);
    if (!open) return p;
    let r: GatewayRefund | undefined;
    if (
      known &&
      (open.paystackRefundId === known.id ||
        (open.paystackRefundId === null && known.amount === open.amount && (await payments.setRefundId(open.id, known.id))))
    )
      r = known;
    if (!r && open.paystackRefundId !== null) r = await gateway.fetchRefund(open.paystackRefundId);
    if (!r) {
      // The refund call's answer was lost: look for the refund on the transaction
      // before deciding anything (a refund has no idempotency key). Only a refund not
      // already recorded against this payment can be the one asked now.
      r = await findLostRefund(p, open);
      if (!r) {
        if (ageMs(ctx, open.requestedAt) < ctx.reconcileMinAgeMs) return p;
        if (open.kind === 'second_charge') {
          // An automatic refund must happen: the gateway never got it, so it is sent
          // again, by whichever caller claims the resend.
          if (!(await payments.claimResend(open.id, open.requestedAt))) return p;
          logger.warn({ reference: p.reference, refundId: open.id }, 'second-charge refund never reached Paystack; sending it again');
          return sendRefund(p, open);
        }
        logger.warn({ reference: p.reference, refundId: open.id }, 'refund never reached Paystack; payment back to its previous status');
        return (await payments.failRefund(open.id, 'refund not found at Paystack')) ?? p;
      }
    }
    if (r.status === 'processed') {
      const courseTitle = ctx.notices ? ((await ctx.courses.findByIdOrSlug(p.courseId))?.title ?? p.courseId) : '';
      const done = await payments.transaction('payments.refund_done', async (tx) => {
        const row = await payments.completeRefund(tx, open.id);
        // A full refund ends the enrollment; a partial one does not.
        if (row && row.refundedAmount >= row.amount) await enrollments.endForPayment(tx, row.reference);
        // The notice commits with the refund's record, exactly once.
        if (row)
          await ctx.notices?.refund(tx, {
            userId: row.userId,
            courseTitle,
            refundAmount: open.amount,
            refundedTotal: row.refundedAmount,
            paidAmount: row.amount,
            currency: row.currency,
            reference: row.reference,
            secondCharge: open.kind === 'second_charge',
            processedAt: new Date(clock.now()),
          });
        return row;
      });
      if (done)
        logger.info(
          {
            reference: p.reference,
            paystackRefundId: r.id,
            refundAmount: open.amount,
            refundedAmount: done.refundedAmount,
            amount: done.amount,
            kind: open.kind,
          },
          'refund processed',
        );
      return done ?? (await payments.findByReference(p.reference)) ?? p;
    }
    if (r.status === 'failed') {
      logger.warn({ reference: p.reference, refundId: r.id }, 'refund failed at Paystack; payment back to its previous status');
      if (open.kind === 'second_charge')
        logger.error({ reference: p.reference }, 'the refund of a second charge failed at Paystack; needs a person');
      return (await payments.failRefund(open.id, 'refund failed')) ?? p;
    }
    return p; // pending, processing, needs-attention: later
  }

  return { fulfil, settle, sendRefund, settleRefund };
}

export type Settlement = ReturnType<typeof createSettlement>;
