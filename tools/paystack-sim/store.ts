/**
 * The simulator's in-memory Paystack: transactions, customers and refunds, and how they
 * change. How each is rendered in Paystack's response shapes is in wire.ts.
 */
import { randomBytes } from 'node:crypto';

export const DOMAIN = 'test';
/** A fixed integration id, like the one Paystack reports for a merchant account. */
export const INTEGRATION_ID = 100_043;
export const CURRENCIES = ['NGN', 'GHS', 'ZAR', 'USD', 'KES'] as const;

export interface SimCustomer {
  id: number;
  code: string;
  email: string;
}

export interface SimTransaction {
  id: number;
  reference: string;
  accessCode: string;
  amount: number;
  requestedAmount: number;
  currency: string;
  customer: SimCustomer;
  status: string;
  gatewayResponse: string;
  paidAt: string | null;
  createdAt: string;
  callbackUrl: string | null;
  /** Stored as sent: an object, a JSON string, or anything a planted transaction sets. */
  metadata: unknown;
  channel: string;
  fees: number | null;
}

export interface SimRefund {
  id: number;
  transaction: SimTransaction;
  amount: number;
  currency: string;
  status: 'pending' | 'processing' | 'processed' | 'failed';
  merchantNote: string;
  customerNote: string;
  createdAt: string;
  updatedAt: string;
  expectedAt: string;
  refundedAt: string | null;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
export function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

export class SimStore {
  readonly transactions = new Map<string, SimTransaction>();
  readonly byAccessCode = new Map<string, SimTransaction>();
  readonly byId = new Map<number, SimTransaction>();
  readonly customers = new Map<string, SimCustomer>();
  readonly refunds = new Map<number, SimRefund>();
  // Real ids are large integers (transaction ids exceed 2^32), so ours are too.
  private nextTransactionId = 5_000_000_001;
  private nextRefundId = 15_000_001;
  private nextCustomerId = 300_000_001;

  clear(): void {
    this.transactions.clear();
    this.byAccessCode.clear();
    this.byId.clear();
    this.customers.clear();
    this.refunds.clear();
  }

  customerFor(email: string): SimCustomer {
    const key = email.toLowerCase();
    let c = this.customers.get(key);
    if (!c) {
      c = { id: this.nextCustomerId++, code: `CUS_${randomToken(15)}`, email };
      this.customers.set(key, c);
    }
    return c;
  }

  newReference(): string {
    return randomToken(10);
  }

  createTransaction(input: {
    reference: string;
    amount: number;
    currency: string;
    email: string;
    callbackUrl: string | null;
    metadata: unknown;
    status?: string;
    requestedAmount?: number;
    paidAt?: string | null;
  }): SimTransaction {
    const previous = this.transactions.get(input.reference);
    if (previous) {
      this.byAccessCode.delete(previous.accessCode);
      this.byId.delete(previous.id);
    }
    const t: SimTransaction = {
      id: this.nextTransactionId++,
      reference: input.reference,
      accessCode: randomToken(15),
      amount: input.amount,
      requestedAmount: input.requestedAmount ?? input.amount,
      currency: input.currency,
      customer: this.customerFor(input.email),
      // An initialized transaction nobody has paid verifies as "abandoned" on Paystack.
      status: 'abandoned',
      gatewayResponse: 'The transaction was not completed',
      paidAt: null,
      createdAt: new Date().toISOString(),
      callbackUrl: input.callbackUrl,
      metadata: input.metadata,
      channel: 'card',
      fees: null,
    };
    if (input.status) settle(t, input.status, input.paidAt);
    this.transactions.set(t.reference, t);
    this.byAccessCode.set(t.accessCode, t);
    this.byId.set(t.id, t);
    return t;
  }

  /** By reference, or by numeric id (POST /refund accepts either). */
  findTransaction(key: string | number): SimTransaction | undefined {
    const s = String(key);
    return this.transactions.get(s) ?? (/^[0-9]+$/.test(s) ? this.byId.get(Number(s)) : undefined);
  }

  /** Minor units already refunded or being refunded. */
  refundedAmount(t: SimTransaction): number {
    let sum = 0;
    for (const r of this.refunds.values()) if (r.transaction === t && r.status !== 'failed') sum += r.amount;
    return sum;
  }

  createRefund(
    t: SimTransaction,
    amount: number,
    notes: { merchantNote?: string; customerNote?: string },
    processAfterMs: number,
  ): SimRefund {
    const now = new Date();
    const r: SimRefund = {
      id: this.nextRefundId++,
      transaction: t,
      amount,
      currency: t.currency,
      status: 'pending',
      merchantNote: notes.merchantNote ?? `Refund for transaction ${t.reference}`,
      customerNote: notes.customerNote ?? `Refund for transaction ${t.reference}`,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expectedAt: new Date(now.getTime() + processAfterMs).toISOString(),
      refundedAt: null,
    };
    this.refunds.set(r.id, r);
    return r;
  }

  processRefund(r: SimRefund): void {
    const now = new Date().toISOString();
    r.status = 'processed';
    r.refundedAt = now;
    r.updatedAt = now;
    // A fully refunded transaction verifies as "reversed" on Paystack; a partial refund leaves it "success".
    if (this.refundedAmount(r.transaction) >= r.transaction.amount) {
      r.transaction.status = 'reversed';
    }
  }
}

/** Moves a transaction to an outcome, as the checkout page or /__control/complete does. */
export function settle(t: SimTransaction, outcome: string, paidAt?: string | null): void {
  t.status = outcome;
  if (outcome === 'success') {
    t.paidAt = paidAt ?? new Date().toISOString();
    t.gatewayResponse = 'Successful';
    // Paystack's local card fee: 1.5%, capped at NGN 2,000 (200,000 kobo).
    t.fees = Math.min(Math.round(t.amount * 0.015), 200_000);
  } else {
    t.paidAt = paidAt ?? null;
    t.fees = null;
    t.gatewayResponse = outcome === 'failed' ? 'Declined' : outcome === 'abandoned' ? 'The transaction was not completed' : outcome;
  }
}
