import { type CourseRow, toCourse } from '../courses/repository.ts';
import type { Course } from '../courses/types.ts';
import type { Database, Queryable } from '../infra/database/client.ts';
import { hasSqlState, SQLSTATE } from '../shared/sqlstate.ts';
import type { Page } from '../shared/types.ts';
import { createWebhookEventQueries } from './events-repository.ts';
import { createRefundQueries } from './refunds-repository.ts';
import { COLUMNS, FULFILLABLE, onePayment, P_COLUMNS, type Row, toPublic, toRow } from './rows.ts';
import type { FlaggedPayment, Payment, PaymentRow, PaymentStatus } from './types.ts';

export { FULFILLABLE, toPublic } from './rows.ts';

/** What an initialize needs to know first, and the attempt it may have inserted (payment_checkout_begin, migration 007). */
export interface CheckoutStart {
  /** The course, published or not; undefined when there is none. */
  course: Course | undefined;
  /** The caller holds an active enrollment in it. */
  enrolled: boolean;
  /** The caller's email, for Paystack; undefined when the user row is gone. */
  email: string | undefined;
  /** The caller's pending attempt for the course that was there already (nothing inserted). */
  open?: PaymentRow;
  /** The attempt this call inserted: committed, its initialize in flight. */
  inserted?: PaymentRow;
}

// Course ids are UUIDs (the initialize route accepts nothing else); any other string names no course.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// payment_checkout_begin's row: when c_id is null so is every c_ column (no course), and
// when reference is null so is every payment column (no attempt).
type CheckoutStartRow = { [K in Exclude<keyof CourseRow, 'id'> as `c_${K}`]: CourseRow[K] } & {
  c_id: string | null;
  enrolled: boolean;
  email: string | null;
  inserted: boolean;
} & Omit<Row, 'reference'> & { reference: string | null };

/** The payments and webhook_events tables belong to this module. */
export function createPaymentRepository(db: Database) {
  const one = onePayment;

  return {
    /** One unit of work: every call given `tx` (this repository's or another's, e.g. enrollments') commits or rolls back together. */
    transaction: <T>(op: string, fn: (tx: Queryable) => Promise<T>): Promise<T> => db.transaction(op, fn),

    async findByReference(reference: string, q: Queryable = db): Promise<PaymentRow | undefined> {
      return one('payments.find', q, `SELECT ${COLUMNS} FROM payments WHERE reference = $1`, [reference]);
    },

    /**
     * The first round of an initialize in one statement: the course, the caller's
     * enrollment and email, and their pending attempt, or a new one (reference
     * `reference`, first sweep after `minAgeMs`) where there was none and the course can
     * be bought. Neither `open` nor `inserted` for a buyable course: a concurrent
     * initialize inserted first (as insertPending's 'conflict'); look again.
     */
    async beginCheckout(p: { userId: string; courseId: string; reference: string }, minAgeMs: number): Promise<CheckoutStart> {
      if (!UUID.test(p.courseId)) return { course: undefined, enrolled: false, email: undefined };
      const [r] = await db.query<CheckoutStartRow>('payments.checkout_begin', 'SELECT * FROM payment_checkout_begin($1, $2, $3, $4)', [
        p.userId,
        p.courseId,
        p.reference,
        minAgeMs,
      ]);
      const course =
        r.c_id === null
          ? undefined
          : toCourse({
              id: r.c_id,
              slug: r.c_slug,
              title: r.c_title,
              description: r.c_description,
              price: r.c_price,
              currency: r.c_currency,
              is_published: r.c_is_published,
              instructor_id: r.c_instructor_id,
              created_at: r.c_created_at,
              updated_at: r.c_updated_at,
            });
      const reference = r.reference;
      const attempt = reference === null ? undefined : toRow({ ...r, reference });
      return {
        course,
        enrolled: r.enrolled,
        email: r.email ?? undefined,
        ...(attempt && (r.inserted ? { inserted: attempt } : { open: attempt })),
      };
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
     * Claims a batch for this sweeper: the rows' next check is pushed past `leaseMs` (the
     * time the whole batch may take) in the same statement that picks them (SKIP LOCKED),
     * so concurrent sweepers in other processes and instances take different rows and
     * none is verified twice, however long the batch takes. Each row's own backoff is put
     * back by releaseClaim once the sweeper has looked at it.
     */
    // Backoff per payment: the sweep interval doubled per look (2^12 at most), capped at an
    // hour, so a payment Paystack keeps calling "ongoing" costs about one verify an hour.
    async claimDue(minAgeMs: number, limit: number, retryBaseMs: number, leaseMs: number): Promise<PaymentRow[]> {
      const rows = await db.query<Row>(
        'payments.claim_due',
        `UPDATE payments p SET check_attempts = p.check_attempts + 1,
           next_check_at = now() + make_interval(secs => GREATEST($4::double precision / 1000,
             LEAST(3600, ($3::double precision / 1000) * power(2, LEAST(p.check_attempts, 12)))))
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
         RETURNING ${P_COLUMNS}`,
        [minAgeMs, limit, retryBaseMs, leaseMs],
      );
      return rows.map(toRow);
    },

    /** The sweeper has looked at a claimed row: its next check is its backoff from now, not the batch's lease. */
    async releaseClaim(reference: string, retryBaseMs: number): Promise<void> {
      await db.query(
        'payments.release_claim',
        `UPDATE payments SET next_check_at = LEAST(next_check_at,
           now() + make_interval(secs => LEAST(3600, ($2::double precision / 1000) * power(2, LEAST(check_attempts - 1, 12)))))
         WHERE reference = $1`,
        [reference, retryBaseMs],
      );
    },
    ...createRefundQueries(db),
    ...createWebhookEventQueries(db),
  };
}

export type PaymentRepository = ReturnType<typeof createPaymentRepository>;
