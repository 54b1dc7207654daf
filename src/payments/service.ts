import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { CourseRepository } from '../courses/repository.ts';
import type { Course } from '../courses/types.ts';
import type { EnrollmentRepository } from '../enrollments/repository.ts';
import { AppError, errors, isAppError } from '../errors/index.ts';
import {
  isPaystackAmbiguousError,
  isPaystackDuplicateReferenceError,
  isPaystackHttpError,
  isPaystackNotFoundError,
  isPaystackRateLimitedError,
} from '../infra/paystack/errors.ts';
import type { PaystackClient } from '../infra/paystack/client.ts';
import { verifyPaystackSignature } from '../infra/paystack/signature.ts';
import type { RefundResult, VerifyResult } from '../infra/paystack/types.ts';
import { isCallRejectedError, isCallTimeoutError } from '../resilience/policy.ts';
import { runWithDeadline } from '../resilience/deadline.ts';
import type { Caller, Page } from '../users/types.ts';
import { FULFILLABLE, toPublic, type PaymentRepository } from './repository.ts';
import type { Payment, PaymentRow, PaymentStatus } from './types.ts';

export interface PaymentServiceDeps {
  payments: PaymentRepository;
  enrollments: EnrollmentRepository;
  courses: CourseRepository;
  paystack: PaystackClient;
  paystackSecretKey: string;
  /** Asked of the users module, which owns that table. */
  userEmail: (userId: string) => Promise<string | undefined>;
  logger: Logger;
  /** The service's public origin; read at call time (known only once listening). */
  publicUrl: () => string;
  callbackAllowlist: string[];
  verifyWaitMs: number;
  reconcileMinAgeMs: number;
  reconcileIntervalMs: number;
}

/** Paystack trouble as the API reports it: 503 with Retry-After, naming Paystack. */
function paystackUnavailable(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (isPaystackRateLimitedError(err)) return errors.dependencyUnavailable('paystack', err, Math.max(1, err.retryAfterS ?? 1));
  if (isCallTimeoutError(err) && err.byDeadline) return errors.deadlineExceeded('paystack', err);
  return errors.dependencyUnavailable('paystack', err, isCallRejectedError(err) ? 5 : 1);
}

/** The shape of every reference we create (and accept in URLs). */
const REFERENCE = /^[A-Za-z0-9_.=-]{1,100}$/;
// Paystack's events are about five levels deep; 32 leaves room for any metadata while
// keeping a signed but pathological body away from recursive serialisation.
const MAX_EVENT_DEPTH = 32;

/** Whether a parsed JSON value nests deeper than `max`, checked without recursion. */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Background work (webhook processing, a sweep item) gets this long per payment. */
const TASK_DEADLINE_MS = 20_000;
// Webhook events are processed right after the 200; the sweep picks up any that a
// crash left behind once they are this old (longer than processing ever takes).
const STALE_EVENT_MS = 30_000;
// At most this many payments per sweep run: bounded work, the rest waits for the next run.
const SWEEP_BATCH = 20;

export function createPaymentService(d: PaymentServiceDeps) {
  const { payments, enrollments, courses, paystack, logger } = d;

  function newReference(): string {
    return `it360-${randomBytes(12).toString('hex')}`;
  }

  function callbackUrlFor(requested: string | undefined): string {
    const own = `${d.publicUrl()}/payments/callback`;
    if (requested === undefined) return own;
    let url: URL;
    try {
      url = new URL(requested);
    } catch {
      throw errors.validation('callbackUrl is not a valid URL', [{ path: 'body.callbackUrl', message: 'must be an absolute http(s) URL' }]);
    }
    const allowed = [new URL(d.publicUrl()).origin, ...d.callbackAllowlist.map((o) => new URL(o).origin)];
    if (!['http:', 'https:'].includes(url.protocol) || !allowed.includes(url.origin)) {
      throw errors.validation('callbackUrl is not on the allowed list', [{ path: 'body.callbackUrl', message: 'origin not in CALLBACK_URL_ALLOWLIST' }]);
    }
    return url.toString();
  }

  async function visibleCourse(courseId: string): Promise<Course> {
    const course = await courses.findByIdOrSlug(courseId);
    if (!course || !course.isPublished) throw errors.notFound('Course');
    return course;
  }

  /**
   * Fulfilment, the one path to success, used by the verify endpoint, the webhook and
   * the reconciler alike. It trusts only Paystack's verify answer for our reference,
   * and marks the payment successful and enrolls in one transaction whose WHERE clause
   * and unique indexes make it happen exactly once however many callers race.
   */
  async function fulfil(p: PaymentRow, v: VerifyResult): Promise<PaymentRow> {
    const expected = v.requestedAmount ?? v.amount;
    if (v.reference !== p.reference || expected !== p.amount || v.currency.toUpperCase() !== p.currency) {
      const why = `paystack reports ${v.status} for ${v.reference}: ${expected} ${v.currency}, expected ${p.amount} ${p.currency}`;
      logger.error({ dependency: 'paystack', op: 'fulfil', reference: p.reference, paystackAmount: expected, paystackCurrency: v.currency, amount: p.amount, currency: p.currency }, 'payment NOT fulfilled: amount or currency mismatch; needs a person');
      await payments.flag(p.reference, why);
      return { ...p, flagged: why };
    }
    const updated = await payments.db.transaction('payments.fulfil', async (tx) => {
      const row = await payments.markSuccess(tx, p.reference, { paidAt: v.paidAt, transactionId: v.id, gatewayResponse: v.gatewayResponse });
      if (!row) return undefined;
      const enrolled = await enrollments.enroll(tx, { userId: row.userId, courseId: row.courseId, paymentReference: row.reference });
      if (!enrolled) logger.error({ reference: row.reference, userId: row.userId, courseId: row.courseId }, 'payment succeeded for a course the user is already enrolled in; consider a refund');
      return row;
    });
    if (updated) logger.info({ reference: p.reference, courseId: p.courseId, userId: p.userId, amount: p.amount }, 'payment fulfilled');
    return updated ?? (await payments.findByReference(p.reference)) ?? p;
  }

  /**
   * Asks Paystack about a payment that is not settled and applies the answer.
   * Throws Paystack's errors; callers decide whether that is a 503 or a "try later".
   */
  async function settle(p: PaymentRow, opts: { maxWaitMs?: number } = {}): Promise<PaymentRow> {
    if (!FULFILLABLE.includes(p.status) || p.flagged) return p;
    let v: VerifyResult;
    try {
      v = await paystack.verify(p.reference, { maxWaitMs: opts.maxWaitMs });
    } catch (err) {
      if (isPaystackNotFoundError(err)) {
        // Paystack never heard of it: its initialize never arrived. Final once old enough
        // that an initialize still in flight cannot land any more.
        const ageMs = Date.now() - Date.parse(p.createdAt);
        if (p.status === 'pending' && ageMs >= d.reconcileMinAgeMs) {
          logger.info({ reference: p.reference, ageMs }, 'payment expired: Paystack has no such transaction');
          return (await payments.markUnsuccessful(p.reference, 'expired', 'unknown to Paystack', ['pending'])) ?? p;
        }
        return p;
      }
      throw err;
    }
    if (v.status === 'success') return fulfil(p, v);
    if (p.paystackTransactionId === null) await payments.setTransactionId(p.reference, v.id);
    if (v.status === 'failed' || v.status === 'abandoned') {
      // Not final: checkout sessions do not expire, and a later success still fulfils.
      return (await payments.markUnsuccessful(p.reference, v.status as 'failed' | 'abandoned', v.gatewayResponse, ['pending', 'failed', 'abandoned'])) ?? p;
    }
    return p; // ongoing, pending, processing, queued, reversed: look again later
  }

  /** Finishes a refund in refund_pending from what Paystack says about it. */
  async function settleRefund(p: PaymentRow, known?: RefundResult): Promise<PaymentRow> {
    if (p.status !== 'refund_pending') return p;
    let r = known;
    if (!r && p.paystackRefundId !== null) r = await paystack.fetchRefund(p.paystackRefundId);
    if (!r) {
      // The refund call's answer was lost: look for the refund on the transaction
      // before deciding anything (Paystack's refund has no idempotency key).
      let txId = p.paystackTransactionId;
      if (txId === null) txId = (await paystack.verify(p.reference)).id;
      const found = (await paystack.listRefunds({ transaction: txId, perPage: 50 })).items
        .filter((x) => x.amount === p.refundAmount && (!p.refundRequestedAt || !x.createdAt || Date.parse(x.createdAt) >= Date.parse(p.refundRequestedAt) - 60_000))
        .sort((a, b) => b.id - a.id)[0];
      if (!found) {
        const ageMs = Date.now() - Date.parse(p.refundRequestedAt ?? p.updatedAt);
        if (ageMs >= d.reconcileMinAgeMs) {
          logger.warn({ reference: p.reference }, 'refund never reached Paystack; payment back to its previous status');
          return (await payments.revertRefund(p.reference, 'refund not found at Paystack')) ?? p;
        }
        return p;
      }
      r = found;
      await payments.setRefundId(p.reference, r.id);
    }
    if (r.status === 'processed') {
      const done = await payments.db.transaction('payments.refund_done', async (tx) => {
        const row = await payments.completeRefund(tx, p.reference, p.refundAmount ?? r.amount);
        // A full refund ends the enrollment; a partial one does not.
        if (row && row.refundedAmount >= row.amount) await enrollments.endForPayment(tx, row.reference);
        return row;
      });
      if (done) logger.info({ reference: p.reference, refundedAmount: done.refundedAmount, amount: done.amount }, 'refund processed');
      return done ?? (await payments.findByReference(p.reference)) ?? p;
    }
    if (r.status === 'failed') {
      logger.warn({ reference: p.reference, refundId: r.id }, 'refund failed at Paystack; payment back to its previous status');
      return (await payments.revertRefund(p.reference, 'refund failed')) ?? p;
    }
    return p; // pending, processing, needs-attention: later
  }

  function canSee(caller: Caller, p: PaymentRow): boolean {
    return caller.role === 'admin' || caller.id === p.userId;
  }

  async function processEvent(e: { id: string; event: string; reference: string; payload: Record<string, unknown> }): Promise<void> {
    const p = await payments.findByReference(e.reference);
    if (!p) {
      logger.warn({ event: e.event, reference: e.reference }, 'webhook for a reference we do not know; ignored');
    } else if (e.event === 'charge.success') {
      await settle(p);
    } else if (e.event.startsWith('refund.')) {
      const data = (e.payload.data ?? {}) as { id?: unknown };
      // The event's refund id is a claim; fetchRefund asks Paystack itself.
      const claimed = typeof data.id === 'number' ? await paystack.fetchRefund(data.id) : undefined;
      await settleRefund(p, claimed && (claimed.transactionReference === null || claimed.transactionReference === p.reference) ? claimed : undefined);
    }
    await payments.markEventProcessed(e.id);
  }

  async function processEvents(ids: string[] | undefined): Promise<number> {
    // A context of its own: this runs after the webhook's answer, when the request's
    // context (its deadline, its signal) is over and must not cut the work short.
    const claimed = await runWithDeadline(`webhooks-claim-${ids?.[0] ?? 'sweep'}`, 'webhook', TASK_DEADLINE_MS, () => payments.claimEvents(ids, STALE_EVENT_MS, SWEEP_BATCH));
    for (const e of claimed) {
      try {
        await runWithDeadline(`webhook-${e.id}`, 'webhook', TASK_DEADLINE_MS, () => processEvent(e));
      } catch (err) {
        logger.warn({ event: e.event, reference: e.reference, err: (err as Error).message }, 'webhook event not processed yet; the sweep retries it');
        await payments.markEventProcessed(e.id, (err as Error).message).catch(() => undefined);
      }
    }
    return claimed.length;
  }

  return {
    async initialize(caller: Caller, input: { courseId: string; callbackUrl?: string }): Promise<{ payment: Payment; authorizationUrl: string | null; accessCode: string | null }> {
      const callbackUrl = callbackUrlFor(input.callbackUrl);
      const course = await visibleCourse(input.courseId);
      if (await enrollments.isEnrolled(caller.id, course.id)) throw errors.alreadyEnrolled();

      if (course.price === 0) {
        const row = await payments.db.transaction('payments.free', async (tx) => {
          const r = await payments.insertFree(tx, { reference: newReference(), userId: caller.id, courseId: course.id, currency: course.currency });
          await enrollments.enroll(tx, { userId: caller.id, courseId: course.id, paymentReference: r.reference });
          return r;
        });
        return { payment: toPublic(row), authorizationUrl: null, accessCode: null };
      }

      const open = await payments.findPending(caller.id, course.id);
      if (open?.authorizationUrl) return { payment: toPublic(open), authorizationUrl: open.authorizationUrl, accessCode: open.accessCode };
      if (open) await payments.supersede(open.reference);

      // The row is committed before Paystack is called: whatever happens next, the
      // reconciler can finish it. The price comes from the course row, never the client.
      const row = await payments.insertPending({ reference: newReference(), userId: caller.id, courseId: course.id, amount: course.price, currency: course.currency }, d.reconcileMinAgeMs);
      if (row === 'conflict') {
        const other = await payments.findPending(caller.id, course.id);
        if (other?.authorizationUrl) return { payment: toPublic(other), authorizationUrl: other.authorizationUrl, accessCode: other.accessCode };
        throw new AppError('conflict', { detail: 'Another payment for this course is being started; try again in a moment', retryAfterS: 1 });
      }
      const email = await d.userEmail(caller.id);
      try {
        const init = await paystack.initialize({
          email: email ?? `${caller.id}@users.invalid`,
          amount: row.amount,
          reference: row.reference,
          currency: row.currency,
          callbackUrl,
          metadata: { courseId: course.id, userId: caller.id },
        });
        const updated = (await payments.setCheckout(row.reference, init.authorizationUrl, init.accessCode)) ?? row;
        return { payment: toPublic(updated), authorizationUrl: init.authorizationUrl, accessCode: init.accessCode };
      } catch (err) {
        logger.warn({ dependency: 'paystack', op: 'initialize', reference: row.reference, err: (err as Error).message }, 'payment initialization failed; the pending payment is kept for the reconciler');
        if (isPaystackDuplicateReferenceError(err)) {
          // An earlier attempt of ours reached Paystack but its answer was lost: no
          // checkout URL to give. The next request supersedes this attempt.
          throw errors.dependencyUnavailable('paystack', err, 1);
        }
        throw paystackUnavailable(err);
      }
    },

    /** Owner or admin. Never fails because Paystack is slow: the stored status after PAYSTACK_VERIFY_WAIT_MS. */
    async verify(caller: Caller, reference: string): Promise<Payment> {
      const p = await payments.findByReference(reference);
      if (!p || !canSee(caller, p)) throw errors.notFound('Payment');
      return toPublic(await this.settleQuietly(p));
    },

    /** Settles if Paystack answers within the verify wait; otherwise the stored row. */
    async settleQuietly(p: PaymentRow): Promise<PaymentRow> {
      if (p.status === 'refund_pending') return p;
      try {
        return await settle(p, { maxWaitMs: d.verifyWaitMs });
      } catch (err) {
        if (isAppError(err) && err.dependency === 'database') throw err;
        logger.info({ dependency: 'paystack', op: 'verify', reference: p.reference, err: (err as Error).message }, 'verify answered with the stored status');
        return p;
      }
    },

    async findForCallback(reference: string): Promise<{ payment: PaymentRow; course: Course | undefined } | undefined> {
      const p = await payments.findByReference(reference);
      if (!p) return undefined;
      const settled = await this.settleQuietly(p);
      return { payment: settled, course: await courses.findByIdOrSlug(p.courseId) };
    },

    async list(caller: Caller, q: { page: number; pageSize: number; status?: PaymentStatus }): Promise<Page<Payment>> {
      return payments.list({ ...q, userId: caller.role === 'admin' ? undefined : caller.id });
    },

    async refund(caller: Caller, reference: string, amount: number | undefined): Promise<Payment> {
      const p = await payments.findByReference(reference);
      if (!p || !canSee(caller, p)) throw errors.notFound('Payment');
      if (caller.role !== 'admin') throw errors.forbidden('Only admins can refund');
      if (p.status !== 'success' && p.status !== 'refunded') throw errors.conflict(`A ${p.status} payment cannot be refunded`);
      const remaining = p.amount - p.refundedAmount;
      if (remaining <= 0) throw errors.conflict('Nothing is left to refund on this payment');
      const want = amount ?? remaining;
      if (want > remaining) throw errors.validation(`At most ${remaining} can be refunded`, [{ path: 'body.amount', message: `must be at most ${remaining}` }]);
      const pending = await payments.beginRefund(reference, want);
      if (!pending) throw errors.conflict('The payment changed meanwhile; try again');
      try {
        const r = await paystack.refund({ transaction: reference, amount: want });
        await payments.setRefundId(reference, r.id);
        const after = await settleRefund({ ...pending, paystackRefundId: r.id }, r);
        return toPublic(after);
      } catch (err) {
        if (isPaystackAmbiguousError(err)) {
          // It may or may not have happened: the reconciler looks it up before deciding.
          logger.warn({ dependency: 'paystack', op: 'refund', reference }, 'refund outcome unknown; left refund_pending for the reconciler');
          return toPublic(pending);
        }
        // Definitely not done (refused, rate-limited, or never sent): back as it was.
        await payments.revertRefund(reference, `refund refused: ${(err as Error).message}`);
        if (isPaystackHttpError(err) && err.status < 500 && err.status !== 429) throw errors.conflict(`Paystack refused the refund: ${err.paystackMessage ?? err.message}`);
        throw paystackUnavailable(err);
      }
    },

    /**
     * The webhook: signature checked on the raw body in constant time; a good event is
     * stored (deduplicated) and acknowledged, and processed after the answer.
     */
    async receiveWebhook(rawBody: Buffer, signature: string | undefined): Promise<string | undefined> {
      if (!verifyPaystackSignature(d.paystackSecretKey, rawBody, signature)) throw errors.unauthorized('Invalid webhook signature');
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawBody.toString('utf8'));
      } catch {
        throw errors.validation('The webhook body is not JSON');
      }
      // Signed is not the same as well-formed: a signed body must still be an event
      // before anything reads its fields or stores it.
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw errors.validation('The webhook body is not a JSON object');
      if (nestedDeeperThan(parsed, MAX_EVENT_DEPTH)) throw errors.validation('The webhook body is nested too deeply');
      const body = parsed as { event?: unknown; data?: unknown };
      const data = (body.data !== null && typeof body.data === 'object' ? body.data : {}) as Record<string, unknown>;
      const event = typeof body.event === 'string' ? body.event : '';
      const reference = typeof data.reference === 'string' ? data.reference : typeof data.transaction_reference === 'string' ? data.transaction_reference : '';
      if (!event || !reference) return undefined; // not an event we act on: acknowledged, ignored
      if (!REFERENCE.test(reference)) return undefined; // not a reference we could have made: acknowledged, ignored
      if (event !== 'charge.success' && !event.startsWith('refund.')) return undefined;
      const status = typeof data.status === 'string' ? data.status : '';
      return payments.storeEvent({ event, reference, status, payload: body });
    },

    /** Processes given events now (after the webhook's 200), or stale ones (the sweep). */
    processEvents,

    /** One sweep: stale webhook events, then a bounded batch of due payments. */
    async reconcileOnce(): Promise<{ events: number; payments: number }> {
      const events = await processEvents(undefined);
      const due = await payments.claimDue(d.reconcileMinAgeMs, SWEEP_BATCH, d.reconcileIntervalMs);
      for (const p of due) {
        try {
          await runWithDeadline(`reconcile-${p.reference}`, 'reconciler', TASK_DEADLINE_MS, () => (p.status === 'refund_pending' ? settleRefund(p) : settle(p)));
        } catch (err) {
          logger.warn({ reference: p.reference, status: p.status, err: (err as Error).message, nextCheckInAttempts: p.checkAttempts + 1 }, 'reconciler could not settle a payment yet; it backs off and retries');
        }
      }
      return { events, payments: due.length };
    },
  };
}

export type PaymentService = ReturnType<typeof createPaymentService>;
