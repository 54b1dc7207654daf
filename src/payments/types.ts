export type PaymentStatus = 'pending' | 'success' | 'failed' | 'abandoned' | 'expired' | 'flagged' | 'refund_pending' | 'refunded';

/** A payment as the API shows it (SPEC.md). */
export interface Payment {
  reference: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  courseId: string;
  userId: string;
  paidAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The whole row, for the payments module's own decisions. */
export interface PaymentRow extends Payment {
  authorizationUrl: string | null;
  accessCode: string | null;
  paystackTransactionId: number | null;
  /** Why the payment is flagged (status `flagged`). */
  flagged: string | null;
  /** The sum of its processed refunds. */
  refundedAmount: number;
  /** Its Paystack initialize has not finished yet (see migration 003). */
  initInFlight: boolean;
  checkAttempts: number;
}

/** One refund of a payment (the refunds table). */
export interface RefundRow {
  id: string;
  paymentReference: string;
  paystackRefundId: number | null;
  amount: number;
  status: 'requested' | 'pending' | 'processed' | 'failed';
  kind: 'admin' | 'second_charge';
  requestedAt: string;
}

/** A flagged payment as /ops lists it. */
export interface FlaggedPayment {
  reference: string;
  userId: string;
  courseId: string;
  amount: number;
  currency: string;
  reason: string;
  flaggedAt: string;
}
