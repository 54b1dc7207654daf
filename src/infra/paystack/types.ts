/**
 * What we send to and read from Paystack: the loose wire shapes (snake_case, checked at
 * run time with TypeBox) and the camelCase results the rest of the app sees.
 *
 * The wire schemas are deliberately looser than vendor/paystack-openapi/openapi.yaml:
 * they require only the fields we act on and let everything else through, because
 * Paystack adds fields freely and is inconsistent between endpoints (the simulator's
 * contract test holds the simulator to the full document instead). Known looseness:
 * - `metadata` comes back as an object, a JSON string, "", 0 or null (SPEC; the
 *   document says string|object on verify and object|null on list);
 * - amounts are integers in minor units, but we accept numeric strings too;
 * - `requested_amount` is required by the document on verify but absent on older
 *   transactions, so it is optional here (SPEC);
 * - a refund's `transaction` is the whole transaction object on create and the
 *   numeric transaction id on fetch/list (which add `transaction_reference`);
 * - list `meta.perPage` is a string on /refund and a string or an integer on /transaction.
 */
import Type from 'typebox';
import { Value } from 'typebox/value';

// ---------------------------------------------------------------------------
// Inputs and results (camelCase)
// ---------------------------------------------------------------------------

/** Paystack's `data.status` of a transaction. Unknown future values pass through as strings. */
export type TransactionStatus =
  'success' | 'failed' | 'abandoned' | 'ongoing' | 'pending' | 'processing' | 'queued' | 'reversed' | (string & {});

/** A refund's status as Paystack reports it. */
export type RefundStatus = 'pending' | 'processing' | 'processed' | 'failed' | 'needs-attention' | (string & {});

export interface InitializeInput {
  email: string;
  /** Minor units (kobo for NGN). */
  amount: number;
  /** Our reference; retries reuse it so Paystack can refuse a second transaction. */
  reference: string;
  currency: string;
  callbackUrl?: string;
  metadata?: Record<string, unknown>;
}

export interface InitializeResult {
  authorizationUrl: string;
  accessCode: string;
  reference: string;
}

/** A transaction as verify (and the list) reports it. */
export interface TransactionResult {
  /** Paystack's numeric transaction id (what `listRefunds` filters on). */
  id: number;
  /** `data.status`: the outcome. Never the envelope's `status`, which only says the call worked. */
  status: TransactionStatus;
  reference: string;
  /** Minor units actually charged (may include fees the customer bore). */
  amount: number;
  /** Minor units we asked for, when Paystack sends it. */
  requestedAmount?: number;
  currency: string;
  paidAt: string | null;
  gatewayResponse: string | null;
  /** Metadata as an object when Paystack sent one (or a JSON string of one), else null. Trust our own row first. */
  metadata: Record<string, unknown> | null;
  channel: string | null;
  customerEmail: string | null;
  createdAt: string | null;
}

export type VerifyResult = TransactionResult;

export interface RefundInput {
  /** The transaction's reference or numeric id. */
  transaction: string | number;
  /** Minor units; omitted means the whole remaining amount. */
  amount?: number;
  merchantNote?: string;
  customerNote?: string;
}

export interface RefundResult {
  id: number;
  status: RefundStatus;
  amount: number;
  currency: string;
  /** Paystack's numeric id of the refunded transaction, when the answer carries it. */
  transactionId: number | null;
  /** Reference of the refunded transaction, when the answer carries it. */
  transactionReference: string | null;
  deductedAmount: number | null;
  fullyDeducted: boolean | null;
  merchantNote: string | null;
  customerNote: string | null;
  createdAt: string | null;
  expectedAt: string | null;
  refundedAt: string | null;
}

export interface ListTransactionsInput {
  perPage: number;
  page: number;
  status?: 'success' | 'failed' | 'abandoned' | 'reversed';
  from?: Date | string;
  to?: Date | string;
}

export interface ListRefundsInput {
  /**
   * Paystack's NUMERIC transaction id (`TransactionResult.id`), not our reference: the
   * filter is undocumented in openapi.yaml, and a reference has been observed to match
   * nothing, which would look exactly like "no refund exists".
   */
  transaction: number;
  perPage?: number;
  page?: number;
  from?: Date | string;
  to?: Date | string;
}

export interface PageMeta {
  total: number;
  page: number;
  perPage: number;
  pageCount: number;
}

export interface Page<T> {
  items: T[];
  meta: PageMeta;
}

// ---------------------------------------------------------------------------
// Wire schemas (snake_case, loose)
// ---------------------------------------------------------------------------

const WireAmount = Type.Union([Type.Number(), Type.String({ pattern: '^-?[0-9]+(\\.[0-9]+)?$' })]);
const WireId = Type.Union([Type.Number(), Type.String({ pattern: '^[0-9]+$' })]);
const NullableString = Type.Union([Type.String(), Type.Null()]);
const OptNullableString = Type.Optional(NullableString);

export const WireInitializeData = Type.Object({
  authorization_url: Type.String({ minLength: 1 }),
  access_code: Type.String({ minLength: 1 }),
  reference: Type.String({ minLength: 1 }),
});

export const WireTransaction = Type.Object({
  id: WireId,
  status: Type.String(),
  reference: Type.String(),
  amount: WireAmount,
  requested_amount: Type.Optional(Type.Union([WireAmount, Type.Null()])),
  currency: Type.String(),
  paid_at: OptNullableString,
  paidAt: OptNullableString,
  gateway_response: OptNullableString,
  metadata: Type.Optional(Type.Unknown()),
  channel: OptNullableString,
  created_at: OptNullableString,
  createdAt: OptNullableString,
  customer: Type.Optional(Type.Unknown()),
});

export const WireRefund = Type.Object({
  id: WireId,
  status: Type.String(),
  amount: WireAmount,
  currency: Type.String(),
  transaction: Type.Optional(Type.Unknown()),
  transaction_reference: OptNullableString,
  deducted_amount: Type.Optional(Type.Union([WireAmount, Type.Null()])),
  fully_deducted: Type.Optional(Type.Union([Type.Boolean(), Type.Number(), Type.Null()])),
  merchant_note: OptNullableString,
  customer_note: OptNullableString,
  createdAt: OptNullableString,
  expected_at: OptNullableString,
  refunded_at: OptNullableString,
});

const WireMeta = Type.Object({
  total: Type.Optional(WireAmount),
  page: Type.Optional(WireAmount),
  perPage: Type.Optional(WireAmount),
  pageCount: Type.Optional(WireAmount),
});

export const WireListMeta = Type.Optional(WireMeta);

/** The error body Paystack sends with non-2xx answers; every field optional because proxies send HTML. */
export const WireErrorBody = Type.Object({
  status: Type.Optional(Type.Unknown()),
  message: Type.Optional(Type.String()),
  code: Type.Optional(Type.String()),
  type: Type.Optional(Type.String()),
});

export type WireTransaction = Type.Static<typeof WireTransaction>;
export type WireRefund = Type.Static<typeof WireRefund>;
export type WireMeta = Type.Static<typeof WireMeta>;

/** A short, log-safe description of why `value` does not fit `schema`, or undefined when it does. */
export function schemaProblem(schema: Type.TSchema, value: unknown): string | undefined {
  if (Value.Check(schema, value)) return undefined;
  const first = Value.Errors(schema, value)[0];
  return first ? `${first.instancePath || '/'} ${first.message}` : 'does not match';
}

// ---------------------------------------------------------------------------
// Wire → result
// ---------------------------------------------------------------------------

function toInt(v: number | string): number {
  return typeof v === 'number' ? Math.trunc(v) : Math.trunc(Number(v));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Paystack returns metadata as an object, a JSON string of one, "", 0 or null depending
 * on the endpoint and how the transaction was created. Only an object is useful; the
 * rest is null. Callers should still trust their own row, found by reference.
 */
export function normaliseMetadata(raw: unknown): Record<string, unknown> | null {
  if (isPlainObject(raw)) return raw;
  if (typeof raw === 'string' && raw.trim().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      return isPlainObject(parsed) ? parsed : null;
    } catch {
      return null;
    }
  }
  return null;
}

export function toTransactionResult(w: WireTransaction): TransactionResult {
  const customer = isPlainObject(w.customer) ? w.customer : undefined;
  const requested = w.requested_amount ?? undefined;
  return {
    id: toInt(w.id),
    status: w.status,
    reference: w.reference,
    amount: toInt(w.amount),
    ...(requested !== undefined ? { requestedAmount: toInt(requested) } : {}),
    currency: w.currency,
    paidAt: w.paid_at ?? w.paidAt ?? null,
    gatewayResponse: w.gateway_response ?? null,
    metadata: normaliseMetadata(w.metadata),
    channel: w.channel ?? null,
    customerEmail: typeof customer?.email === 'string' ? customer.email : null,
    createdAt: w.created_at ?? w.createdAt ?? null,
  };
}

export function toRefundResult(w: WireRefund): RefundResult {
  // Create answers with the transaction object; fetch/list with its numeric id plus `transaction_reference`.
  let transactionId: number | null = null;
  let transactionReference: string | null = w.transaction_reference ?? null;
  if (isPlainObject(w.transaction)) {
    const t = w.transaction;
    if (typeof t.id === 'number' || (typeof t.id === 'string' && /^[0-9]+$/.test(t.id))) transactionId = toInt(t.id);
    if (typeof t.reference === 'string') transactionReference ??= t.reference;
  } else if (typeof w.transaction === 'number') {
    transactionId = w.transaction;
  } else if (typeof w.transaction === 'string' && /^[0-9]+$/.test(w.transaction)) {
    transactionId = toInt(w.transaction);
  }
  const fd = w.fully_deducted;
  return {
    id: toInt(w.id),
    status: w.status,
    amount: toInt(w.amount),
    currency: w.currency,
    transactionId,
    transactionReference,
    deductedAmount: w.deducted_amount === undefined || w.deducted_amount === null ? null : toInt(w.deducted_amount),
    // Boolean on create, 0/1 on fetch and list.
    fullyDeducted: fd === undefined || fd === null ? null : Boolean(fd),
    merchantNote: w.merchant_note ?? null,
    customerNote: w.customer_note ?? null,
    createdAt: w.createdAt ?? null,
    expectedAt: w.expected_at ?? null,
    refundedAt: w.refunded_at ?? null,
  };
}

export function toPageMeta(w: WireMeta | undefined, fallback: { page: number; perPage: number; count: number }): PageMeta {
  const num = (v: number | string | undefined, d: number) => (v === undefined || Number.isNaN(Number(v)) ? d : toInt(v));
  return {
    total: num(w?.total, fallback.count),
    page: num(w?.page, fallback.page),
    perPage: num(w?.perPage, fallback.perPage),
    pageCount: num(w?.pageCount, 1),
  };
}
