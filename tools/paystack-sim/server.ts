/**
 * A Paystack simulator (in the spirit of stripe-mock): the endpoints our client uses,
 * with Paystack's response shapes and error codes, a checkout page a person or a test
 * can click through, signed webhooks, and fault injection (slow, hung, failing,
 * rate-limited) so timeouts and retries can be proven over real HTTP.
 *
 * It is for development, demos and tests. It is never started in production, which is
 * why its control routes (/__control, /__stats) need no authentication.
 *
 * Control contract (JSON):
 * - POST /__control { mode?, delayMs?, failStatus?, ops?, times?, resetS?,
 *   webhookDuplicates?, refundDelayMs?, webhookUrl? }. A `mode` replaces the whole
 *   fault (omitted fault fields take their defaults); the other settings change only
 *   when given. Modes, applied to the API operations in `ops` (default: all of
 *   initialize, verify, listTransactions, refund, fetchRefund, listRefunds):
 *     normal     answer normally;
 *     slow       wait delayMs (default 2000), then process and answer;
 *     hang       neither process nor answer;
 *     hang-body  process, send the headers and a few bytes, never finish;
 *     fail       answer failStatus (default 500) with a Paystack error body, nothing processed;
 *     ratelimit  answer 429 with x-ratelimit-limit/-remaining/-reset and retry-after = resetS (default 1).
 *   `times` limits the fault to the next N matching calls, then it reverts to normal.
 *   Answers `{ status: true, data: <current settings> }`; GET /__control reads them.
 * - POST /__control/reset { data?: boolean }: faults, settings and counters back to
 *   their start values; with data: true, transactions and refunds are dropped too.
 * - GET /__stats: calls received per operation (counted even when a fault swallowed
 *   them), checkout form posts, and webhook deliveries { attempted, delivered, failed }.
 * - POST /__control/complete { reference, outcome: success|failed|abandoned, sendWebhook? }:
 *   settles a transaction as the checkout page would (charge.success is sent unless
 *   sendWebhook is false). A paid transaction stays paid.
 * - POST /__control/transaction { reference, amount, currency?, status?, email?,
 *   requestedAmount?, paidAt?, metadata?, callbackUrl? }: plants (or replaces) a
 *   transaction, e.g. a success for a different amount than was asked.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { parse as parseQuery } from 'node:querystring';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { checkoutPage, notFoundPage, resultPage } from './checkout.ts';
import {
  CURRENCIES,
  SimStore,
  listItem,
  refundCreateData,
  refundData,
  refundWebhookData,
  settle,
  verifyData,
  type SimRefund,
  type SimTransaction,
} from './store.ts';
import { createWebhookSender } from './webhooks.ts';

export interface PaystackSimulatorOptions {
  secretKey: string;
  /** Where signed webhooks go (the app's POST /api/v1/payments/webhook). */
  webhookUrl?: string;
  /** Origin used in `authorization_url`, when the browser reaches the simulator by another address. */
  publicUrl?: string;
  logger?: boolean;
}

export interface PaystackSimulator {
  /** Starts listening (port 0 = any free port; host defaults to 127.0.0.1) and returns the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops promptly, even with hung requests open: their sockets are destroyed. */
  close(): Promise<void>;
  setWebhookUrl(url: string | undefined): void;
}

export const API_OPS = ['initialize', 'verify', 'listTransactions', 'refund', 'fetchRefund', 'listRefunds'] as const;
export type ApiOp = (typeof API_OPS)[number];

export const FAULT_MODES = ['normal', 'slow', 'hang', 'fail', 'ratelimit', 'hang-body'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

interface Fault {
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

/** Paystack settles refunds in days; a simulator needs a second so a test can watch it happen. */
const DEFAULT_REFUND_DELAY_MS = 1_000;
/** 'slow' with no delayMs: long enough to trip a short client timeout in a test. */
const DEFAULT_SLOW_DELAY_MS = 2_000;
/** Paystack's reset windows are about a second long for burst limits; it keeps a test's retry quick. */
const DEFAULT_RATELIMIT_RESET_S = 1;
/** Request bodies larger than this are not Paystack API calls. */
const BODY_LIMIT_BYTES = 1024 * 1024;

const NORMAL: Fault = { mode: 'normal', delayMs: 0, failStatus: 500, ops: null, times: null, resetS: DEFAULT_RATELIMIT_RESET_S };

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function paystackError(status: number, message: string, code?: string, type = 'validation_error', nextStep?: string): Answer {
  return {
    status,
    body: { status: false, message, ...(nextStep ? { meta: { nextStep } } : {}), type, ...(code ? { code } : {}) },
  };
}

function ok(message: string, data: unknown, meta?: unknown): Answer {
  return { status: 200, body: { status: true, message, data, ...(meta === undefined ? {} : { meta }) } };
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** A positive integer from a number or a digit string (Paystack accepts both for amounts). */
function positiveInt(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function queryInt(v: unknown, fallback: number, max: number): number {
  const n = positiveInt(v);
  return n === undefined ? fallback : Math.min(n, max);
}

function queryTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** Waits `ms`; false when `signal` aborted the wait (the simulator is closing). */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return delay(ms, true, { signal }).catch(() => false);
}

export function createPaystackSimulator(opts: PaystackSimulatorOptions): PaystackSimulator {
  const store = new SimStore();
  const closing = new AbortController();
  const refundTimers = new Set<NodeJS.Timeout>();
  const app = Fastify({
    logger: opts.logger ?? false,
    // Hung and half-sent answers keep sockets open forever; close() must destroy them.
    forceCloseConnections: true,
    bodyLimit: BODY_LIMIT_BYTES,
  });
  const webhooks = createWebhookSender(opts.secretKey, (msg) => app.log.warn(msg));

  let baseUrl: string | undefined;
  let initialWebhookUrl = opts.webhookUrl;
  let settings = { webhookUrl: opts.webhookUrl, webhookDuplicates: 0, refundDelayMs: DEFAULT_REFUND_DELAY_MS };
  let fault: Fault = NORMAL;
  const calls = (): Record<ApiOp | 'checkout', number> => ({
    initialize: 0,
    verify: 0,
    listTransactions: 0,
    refund: 0,
    fetchRefund: 0,
    listRefunds: 0,
    checkout: 0,
  });
  let stats = calls();

  const sendWebhook = (event: string, data: unknown) =>
    webhooks.send(event, data, { url: settings.webhookUrl, duplicates: settings.webhookDuplicates });

  // Checkout buttons post HTML forms.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseQuery(body as string));
  });

  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    const a = paystackError(status, status >= 500 ? 'An error occurred' : err.message, undefined, status >= 500 ? 'api_error' : 'validation_error');
    return reply.code(a.status).send(a.body);
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ status: false, message: 'Not found' }));

  /** The fault for this call, if any, counting down `times`. */
  function takeFault(op: ApiOp): Fault | undefined {
    const f = fault;
    if (f.mode === 'normal' || (f.ops && !f.ops.has(op))) return undefined;
    if (f.times !== null) {
      const left = f.times - 1;
      fault = left <= 0 ? NORMAL : { ...f, times: left };
    }
    return f;
  }

  function authorised(req: FastifyRequest): boolean {
    return req.headers.authorization === `Bearer ${opts.secretKey}`;
  }

  /** Wraps an API operation with call counting, fault injection and the bearer-key check. */
  function api(op: ApiOp, handler: (req: FastifyRequest) => Answer) {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      stats[op]++;
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
        if (!(await sleep(f.delayMs, closing.signal))) {
          reply.hijack();
          return;
        }
      }
      let answer: Answer;
      if (f?.mode === 'fail') {
        answer = paystackError(f.failStatus, f.failStatus >= 500 ? 'An error occurred' : 'Request failed', undefined, f.failStatus >= 500 ? 'api_error' : 'validation_error');
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
  }

  // -------------------------------------------------------------------------
  // Paystack API
  // -------------------------------------------------------------------------

  app.post(
    '/transaction/initialize',
    api('initialize', (req) => {
      const b = asRecord(req.body);
      const email = typeof b.email === 'string' ? b.email.trim() : '';
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return paystackError(400, 'Invalid Email Address Passed', 'invalid_params');
      const amount = positiveInt(b.amount);
      if (amount === undefined) return paystackError(400, 'Invalid Amount Sent', 'invalid_params');
      const currency = b.currency === undefined ? 'NGN' : b.currency;
      if (typeof currency !== 'string' || !(CURRENCIES as readonly string[]).includes(currency)) {
        return paystackError(400, 'Currency not supported by merchant', 'unsupported_currency');
      }
      let reference: string;
      if (b.reference === undefined || b.reference === '') {
        reference = store.newReference();
      } else if (typeof b.reference === 'string' && /^[A-Za-z0-9.=-]+$/.test(b.reference)) {
        reference = b.reference;
      } else {
        return paystackError(400, 'Invalid reference. Only -, ., = and alphanumeric characters allowed', 'invalid_params');
      }
      if (store.transactions.has(reference)) {
        return paystackError(400, 'Duplicate Transaction Reference', 'duplicate_reference', 'validation_error', 'Try and create the Transaction or Charge with a new reference');
      }
      const callbackUrl = typeof b.callback_url === 'string' && b.callback_url !== '' ? b.callback_url : null;
      const t = store.createTransaction({ reference, amount, currency, email, callbackUrl, metadata: b.metadata });
      return ok('Authorization URL created', {
        authorization_url: `${opts.publicUrl ?? baseUrl}/checkout/${t.accessCode}`,
        access_code: t.accessCode,
        reference: t.reference,
      });
    }),
  );

  app.get(
    '/transaction/verify/:reference',
    api('verify', (req) => {
      const { reference } = req.params as { reference: string };
      const t = store.transactions.get(reference);
      // openapi.yaml documents 404 here; real Paystack answers 400 with code transaction_not_found.
      if (!t) {
        return paystackError(400, 'Transaction reference not found', 'transaction_not_found', 'validation_error', "Ensure that you're passing the reference of a transaction that exists on this integration");
      }
      return ok('Verification successful', verifyData(t));
    }),
  );

  app.get(
    '/transaction',
    api('listTransactions', (req) => {
      const q = asRecord(req.query);
      // Paystack reads perPage; openapi.yaml names it per_page. Both are accepted here.
      const perPage = queryInt(q.perPage ?? q.per_page, 50, 1000);
      const page = queryInt(q.page, 1, 1_000_000);
      const status = typeof q.status === 'string' && q.status !== '' ? q.status : undefined;
      const from = queryTime(q.from);
      const to = queryTime(q.to);
      const all = [...store.transactions.values()]
        .filter((t) => status === undefined || t.status === status)
        .filter((t) => from === undefined || Date.parse(t.createdAt) >= from)
        .filter((t) => to === undefined || Date.parse(t.createdAt) <= to)
        .sort((a, b) => b.id - a.id);
      const skipped = (page - 1) * perPage;
      const items = all.slice(skipped, skipped + perPage);
      return ok('Transactions retrieved', items.map(listItem), {
        total: all.length,
        total_volume: all.filter((t) => t.status === 'success').reduce((s, t) => s + t.amount, 0),
        skipped,
        perPage,
        page,
        pageCount: Math.max(1, Math.ceil(all.length / perPage)),
      });
    }),
  );

  app.post(
    '/refund',
    api('refund', (req) => {
      const b = asRecord(req.body);
      if (typeof b.transaction !== 'string' && typeof b.transaction !== 'number') {
        return paystackError(400, 'Transaction is required', 'invalid_params');
      }
      const t = store.findTransaction(b.transaction);
      if (!t) return paystackError(400, 'Transaction not found', 'transaction_not_found');
      if (t.status === 'reversed') return paystackError(400, 'Transaction has been fully reversed', 'transaction_reversed');
      if (t.status !== 'success') return paystackError(400, 'Cannot refund a transaction that is not successful', 'transaction_not_successful');
      if (b.currency !== undefined && b.currency !== t.currency) return paystackError(400, 'Currency does not match the transaction', 'invalid_params');
      const refundable = t.amount - store.refundedAmount(t);
      if (refundable <= 0) return paystackError(400, 'Transaction has been fully reversed', 'transaction_reversed');
      let amount = refundable;
      if (b.amount !== undefined) {
        const asked = positiveInt(b.amount);
        if (asked === undefined) return paystackError(400, 'Invalid amount', 'invalid_params');
        if (asked > refundable) return paystackError(400, 'Refund amount cannot be more than the unrefunded transaction amount', 'invalid_amount');
        amount = asked;
      }
      const r = store.createRefund(
        t,
        amount,
        {
          ...(typeof b.merchant_note === 'string' ? { merchantNote: b.merchant_note } : {}),
          ...(typeof b.customer_note === 'string' ? { customerNote: b.customer_note } : {}),
        },
        settings.refundDelayMs,
      );
      scheduleRefund(r, settings.refundDelayMs);
      return ok('Refund has been queued for processing', refundCreateData(r));
    }),
  );

  app.get(
    '/refund/:id',
    api('fetchRefund', (req) => {
      const { id } = req.params as { id: string };
      const r = /^[0-9]+$/.test(id) ? store.refunds.get(Number(id)) : undefined;
      if (!r) return paystackError(404, 'Refund not found', 'not_found');
      return ok('Refund retrieved', refundData(r));
    }),
  );

  app.get(
    '/refund',
    api('listRefunds', (req) => {
      const q = asRecord(req.query);
      // openapi.yaml documents only perPage/page/from/to. Paystack also filters by
      // `transaction`, matching its NUMERIC transaction id only: a reference matches
      // nothing (an empty list, not an error). The simulator does the same, so code that
      // passes a reference fails here rather than in production.
      const transaction = typeof q.transaction === 'string' && q.transaction !== '' ? q.transaction : undefined;
      const currency = typeof q.currency === 'string' && q.currency !== '' ? q.currency : undefined;
      const perPage = queryInt(q.perPage, 50, 1000);
      const page = queryInt(q.page, 1, 1_000_000);
      const from = queryTime(q.from);
      const to = queryTime(q.to);
      const all = [...store.refunds.values()]
        .filter((r) => transaction === undefined || (/^[0-9]+$/.test(transaction) && r.transaction.id === Number(transaction)))
        .filter((r) => currency === undefined || r.currency === currency)
        .filter((r) => from === undefined || Date.parse(r.createdAt) >= from)
        .filter((r) => to === undefined || Date.parse(r.createdAt) <= to)
        .sort((a, b) => b.id - a.id);
      const skipped = (page - 1) * perPage;
      return ok('Refunds retrieved', all.slice(skipped, skipped + perPage).map(refundData), {
        total: all.length,
        skipped,
        // A string here, as the document (and Paystack, echoing the query) has it.
        perPage: String(perPage),
        page,
        pageCount: Math.max(1, Math.ceil(all.length / perPage)),
        failedRefundCount: all.filter((r) => r.status === 'failed').length,
      });
    }),
  );

  function scheduleRefund(r: SimRefund, delayMs: number): void {
    const timer = setTimeout(() => {
      refundTimers.delete(timer);
      store.processRefund(r);
      sendWebhook('refund.processed', refundWebhookData(r));
    }, delayMs);
    refundTimers.add(timer);
  }

  // -------------------------------------------------------------------------
  // Checkout
  // -------------------------------------------------------------------------

  function completeCheckout(t: SimTransaction, outcome: 'success' | 'failed' | 'abandoned', webhook: boolean): void {
    const alreadyPaid = t.status === 'success' || t.status === 'reversed';
    if (alreadyPaid) return;
    settle(t, outcome);
    // Paystack sends charge events only for successful payments.
    if (outcome === 'success' && webhook) sendWebhook('charge.success', verifyData(t));
  }

  app.get('/checkout/:accessCode', async (req, reply) => {
    const { accessCode } = req.params as { accessCode: string };
    const t = store.byAccessCode.get(accessCode);
    return reply
      .code(t ? 200 : 404)
      .type('text/html; charset=utf-8')
      .send(t ? checkoutPage(t) : notFoundPage());
  });

  app.post('/checkout/:accessCode/:action', async (req, reply) => {
    const { accessCode, action } = req.params as { accessCode: string; action: string };
    const t = store.byAccessCode.get(accessCode);
    const outcome = ({ pay: 'success', decline: 'failed', abandon: 'abandoned' } as const)[action as 'pay' | 'decline' | 'abandon'];
    if (!t || !outcome) return reply.code(404).type('text/html; charset=utf-8').send(notFoundPage());
    stats.checkout++;
    completeCheckout(t, outcome, true);
    if (t.callbackUrl) {
      try {
        const back = new URL(t.callbackUrl);
        back.searchParams.set('trxref', t.reference);
        back.searchParams.set('reference', t.reference);
        return reply.redirect(back.toString(), 302);
      } catch {
        // Not a usable URL: show the result here instead.
      }
    }
    return reply.type('text/html; charset=utf-8').send(resultPage(t));
  });

  // -------------------------------------------------------------------------
  // Control (tests and demos; no auth because the simulator never runs in production)
  // -------------------------------------------------------------------------

  function controlState() {
    return {
      mode: fault.mode,
      delayMs: fault.delayMs,
      failStatus: fault.failStatus,
      ops: fault.ops ? [...fault.ops] : [...API_OPS],
      times: fault.times,
      resetS: fault.resetS,
      webhookUrl: settings.webhookUrl ?? null,
      webhookDuplicates: settings.webhookDuplicates,
      refundDelayMs: settings.refundDelayMs,
    };
  }

  app.post('/__control', async (req, reply) => {
    const b = asRecord(req.body);
    const bad = (message: string) => reply.code(400).send({ status: false, message });
    if (b.mode !== undefined) {
      if (!(FAULT_MODES as readonly unknown[]).includes(b.mode)) return bad(`mode must be one of ${FAULT_MODES.join(', ')}`);
      let ops: Set<ApiOp> | null = null;
      if (b.ops !== undefined) {
        if (!Array.isArray(b.ops) || !b.ops.every((o) => (API_OPS as readonly unknown[]).includes(o))) {
          return bad(`ops must be a list of ${API_OPS.join(', ')}`);
        }
        ops = new Set(b.ops as ApiOp[]);
      }
      const num = (v: unknown, d: number, min: number) => (typeof v === 'number' && Number.isFinite(v) && v >= min ? Math.floor(v) : v === undefined ? d : NaN);
      const delayMs = num(b.delayMs, DEFAULT_SLOW_DELAY_MS, 0);
      const failStatus = num(b.failStatus, 500, 400);
      const times = b.times === undefined || b.times === null ? null : num(b.times, 0, 1);
      const resetS = num(b.resetS, DEFAULT_RATELIMIT_RESET_S, 0);
      if ([delayMs, failStatus, resetS, times ?? 0].some(Number.isNaN) || failStatus > 599) {
        return bad('delayMs/resetS must be numbers >= 0, failStatus 400-599, times >= 1');
      }
      // A new mode replaces the whole fault description; omitted fields take their defaults.
      fault = b.mode === 'normal' ? NORMAL : { mode: b.mode as FaultMode, delayMs, failStatus, ops, times, resetS };
    }
    if (b.webhookDuplicates !== undefined) {
      if (!Number.isInteger(b.webhookDuplicates) || (b.webhookDuplicates as number) < 0) return bad('webhookDuplicates must be an integer >= 0');
      settings = { ...settings, webhookDuplicates: b.webhookDuplicates as number };
    }
    if (b.refundDelayMs !== undefined) {
      if (typeof b.refundDelayMs !== 'number' || !(b.refundDelayMs >= 0)) return bad('refundDelayMs must be a number >= 0');
      settings = { ...settings, refundDelayMs: b.refundDelayMs };
    }
    if (b.webhookUrl !== undefined) {
      if (b.webhookUrl !== null && (typeof b.webhookUrl !== 'string' || !URL.canParse(b.webhookUrl))) return bad('webhookUrl must be a URL or null');
      settings = { ...settings, webhookUrl: b.webhookUrl ?? undefined };
    }
    return { status: true, data: controlState() };
  });

  app.get('/__control', (_req, reply) => reply.send({ status: true, data: controlState() }));

  app.post('/__control/reset', (req, reply) => {
    const b = asRecord(req.body);
    fault = NORMAL;
    settings = { webhookUrl: initialWebhookUrl, webhookDuplicates: 0, refundDelayMs: DEFAULT_REFUND_DELAY_MS };
    stats = calls();
    webhooks.resetStats();
    // Transactions and refunds survive a reset unless asked, so a test can clear a fault and carry on.
    if (b.data === true) {
      for (const t of refundTimers) clearTimeout(t);
      refundTimers.clear();
      store.clear();
    }
    return reply.send({ status: true, data: controlState() });
  });

  app.get('/__stats', (_req, reply) => reply.send({ ...stats, webhooks: { ...webhooks.stats } }));

  app.post('/__control/complete', async (req, reply) => {
    const b = asRecord(req.body);
    const t = typeof b.reference === 'string' ? store.transactions.get(b.reference) : undefined;
    if (!t) return reply.code(404).send({ status: false, message: 'Transaction reference not found' });
    if (b.outcome !== 'success' && b.outcome !== 'failed' && b.outcome !== 'abandoned') {
      return reply.code(400).send({ status: false, message: 'outcome must be success, failed or abandoned' });
    }
    completeCheckout(t, b.outcome, b.sendWebhook !== false);
    return { status: true, data: verifyData(t) };
  });

  app.post('/__control/transaction', async (req, reply) => {
    const b = asRecord(req.body);
    const amount = positiveInt(b.amount);
    if (typeof b.reference !== 'string' || b.reference === '' || amount === undefined) {
      return reply.code(400).send({ status: false, message: 'reference and a positive integer amount are required' });
    }
    const requestedAmount = b.requestedAmount === undefined ? undefined : positiveInt(b.requestedAmount);
    const t = store.createTransaction({
      reference: b.reference,
      amount,
      ...(requestedAmount === undefined ? {} : { requestedAmount }),
      currency: typeof b.currency === 'string' ? b.currency : 'NGN',
      email: typeof b.email === 'string' ? b.email : 'customer@example.com',
      callbackUrl: typeof b.callbackUrl === 'string' ? b.callbackUrl : null,
      metadata: b.metadata,
      ...(typeof b.status === 'string' ? { status: b.status } : {}),
      ...(typeof b.paidAt === 'string' ? { paidAt: b.paidAt } : {}),
    });
    return {
      status: true,
      data: { ...verifyData(t), access_code: t.accessCode, authorization_url: `${opts.publicUrl ?? baseUrl}/checkout/${t.accessCode}` },
    };
  });

  let closed: Promise<void> | undefined;
  return {
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      const addr = app.server.address() as AddressInfo;
      // A wildcard address is where we listen, not where a browser can go.
      const reachable = addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address === '::' ? '::1' : addr.address;
      const shownHost = addr.family === 'IPv6' ? `[${reachable}]` : reachable;
      baseUrl = `http://${shownHost}:${addr.port}`;
      return baseUrl;
    },
    close() {
      closed ??= (async () => {
        closing.abort();
        for (const t of refundTimers) clearTimeout(t);
        refundTimers.clear();
        await Promise.all([app.close(), webhooks.close()]);
      })();
      return closed;
    },
    setWebhookUrl(url) {
      initialWebhookUrl = url;
      settings = { ...settings, webhookUrl: url };
    },
  };
}
