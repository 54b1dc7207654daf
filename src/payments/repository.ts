import type { Database, Queryable } from '../infra/database/client.ts';
import { storable } from '../infra/database/text.ts';
import { hasSqlState, SQLSTATE } from '../shared/sqlstate.ts';
import type { Page } from '../shared/types.ts';
import type { FlaggedPayment, Payment, PaymentRow, PaymentStatus, RefundRow } from './types.ts';

const COLUMNS = `id, reference, user_id, course_id, amount, currency, status, authorization_url, access_code, paystack_transaction_id,
  paid_at, gateway_response, flagged, refunded_amount, init_in_flight, check_attempts,
  next_check_at, created_at, updated_at`;

const REFUND_COLUMNS = 'id, payment_reference, paystack_refund_id, amount, status, kind, requested_at';

interface Row {
  id: string;
  reference: string;
  user_id: string;
  course_id: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  authorization_url: string | null;
  access_code: string | null;
  paystack_transaction_id: number | null;
  paid_at: Date | null;
  gateway_response: string | null;
  flagged: string | null;
  refunded_amount: number;
  init_in_flight: boolean;
  check_attempts: number;
  created_at: Date;
  updated_at: Date;
}

function toRow(r: Row): PaymentRow {
  return {
    reference: r.reference,
    status: r.status,
    amount: Number(r.amount),
    currency: r.currency,
    courseId: r.course_id,
    userId: r.user_id,
    paidAt: r.paid_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    authorizationUrl: r.authorization_url,
    accessCode: r.access_code,
    paystackTransactionId: r.paystack_transaction_id === null ? null : Number(r.paystack_transaction_id),
    flagged: r.flagged,
    refundedAmount: Number(r.refunded_amount),
    initInFlight: r.init_in_flight,
    checkAttempts: r.check_attempts,
  };
}

interface RefundDbRow {
  id: string;
  payment_reference: string;
  paystack_refund_id: string | null;
  amount: string;
  status: RefundRow['status'];
  kind: RefundRow['kind'];
  requested_at: Date;
}

function toRefund(r: RefundDbRow): RefundRow {
  return {
    id: r.id,
    paymentReference: r.payment_reference,
    paystackRefundId: r.paystack_refund_id === null ? null : Number(r.paystack_refund_id),
    amount: Number(r.amount),
    status: r.status,
    kind: r.kind,
    requestedAt: r.requested_at.toISOString(),
  };
}

/** Statuses from which a verified success still fulfils the payment (SPEC.md). */
export const FULFILLABLE: PaymentStatus[] = ['pending', 'failed', 'abandoned', 'expired'];

/** The payments and webhook_events tables belong to this module. */
export function createPaymentRepository(db: Database) {
  const one = async (op: string, q: Queryable, sql: string, values: unknown[]) => {
    const rows = await q.query<Row>(op, sql, values);
    return rows[0] && toRow(rows[0]);
  };

  return {
    /** One unit of work: every call given `tx` (this repository's or another's, e.g. enrollments') commits or rolls back together. */
    transaction: <T>(op: string, fn: (tx: Queryable) => Promise<T>): Promise<T> => db.transaction(op, fn),

    async findByReference(reference: string, q: Queryable = db): Promise<PaymentRow | undefined> {
      return one('payments.find', q, `SELECT ${COLUMNS} FROM payments WHERE reference = $1`, [reference]);
    },

    async findPending(userId: string, courseId: string): Promise<PaymentRow | undefined> {
      return one(
        'payments.find_pending',
        db,
        `SELECT ${COLUMNS} FROM payments WHERE user_id = $1 AND course_id = $2 AND status = 'pending'`,
        [userId, courseId],
      );
    },

    /** Inserts a pending attempt; 'conflict' when another pending attempt exists (a concurrent initialize). */
    async insertPending(
      p: { reference: string; userId: string; courseId: string; amount: number; currency: string },
      minAgeMs: number,
    ): Promise<PaymentRow | 'conflict'> {
      try {
        const row = await one(
          'payments.insert',
          db,
          `INSERT INTO payments (reference, user_id, course_id, amount, currency, init_in_flight, next_check_at)
           VALUES ($1, $2, $3, $4, $5, true, now() + make_interval(secs => $6::double precision / 1000)) RETURNING ${COLUMNS}`,
          [p.reference, p.userId, p.courseId, p.amount, p.currency, minAgeMs],
        );
        return row;
      } catch (err) {
        if (hasSqlState(err, SQLSTATE.uniqueViolation)) return 'conflict';
        throw err;
      }
    },

    async insertFree(tx: Queryable, p: { reference: string; userId: string; courseId: string; currency: string }): Promise<PaymentRow> {
      const row = await one(
        'payments.insert_free',
        tx,
        `INSERT INTO payments (reference, user_id, course_id, amount, currency, status, paid_at, gateway_response) VALUES ($1, $2, $3, 0, $4, 'success', now(), 'free course') RETURNING ${COLUMNS}`,
        [p.reference, p.userId, p.courseId, p.currency],
      );
      return row;
    },

    async setCheckout(reference: string, authorizationUrl: string, accessCode: string): Promise<PaymentRow | undefined> {
      return one(
        'payments.set_checkout',
        db,
        `UPDATE payments SET authorization_url = $2, access_code = $3, init_in_flight = false, updated_at = now() WHERE reference = $1 RETURNING ${COLUMNS}`,
        [reference, authorizationUrl, accessCode],
      );
    },

    /** The attempt's initialize call finished without a checkout URL (a known failure). */
    async finishInitialize(reference: string): Promise<void> {
      await db.query(
        'payments.finish_initialize',
        'UPDATE payments SET init_in_flight = false, updated_at = now() WHERE reference = $1 AND init_in_flight',
        [reference],
      );
    },

    /**
     * A pending attempt without a checkout URL gives way to a new one, only when its
     * initialize is known to have finished, or its row is older than `staleMs` (the
     * request that made it is certainly over). The WHERE clause decides, not the caller.
     */
    async supersede(reference: string, staleMs: number): Promise<boolean> {
      const rows = await db.query(
        'payments.supersede',
        `UPDATE payments SET status = 'abandoned', init_in_flight = false, gateway_response = 'superseded by a new attempt', updated_at = now()
         WHERE reference = $1 AND status = 'pending' AND authorization_url IS NULL
           AND (NOT init_in_flight OR created_at <= now() - make_interval(secs => $2::double precision / 1000)) RETURNING id`,
        [reference, staleMs],
      );
      return rows.length === 1;
    },

    /**
     * The one transition to success. Guarded by the status in the WHERE clause: of any
     * number of concurrent callers, exactly one gets the row back.
     */
    async markSuccess(
      tx: Queryable,
      reference: string,
      v: { paidAt: string | null; transactionId: number; gatewayResponse: string | null },
    ): Promise<PaymentRow | undefined> {
      return one(
        'payments.mark_success',
        tx,
        `UPDATE payments SET status = 'success', paid_at = COALESCE($2::timestamptz, now()), paystack_transaction_id = $3, gateway_response = $4, updated_at = now()
         WHERE reference = $1 AND status = ANY($5::text[]) RETURNING ${COLUMNS}`,
        [reference, v.paidAt, v.transactionId, v.gatewayResponse, FULFILLABLE],
      );
    },

    /** failed / abandoned / expired, only from a status that is not settled. */
    async markUnsuccessful(
      reference: string,
      status: 'failed' | 'abandoned' | 'expired',
      gatewayResponse: string | null,
      from: PaymentStatus[],
    ): Promise<PaymentRow | undefined> {
      return one(
        'payments.mark_unsuccessful',
        db,
        `UPDATE payments SET status = $2, gateway_response = $3, updated_at = now() WHERE reference = $1 AND status = ANY($4::text[]) RETURNING ${COLUMNS}`,
        [reference, status, gatewayResponse, from],
      );
    },

    /** A fulfillable payment → flagged, with the reason; the row when this call made the change. */
    async flag(reference: string, why: string): Promise<PaymentRow | undefined> {
      return one(
        'payments.flag',
        db,
        `UPDATE payments SET status = 'flagged', flagged = $2, init_in_flight = false, updated_at = now() WHERE reference = $1 AND status = ANY($3::text[]) RETURNING ${COLUMNS}`,
        [reference, why, FULFILLABLE],
      );
    },

    /** Flagged payments, newest first, for /ops. */
    async listFlagged(limit: number): Promise<FlaggedPayment[]> {
      const rows = await db.query<{
        reference: string;
        user_id: string;
        course_id: string;
        amount: string;
        currency: string;
        flagged: string | null;
        updated_at: Date;
      }>(
        'payments.list_flagged',
        "SELECT reference, user_id, course_id, amount, currency, flagged, updated_at FROM payments WHERE status = 'flagged' ORDER BY updated_at DESC, id LIMIT $1",
        [limit],
      );
      return rows.map((r) => ({
        reference: r.reference,
        userId: r.user_id,
        courseId: r.course_id,
        amount: Number(r.amount),
        currency: r.currency,
        reason: r.flagged ?? '',
        flaggedAt: r.updated_at.toISOString(),
      }));
    },

    async setTransactionId(reference: string, transactionId: number): Promise<void> {
      await db.query(
        'payments.set_transaction_id',
        'UPDATE payments SET paystack_transaction_id = $2 WHERE reference = $1 AND paystack_transaction_id IS NULL',
        [reference, transactionId],
      );
    },

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
      const payment = await one(
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
      return one(
        'payments.complete_refund',
        tx,
        `UPDATE payments p SET status = 'refunded', updated_at = now(),
           refunded_amount = (SELECT COALESCE(sum(r.amount), 0) FROM refunds r WHERE r.payment_reference = p.reference AND r.status = 'processed')
         WHERE p.reference = $1 AND p.status = 'refund_pending' RETURNING ${COLUMNS.split(',')
           .map((c) => `p.${c.trim()}`)
           .join(', ')}`,
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
        return one(
          'payments.revert_refund',
          tx,
          `UPDATE payments SET status = CASE WHEN refunded_amount > 0 THEN 'refunded' ELSE 'success' END, gateway_response = $2, updated_at = now()
           WHERE reference = $1 AND status = 'refund_pending' RETURNING ${COLUMNS}`,
          [failed[0].payment_reference, why],
        );
      });
    },

    async list(q: { userId?: string; status?: PaymentStatus; page: number; pageSize: number }): Promise<Page<Payment>> {
      const where: string[] = [];
      const values: unknown[] = [];
      if (q.userId) {
        values.push(q.userId);
        where.push(`user_id = $${values.length}`);
      }
      if (q.status) {
        values.push(q.status);
        where.push(`status = $${values.length}`);
      }
      const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
      values.push(q.pageSize, (q.page - 1) * q.pageSize);
      const rows = await db.query<Row & { total: number }>(
        'payments.list',
        `SELECT ${COLUMNS}, count(*) OVER () AS total FROM payments ${filter} ORDER BY created_at DESC, id LIMIT $${values.length - 1} OFFSET $${values.length}`,
        values,
      );
      let total = rows[0]?.total ?? 0;
      if (rows.length === 0 && q.page > 1)
        total =
          (await db.query<{ n: number }>('payments.count', `SELECT count(*)::int AS n FROM payments ${filter}`, values.slice(0, -2)))[0]
            ?.n ?? 0;
      return { items: rows.map((r) => toPublic(toRow(r))), page: q.page, pageSize: q.pageSize, total };
    },

    /**
     * Claims a batch for this sweeper: the rows' next check is pushed into the future in
     * the same statement that picks them (SKIP LOCKED), so concurrent sweepers in other
     * processes and instances take different rows and none is verified twice.
     */
    // Backoff per payment: the sweep interval doubled per look (2^12 at most), capped at an
    // hour, so a payment Paystack keeps calling "ongoing" costs about one verify an hour.
    async claimDue(minAgeMs: number, limit: number, retryBaseMs: number): Promise<PaymentRow[]> {
      const rows = await db.query<Row>(
        'payments.claim_due',
        `UPDATE payments p SET check_attempts = p.check_attempts + 1,
           next_check_at = now() + make_interval(secs => LEAST(3600, ($3::double precision / 1000) * power(2, LEAST(p.check_attempts, 12))))
         WHERE p.id IN (
           SELECT id FROM payments
           WHERE next_check_at <= now()
             AND created_at <= now() - make_interval(secs => $1::double precision / 1000)
             AND (status IN ('pending', 'refund_pending')
                  -- Checkout sessions do not expire: a failed or abandoned payment may still
                  -- be paid. Looked at again (with the same backoff) for a day, in case
                  -- the webhook that would say so never comes.
                  OR (status IN ('failed', 'abandoned') AND created_at > now() - interval '24 hours'))
           ORDER BY next_check_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING ${COLUMNS.split(',')
           .map((c) => `p.${c.trim()}`)
           .join(', ')}`,
        [minAgeMs, limit, retryBaseMs],
      );
      return rows.map(toRow);
    },

    // --- webhook events

    /** Stores an event once; returns its id when it is new, undefined for a duplicate. */
    async storeEvent(e: { key: string; event: string; reference: string; status: string; payload: unknown }): Promise<string | undefined> {
      const rows = await db.query<{ id: string }>(
        'webhooks.store',
        'INSERT INTO webhook_events (event_key, event, reference, status, payload) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_key) DO NOTHING RETURNING id',
        [storable(e.key), storable(e.event), storable(e.reference), storable(e.status), JSON.stringify(storable(e.payload))],
      );
      return rows[0]?.id;
    },

    /** Claims unprocessed events older than `minAgeMs` (a crash got between storing and processing). */
    async claimEvents(
      ids: string[] | undefined,
      minAgeMs: number,
      limit: number,
    ): Promise<{ id: string; event: string; reference: string; payload: Record<string, unknown> }[]> {
      // attempts doubles as a lease: a claimed event is not claimed again for 30 s.
      return db.query(
        'webhooks.claim',
        `UPDATE webhook_events SET attempts = attempts + 1, received_at = CASE WHEN $1::uuid[] IS NULL THEN now() ELSE received_at END
         WHERE id IN (
           SELECT id FROM webhook_events
           WHERE processed_at IS NULL AND attempts < 20
             AND ($1::uuid[] IS NULL AND received_at <= now() - make_interval(secs => $2::double precision / 1000) OR id = ANY($1::uuid[]))
           ORDER BY received_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING id, event, reference, payload`,
        [ids ?? null, minAgeMs, limit],
      );
    },

    async markEventProcessed(id: string, error?: string): Promise<void> {
      await db.query(
        'webhooks.mark',
        error
          ? 'UPDATE webhook_events SET last_error = $2 WHERE id = $1'
          : 'UPDATE webhook_events SET processed_at = now(), last_error = NULL WHERE id = $1',
        error ? [id, error] : [id],
      );
    },
  };
}

export function toPublic(p: PaymentRow): Payment {
  return {
    reference: p.reference,
    status: p.status,
    amount: p.amount,
    currency: p.currency,
    courseId: p.courseId,
    userId: p.userId,
    paidAt: p.paidAt,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

export type PaymentRepository = ReturnType<typeof createPaymentRepository>;
