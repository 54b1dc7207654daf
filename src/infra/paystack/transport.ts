/**
 * One HTTP exchange with Paystack on an undici Agent of the client's own: a single
 * AbortSignal covers connecting, the headers AND the whole body, and the failure is
 * classified (timeout by phase and by whom, network error before or after sending).
 *
 * Why not Node's global fetch: the undici bundled with Node 20 can hang when a request
 * is aborted while its body is being read, which is exactly the case a deadline must
 * handle.
 */
import type { IncomingHttpHeaders } from 'node:http';

import { Agent } from 'undici';

import { PaystackError, PaystackInvalidResponseError, PaystackNetworkError, type PaystackOp, PaystackTimeoutError } from './errors.ts';

/**
 * undici's headersTimeout/bodyTimeout/connect timeout default to 300 s / 300 s / 10 s
 * per phase. We set them just above the per-attempt budget: our own signal, which knows
 * the request deadline and names the cause, should always end an attempt first; these
 * only matter if a signal is ever lost. One second of slack avoids racing our own timer.
 */
const SAFETY_NET_SLACK_MS = 1_000;
/** Idle pooled sockets close after 4 s (undici's default, stated on purpose): below common load-balancer idle timeouts (60 s), so we rarely write on a socket the far end is closing. */
const KEEP_ALIVE_TIMEOUT_MS = 4_000;
/** Graceful close waits this long for in-flight calls before destroying the sockets, so shutdown cannot hang on Paystack. */
const CLOSE_GRACE_MS = 1_000;
/** Largest body we read: a page of 100 transactions is a few hundred KB; far more is not Paystack. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Failures that happen before a single byte of the request can have reached Paystack. */
const BEFORE_SEND_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

export interface ExchangeSpec {
  method: 'GET' | 'POST';
  path: string;
  body?: Record<string, unknown>;
}

export interface Transport {
  /**
   * One HTTP exchange bounded by `budgetMs` over connect, headers and body. `clipped`:
   * the request deadline, not Paystack's allowance, set the budget. The policy's signal
   * is a timeout of its own (Paystack too slow); the request's and the caller's mean the
   * answer is no longer wanted.
   */
  exchange(
    op: PaystackOp,
    spec: ExchangeSpec,
    budgetMs: number,
    clipped: boolean,
    policySignal: AbortSignal,
    requestSignals: AbortSignal[],
  ): Promise<Exchange>;
  /** Closes the connections; idempotent (a second call returns the first call's promise). */
  close(): Promise<void>;
}

export function createTransport(opts: { baseUrl: string; secretKey: string; timeoutMs: number }): Transport {
  const base = new URL(opts.baseUrl);
  const origin = base.origin;
  const basePath = base.pathname.replace(/\/+$/, '');
  // Kept in this closure only: never a property, never in an error or a log.
  const authorization = `Bearer ${opts.secretKey}`;
  const agent = new Agent({
    headersTimeout: opts.timeoutMs + SAFETY_NET_SLACK_MS,
    bodyTimeout: opts.timeoutMs + SAFETY_NET_SLACK_MS,
    connect: { timeout: opts.timeoutMs + SAFETY_NET_SLACK_MS },
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  });
  let closing: Promise<void> | undefined;

  async function exchange(
    op: PaystackOp,
    spec: ExchangeSpec,
    budgetMs: number,
    clipped: boolean,
    policySignal: AbortSignal,
    requestSignals: AbortSignal[],
  ): Promise<Exchange> {
    const controller = new AbortController();
    let abortedBy: 'timer' | 'policy' | 'request' | undefined;
    let phase: 'headers' | 'body' = 'headers';
    const abortFor = (why: 'timer' | 'policy' | 'request') => () => {
      abortedBy ??= why;
      controller.abort();
    };
    const timer = setTimeout(abortFor('timer'), budgetMs);
    const listeners: [AbortSignal, () => void][] = [
      [policySignal, abortFor('policy')],
      ...requestSignals.map((s): [AbortSignal, () => void] => [s, abortFor('request')]),
    ];
    for (const [s, fn] of listeners) {
      if (s.aborted) fn();
      else s.addEventListener('abort', fn, { once: true });
    }
    const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    try {
      const res = await agent.request({
        origin,
        path: basePath + spec.path,
        method: spec.method,
        headers: {
          authorization,
          accept: 'application/json',
          'user-agent': 'it360acad-backend',
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: payload,
        signal: controller.signal,
      });
      phase = 'body';
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body) {
          const buf = chunk as Buffer;
          size += buf.length;
          if (size > MAX_BODY_BYTES) {
            throw new PaystackInvalidResponseError(op, res.statusCode, `body larger than ${MAX_BODY_BYTES} bytes`);
          }
          chunks.push(buf);
        }
      } finally {
        // Releases the socket if we stopped early (too large, aborted); a no-op when fully read.
        res.body.destroy();
      }
      const text = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.statusCode, headers: res.headers, json };
    } catch (err) {
      if (err instanceof PaystackError) throw err;
      if (abortedBy !== undefined) {
        // Our own timer firing on a budget the request clipped says more about the request than about Paystack.
        const byRequest = abortedBy === 'request' || (abortedBy === 'timer' && clipped);
        throw new PaystackTimeoutError(op, budgetMs, phase, byRequest, { cause: err });
      }
      const code = errorCode(err);
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
        throw new PaystackTimeoutError(op, budgetMs, code === 'UND_ERR_BODY_TIMEOUT' ? 'body' : 'headers', false, { cause: err });
      }
      throw new PaystackNetworkError(op, code, phase === 'headers' && code !== undefined && BEFORE_SEND_CODES.has(code), { cause: err });
    } finally {
      clearTimeout(timer);
      for (const [s, fn] of listeners) s.removeEventListener('abort', fn);
    }
  }

  async function closeAgent(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const graceful = agent.close().then(() => true);
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS);
    });
    const closed = await Promise.race([graceful, late]);
    clearTimeout(timer);
    if (!closed) await agent.destroy();
  }

  return {
    exchange,
    close: () => (closing ??= closeAgent()),
  };
}

/** The code of a system or undici error, looking one level into `cause`. */
function errorCode(err: unknown): string | undefined {
  const direct = (err as { code?: unknown } | null)?.code;
  if (typeof direct === 'string') return direct;
  const nested = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof nested === 'string' ? nested : undefined;
}
