/** Paystack's 2xx answers checked against the wire schemas and turned into results. */
import { PaystackInvalidResponseError, type PaystackOp } from './errors.ts';
import {
  type Page,
  type RefundResult,
  schemaProblem,
  toPageMeta,
  toRefundResult,
  toTransactionResult,
  type TransactionResult,
  WireListMeta,
  WireRefund,
  WireTransaction,
} from './types.ts';

/** The JSON envelope of a 2xx answer: `{ status: true, message, data }`. */
export function envelope(op: PaystackOp, status: number, json: unknown): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new PaystackInvalidResponseError(op, status, 'body is not a JSON object');
  }
  const obj = json as Record<string, unknown>;
  // The envelope's status only says the call worked; the payment outcome is data.status.
  if (obj.status !== true) throw new PaystackInvalidResponseError(op, status, 'envelope status is not true');
  return obj;
}

export function parseTransaction(op: PaystackOp, data: unknown, status: number): TransactionResult {
  const problem = schemaProblem(WireTransaction, data);
  if (problem) throw new PaystackInvalidResponseError(op, status, `data: ${problem}`);
  return toTransactionResult(data as WireTransaction);
}

export function parseRefund(op: PaystackOp, data: unknown, status: number): RefundResult {
  const problem = schemaProblem(WireRefund, data);
  if (problem) throw new PaystackInvalidResponseError(op, status, `data: ${problem}`);
  return toRefundResult(data as WireRefund);
}

export function parseList<T>(
  op: PaystackOp,
  env: Record<string, unknown>,
  status: number,
  item: (d: unknown) => T,
  asked: { page: number; perPage: number },
): Page<T> {
  if (!Array.isArray(env.data)) throw new PaystackInvalidResponseError(op, status, 'data is not an array');
  const metaProblem = schemaProblem(WireListMeta, env.meta);
  if (metaProblem) throw new PaystackInvalidResponseError(op, status, `meta: ${metaProblem}`);
  const items = (env.data as unknown[]).map(item);
  return { items, meta: toPageMeta(env.meta as Parameters<typeof toPageMeta>[0], { ...asked, count: items.length }) };
}

export function isoDate(d: Date | string): string {
  return typeof d === 'string' ? d : d.toISOString();
}
