/**
 * Typed failures of the Paystack client. Callers branch on these with the `isX()`
 * guards instead of on messages; each carries only what a caller or a log needs and
 * never the secret key, request headers or the request body.
 *
 * How to read them for money: a `PaystackHttpError` with a 4xx status is a definite
 * answer from Paystack (nothing happened). A timeout, a network error after the
 * request may have left, a 5xx or an unreadable answer leaves the outcome unknown;
 * for refunds the client turns those into `PaystackAmbiguousError` so nobody retries
 * one blindly.
 */

export type PaystackOp = 'initialize' | 'verify' | 'listTransactions' | 'refund' | 'fetchRefund' | 'listRefunds';

/** Base class of every error the Paystack client throws (besides deadline_exceeded from the request context). */
export class PaystackError extends Error {
  readonly dependency = 'paystack' as const;

  constructor(
    readonly op: PaystackOp,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PaystackError';
  }
}

/** An attempt ran out of time: its own budget, or the request it belongs to ended. */
export class PaystackTimeoutError extends PaystackError {
  override readonly name = 'PaystackTimeoutError';

  constructor(
    op: PaystackOp,
    /** The budget the attempt had, in milliseconds. */
    readonly budgetMs: number,
    /** `headers`: Paystack never answered; `body`: it answered and then stalled mid-body. */
    readonly phase: 'headers' | 'body',
    /**
     * True when the request, not Paystack's own allowance, set the limit: the budget was
     * clipped by the request deadline, or the request context aborted (deadline passed,
     * client gone). Such a timeout says little about Paystack's health.
     */
    readonly byRequest: boolean,
    options?: { cause?: unknown },
  ) {
    super(op, `Paystack ${op} timed out after ${budgetMs} ms waiting for the ${phase}${byRequest ? ' (request ended)' : ''}`, options);
  }
}

/** The connection failed (refused, reset, DNS, TLS). */
export class PaystackNetworkError extends PaystackError {
  override readonly name = 'PaystackNetworkError';

  constructor(
    op: PaystackOp,
    /** The system or undici error code, e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`. */
    readonly code: string | undefined,
    /** True when the failure happened before the request could have reached Paystack (connect, DNS). */
    readonly beforeSend: boolean,
    options?: { cause?: unknown },
  ) {
    super(op, `Paystack ${op} network error${code ? ` (${code})` : ''}`, options);
  }
}

/** Paystack answered with a non-2xx status and (usually) its `{ status: false, message, code, type }` body. */
export class PaystackHttpError extends PaystackError {
  override readonly name: string = 'PaystackHttpError';

  constructor(
    op: PaystackOp,
    readonly status: number,
    /** Paystack's machine-readable `code`, e.g. `duplicate_reference`, `transaction_not_found`. */
    readonly code: string | undefined,
    /** Paystack's human `message` (safe to log: it never echoes credentials). */
    readonly paystackMessage: string,
    /** Paystack's `type`, e.g. `validation_error`, `api_error`. */
    readonly type: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(op, `Paystack ${op} answered ${status}: ${paystackMessage}`, options);
  }
}

/** 429: Paystack's rate limit. `resetAt` (epoch ms) when Paystack said when to come back. */
export class PaystackRateLimitedError extends PaystackHttpError {
  override readonly name = 'PaystackRateLimitedError';

  constructor(
    op: PaystackOp,
    code: string | undefined,
    paystackMessage: string,
    type: string | undefined,
    readonly resetAt: number | undefined,
  ) {
    super(op, 429, code, paystackMessage, type);
  }

  /** Whole seconds until the reset, for a `Retry-After` header (at least 1). */
  get retryAfterS(): number {
    if (this.resetAt === undefined) return 1;
    return Math.max(1, Math.ceil((this.resetAt - Date.now()) / 1000));
  }
}

/** Paystack does not know the transaction reference (verify) or the refund id (fetchRefund). */
export class PaystackNotFoundError extends PaystackHttpError {
  override readonly name = 'PaystackNotFoundError';

  constructor(
    op: PaystackOp,
    status: number,
    code: string | undefined,
    paystackMessage: string,
    type: string | undefined,
    /** The reference or id that was looked up. */
    readonly key: string,
  ) {
    super(op, status, code, paystackMessage, type);
  }
}

/**
 * Initialize was refused because the reference already exists at Paystack. After a
 * retry of ours (`afterRetry`), that means an earlier attempt did reach Paystack: the
 * transaction exists, but its checkout URL was lost with that attempt's answer, so
 * verify it or treat it as created. On a first attempt it means the reference was
 * used before.
 */
export class PaystackDuplicateReferenceError extends PaystackHttpError {
  override readonly name = 'PaystackDuplicateReferenceError';

  constructor(
    paystackMessage: string,
    type: string | undefined,
    readonly reference: string,
    readonly afterRetry: boolean,
  ) {
    super('initialize', 400, 'duplicate_reference', paystackMessage, type);
  }
}

/**
 * A refund request whose outcome is unknown (timeout, connection lost after sending,
 * 5xx, unreadable answer). Paystack has no idempotency key for refunds, so the caller
 * must look it up (`listRefunds`) before asking again.
 */
export class PaystackAmbiguousError extends PaystackError {
  override readonly name = 'PaystackAmbiguousError';

  constructor(
    op: PaystackOp,
    /** The transaction (reference or id) the refund was asked for. */
    readonly transaction: string,
    /** The amount asked for; undefined means "all of it". */
    readonly amount: number | undefined,
    cause: unknown,
  ) {
    super(op, `Paystack ${op} outcome unknown for transaction ${transaction}; look it up before retrying`, { cause });
  }
}

/** A 2xx whose body is not what Paystack sends (not JSON, `status` not true, missing fields). */
export class PaystackInvalidResponseError extends PaystackError {
  override readonly name = 'PaystackInvalidResponseError';

  constructor(
    op: PaystackOp,
    readonly status: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(op, `Paystack ${op} sent an unexpected response (${status}): ${reason}`, options);
  }
}

export function isPaystackTimeoutError(e: unknown): e is PaystackTimeoutError {
  return e instanceof PaystackTimeoutError;
}
export function isPaystackNetworkError(e: unknown): e is PaystackNetworkError {
  return e instanceof PaystackNetworkError;
}
export function isPaystackHttpError(e: unknown): e is PaystackHttpError {
  return e instanceof PaystackHttpError;
}
export function isPaystackRateLimitedError(e: unknown): e is PaystackRateLimitedError {
  return e instanceof PaystackRateLimitedError;
}
export function isPaystackNotFoundError(e: unknown): e is PaystackNotFoundError {
  return e instanceof PaystackNotFoundError;
}
export function isPaystackDuplicateReferenceError(e: unknown): e is PaystackDuplicateReferenceError {
  return e instanceof PaystackDuplicateReferenceError;
}
export function isPaystackAmbiguousError(e: unknown): e is PaystackAmbiguousError {
  return e instanceof PaystackAmbiguousError;
}

/**
 * True for failures that say Paystack itself is unwell (timeouts, network, 5xx,
 * unreadable answers): what a circuit breaker should count. A 4xx is a healthy
 * Paystack saying no, and a 429 is Paystack asking us to slow down; neither is an outage.
 */
export function isPaystackOutage(e: unknown): boolean {
  if (e instanceof PaystackAmbiguousError) return isPaystackOutage(e.cause);
  if (e instanceof PaystackTimeoutError) return !e.byRequest;
  if (e instanceof PaystackNetworkError || e instanceof PaystackInvalidResponseError) return true;
  if (e instanceof PaystackHttpError) return e.status >= 500;
  return false;
}
