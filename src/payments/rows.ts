import type { Queryable } from '../infra/database/client.ts';
import type { Payment, PaymentRow, PaymentStatus, RefundRow } from './types.ts';

/** Row shapes and column lists of the payments module's tables (payments, refunds), shared by its repositories. */
export const COLUMNS = `id, reference, user_id, course_id, amount, currency, status, authorization_url, access_code, paystack_transaction_id,
  paid_at, gateway_response, flagged, refunded_amount, init_in_flight, check_attempts,
  next_check_at, created_at, updated_at`;

export const REFUND_COLUMNS = 'id, payment_reference, paystack_refund_id, amount, status, kind, requested_at';

export interface Row {
  id: string;
  reference: string;
  user_id: string;
  course_id: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  authorization_url: string | null;
  access_code: string | null;
  paystack_transaction_id: number | null;
  paid_at: Date | null;
  gateway_response: string | null;
  flagged: string | null;
  refunded_amount: number;
  init_in_flight: boolean;
  check_attempts: number;
  created_at: Date;
  updated_at: Date;
}

export function toRow(r: Row): PaymentRow {
  return {
    reference: r.reference,
    status: r.status,
    amount: Number(r.amount),
    currency: r.currency,
    courseId: r.course_id,
    userId: r.user_id,
    paidAt: r.paid_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    authorizationUrl: r.authorization_url,
    accessCode: r.access_code,
    paystackTransactionId: r.paystack_transaction_id === null ? null : Number(r.paystack_transaction_id),
    flagged: r.flagged,
    refundedAmount: Number(r.refunded_amount),
    initInFlight: r.init_in_flight,
    checkAttempts: r.check_attempts,
  };
}

export interface RefundDbRow {
  id: string;
  payment_reference: string;
  paystack_refund_id: string | null;
  amount: string;
  status: RefundRow['status'];
  kind: RefundRow['kind'];
  requested_at: Date;
}

export function toRefund(r: RefundDbRow): RefundRow {
  return {
    id: r.id,
    paymentReference: r.payment_reference,
    paystackRefundId: r.paystack_refund_id === null ? null : Number(r.paystack_refund_id),
    amount: Number(r.amount),
    status: r.status,
    kind: r.kind,
    requestedAt: r.requested_at.toISOString(),
  };
}

/** COLUMNS qualified with the alias `p`, for statements that join or subquery payments. */
export const P_COLUMNS = COLUMNS.split(',')
  .map((c) => `p.${c.trim()}`)
  .join(', ');

/** The first row of a statement on payments, as a PaymentRow. */
export async function onePayment(op: string, q: Queryable, sql: string, values: unknown[]) {
  const rows = await q.query<Row>(op, sql, values);
  return rows[0] && toRow(rows[0]);
}

/** Statuses from which a verified success still fulfils the payment (SPEC.md). */
export const FULFILLABLE: PaymentStatus[] = ['pending', 'failed', 'abandoned', 'expired'];

export function toPublic(p: PaymentRow): Payment {
  return {
    reference: p.reference,
    status: p.status,
    amount: p.amount,
    currency: p.currency,
    courseId: p.courseId,
    userId: p.userId,
    paidAt: p.paidAt,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}
