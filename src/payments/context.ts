import type { Logger } from 'pino';

import type { CourseRepository } from '../courses/repository.ts';
import type { EnrollmentRepository } from '../enrollments/repository.ts';
import { AppError, errors, isAppError } from '../errors/index.ts';
import type { Queryable } from '../infra/database/client.ts';
import { isPaymentGatewayError, type PaymentGateway } from './gateway.ts';
import type { PaymentRepository } from './repository.ts';

/** Time where it decides behaviour (ages, freshness, waiting), injected so tests can move it. */
export interface PaymentClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * The mails a payment causes, written inside the transaction that records the event (so
 * a mail exists exactly when its event committed). Asked of the accounts side, which
 * knows the user and their address.
 */
export interface PaymentNotices {
  /** The payment's enrollment was created: a receipt. */
  receipt(
    tx: Queryable,
    r: { userId: string; courseTitle: string; amount: number; currency: string; reference: string; paidAt: Date },
  ): Promise<void>;
  /** A refund was processed. */
  refund(
    tx: Queryable,
    r: {
      userId: string;
      courseTitle: string;
      refundAmount: number;
      refundedTotal: number;
      paidAmount: number;
      currency: string;
      reference: string;
      secondCharge: boolean;
      processedAt: Date;
    },
  ): Promise<void>;
}

/** What every part of the payment service works with (see service.ts for the settings' meaning). */
export interface PaymentContext {
  payments: PaymentRepository;
  enrollments: EnrollmentRepository;
  courses: CourseRepository;
  gateway: PaymentGateway;
  logger: Logger;
  clock: PaymentClock;
  /** Receipts and refund notices; none are written when absent. */
  notices?: PaymentNotices;
  publicUrl: () => string;
  callbackAllowlist: string[];
  verifyWaitMs: number;
  requestTimeoutMs: number;
  replyMarginMs: number;
  reconcileMinAgeMs: number;
  reconcileIntervalMs: number;
  /**
   * SPEC: an attempt whose row is older than REQUEST_TIMEOUT_MS + 5 s without finishing
   * belongs to a request that is certainly over (5 s covers clock skew between instances
   * and the time between the insert and the request's start).
   */
  staleAttemptMs: number;
}

/** Background work (webhook processing, a sweep item) gets this long per payment. */
export const TASK_DEADLINE_MS = 20_000;
// At most this many payments (or events) per sweep run: bounded work, the rest waits for the next run.
export const SWEEP_BATCH = 20;

/** Gateway trouble as the API reports it: 503 with Retry-After, naming Paystack. */
export function gatewayProblem(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (isPaymentGatewayError(err))
    return err.byDeadline
      ? errors.deadlineExceeded('paystack', err.cause)
      : errors.dependencyUnavailable('paystack', err.cause, err.retryAfterS);
  return errors.dependencyUnavailable('paystack', err, 1);
}

/** Milliseconds since an ISO timestamp, by the context's clock. */
export function ageMs(ctx: PaymentContext, iso: string): number {
  return ctx.clock.now() - Date.parse(iso);
}
