import { isAppError } from '../../errors/index.ts';
import type {
  GatewayRefund,
  PaymentGateway,
  ReceivedWebhook,
  RefundOutcome,
  VerifyOutcome,
  WebhookAction,
} from '../../payments/gateway.ts';
import { PaymentGatewayError } from '../../payments/gateway.ts';
import { isCallRejectedError, isCallTimeoutError } from '../../resilience/policy.ts';
import type { PaystackClient } from './client.ts';
import {
  isPaystackAmbiguousError,
  isPaystackDuplicateReferenceError,
  isPaystackHttpError,
  isPaystackNotFoundError,
  isPaystackRateLimitedError,
} from './errors.ts';
import { verifyPaystackSignature } from './signature.ts';
import type { RefundResult } from './types.ts';

/** The shape of every reference the payments module creates (and accepts in URLs). */
const REFERENCE = /^[A-Za-z0-9_.=-]{1,100}$/;
// Paystack's events are about five levels deep; 32 leaves room for any metadata while
// keeping a signed but pathological body away from recursive serialisation.
const MAX_EVENT_DEPTH = 32;

/** Whether a parsed JSON value nests deeper than `max`, checked without recursion. */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Paystack trouble as the port reports it. Errors of the request context (its deadline)
 * pass through as they are; everything else becomes a PaymentGatewayError with the
 * original as its cause and message.
 */
function unavailable(err: unknown): Error {
  if (isAppError(err)) return err;
  const retryAfterS = isPaystackRateLimitedError(err) ? Math.max(1, err.retryAfterS ?? 1) : isCallRejectedError(err) ? 5 : 1;
  const byDeadline = isCallTimeoutError(err) && err.byDeadline;
  return new PaymentGatewayError((err as Error).message, retryAfterS, byDeadline, { cause: err });
}

function toRefund(r: RefundResult): GatewayRefund {
  const status: GatewayRefund['status'] = r.status === 'processed' ? 'processed' : r.status === 'failed' ? 'failed' : 'pending';
  return { id: r.id, status, amount: r.amount, transactionReference: r.transactionReference, createdAt: r.createdAt };
}

/** The Paystack adapter of the payment gateway port: wraps the client, maps its errors to outcomes. */
export function createPaystackGateway(o: { client: PaystackClient; secretKey: string }): PaymentGateway {
  const { client } = o;
  return {
    async initialize(input) {
      try {
        const init = await client.initialize(input);
        return { status: 'created', authorizationUrl: init.authorizationUrl, accessCode: init.accessCode };
      } catch (err) {
        if (isPaystackDuplicateReferenceError(err)) return { status: 'duplicate-reference' };
        throw unavailable(err);
      }
    },

    async verify(reference, opts = {}): Promise<VerifyOutcome> {
      let v;
      try {
        v = await client.verify(reference, { maxWaitMs: opts.maxWaitMs });
      } catch (err) {
        if (isPaystackNotFoundError(err)) return { status: 'unknown-reference' };
        throw unavailable(err);
      }
      if (v.status === 'success') {
        return {
          status: 'paid',
          reference: v.reference,
          transactionId: v.id,
          amount: v.amount,
          requestedAmount: v.requestedAmount,
          currency: v.currency,
          paidAt: v.paidAt,
          gatewayResponse: v.gatewayResponse,
        };
      }
      if (v.status === 'failed' || v.status === 'abandoned')
        return { status: v.status === 'failed' ? 'failed' : 'abandoned', transactionId: v.id, gatewayResponse: v.gatewayResponse };
      return { status: 'pending', transactionId: v.id, gatewayResponse: v.gatewayResponse };
    },

    async refund(input): Promise<RefundOutcome> {
      try {
        return { status: 'sent', refund: toRefund(await client.refund({ transaction: input.reference, amount: input.amount })) };
      } catch (err) {
        if (isPaystackAmbiguousError(err)) return { status: 'ambiguous' };
        // A 4xx other than 429: a healthy Paystack saying no; nothing happened.
        if (isPaystackHttpError(err) && err.status < 500 && err.status !== 429)
          return { status: 'refused', reason: err.paystackMessage ?? err.message, message: err.message };
        throw unavailable(err);
      }
    },

    async fetchRefund(id) {
      try {
        return toRefund(await client.fetchRefund(id));
      } catch (err) {
        throw unavailable(err);
      }
    },

    async listRefunds(transactionId, perPage) {
      try {
        return (await client.listRefunds({ transaction: transactionId, perPage })).items.map(toRefund);
      } catch (err) {
        throw unavailable(err);
      }
    },

    receiveWebhook(rawBody, signature): ReceivedWebhook {
      if (!verifyPaystackSignature(o.secretKey, rawBody, signature)) return { kind: 'invalid-signature' };
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawBody.toString('utf8'));
      } catch {
        return { kind: 'malformed', message: 'The webhook body is not JSON' };
      }
      // Signed is not the same as well-formed: a signed body must still be an event
      // before anything reads its fields or stores it.
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        return { kind: 'malformed', message: 'The webhook body is not a JSON object' };
      if (nestedDeeperThan(parsed, MAX_EVENT_DEPTH)) return { kind: 'malformed', message: 'The webhook body is nested too deeply' };
      const body = parsed as Record<string, unknown> & { event?: unknown; data?: unknown };
      const data = (body.data !== null && typeof body.data === 'object' ? body.data : {}) as Record<string, unknown>;
      const event = typeof body.event === 'string' ? body.event : '';
      const reference =
        typeof data.reference === 'string'
          ? data.reference
          : typeof data.transaction_reference === 'string'
            ? data.transaction_reference
            : '';
      if (!event || !reference) return { kind: 'ignored' }; // not an event we act on: acknowledged, ignored
      if (!REFERENCE.test(reference)) return { kind: 'ignored' }; // not a reference we could have made
      if (event !== 'charge.success' && !event.startsWith('refund.')) return { kind: 'ignored' };
      const status = typeof data.status === 'string' ? data.status : '';
      // Charge events carry no id: (event, reference, status) tells a redelivery. A
      // refund event is about one refund: its own id tells it from the payment's others.
      const refundId =
        event.startsWith('refund.') && (typeof data.id === 'number' || typeof data.id === 'string') ? String(data.id) : undefined;
      const key = refundId ? `${event}:refund:${refundId}:${status}` : `${event}:${reference}:${status}`;
      return { kind: 'event', key, event, reference, status, payload: body };
    },

    actionOf(e): WebhookAction {
      if (e.event === 'charge.success') return { kind: 'charge-succeeded', reference: e.reference };
      if (e.event.startsWith('refund.')) {
        const data = (e.payload.data ?? {}) as { id?: unknown };
        return { kind: 'refund-updated', reference: e.reference, refundId: typeof data.id === 'number' ? data.id : undefined };
      }
      return { kind: 'ignored' };
    },
  };
}
