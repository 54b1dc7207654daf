import { setTimeout as sleep } from 'node:timers/promises';

import type { Logger } from 'pino';

import type { CourseRepository } from '../courses/repository.ts';
import type { Course } from '../courses/types.ts';
import type { EnrollmentRepository } from '../enrollments/repository.ts';
import { errors, isAppError } from '../errors/index.ts';
import type { PaystackClient } from '../infra/paystack/client.ts';
import { createPaystackGateway } from '../infra/paystack/gateway.ts';
import type { Caller, Page } from '../shared/types.ts';
import { createCheckout } from './checkout.ts';
import type { PaymentClock, PaymentContext, PaymentNotices } from './context.ts';
import type { PaymentGateway } from './gateway.ts';
import { createReconcile } from './reconcile.ts';
import { type PaymentRepository, toPublic } from './repository.ts';
import { createSettlement } from './settlement.ts';
import type { FlaggedPayment, Payment, PaymentRow, PaymentStatus } from './types.ts';
import { createWebhooks } from './webhooks.ts';

export interface PaymentServiceDeps {
  payments: PaymentRepository;
  enrollments: EnrollmentRepository;
  courses: CourseRepository;
  /** The payment gateway; when absent, the Paystack adapter over `paystack` and `paystackSecretKey`. */
  gateway?: PaymentGateway;
  paystack?: PaystackClient;
  paystackSecretKey?: string;
  /** Receipts and refund notices, written in the transactions of their events; none when absent. */
  notices?: PaymentNotices;
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
  /** Time for ages, freshness and waiting; the system clock by default. */
  clock?: Partial<PaymentClock>;
}

// Flagged payments shown on /ops: a handful in practice; each needs a person.
const OPS_FLAGGED_LIMIT = 100;

function gatewayOf(d: PaymentServiceDeps): PaymentGateway {
  if (d.gateway) return d.gateway;
  if (!d.paystack || d.paystackSecretKey === undefined)
    throw new Error('createPaymentService needs a gateway, or a Paystack client and its secret key');
  return createPaystackGateway({ client: d.paystack, secretKey: d.paystackSecretKey });
}

/** The payment service: checkout, settlement, webhooks and the sweep (each in its own file), assembled. */
export function createPaymentService(d: PaymentServiceDeps) {
  const ctx: PaymentContext = {
    payments: d.payments,
    enrollments: d.enrollments,
    courses: d.courses,
    gateway: gatewayOf(d),
    logger: d.logger,
    clock: { now: d.clock?.now ?? Date.now, sleep: d.clock?.sleep ?? ((ms) => sleep(ms)) },
    notices: d.notices,
    publicUrl: d.publicUrl,
    callbackAllowlist: d.callbackAllowlist,
    verifyWaitMs: d.verifyWaitMs,
    requestTimeoutMs: d.requestTimeoutMs,
    replyMarginMs: d.replyMarginMs,
    reconcileMinAgeMs: d.reconcileMinAgeMs,
    reconcileIntervalMs: d.reconcileIntervalMs,
    staleAttemptMs: d.requestTimeoutMs + 5_000,
  };
  const { payments, courses, logger } = ctx;
  const checkout = createCheckout(ctx);
  const settlement = createSettlement(ctx);
  const webhooks = createWebhooks(ctx, settlement);
  const { reconcileOnce } = createReconcile(ctx, settlement, webhooks.processEvents);

  function canSee(caller: Caller, p: PaymentRow): boolean {
    return caller.role === 'admin' || caller.id === p.userId;
  }

  /** Settles if the gateway answers within the verify wait; otherwise the stored row. */
  async function settleQuietly(p: PaymentRow): Promise<PaymentRow> {
    if (p.status === 'refund_pending') return p;
    try {
      return await settlement.settle(p, { maxWaitMs: d.verifyWaitMs, coalesce: true });
    } catch (err) {
      if (isAppError(err) && err.dependency === 'database') throw err;
      logger.info(
        { dependency: 'paystack', op: 'verify', reference: p.reference, err: (err as Error).message },
        'verify answered with the stored status',
      );
      return p;
    }
  }

  return {
    initialize: checkout.initialize,

    /** Owner or admin. Never fails because Paystack is slow: the stored status after PAYSTACK_VERIFY_WAIT_MS. */
    async verify(caller: Caller, reference: string): Promise<Payment> {
      const p = await payments.findByReference(reference);
      if (!p || !canSee(caller, p)) throw errors.notFound('Payment');
      return toPublic(await settleQuietly(p));
    },

    settleQuietly,

    async findForCallback(reference: string): Promise<{ payment: PaymentRow; course: Course | undefined } | undefined> {
      const p = await payments.findByReference(reference);
      if (!p) return undefined;
      const settled = await settleQuietly(p);
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
      if (want > remaining)
        throw errors.validation(`At most ${remaining} can be refunded`, [{ path: 'body.amount', message: `must be at most ${remaining}` }]);
      const begun = await payments.transaction('payments.begin_refund', (tx) => payments.beginRefund(tx, reference, want, 'admin'));
      if (!begun) throw errors.conflict('The payment changed meanwhile; try again');
      return toPublic(await settlement.sendRefund(begun.payment, begun.refund));
    },

    /** Flagged payments for /ops: each needs a person to refund or settle it. */
    listFlagged(): Promise<FlaggedPayment[]> {
      return payments.listFlagged(OPS_FLAGGED_LIMIT);
    },

    receiveWebhook: webhooks.receiveWebhook,

    /** Processes given events now (after the webhook's 200), or stale ones (the sweep). */
    processEvents: webhooks.processEvents,

    /** One sweep: stale webhook events, then a bounded batch of due payments. */
    reconcileOnce,
  };
}

export type PaymentService = ReturnType<typeof createPaymentService>;
