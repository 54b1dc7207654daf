import { randomBytes } from 'node:crypto';

import type { Course } from '../courses/types.ts';
import { errors } from '../errors/index.ts';
import { timeLeftMs } from '../resilience/deadline.ts';
import type { Caller } from '../shared/types.ts';
import { ageMs, gatewayProblem, type PaymentContext } from './context.ts';
import { toPublic } from './repository.ts';
import type { Payment, PaymentRow } from './types.ts';

// A caller waiting for another request's initialize looks at its row this often: a
// Paystack initialize takes hundreds of ms, so a tenth of a second adds little wait and
// a few cheap reads per waiting request.
export const IN_FLIGHT_POLL_MS = 100;
// Initialize's wait-supersede-insert loop ends after this many rounds whatever happens
// (the deadline ends it long before: 100 polls are 10 s).
export const MAX_INIT_ROUNDS = 200;

export function newReference(): string {
  return `it360-${randomBytes(12).toString('hex')}`;
}

/**
 * What to do about the open (pending) attempt of a (user, course), if any: answer its
 * checkout, wait for the request starting it, supersede it, or insert a new attempt.
 */
export function liveCheckoutDecision(
  open: PaymentRow | undefined,
  o: { now: number; staleAttemptMs: number },
): { action: 'answer' | 'insert' | 'supersede' } | { action: 'wait'; ageMs: number } {
  if (!open) return { action: 'insert' };
  if (open.authorizationUrl) return { action: 'answer' };
  const age = o.now - Date.parse(open.createdAt);
  if (open.initInFlight && age < o.staleAttemptMs) return { action: 'wait', ageMs: age };
  return { action: 'supersede' };
}

/** Checkout: starting a payment (a free course enrolls at once) and its callback URL. */
export function createCheckout(ctx: PaymentContext) {
  const { payments, enrollments, gateway, logger, clock } = ctx;

  function callbackUrlFor(requested: string | undefined): string {
    const own = `${ctx.publicUrl()}/payments/callback`;
    if (requested === undefined) return own;
    let url: URL;
    try {
      url = new URL(requested);
    } catch {
      throw errors.validation('callbackUrl is not a valid URL', [{ path: 'body.callbackUrl', message: 'must be an absolute http(s) URL' }]);
    }
    const allowed = [new URL(ctx.publicUrl()).origin, ...ctx.callbackAllowlist.map((o) => new URL(o).origin)];
    if (!['http:', 'https:'].includes(url.protocol) || !allowed.includes(url.origin)) {
      throw errors.validation('callbackUrl is not on the allowed list', [
        { path: 'body.callbackUrl', message: 'origin not in CALLBACK_URL_ALLOWLIST' },
      ]);
    }
    return url.toString();
  }

  /**
   * At most one live checkout per (user, course): the partial unique index allows one
   * pending row; an attempt whose initialize is in flight is waited for, never
   * superseded (the UPDATE in supersede() checks it, not this code's timing).
   * Returns the open attempt's checkout, or a new attempt (committed, initialize not yet called).
   * `found`: the open attempt the first round is to decide on, when already read.
   */
  async function openAttempt(
    caller: Caller,
    course: Course,
    found?: PaymentRow,
  ): Promise<{ checkout: PaymentRow } | { attempt: PaymentRow }> {
    for (let round = 0; ; round++) {
      const open = round === 0 && found ? found : await payments.findPending(caller.id, course.id);
      const decision = liveCheckoutDecision(open, { now: clock.now(), staleAttemptMs: ctx.staleAttemptMs });
      if (open && decision.action === 'answer') return { checkout: open };
      if (open && decision.action === 'wait') {
        // Another request is starting this checkout: wait for it within our own deadline.
        if (round >= MAX_INIT_ROUNDS || timeLeftMs() - ctx.replyMarginMs < IN_FLIGHT_POLL_MS * 2) {
          const retryAfterS = Math.max(1, Math.ceil((ctx.requestTimeoutMs - decision.ageMs) / 1000));
          throw errors.paymentInProgress(retryAfterS);
        }
        await clock.sleep(IN_FLIGHT_POLL_MS);
        continue;
      }
      if (open && decision.action === 'supersede') {
        if (await payments.supersede(open.reference, ctx.staleAttemptMs))
          logger.info(
            { reference: open.reference, inFlight: open.initInFlight, ageMs: ageMs(ctx, open.createdAt) },
            'payment attempt without a checkout superseded by a new one',
          );
        continue;
      }
      if (round >= MAX_INIT_ROUNDS) throw errors.paymentInProgress(1);
      // The row is committed before the gateway is called: whatever happens next, the
      // reconciler can finish it. The price comes from the course row, never the client.
      const inserted = await payments.insertPending(
        { reference: newReference(), userId: caller.id, courseId: course.id, amount: course.price, currency: course.currency },
        ctx.reconcileMinAgeMs,
      );
      if (inserted !== 'conflict') return { attempt: inserted };
    }
  }

  async function initialize(
    caller: Caller,
    input: { courseId: string; callbackUrl?: string },
  ): Promise<{ payment: Payment; authorizationUrl: string | null; accessCode: string | null }> {
    const callbackUrl = callbackUrlFor(input.callbackUrl);
    // One round trip for the course, the enrollment, the email and the first round of
    // openAttempt below: the common case (no open attempt) comes back inserted.
    const start = await payments.beginCheckout(
      { userId: caller.id, courseId: input.courseId, reference: newReference() },
      ctx.reconcileMinAgeMs,
    );
    const course = start.course;
    if (!course || !course.isPublished) throw errors.notFound('Course');
    if (start.enrolled) throw errors.alreadyEnrolled();

    if (course.price === 0) {
      const row = await payments.transaction('payments.free', async (tx) => {
        const r = await payments.insertFree(tx, {
          reference: newReference(),
          userId: caller.id,
          courseId: course.id,
          currency: course.currency,
        });
        await enrollments.enroll(tx, { userId: caller.id, courseId: course.id, paymentReference: r.reference });
        // A free course gets a receipt too: it confirms the enrollment (amount 0).
        await ctx.notices?.receipt(tx, {
          userId: caller.id,
          courseTitle: course.title,
          amount: 0,
          currency: course.currency,
          reference: r.reference,
          paidAt: new Date(clock.now()),
        });
        return r;
      });
      return { payment: toPublic(row), authorizationUrl: null, accessCode: null };
    }

    const opened = start.inserted ? { attempt: start.inserted } : await openAttempt(caller, course, start.open);
    if ('checkout' in opened)
      return {
        payment: toPublic(opened.checkout),
        authorizationUrl: opened.checkout.authorizationUrl,
        accessCode: opened.checkout.accessCode,
      };
    const row = opened.attempt;
    const email = start.email;
    // Anything but a checkout URL ends here with the attempt marked finished.
    let failure: unknown;
    try {
      const init = await gateway.initialize({
        email: email ?? `${caller.id}@users.invalid`,
        amount: row.amount,
        reference: row.reference,
        currency: row.currency,
        callbackUrl,
        metadata: { courseId: course.id, userId: caller.id },
      });
      if (init.status === 'created') {
        const updated = (await payments.setCheckout(row.reference, init.authorizationUrl, init.accessCode)) ?? row;
        return { payment: toPublic(updated), authorizationUrl: init.authorizationUrl, accessCode: init.accessCode };
      }
    } catch (err) {
      failure = err;
    }
    // No failure: the reference exists at the gateway already. An earlier attempt of ours
    // reached it but its answer was lost: no checkout URL to give.
    await initializeFailed(
      row,
      failure === undefined ? 'duplicate reference: an earlier attempt reached Paystack' : (failure as Error).message,
    );
    throw failure === undefined ? errors.dependencyUnavailable('paystack', undefined, 1) : gatewayProblem(failure);
  }

  /** Finished without a checkout URL: the next request may supersede this attempt. */
  async function initializeFailed(row: PaymentRow, why: string): Promise<void> {
    logger.warn(
      { dependency: 'paystack', op: 'initialize', reference: row.reference, err: why },
      'payment initialization failed; the pending payment is kept for the reconciler',
    );
    await payments
      .finishInitialize(row.reference)
      .catch((e: unknown) =>
        logger.warn(
          { reference: row.reference, err: (e as Error).message },
          'could not mark the attempt finished; it is superseded once stale',
        ),
      );
  }

  return { initialize, callbackUrlFor };
}
