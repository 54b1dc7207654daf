import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
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
import { runWithDeadline, timeLeftMs } from '../resilience/deadline.ts';
import type { Caller, Page } from '../shared/types.ts';
import { FULFILLABLE, toPublic, type PaymentRepository } from './repository.ts';
import type { FlaggedPayment, Payment, PaymentRow, PaymentStatus, RefundRow } from './types.ts';

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
  /** REQUEST_TIMEOUT_MS: an attempt in flight longer than this + 5 s belongs to a request that is over. */
  requestTimeoutMs: number;
  /** REPLY_MARGIN_MS: a caller waiting for another attempt stops this long before its deadline. */
  replyMarginMs: number;
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
// A caller waiting for another request's initialize looks at its row this often: a
// Paystack initialize takes hundreds of ms, so a tenth of a second adds little wait and
// a few cheap reads per waiting request.
const IN_FLIGHT_POLL_MS = 100;
// Initialize's wait-supersede-insert loop ends after this many rounds whatever happens
// (the deadline ends it long before: 100 polls are 10 s).
const MAX_INIT_ROUNDS = 200;
// Flagged payments shown on /ops: a handful in practice; each needs a person.
const OPS_FLAGGED_LIMIT = 100;

export function createPaymentService(d: PaymentServiceDeps) {
  const { payments, enrollments, courses, paystack, logger } = d;
  // SPEC: an attempt whose row is older than REQUEST_TIMEOUT_MS + 5 s without finishing
  // belongs to a request that is certainly over (5 s covers clock skew between instances
  // and the time between the insert and the request's start).
  const staleAttemptMs = d.requestTimeoutMs + 5_000;

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

  /** Log and start the automatic refund of a second charge; never throws (the sweep finishes it). */
  async function refundSecondCharge(p: PaymentRow, refund: RefundRow, holder: string): Promise<PaymentRow> {
    logger.warn({ reference: p.reference, userId: p.userId, courseId: p.courseId, amount: p.amount, heldBy: holder, refundId: refund.id }, 'second charge for a course already held; refunding it');
    try {
      return await sendRefund(p, refund);
    } catch (err) {
      logger.warn({ reference: p.reference, err: (err as Error).message }, 'second-charge refund not sent yet; the sweep sends it');
      return p;
    }
  }

  /**
   * Fulfilment, the one path to success, used by the verify endpoint, the webhook and
   * the reconciler alike. It trusts only Paystack's verify answer for our reference,
   * and marks the payment successful and enrolls in one transaction whose WHERE clause
   * and unique indexes make it happen exactly once however many callers race. A second
   * charge (the course is held by another payment) begins its own refund in that same
   * transaction: the refund row is the fact that it is refunded once, on any instance.
   */
  async function fulfil(p: PaymentRow, v: VerifyResult): Promise<PaymentRow> {
    const expected = v.requestedAmount ?? v.amount;
    if (v.reference !== p.reference || expected !== p.amount || v.currency.toUpperCase() !== p.currency) {
      const why = `paystack reports ${v.status} for ${v.reference}: ${expected} ${v.currency}, expected ${p.amount} ${p.currency}`;
      logger.error({ dependency: 'paystack', op: 'fulfil', reference: p.reference, paystackAmount: expected, paystackCurrency: v.currency, amount: p.amount, currency: p.currency }, 'payment NOT fulfilled: amount or currency mismatch; flagged for a person');
      return (await payments.flag(p.reference, why)) ?? (await payments.findByReference(p.reference)) ?? p;
    }
    const outcome = await payments.db.transaction('payments.fulfil', async (tx) => {
      const row = await payments.markSuccess(tx, p.reference, { paidAt: v.paidAt, transactionId: v.id, gatewayResponse: v.gatewayResponse });
      if (!row) return undefined;
      if (await enrollments.enroll(tx, { userId: row.userId, courseId: row.courseId, paymentReference: row.reference })) return { row };
      const holder = await enrollments.activeHolder(tx, row.userId, row.courseId);
      if (holder) {
        const begun = await payments.beginRefund(tx, row.reference, row.amount, 'second_charge');
        if (begun) return { row: begun.payment, second: { refund: begun.refund, holder } };
      }
      logger.error({ reference: row.reference, userId: row.userId, courseId: row.courseId }, 'payment succeeded for a course the user already holds without a payment; consider a refund');
      return { row };
    });
    if (!outcome) return (await payments.findByReference(p.reference)) ?? p;
    logger.info({ reference: p.reference, courseId: p.courseId, userId: p.userId, amount: p.amount }, 'payment fulfilled');
    if (outcome.second) return refundSecondCharge(outcome.row, outcome.second.refund, outcome.second.holder);
    return outcome.row;
  }

  // The verify endpoint and the callback page are asked by people and browsers, as often
  // as they like: per reference, one Paystack verify in flight per process, and none
  // within 2 s of the last answer (the stored status is answered instead). The merchant's
  // Paystack rate limit is shared by everything; a checkout's outcome is not lost by
  // waiting 2 s (the webhook and the sweep always ask Paystack themselves).
  const VERIFY_FRESH_MS = 2_000;
  const verifying = new Map<string, Promise<VerifyResult>>();
  // At most this many references remembered; far above the payments answered in 2 s.
  const lastAnswer = new LRUCache<string, number>({ max: 10_000, ttl: VERIFY_FRESH_MS });

  // Only answers to people's calls start the 2 s window: a webhook or the sweep asking
  // just before must not keep a person who has just paid from seeing it.
  function verifyOnce(reference: string, maxWaitMs: number | undefined, coalesce: boolean): Promise<VerifyResult> {
    const inFlight = verifying.get(reference);
    if (coalesce && inFlight) return inFlight;
    const answered = () => {
      if (coalesce) lastAnswer.set(reference, Date.now());
    };
    const tracked = paystack.verify(reference, { maxWaitMs }).then(
      (v) => {
        answered();
        return v;
      },
      (err: unknown) => {
        if (isPaystackNotFoundError(err)) answered();
        throw err;
      },
    );
    verifying.set(reference, tracked);
    const clear = () => {
      if (verifying.get(reference) === tracked) verifying.delete(reference);
    };
    tracked.then(clear, clear);
    return tracked;
  }

  /**
   * Asks Paystack about a payment that is not settled and applies the answer.
   * Throws Paystack's errors; callers decide whether that is a 503 or a "try later".
   * `coalesce` (people asking): joins a verify in flight and answers the stored row
   * within VERIFY_FRESH_MS of the last answer.
   */
  async function settle(p: PaymentRow, opts: { maxWaitMs?: number; coalesce?: boolean } = {}): Promise<PaymentRow> {
    if (!FULFILLABLE.includes(p.status)) return p;
    if (opts.coalesce && lastAnswer.has(p.reference) && !verifying.has(p.reference)) return p;
    let v: VerifyResult;
    try {
      v = await verifyOnce(p.reference, opts.maxWaitMs, opts.coalesce === true);
    } catch (err) {
      if (isPaystackNotFoundError(err)) {
        // Paystack never heard of it: its initialize never arrived. Final once old enough
        // that an initialize still in flight cannot land any more.
        const ageMs = Date.now() - Date.parse(p.createdAt);
        if (p.status === 'pending' && ageMs >= d.reconcileMinAgeMs && !(p.initInFlight && ageMs < staleAttemptMs)) {
          logger.info({ reference: p.reference, ageMs }, 'payment expired: Paystack has no such transaction');
          return (await payments.markUnsuccessful(p.reference, 'expired', 'unknown to Paystack', ['pending'])) ?? p;
        }
        return p;
      }
      throw err;
    }
    // A joined call may have been answered for a row read earlier: apply it to the current one.
    const current = opts.coalesce ? ((await payments.findByReference(p.reference)) ?? p) : p;
    if (!FULFILLABLE.includes(current.status)) return current;
    if (v.status === 'success') return fulfil(current, v);
    if (current.paystackTransactionId === null) await payments.setTransactionId(current.reference, v.id);
    if (v.status === 'failed' || v.status === 'abandoned') {
      // Not final: checkout sessions do not expire, and a later success still fulfils.
      return (await payments.markUnsuccessful(current.reference, v.status as 'failed' | 'abandoned', v.gatewayResponse, ['pending', 'failed', 'abandoned'])) ?? current;
    }
    return current; // ongoing, pending, processing, queued, reversed: look again later
  }

  /**
   * Sends a refund row to Paystack (never retried: no idempotency key) and applies the
   * answer. An unknown outcome leaves it requested for the lookup; a definite refusal
   * fails it (an admin's refund is reported; an automatic one is logged for a person).
   */
  async function sendRefund(p: PaymentRow, refund: RefundRow): Promise<PaymentRow> {
    let r: RefundResult;
    try {
      r = await paystack.refund({ transaction: p.reference, amount: refund.amount });
    } catch (err) {
      if (isPaystackAmbiguousError(err)) {
        // It may or may not have happened: the reconciler looks it up before deciding.
        logger.warn({ dependency: 'paystack', op: 'refund', reference: p.reference, refundId: refund.id }, 'refund outcome unknown; left refund_pending for the reconciler');
        return p;
      }
      if (refund.kind === 'second_charge' && !(isPaystackHttpError(err) && err.status < 500 && err.status !== 429)) {
        // Never sent (breaker open, refused connection, rate limited): the sweep sends it.
        throw err;
      }
      // Definitely not done (refused, rate-limited, or never sent): back as it was.
      await payments.failRefund(refund.id, `refund refused: ${(err as Error).message}`);
      if (refund.kind === 'second_charge') logger.error({ reference: p.reference, err: (err as Error).message }, 'Paystack refused the refund of a second charge; needs a person');
      if (isPaystackHttpError(err) && err.status < 500 && err.status !== 429) throw errors.conflict(`Paystack refused the refund: ${err.paystackMessage ?? err.message}`);
      throw paystackUnavailable(err);
    }
    await payments.setRefundId(refund.id, r.id);
    return settleRefund(p, r);
  }

  /** Finishes the open refund of a payment in refund_pending from what Paystack says about it. */
  async function settleRefund(p: PaymentRow, known?: RefundResult): Promise<PaymentRow> {
    if (p.status !== 'refund_pending') return p;
    const open = await payments.openRefund(p.reference);
    if (!open) return p;
    let r: RefundResult | undefined;
    if (known && (open.paystackRefundId === known.id || (open.paystackRefundId === null && known.amount === open.amount && (await payments.setRefundId(open.id, known.id))))) r = known;
    if (!r && open.paystackRefundId !== null) r = await paystack.fetchRefund(open.paystackRefundId);
    if (!r) {
      // The refund call's answer was lost: look for the refund on the transaction
      // before deciding anything (Paystack's refund has no idempotency key). Only a
      // refund not already recorded against this payment can be the one asked now.
      let txId = p.paystackTransactionId;
      if (txId === null) txId = (await paystack.verify(p.reference)).id;
      const recorded = await payments.recordedRefundIds(p.reference);
      const candidates = (await paystack.listRefunds({ transaction: txId, perPage: 50 })).items
        .filter((x) => x.amount === open.amount && !recorded.has(x.id) && (!x.createdAt || Date.parse(x.createdAt) >= Date.parse(open.requestedAt) - 60_000))
        .sort((a, b) => a.id - b.id);
      let found: RefundResult | undefined;
      for (const c of candidates) {
        if (await payments.setRefundId(open.id, c.id)) {
          found = c;
          break;
        }
      }
      if (!found) {
        const ageMs = Date.now() - Date.parse(open.requestedAt);
        if (ageMs < d.reconcileMinAgeMs) return p;
        if (open.kind === 'second_charge') {
          // An automatic refund must happen: Paystack never got it, so it is sent again,
          // by whichever caller claims the resend.
          if (!(await payments.claimResend(open.id, open.requestedAt))) return p;
          logger.warn({ reference: p.reference, refundId: open.id }, 'second-charge refund never reached Paystack; sending it again');
          return sendRefund(p, open);
        }
        logger.warn({ reference: p.reference, refundId: open.id }, 'refund never reached Paystack; payment back to its previous status');
        return (await payments.failRefund(open.id, 'refund not found at Paystack')) ?? p;
      }
      r = found;
    }
    if (r.status === 'processed') {
      const done = await payments.db.transaction('payments.refund_done', async (tx) => {
        const row = await payments.completeRefund(tx, open.id);
        // A full refund ends the enrollment; a partial one does not.
        if (row && row.refundedAmount >= row.amount) await enrollments.endForPayment(tx, row.reference);
        return row;
      });
      if (done) logger.info({ reference: p.reference, paystackRefundId: r.id, refundAmount: open.amount, refundedAmount: done.refundedAmount, amount: done.amount, kind: open.kind }, 'refund processed');
      return done ?? (await payments.findByReference(p.reference)) ?? p;
    }
    if (r.status === 'failed') {
      logger.warn({ reference: p.reference, refundId: r.id }, 'refund failed at Paystack; payment back to its previous status');
      if (open.kind === 'second_charge') logger.error({ reference: p.reference }, 'the refund of a second charge failed at Paystack; needs a person');
      return (await payments.failRefund(open.id, 'refund failed')) ?? p;
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

      // At most one live checkout per (user, course): the partial unique index allows one
      // pending row; an attempt whose initialize is in flight is waited for, never
      // superseded (the UPDATE in supersede() checks it, not this code's timing).
      let row: PaymentRow | undefined;
      for (let round = 0; !row; round++) {
        const open = await payments.findPending(caller.id, course.id);
        if (open?.authorizationUrl) return { payment: toPublic(open), authorizationUrl: open.authorizationUrl, accessCode: open.accessCode };
        if (open) {
          const ageMs = Date.now() - Date.parse(open.createdAt);
          if (open.initInFlight && ageMs < staleAttemptMs) {
            // Another request is starting this checkout: wait for it within our own deadline.
            if (round >= MAX_INIT_ROUNDS || timeLeftMs() - d.replyMarginMs < IN_FLIGHT_POLL_MS * 2) {
              const retryAfterS = Math.max(1, Math.ceil((d.requestTimeoutMs - ageMs) / 1000));
              throw errors.paymentInProgress(retryAfterS);
            }
            await sleep(IN_FLIGHT_POLL_MS);
            continue;
          }
          if (await payments.supersede(open.reference, staleAttemptMs)) logger.info({ reference: open.reference, inFlight: open.initInFlight, ageMs }, 'payment attempt without a checkout superseded by a new one');
          continue;
        }
        if (round >= MAX_INIT_ROUNDS) throw errors.paymentInProgress(1);
        // The row is committed before Paystack is called: whatever happens next, the
        // reconciler can finish it. The price comes from the course row, never the client.
        const inserted = await payments.insertPending({ reference: newReference(), userId: caller.id, courseId: course.id, amount: course.price, currency: course.currency }, d.reconcileMinAgeMs);
        if (inserted !== 'conflict') row = inserted;
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
        // Finished without a checkout URL: the next request may supersede this attempt.
        await payments.finishInitialize(row.reference).catch((e: unknown) => logger.warn({ reference: row.reference, err: (e as Error).message }, 'could not mark the attempt finished; it is superseded once stale'));
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
        return await settle(p, { maxWaitMs: d.verifyWaitMs, coalesce: true });
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
      const begun = await payments.db.transaction('payments.begin_refund', (tx) => payments.beginRefund(tx, reference, want, 'admin'));
      if (!begun) throw errors.conflict('The payment changed meanwhile; try again');
      return toPublic(await sendRefund(begun.payment, begun.refund));
    },

    /** Flagged payments for /ops: each needs a person to refund or settle it. */
    listFlagged(): Promise<FlaggedPayment[]> {
      return payments.listFlagged(OPS_FLAGGED_LIMIT);
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
      // Charge events carry no id: (event, reference, status) tells a redelivery. A
      // refund event is about one refund: its own id tells it from the payment's others.
      const refundId = event.startsWith('refund.') && (typeof data.id === 'number' || typeof data.id === 'string') ? String(data.id) : undefined;
      const key = refundId ? `${event}:refund:${refundId}:${status}` : `${event}:${reference}:${status}`;
      return payments.storeEvent({ key, event, reference, status, payload: body });
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
