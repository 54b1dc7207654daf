export type PaymentStatus = 'pending' | 'success' | 'failed' | 'abandoned' | 'expired' | 'refund_pending' | 'refunded';

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
  flagged: string | null;
  refundedAmount: number;
  refundAmount: number | null;
  paystackRefundId: number | null;
  refundRequestedAt: string | null;
  checkAttempts: number;
}
