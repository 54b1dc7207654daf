/**
 * Our own thin Paystack client on the `undici` package, with an Agent of its own.
 * Why not an SDK: every call here has to respect the request's deadline, classify its
 * failure for money decisions, and never log the key.
 *
 * The parts: `transport.ts` (one HTTP exchange, its Agent and the signal covering the
 * whole body), `attempt.ts` (one attempt through the policy, with its budget from the
 * request deadline, classified and reported), `retry.ts` (which calls are retried and
 * how long to wait), `parse.ts` (the answers checked against the wire schemas). This
 * file holds the endpoints.
 *
 * Every attempt gets one AbortSignal that covers connecting, the headers AND the whole
 * body, with budget `callBudgetMs(timeoutMs, replyMarginMs, 'paystack')`, and is also
 * aborted when the request context (or the caller's own signal) aborts. undici's own
 * per-phase timeouts are set too, only as a safety net.
 */
import { type CallSpec, createAttemptRunner, type PaystackAttemptEvent, type PaystackCallPolicy } from './attempt.ts';
import { PaystackAmbiguousError, PaystackInvalidResponseError } from './errors.ts';
import { isoDate, parseList, parseRefund, parseTransaction } from './parse.ts';
import { isRefundOutcomeUnknown, withRetries } from './retry.ts';
import { createTransport } from './transport.ts';
import {
  type InitializeInput,
  type InitializeResult,
  type ListRefundsInput,
  type ListTransactionsInput,
  type Page,
  type RefundInput,
  type RefundResult,
  schemaProblem,
  type TransactionResult,
  type VerifyResult,
  WireInitializeData,
} from './types.ts';

export { type PaystackAttemptEvent, type PaystackCallPolicy, rateLimitResetAt } from './attempt.ts';

export interface PaystackClientOptions {
  /** e.g. https://api.paystack.co (a path prefix is kept). */
  baseUrl: string;
  secretKey: string;
  /** PAYSTACK_TIMEOUT_MS: per attempt, covering the whole body. */
  timeoutMs: number;
  /** REPLY_MARGIN_MS: time kept back to write the answer, passed to callBudgetMs. */
  replyMarginMs: number;
  /** Breaker/bulkhead wrapper; by default attempts run directly. */
  policy?: PaystackCallPolicy;
  /** Called once per attempt, for logs and metrics. Must not throw (errors are swallowed). */
  onAttempt?: (e: PaystackAttemptEvent) => void;
}

/** Per-call options. */
export interface PaystackCallOptions {
  /** Aborts the call (all attempts), e.g. when the caller stops caring. */
  signal?: AbortSignal;
  /**
   * A cap on the whole call, retries included, in ms: e.g. PAYSTACK_VERIFY_WAIT_MS for
   * the verify endpoint, which answers with the stored status rather than wait longer.
   */
  maxWaitMs?: number;
}

export interface PaystackClient {
  /** POST /transaction/initialize. */
  initialize(input: InitializeInput, opts?: PaystackCallOptions): Promise<InitializeResult>;
  /** GET /transaction/verify/:reference. The outcome is `status` (Paystack's `data.status`). */
  verify(reference: string, opts?: PaystackCallOptions): Promise<VerifyResult>;
  /** POST /refund. Never retried; an unknown outcome throws PaystackAmbiguousError. */
  refund(input: RefundInput, opts?: PaystackCallOptions): Promise<RefundResult>;
  /** GET /refund/:id. */
  fetchRefund(id: number | string, opts?: PaystackCallOptions): Promise<RefundResult>;
  /** GET /refund?transaction=<numeric transaction id>, keeping only that transaction's refunds. */
  listRefunds(input: ListRefundsInput, opts?: PaystackCallOptions): Promise<Page<RefundResult>>;
  /** GET /transaction. */
  listTransactions(input: ListTransactionsInput, opts?: PaystackCallOptions): Promise<Page<TransactionResult>>;
  /** Closes the client's connections; a second call returns the first call's promise. */
  close(): Promise<void>;
}

export function createPaystackClient(opts: PaystackClientOptions): PaystackClient {
  if (!(opts.timeoutMs > 0)) throw new RangeError('timeoutMs must be > 0');
  if (!(opts.replyMarginMs >= 0)) throw new RangeError('replyMarginMs must be >= 0');
  const { timeoutMs, replyMarginMs } = opts;
  const transport = createTransport({ baseUrl: opts.baseUrl, secretKey: opts.secretKey, timeoutMs });
  const runAttempt = createAttemptRunner({ transport, timeoutMs, replyMarginMs, policy: opts.policy, onAttempt: opts.onAttempt });

  function call<T>(spec: CallSpec<T>, callOpts: PaystackCallOptions = {}): Promise<T> {
    if (callOpts.maxWaitMs !== undefined && !(callOpts.maxWaitMs > 0)) throw new RangeError('maxWaitMs must be > 0');
    const callEndsAt = performance.now() + (callOpts.maxWaitMs ?? Infinity);
    return withRetries((attempt) => runAttempt(spec, attempt, callEndsAt, callOpts.signal), {
      retry: spec.retry,
      callEndsAt,
      replyMarginMs,
      signal: callOpts.signal,
    });
  }

  return {
    initialize(input, callOpts) {
      if (!Number.isSafeInteger(input.amount) || input.amount <= 0)
        throw new RangeError('amount must be a positive integer in minor units');
      if (!input.reference) throw new RangeError('reference is required: retries must reuse it');
      return call(
        {
          op: 'initialize',
          method: 'POST',
          path: '/transaction/initialize',
          body: {
            email: input.email,
            amount: input.amount,
            reference: input.reference,
            currency: input.currency,
            ...(input.callbackUrl === undefined ? {} : { callback_url: input.callbackUrl }),
            ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
          },
          retry: true,
          key: input.reference,
          parse: (env, status) => {
            const problem = schemaProblem(WireInitializeData, env.data);
            if (problem) throw new PaystackInvalidResponseError('initialize', status, `data: ${problem}`);
            const d = env.data as { authorization_url: string; access_code: string; reference: string };
            return { authorizationUrl: d.authorization_url, accessCode: d.access_code, reference: d.reference };
          },
        },
        callOpts,
      );
    },

    verify(reference, callOpts) {
      if (!reference) throw new RangeError('reference is required');
      return call(
        {
          op: 'verify',
          method: 'GET',
          path: `/transaction/verify/${encodeURIComponent(reference)}`,
          retry: true,
          key: reference,
          parse: (env, status) => parseTransaction('verify', env.data, status),
        },
        callOpts,
      );
    },

    async refund(input, callOpts) {
      if (input.amount !== undefined && (!Number.isSafeInteger(input.amount) || input.amount <= 0)) {
        throw new RangeError('amount must be a positive integer in minor units');
      }
      const transaction = String(input.transaction);
      try {
        return await call(
          {
            op: 'refund',
            method: 'POST',
            path: '/refund',
            body: {
              transaction,
              ...(input.amount === undefined ? {} : { amount: input.amount }),
              ...(input.merchantNote === undefined ? {} : { merchant_note: input.merchantNote }),
              ...(input.customerNote === undefined ? {} : { customer_note: input.customerNote }),
            },
            // No idempotency key on POST /refund: a second attempt could refund twice.
            retry: false,
            key: transaction,
            parse: (env, status) => parseRefund('refund', env.data, status),
          },
          callOpts,
        );
      } catch (err) {
        if (isRefundOutcomeUnknown(err)) throw new PaystackAmbiguousError('refund', transaction, input.amount, err);
        throw err;
      }
    },

    fetchRefund(id, callOpts) {
      const key = String(id);
      if (!/^[0-9]+$/.test(key)) throw new RangeError('refund id must be numeric');
      return call(
        {
          op: 'fetchRefund',
          method: 'GET',
          path: `/refund/${key}`,
          retry: true,
          key,
          parse: (env, status) => parseRefund('fetchRefund', env.data, status),
        },
        callOpts,
      );
    },

    listRefunds(input, callOpts) {
      if (!Number.isSafeInteger(input.transaction) || input.transaction <= 0) {
        throw new RangeError("listRefunds needs Paystack's numeric transaction id (verify(...).id), not a reference");
      }
      // What openapi.yaml says: GET /refund documents only perPage, page, from and to;
      // it has no per-transaction filter. Paystack's API reference (and its older docs,
      // which called it `reference`) lists a `transaction` filter, and it has been
      // observed to match on the NUMERIC transaction id only (a reference returns an
      // empty list, not an error). So we send the id, and also keep only the refunds
      // whose `transaction` is that id, in case the filter is ever ignored: then
      // `meta` describes Paystack's unfiltered page, not `items`.
      const query = new URLSearchParams({ transaction: String(input.transaction) });
      if (input.perPage !== undefined) query.set('perPage', String(input.perPage));
      if (input.page !== undefined) query.set('page', String(input.page));
      if (input.from !== undefined) query.set('from', isoDate(input.from));
      if (input.to !== undefined) query.set('to', isoDate(input.to));
      return call(
        {
          op: 'listRefunds',
          method: 'GET',
          path: `/refund?${query.toString()}`,
          retry: true,
          key: String(input.transaction),
          parse: (env, status) => {
            const page = parseList('listRefunds', env, status, (d) => parseRefund('listRefunds', d, status), {
              page: input.page ?? 1,
              perPage: input.perPage ?? 50,
            });
            return { ...page, items: page.items.filter((r) => r.transactionId === input.transaction) };
          },
        },
        callOpts,
      );
    },

    listTransactions(input, callOpts) {
      // openapi.yaml names the page size `per_page` here; Paystack's API reference and
      // the same document's /refund use `perPage`, which is what Paystack reads.
      const query = new URLSearchParams({ perPage: String(input.perPage), page: String(input.page) });
      if (input.status !== undefined) query.set('status', input.status);
      if (input.from !== undefined) query.set('from', isoDate(input.from));
      if (input.to !== undefined) query.set('to', isoDate(input.to));
      return call(
        {
          op: 'listTransactions',
          method: 'GET',
          path: `/transaction?${query.toString()}`,
          retry: true,
          key: '',
          parse: (env, status) => parseList('listTransactions', env, status, (d) => parseTransaction('listTransactions', d, status), input),
        },
        callOpts,
      );
    },

    close: () => transport.close(),
  };
}
