/**
 * The simulator's transactions and refunds in Paystack's response shapes. The shapes
 * follow the response schemas of vendor/paystack-openapi/openapi.yaml field for field
 * (test/paystack-contract.test.ts holds them to it), except where real Paystack differs;
 * those places say so.
 */
import { DOMAIN, INTEGRATION_ID, randomToken, type SimRefund, type SimTransaction } from './store.ts';

function paidAuthorization() {
  return {
    authorization_code: `AUTH_${randomToken(10)}`,
    bin: '408408',
    last4: '4081',
    exp_month: '12',
    exp_year: '2030',
    channel: 'card',
    card_type: 'visa ',
    bank: 'TEST BANK',
    country_code: 'NG',
    brand: 'visa',
    reusable: true,
    signature: `SIG_${randomToken(20)}`,
    account_name: null,
  };
}

/**
 * Metadata as Paystack echoes it: what was sent. Verify's schema allows a string or an
 * object; with none we send "" (one of the forms SPEC warns about).
 */
function verifyMetadata(m: unknown): unknown {
  return m === undefined || m === null ? '' : m;
}

/** `data` of GET /transaction/verify/:reference, and of a charge.success webhook. */
export function verifyData(t: SimTransaction) {
  const paid = t.status === 'success' || t.status === 'reversed';
  return {
    id: t.id,
    domain: DOMAIN,
    status: t.status,
    reference: t.reference,
    receipt_number: null,
    amount: t.amount,
    message: null,
    gateway_response: t.gatewayResponse,
    paid_at: t.paidAt,
    created_at: t.createdAt,
    channel: t.channel,
    currency: t.currency,
    ip_address: '127.0.0.1',
    metadata: verifyMetadata(t.metadata),
    log: null,
    fees: t.fees,
    fees_split: null,
    // Paystack sends {} until a card has been used; verify's schema requires no fields of it.
    authorization: paid ? paidAuthorization() : {},
    customer: {
      id: t.customer.id,
      first_name: null,
      last_name: null,
      email: t.customer.email,
      customer_code: t.customer.code,
      phone: null,
      metadata: null,
      risk_action: 'default',
      international_format_phone: null,
    },
    plan: null,
    split: {},
    order_id: null,
    paidAt: t.paidAt,
    createdAt: t.createdAt,
    requested_amount: t.requestedAmount,
    pos_transaction_data: null,
    source: null,
    fees_breakdown: null,
    connect: null,
    transaction_date: t.createdAt,
    plan_object: {},
    subaccount: {},
  };
}

/** One item of GET /transaction. */
export function listItem(t: SimTransaction) {
  const paid = t.status === 'success' || t.status === 'reversed';
  let metadata: unknown = t.metadata;
  if (typeof metadata === 'string') {
    try {
      metadata = JSON.parse(metadata);
    } catch {
      metadata = null;
    }
  }
  return {
    id: t.id,
    domain: DOMAIN,
    status: t.status,
    reference: t.reference,
    amount: t.amount,
    message: null,
    gateway_response: t.gatewayResponse,
    paid_at: t.paidAt,
    created_at: t.createdAt,
    channel: t.channel,
    currency: t.currency,
    ip_address: '127.0.0.1',
    // The list's schema says object or null (verify's says string or object).
    metadata: typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? metadata : null,
    log: null,
    fees: t.fees,
    fees_split: null,
    customer: {
      id: t.customer.id,
      first_name: null,
      last_name: null,
      email: t.customer.email,
      phone: null,
      metadata: null,
      customer_code: t.customer.code,
      risk_action: 'default',
    },
    // The list's schema requires every authorization field (nullable) where verify's requires none.
    authorization: paid
      ? paidAuthorization()
      : {
          authorization_code: null,
          bin: null,
          last4: null,
          exp_month: null,
          exp_year: null,
          channel: null,
          card_type: null,
          bank: null,
          country_code: null,
          brand: null,
          reusable: false,
          signature: null,
          account_name: null,
        },
    plan: {},
    split: {},
    subaccount: {},
    order_id: null,
    // null until paid, as on verify; openapi.yaml's list schema says string (see the contract test).
    paidAt: t.paidAt,
    createdAt: t.createdAt,
    requested_amount: t.requestedAmount,
    source: null,
    connect: null,
    pos_transaction_data: null,
  };
}

function refundCustomer(t: SimTransaction) {
  // The refund schemas type these as plain strings (verify's allow null), so "" stands for "none".
  return {
    id: t.customer.id,
    first_name: '',
    last_name: '',
    email: t.customer.email,
    customer_code: t.customer.code,
    phone: '',
    metadata: '',
    risk_action: 'default',
    international_format_phone: '',
  };
}

/** `data` of POST /refund: the transaction is embedded as an object. */
export function refundCreateData(r: SimRefund) {
  const t = r.transaction;
  return {
    transaction: {
      id: t.id,
      domain: DOMAIN,
      reference: t.reference,
      amount: t.amount,
      paid_at: t.paidAt ?? t.createdAt,
      channel: t.channel,
      currency: t.currency,
      authorization: { exp_month: null, exp_year: null, account_name: null },
      customer: { international_format_phone: null },
      plan: {},
      subaccount: { currency: null },
      split: {},
      order_id: null,
      paidAt: t.paidAt ?? t.createdAt,
      pos_transaction_data: null,
      source: null,
      fees_breakdown: null,
    },
    integration: INTEGRATION_ID,
    deducted_amount: 0,
    channel: null,
    merchant_note: r.merchantNote,
    customer_note: r.customerNote,
    status: r.status,
    refunded_by: 'ops@it360acad.test',
    expected_at: r.expectedAt,
    currency: r.currency,
    domain: DOMAIN,
    amount: r.amount,
    // A boolean here, but 0/1 on fetch and list, as the document (and Paystack) has it.
    fully_deducted: false,
    id: r.id,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/** `data` of GET /refund/:id and each item of GET /refund: the transaction is its numeric id. */
export function refundData(r: SimRefund) {
  const t = r.transaction;
  return {
    integration: INTEGRATION_ID,
    transaction: t.id,
    dispute: null,
    settlement: null,
    id: r.id,
    domain: DOMAIN,
    currency: r.currency,
    amount: r.amount,
    status: r.status,
    refunded_at: r.refundedAt,
    refunded_by: 'ops@it360acad.test',
    customer_note: r.customerNote,
    merchant_note: r.merchantNote,
    deducted_amount: r.status === 'processed' ? r.amount : 0,
    fully_deducted: r.status === 'processed' ? 1 : 0,
    createdAt: r.createdAt,
    bank_reference: null,
    transaction_reference: t.reference,
    reason: r.customerNote,
    customer: refundCustomer(t),
    refund_type: r.amount >= t.amount ? 'full' : 'partial',
    transaction_amount: t.amount,
    initiated_by: 'api',
    refund_channel: t.channel,
    session_id: null,
    collect_account_number: false,
  };
}

/** `data` of a refund.* webhook. */
export function refundWebhookData(r: SimRefund) {
  return {
    status: r.status,
    transaction_reference: r.transaction.reference,
    refund_reference: null,
    amount: r.amount,
    currency: r.currency,
    processor: 'simulator',
    customer: { first_name: '', last_name: '', email: r.transaction.customer.email },
    integration: INTEGRATION_ID,
    domain: DOMAIN,
    id: r.id,
    transaction: r.transaction.id,
  };
}
