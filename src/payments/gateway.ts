/**
 * The payment gateway port: what the payments module needs from a payment provider,
 * in outcomes rather than transport errors (the shape of Medusa's payment provider).
 * The Paystack adapter is src/infra/paystack/gateway.ts. A method throws only
 * `PaymentGatewayError` (the provider could not be asked, or the answer is not one of
 * the outcomes) or an `AppError` from the request context (its deadline).
 */

/** A charge's checkout, or the reason there is none. */
export type InitializeOutcome =
  | { status: 'created'; authorizationUrl: string; accessCode: string }
  /** The reference exists at the provider already: an earlier attempt got there, its answer was lost. */
  | { status: 'duplicate-reference' };

/** What the provider says about one of our references. */
export type VerifyOutcome =
  | {
      status: 'paid';
      reference: string;
      transactionId: number;
      /** Minor units charged (may include fees the customer bore). */
      amount: number;
      /** Minor units we asked for, when the provider says: the one to compare with our row. */
      requestedAmount?: number;
      currency: string;
      paidAt: string | null;
      gatewayResponse: string | null;
    }
  | { status: 'failed' | 'abandoned'; transactionId: number; gatewayResponse: string | null }
  /** Ongoing, processing, queued, reversed, or anything new: look again later. */
  | { status: 'pending'; transactionId: number; gatewayResponse: string | null }
  /** The provider never heard of the reference (its initialize never arrived). */
  | { status: 'unknown-reference' };

/** One refund at the provider. */
export interface GatewayRefund {
  id: number;
  /** processed and failed are final; pending covers everything still moving. */
  status: 'processed' | 'pending' | 'failed';
  amount: number;
  /** The refunded transaction's reference, when the provider says. */
  transactionReference: string | null;
  createdAt: string | null;
}

export type RefundOutcome =
  | { status: 'sent'; refund: GatewayRefund }
  /** It may or may not have happened (no idempotency key): look it up before deciding. */
  | { status: 'ambiguous' }
  /** A definite no from a healthy provider: nothing happened. */
  | { status: 'refused'; reason: string; message: string };

/** What a webhook event asks of us. */
export type WebhookAction =
  | { kind: 'charge-succeeded'; reference: string }
  /** `refundId`: the provider's refund id the event claims (verified with fetchRefund before use). */
  | { kind: 'refund-updated'; reference: string; refundId: number | undefined }
  | { kind: 'ignored' };

/** A received webhook, normalised: rejected, ignored, or an event to store and act on. */
export type ReceivedWebhook =
  | { kind: 'invalid-signature' }
  | { kind: 'malformed'; message: string }
  | { kind: 'ignored' }
  | {
      kind: 'event';
      /** Tells a redelivery from a new event. */
      key: string;
      event: string;
      reference: string;
      status: string;
      payload: Record<string, unknown>;
    };

export interface PaymentGateway {
  initialize(input: {
    email: string;
    amount: number;
    reference: string;
    currency: string;
    callbackUrl: string;
    metadata: Record<string, unknown>;
  }): Promise<InitializeOutcome>;
  /** `maxWaitMs`: give up waiting (a PaymentGatewayError) after this long. */
  verify(reference: string, opts?: { maxWaitMs?: number }): Promise<VerifyOutcome>;
  /** Never retried by the gateway: a refund has no idempotency key. */
  refund(input: { reference: string; amount: number }): Promise<RefundOutcome>;
  fetchRefund(id: number): Promise<GatewayRefund>;
  /** Refunds of a transaction (the provider's numeric id), first page only. */
  listRefunds(transactionId: number, perPage: number): Promise<GatewayRefund[]>;
  /** Checks the signature on the raw body and normalises the event. */
  receiveWebhook(rawBody: Buffer, signature: string | undefined): ReceivedWebhook;
  /** The action of a stored event (as receiveWebhook normalised it). */
  actionOf(e: { event: string; reference: string; payload: Record<string, unknown> }): WebhookAction;
}

/**
 * The provider could not be asked or did not answer usably. `retryAfterS`: when to
 * ask again; `byDeadline`: the request's own deadline ran out, not the provider.
 */
export class PaymentGatewayError extends Error {
  override readonly name = 'PaymentGatewayError';

  constructor(
    message: string,
    readonly retryAfterS: number,
    readonly byDeadline: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isPaymentGatewayError = (e: unknown): e is PaymentGatewayError => e instanceof PaymentGatewayError;
