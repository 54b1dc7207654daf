import type { Database, Queryable } from '../infra/database/client.ts';
import { hasSqlState, SQLSTATE } from '../shared/sqlstate.ts';
import { COLUMNS, onePayment, P_COLUMNS, REFUND_COLUMNS, type RefundDbRow, toRefund } from './rows.ts';
import type { PaymentRow, RefundRow } from './types.ts';

/**
 * The refunds table (this module's): each refund a row of its own, so a payment's
 * refunded total is the sum of its processed refunds and a lost answer is matched only to
 * a refund not yet recorded. Part of the payment repository (createPaymentRepository).
 */
export function createRefundQueries(db: Database) {
  return {
    /**
     * success (or partly refunded) → refund_pending, for at most what is left to refund,
     * and the refund's own row (requested). In the caller's transaction: the automatic
     * refund of a second charge is begun in the same transaction that marks it paid.
     */
    async beginRefund(
      tx: Queryable,
      reference: string,
      amount: number,
      kind: RefundRow['kind'],
    ): Promise<{ payment: PaymentRow; refund: RefundRow } | undefined> {
      const payment = await onePayment(
        'payments.begin_refund',
        tx,
        // The sweep looks at a refund after 30 s: Paystack's refund webhook usually comes
        // well before, and a refund call still in flight must not be looked up as missing.
        `UPDATE payments SET status = 'refund_pending', check_attempts = 0, next_check_at = now() + interval '30 seconds', updated_at = now()
         WHERE reference = $1 AND status IN ('success', 'refunded') AND refunded_amount + $2 <= amount RETURNING ${COLUMNS}`,
        [reference, amount],
      );
      if (!payment) return undefined;
      const rows = await tx.query<RefundDbRow>(
        'refunds.insert',
        `INSERT INTO refunds (payment_reference, amount, kind) VALUES ($1, $2, $3) RETURNING ${REFUND_COLUMNS}`,
        [reference, amount, kind],
      );
      return { payment, refund: toRefund(rows[0]) };
    },

    /** The payment's open refund (requested or pending), if any. */
    async openRefund(reference: string): Promise<RefundRow | undefined> {
      const rows = await db.query<RefundDbRow>(
        'refunds.open',
        `SELECT ${REFUND_COLUMNS} FROM refunds WHERE payment_reference = $1 AND status IN ('requested', 'pending')`,
        [reference],
      );
      return rows[0] && toRefund(rows[0]);
    },

    /** Paystack refund ids already recorded against this payment. */
    async recordedRefundIds(reference: string): Promise<Set<number>> {
      const rows = await db.query<{ id: string }>(
        'refunds.recorded',
        'SELECT paystack_refund_id AS id FROM refunds WHERE payment_reference = $1 AND paystack_refund_id IS NOT NULL',
        [reference],
      );
      return new Set(rows.map((r) => Number(r.id)));
    },

    /**
     * Records Paystack's id for a refund that has none yet. False when the refund
     * already has one or the id is recorded elsewhere (the unique index says so).
     */
    async setRefundId(refundId: string, paystackRefundId: number): Promise<boolean> {
      try {
        const rows = await db.query(
          'refunds.set_id',
          "UPDATE refunds SET paystack_refund_id = $2, status = CASE WHEN status = 'requested' THEN 'pending' ELSE status END, updated_at = now() WHERE id = $1 AND paystack_refund_id IS NULL RETURNING id",
          [refundId, paystackRefundId],
        );
        return rows.length === 1;
      } catch (err) {
        if (hasSqlState(err, SQLSTATE.uniqueViolation)) return false;
        throw err;
      }
    },

    /**
     * Claims a resend of a requested refund that Paystack never received: only the
     * caller that moves `requested_at` from the value it read sends it again.
     */
    async claimResend(refundId: string, requestedAt: string): Promise<boolean> {
      const rows = await db.query(
        'refunds.claim_resend',
        "UPDATE refunds SET requested_at = now(), updated_at = now() WHERE id = $1 AND status = 'requested' AND paystack_refund_id IS NULL AND requested_at = $2::timestamptz RETURNING id",
        [refundId, requestedAt],
      );
      return rows.length === 1;
    },

    /**
     * The refund → processed, and the payment → refunded with refunded_amount the sum of
     * its processed refunds; returns the payment when this call made the change.
     */
    async completeRefund(tx: Queryable, refundId: string): Promise<PaymentRow | undefined> {
      const done = await tx.query<{ payment_reference: string }>(
        'refunds.complete',
        "UPDATE refunds SET status = 'processed', processed_at = now(), updated_at = now() WHERE id = $1 AND status IN ('requested', 'pending') RETURNING payment_reference",
        [refundId],
      );
      if (done.length === 0) return undefined;
      return onePayment(
        'payments.complete_refund',
        tx,
        `UPDATE payments p SET status = 'refunded', updated_at = now(),
           refunded_amount = (SELECT COALESCE(sum(r.amount), 0) FROM refunds r WHERE r.payment_reference = p.reference AND r.status = 'processed')
         WHERE p.reference = $1 AND p.status = 'refund_pending' RETURNING ${P_COLUMNS}`,
        [done[0].payment_reference],
      );
    },

    /** The refund → failed, and the payment back (success, or refunded when partly refunded before). */
    async failRefund(refundId: string, why: string): Promise<PaymentRow | undefined> {
      return db.transaction('refunds.fail', async (tx) => {
        const failed = await tx.query<{ payment_reference: string }>(
          'refunds.fail',
          "UPDATE refunds SET status = 'failed', note = $2, updated_at = now() WHERE id = $1 AND status IN ('requested', 'pending') RETURNING payment_reference",
          [refundId, why],
        );
        if (failed.length === 0) return undefined;
        return onePayment(
          'payments.revert_refund',
          tx,
          `UPDATE payments SET status = CASE WHEN refunded_amount > 0 THEN 'refunded' ELSE 'success' END, gateway_response = $2, updated_at = now()
           WHERE reference = $1 AND status = 'refund_pending' RETURNING ${COLUMNS}`,
          [failed[0].payment_reference, why],
        );
      });
    },
  };
}
