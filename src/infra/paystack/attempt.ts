/**
 * One attempt of a Paystack call: run through the dependency policy (breaker,
 * bulkhead), given a budget of `callBudgetMs(timeoutMs, replyMarginMs, 'paystack')`
 * clipped to the call's own cap, aborted with the request context or the caller's
 * signal, its answer turned into a result or a typed error, and reported once.
 */
import type { IncomingHttpHeaders } from 'node:http';

import { callBudgetMs, currentContext } from '../../resilience/deadline.ts';
import {
  PaystackDuplicateReferenceError,
  PaystackHttpError,
  PaystackInvalidResponseError,
  PaystackNetworkError,
  PaystackNotFoundError,
  type PaystackOp,
  PaystackRateLimitedError,
  PaystackTimeoutError,
} from './errors.ts';
import { envelope } from './parse.ts';
import type { Exchange, ExchangeSpec, Transport } from './transport.ts';
import { schemaProblem, WireErrorBody } from './types.ts';

/** Wraps each attempt (breaker, bulkhead); the signal it passes aborts the attempt too. */
export interface PaystackCallPolicy {
  execute<T>(op: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

/** One attempt, as reported to logs and metrics. */
export interface PaystackAttemptEvent {
  op: PaystackOp;
  outcome: 'ok' | 'error' | 'timeout';
  elapsedMs: number;
  budgetMs: number;
  status?: number;
  errorCode?: string;
}

export interface CallSpec<T> extends ExchangeSpec {
  op: PaystackOp;
  retry: boolean;
  /** The reference or id looked up, for not-found and duplicate errors. */
  key: string;
  /** Turns a 2xx JSON body into the result, or throws PaystackInvalidResponseError. */
  parse: (json: Record<string, unknown>, status: number) => T;
}

export type RunAttempt = <T>(spec: CallSpec<T>, attempt: number, callEndsAt: number, callerSignal: AbortSignal | undefined) => Promise<T>;

const directPolicy: PaystackCallPolicy = {
  execute: (_op, fn) => fn(new AbortController().signal),
};

export function createAttemptRunner(opts: {
  transport: Transport;
  timeoutMs: number;
  replyMarginMs: number;
  policy?: PaystackCallPolicy;
  onAttempt?: (e: PaystackAttemptEvent) => void;
}): RunAttempt {
  const { transport, timeoutMs, replyMarginMs } = opts;
  const policy = opts.policy ?? directPolicy;

  function report(e: PaystackAttemptEvent): void {
    try {
      opts.onAttempt?.(e);
    } catch {
      // A broken logger must not turn a good payment call into a failed one.
    }
  }

  return function runAttempt<T>(spec: CallSpec<T>, attempt: number, callEndsAt: number, callerSignal: AbortSignal | undefined): Promise<T> {
    return policy.execute(spec.op, async (policySignal) => {
      // Computed here, inside the policy, so time spent queued in a bulkhead counts.
      let budgetMs = callBudgetMs(timeoutMs, replyMarginMs, 'paystack');
      let clipped = budgetMs < timeoutMs;
      const callLeft = Math.floor(callEndsAt - performance.now());
      if (callLeft < budgetMs) {
        budgetMs = Math.max(1, callLeft);
        clipped = true;
      }
      const requestSignals: AbortSignal[] = [];
      const ctxSignal = currentContext()?.signal;
      if (ctxSignal) requestSignals.push(ctxSignal);
      if (callerSignal) requestSignals.push(callerSignal);

      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      try {
        const ex = await transport.exchange(spec.op, spec, budgetMs, clipped, policySignal, requestSignals);
        if (ex.status < 200 || ex.status >= 300) throw httpFailure(spec.op, ex, spec.key, attempt);
        const result = spec.parse(envelope(spec.op, ex.status, ex.json), ex.status);
        report({ op: spec.op, outcome: 'ok', elapsedMs: elapsed(), budgetMs, status: ex.status });
        return result;
      } catch (err) {
        report({
          op: spec.op,
          outcome: err instanceof PaystackTimeoutError ? 'timeout' : 'error',
          elapsedMs: elapsed(),
          budgetMs,
          ...(err instanceof PaystackHttpError || err instanceof PaystackInvalidResponseError ? { status: err.status } : {}),
          errorCode: attemptErrorCode(err),
        });
        throw err;
      }
    });
  };
}

/** A non-2xx answer as the right typed error. */
function httpFailure(op: PaystackOp, ex: Exchange, key: string, attempt: number): PaystackHttpError {
  const body = schemaProblem(WireErrorBody, ex.json) === undefined ? (ex.json as { message?: string; code?: string; type?: string }) : {};
  const message = body.message ?? `HTTP ${ex.status}`;
  const { code, type } = body;
  if (ex.status === 429) return new PaystackRateLimitedError(op, code, message, type, rateLimitResetAt(ex.headers));
  if (op === 'initialize' && ex.status === 400 && (code === 'duplicate_reference' || /duplicate transaction reference/i.test(message))) {
    return new PaystackDuplicateReferenceError(message, type, key, attempt > 1);
  }
  // openapi.yaml documents 404 for an unknown reference; real Paystack answers 400 with
  // code transaction_not_found (SPEC: "4xx"). Accept any 4xx that says so.
  if (
    op === 'verify' &&
    ex.status >= 400 &&
    ex.status < 500 &&
    (code === 'transaction_not_found' || /reference not found/i.test(message))
  ) {
    return new PaystackNotFoundError(op, ex.status, code, message, type, key);
  }
  if (op === 'fetchRefund' && ex.status === 404) {
    return new PaystackNotFoundError(op, ex.status, code, message, type, key);
  }
  return new PaystackHttpError(op, ex.status, code, message, type);
}

/**
 * When a 429 says we may come back, as epoch ms. `Retry-After` is seconds or an HTTP
 * date; Paystack does not document the unit of `x-ratelimit-reset`, so a value that
 * looks like an epoch (in s or ms) is taken as one and a small one as seconds from now.
 */
export function rateLimitResetAt(headers: IncomingHttpHeaders, now = Date.now()): number | undefined {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim();
  const retryAfter = first(headers['retry-after']);
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return now + Number(retryAfter) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return date;
  }
  const reset = first(headers['x-ratelimit-reset']);
  if (reset && /^\d+(\.\d+)?$/.test(reset)) {
    const n = Number(reset);
    if (n > 1e12) return n; // epoch milliseconds
    if (n > 1e9) return n * 1000; // epoch seconds
    return now + n * 1000; // seconds from now
  }
  return undefined;
}

function attemptErrorCode(err: unknown): string {
  if (err instanceof PaystackTimeoutError) return err.byRequest ? 'deadline' : `timeout_${err.phase}`;
  if (err instanceof PaystackNetworkError) return err.code ?? 'network';
  if (err instanceof PaystackHttpError) return err.code ?? `http_${err.status}`;
  if (err instanceof PaystackInvalidResponseError) return 'invalid_response';
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown';
}
