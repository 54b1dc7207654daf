/**
 * The retry rules of the Paystack client, on cockatiel's `retry` and `ExponentialBackoff`:
 * - verify and the other reads: on network errors, timeouts, 5xx, 429 and unreadable
 *   answers, at most MAX_ATTEMPTS, only while the time left allows another useful attempt;
 * - initialize: the same, always with the same reference, so Paystack itself refuses a
 *   second transaction (`PaystackDuplicateReferenceError` with `afterRetry`);
 * - refund: never (Paystack has no idempotency key for it); an unknown outcome is a
 *   `PaystackAmbiguousError` and the caller looks it up with `listRefunds`.
 *
 * cockatiel's own wait between attempts cannot be cut short by a signal, so its backoff
 * here only plans the delay (duration 0) and the wait runs at the start of the next
 * attempt, where the request's or the caller's abort ends it and the call at once.
 */
import {
  ExponentialBackoff,
  halfJitterGenerator,
  handleWhen,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
  retry,
} from 'cockatiel';

import { currentContext, timeLeftMs } from '../../resilience/deadline.ts';
import {
  PaystackHttpError,
  PaystackInvalidResponseError,
  PaystackNetworkError,
  PaystackRateLimitedError,
  PaystackTimeoutError,
} from './errors.ts';

/** Attempts per call, first one included: enough to ride out a blip, few enough that a dead Paystack costs little. */
const MAX_ATTEMPTS = 3;
/** First retry delay; doubles per retry. Paystack blips (a 502 from its edge) clear within a few hundred ms. */
const BACKOFF_BASE_MS = 100;
/** Ceiling for the exponential delay, so a retry never waits longer than a typical whole Paystack call. */
const BACKOFF_MAX_MS = 1_000;
/** Each retry waits twice as long as the one before. */
const BACKOFF_EXPONENT = 2;
/** A rate-limit reset further away than this is reported (the caller can answer Retry-After) rather than slept through. */
const MAX_RATE_LIMIT_WAIT_MS = 3_000;
/** No retry starts with less time than this left: a Paystack round trip rarely completes faster, so it would only add load. */
const MIN_USEFUL_ATTEMPT_MS = 100;

/**
 * Equal ("half") jitter: at least half the exponential delay, so retries from many
 * requests spread out without ever retrying immediately.
 */
const backoff = new ExponentialBackoff({
  initialDelay: BACKOFF_BASE_MS,
  maxDelay: BACKOFF_MAX_MS,
  exponent: BACKOFF_EXPONENT,
  generator: halfJitterGenerator,
});

export interface RetryOptions {
  /** False: one attempt only (refund). */
  retry: boolean;
  /** performance.now() at which the whole call must be over (Infinity: no cap of its own). */
  callEndsAt: number;
  /** REPLY_MARGIN_MS: time kept back for the answer, not spent on another attempt. */
  replyMarginMs: number;
  /** The caller's signal: an abort ends the call, waits included. */
  signal?: AbortSignal;
}

/** Runs `attempt(n)` (n from 1) under the retry rules; the last attempt's error is the call's. */
export function withRetries<T>(attempt: (n: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const signals = () => [currentContext()?.signal, opts.signal];
  const aborted = () => signals().some((s) => s?.aborted === true);
  let attempts = 0;
  let lastError: unknown;
  let giveUp = false;
  let waitMs = 0;
  let exponential: IBackoff<unknown> | undefined;

  /** Plans the wait before the next attempt, or gives up (rate limit too far, too little time left). */
  const planner: IBackoff<IRetryBackoffContext<unknown>> = {
    duration: 0,
    next(context) {
      // Advanced on every retry, as the attempt number does, whatever the error.
      exponential = exponential ? exponential.next(undefined) : backoff.next();
      const err = 'error' in context.result ? context.result.error : undefined;
      const delay = retryDelayMs(err, exponential.duration);
      const left = Math.min(timeLeftMs() - opts.replyMarginMs, opts.callEndsAt - performance.now());
      if (delay === undefined || left - delay < MIN_USEFUL_ATTEMPT_MS) giveUp = true;
      else waitMs = delay;
      return planner;
    },
  };
  const factory: IBackoffFactory<IRetryBackoffContext<unknown>> = { next: (context) => planner.next(context) };

  const policy = retry(
    // Checked before each retry: a retryable error, and nobody stopped wanting the answer.
    handleWhen((err) => !giveUp && isRetryable(err) && !aborted()),
    { maxAttempts: opts.retry ? MAX_ATTEMPTS - 1 : 0, backoff: factory },
  );

  return policy.execute(async () => {
    if (attempts > 0) {
      if (giveUp || !(await sleep(waitMs, signals()))) {
        giveUp = true;
        throw lastError;
      }
    }
    try {
      return await attempt(++attempts);
    } catch (err) {
      lastError = err;
      throw err;
    }
  });
}

function isRetryable(err: unknown): boolean {
  if (err instanceof PaystackTimeoutError) return !err.byRequest;
  if (err instanceof PaystackNetworkError || err instanceof PaystackInvalidResponseError) return true;
  if (err instanceof PaystackRateLimitedError) return true;
  if (err instanceof PaystackHttpError) return err.status >= 500;
  // Anything else (deadline_exceeded, an open breaker, a full bulkhead) is final.
  return false;
}

/** A refund whose request may have reached Paystack and whose answer we did not get. */
export function isRefundOutcomeUnknown(err: unknown): boolean {
  if (err instanceof PaystackTimeoutError || err instanceof PaystackInvalidResponseError) return true;
  if (err instanceof PaystackNetworkError) return !err.beforeSend;
  if (err instanceof PaystackHttpError) return err.status >= 500;
  return false;
}

/** How long to wait before the next attempt, or undefined to give up now. */
function retryDelayMs(err: unknown, exponentialMs: number): number | undefined {
  if (err instanceof PaystackRateLimitedError && err.resetAt !== undefined) {
    const wait = Math.max(0, err.resetAt - Date.now());
    return wait > MAX_RATE_LIMIT_WAIT_MS ? undefined : wait;
  }
  return exponentialMs;
}

/** Sleeps `ms`; resolves false early if any signal aborts. */
function sleep(ms: number, signals: (AbortSignal | undefined)[]): Promise<boolean> {
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  if (live.some((s) => s.aborted)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      for (const s of live) s.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    for (const s of live) s.addEventListener('abort', onAbort, { once: true });
  });
}
