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
 *
 * The parts: http.ts (answers, faults), api-routes.ts (the Paystack endpoints),
 * checkout-routes.ts and checkout.ts (the checkout page), control-routes.ts, store.ts
 * (the in-memory Paystack), wire.ts (its response shapes), webhooks.ts.
 */
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';

import Fastify from 'fastify';

import { registerApiRoutes } from './api-routes.ts';
import { registerCheckoutRoutes } from './checkout-routes.ts';
import type { SimContext, SimSettings, SimState } from './context.ts';
import { registerControlRoutes } from './control-routes.ts';
import { type ApiOp, createApiWrapper, NORMAL, paystackError } from './http.ts';
import { settle, type SimRefund, SimStore } from './store.ts';
import { createWebhookSender } from './webhooks.ts';
import { refundWebhookData, verifyData } from './wire.ts';

export { API_OPS, type ApiOp, FAULT_MODES, type FaultMode } from './http.ts';

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
  /** Stops promptly, even with hung requests open: their sockets are destroyed. A second call returns the first call's promise. */
  close(): Promise<void>;
  setWebhookUrl(url: string | undefined): void;
}

/** Paystack settles refunds in days; a simulator needs a second so a test can watch it happen. */
const DEFAULT_REFUND_DELAY_MS = 1_000;
/** Request bodies larger than this are not Paystack API calls. */
const BODY_LIMIT_BYTES = 1024 * 1024;

const noCalls = (): Record<ApiOp | 'checkout', number> => ({
  initialize: 0,
  verify: 0,
  listTransactions: 0,
  refund: 0,
  fetchRefund: 0,
  listRefunds: 0,
  checkout: 0,
});
const startSettings = (webhookUrl: string | undefined): SimSettings => ({
  webhookUrl,
  webhookDuplicates: 0,
  refundDelayMs: DEFAULT_REFUND_DELAY_MS,
});

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
  const state: SimState = {
    settings: startSettings(opts.webhookUrl),
    initialWebhookUrl: opts.webhookUrl,
    baseUrl: undefined,
    fault: NORMAL,
    stats: noCalls(),
  };

  const sendWebhook = (event: string, data: unknown) =>
    webhooks.send(event, data, { url: state.settings.webhookUrl, duplicates: state.settings.webhookDuplicates });

  function clearRefundTimers(): void {
    for (const t of refundTimers) clearTimeout(t);
    refundTimers.clear();
  }

  const ctx: SimContext = {
    app,
    store,
    state,
    api: createApiWrapper(state, opts.secretKey, closing.signal),
    checkoutUrl: (t) => `${opts.publicUrl ?? state.baseUrl}/checkout/${t.accessCode}`,
    sendWebhook,
    scheduleRefund(r: SimRefund, delayMs: number) {
      const timer = setTimeout(() => {
        refundTimers.delete(timer);
        store.processRefund(r);
        sendWebhook('refund.processed', refundWebhookData(r));
      }, delayMs);
      refundTimers.add(timer);
    },
    completeCheckout(t, outcome, webhook) {
      const alreadyPaid = t.status === 'success' || t.status === 'reversed';
      if (alreadyPaid) return;
      settle(t, outcome);
      // Paystack sends charge events only for successful payments.
      if (outcome === 'success' && webhook) sendWebhook('charge.success', verifyData(t));
    },
  };

  // Checkout buttons post HTML forms.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseQuery(body as string));
  });

  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    const a = paystackError(
      status,
      status >= 500 ? 'An error occurred' : err.message,
      undefined,
      status >= 500 ? 'api_error' : 'validation_error',
    );
    return reply.code(a.status).send(a.body);
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ status: false, message: 'Not found' }));

  registerApiRoutes(ctx);
  registerCheckoutRoutes(ctx);
  registerControlRoutes(ctx, {
    reset(dropData) {
      state.fault = NORMAL;
      state.settings = startSettings(state.initialWebhookUrl);
      state.stats = noCalls();
      webhooks.resetStats();
      if (dropData) {
        clearRefundTimers();
        store.clear();
      }
    },
    webhookStats: () => ({ ...webhooks.stats }),
  });

  let closed: Promise<void> | undefined;
  return {
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      const addr = app.server.address() as AddressInfo;
      // A wildcard address is where we listen, not where a browser can go.
      const reachable = addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address === '::' ? '::1' : addr.address;
      const shownHost = addr.family === 'IPv6' ? `[${reachable}]` : reachable;
      state.baseUrl = `http://${shownHost}:${addr.port}`;
      return state.baseUrl;
    },
    close() {
      closed ??= (async () => {
        closing.abort();
        clearRefundTimers();
        await Promise.all([app.close(), webhooks.close()]);
      })();
      return closed;
    },
    setWebhookUrl(url) {
      state.initialWebhookUrl = url;
      state.settings = { ...state.settings, webhookUrl: url };
    },
  };
}
