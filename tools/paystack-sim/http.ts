/**
 * What every simulated API call shares: Paystack's answer shapes, the request-value
 * readers, and the fault control (which call a fault applies to, and how it is played).
 */
import { setTimeout as delay } from 'node:timers/promises';

import type { FastifyReply, FastifyRequest } from 'fastify';

export const API_OPS = ['initialize', 'verify', 'listTransactions', 'refund', 'fetchRefund', 'listRefunds'] as const;
export type ApiOp = (typeof API_OPS)[number];

export const FAULT_MODES = ['normal', 'slow', 'hang', 'fail', 'ratelimit', 'hang-body'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export interface Fault {
  mode: FaultMode;
  /** 'slow': added before each answer. */
  delayMs: number;
  /** 'fail': the status answered. */
  failStatus: number;
  /** Operations the mode applies to; null = every API operation. */
  ops: ReadonlySet<ApiOp> | null;
  /** How many more matching calls the mode applies to before it reverts to 'normal'; null = until changed. */
  times: number | null;
  /** 'ratelimit': seconds until the window resets, sent in x-ratelimit-reset and retry-after. */
  resetS: number;
}

/** 'slow' with no delayMs: long enough to trip a short client timeout in a test. */
export const DEFAULT_SLOW_DELAY_MS = 2_000;
/** Paystack's reset windows are about a second long for burst limits; it keeps a test's retry quick. */
export const DEFAULT_RATELIMIT_RESET_S = 1;

export const NORMAL: Fault = { mode: 'normal', delayMs: 0, failStatus: 500, ops: null, times: null, resetS: DEFAULT_RATELIMIT_RESET_S };

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function paystackError(status: number, message: string, code?: string, type = 'validation_error', nextStep?: string): Answer {
  return {
    status,
    body: { status: false, message, ...(nextStep ? { meta: { nextStep } } : {}), type, ...(code ? { code } : {}) },
  };
}

export function ok(message: string, data: unknown, meta?: unknown): Answer {
  return { status: 200, body: { status: true, message, data, ...(meta === undefined ? {} : { meta }) } };
}

export function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** A positive integer from a number or a digit string (Paystack accepts both for amounts). */
export function positiveInt(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function queryInt(v: unknown, fallback: number, max: number): number {
  const n = positiveInt(v);
  return n === undefined ? fallback : Math.min(n, max);
}

export function queryTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** Waits `ms`; false when `signal` aborted the wait (the simulator is closing). */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return delay(ms, true, { signal }).catch(() => false);
}

/** The current fault and the calls received per operation. */
export interface FaultState {
  fault: Fault;
  stats: Record<ApiOp | 'checkout', number>;
}

export type ApiHandler = (req: FastifyRequest) => Answer;

/**
 * Wraps an API operation with call counting, fault injection and the bearer-key check.
 * `closing` aborts a 'slow' wait when the simulator closes.
 */
export function createApiWrapper(state: FaultState, secretKey: string, closing: AbortSignal) {
  /** The fault for this call, if any, counting down `times`. */
  function takeFault(op: ApiOp): Fault | undefined {
    const f = state.fault;
    if (f.mode === 'normal' || (f.ops && !f.ops.has(op))) return undefined;
    if (f.times !== null) {
      const left = f.times - 1;
      state.fault = left <= 0 ? NORMAL : { ...f, times: left };
    }
    return f;
  }

  function authorised(req: FastifyRequest): boolean {
    return req.headers.authorization === `Bearer ${secretKey}`;
  }

  return function api(op: ApiOp, handler: ApiHandler) {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      state.stats[op]++;
      const f = takeFault(op);
      if (f?.mode === 'hang') {
        // Never answer and do nothing: the socket stays open until the client gives up or close() destroys it.
        reply.hijack();
        return;
      }
      if (f?.mode === 'hang-body') {
        // The request IS processed (a transaction or refund is created), then the answer
        // stalls after its headers and first bytes: the "did it happen?" case that only a
        // lookup can settle.
        const answer = authorised(req) ? handler(req) : paystackError(401, 'Invalid key');
        reply.hijack();
        reply.raw.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' });
        reply.raw.write(JSON.stringify(answer.body).slice(0, 20));
        return;
      }
      if (f?.mode === 'slow') {
        if (!(await sleep(f.delayMs, closing))) {
          reply.hijack();
          return;
        }
      }
      let answer: Answer;
      if (f?.mode === 'fail') {
        answer = paystackError(
          f.failStatus,
          f.failStatus >= 500 ? 'An error occurred' : 'Request failed',
          undefined,
          f.failStatus >= 500 ? 'api_error' : 'validation_error',
        );
      } else if (f?.mode === 'ratelimit') {
        answer = paystackError(429, 'Too many requests. Please try again later.', 'rate_limit_exceeded', 'api_error');
        answer.headers = {
          'x-ratelimit-limit': '100',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(f.resetS),
          'retry-after': String(f.resetS),
        };
      } else if (!authorised(req)) {
        answer = paystackError(401, 'Invalid key', undefined, 'validation_error');
      } else {
        answer = handler(req);
      }
      if (answer.headers) void reply.headers(answer.headers);
      return reply.code(answer.status).send(answer.body);
    };
  };
}

export type ApiWrapper = ReturnType<typeof createApiWrapper>;
