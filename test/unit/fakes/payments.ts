import pino from 'pino';

import type { CourseRepository } from '../../../src/courses/repository.ts';
import type { Course } from '../../../src/courses/types.ts';
import type { EnrollmentRepository } from '../../../src/enrollments/repository.ts';
import type { PaymentContext, PaymentNotices } from '../../../src/payments/context.ts';
import type { GatewayRefund, PaymentGateway, RefundOutcome, VerifyOutcome } from '../../../src/payments/gateway.ts';
import { FULFILLABLE, type PaymentRepository } from '../../../src/payments/repository.ts';
import { createPaymentService } from '../../../src/payments/service.ts';
import { createSettlement } from '../../../src/payments/settlement.ts';
import type { PaymentRow, PaymentStatus, RefundRow } from '../../../src/payments/types.ts';

/** A clock the test moves; sleeping moves it too (and yields once). */
export function fakeClock(start = Date.parse('2026-01-01T00:00:00Z')) {
  const c = {
    t: start,
    sleeps: 0,
    /** Runs after each sleep: what other requests do meanwhile. */
    onSleep: undefined as undefined | (() => Promise<void>),
    now: () => c.t,
    sleep: async (ms: number) => {
      c.sleeps++;
      c.t += ms;
      await c.onSleep?.();
    },
    iso: (agoMs = 0) => new Date(c.t - agoMs).toISOString(),
  };
  return c;
}
export type FakeClock = ReturnType<typeof fakeClock>;

const TX = Symbol('tx');

/** The payments and refunds tables in memory, with the repository's guarded transitions. */
export function fakePayments(clock: FakeClock) {
  const rows = new Map<string, PaymentRow>();
  const refunds: RefundRow[] = [];
  let refundSeq = 0;
  const events: {
    id: string;
    key: string;
    event: string;
    reference: string;
    status: string;
    payload: Record<string, unknown>;
    processed: boolean;
    error?: string;
  }[] = [];
  const transactions: string[] = [];
  const set = (reference: string, patch: Partial<PaymentRow>): PaymentRow => {
    const row = { ...rows.get(reference)!, ...patch, updatedAt: clock.iso() };
    rows.set(reference, row);
    return { ...row };
  };
  const get = (reference: string) => {
    const r = rows.get(reference);
    return r && { ...r };
  };
  const repo = {
    transaction: async <T>(op: string, fn: (tx: never) => Promise<T>): Promise<T> => {
      transactions.push(op);
      return fn(TX as never);
    },
    findByReference: async (reference: string) => get(reference),
    findPending: async (userId: string, courseId: string) =>
      [...rows.values()].find((r) => r.userId === userId && r.courseId === courseId && r.status === 'pending'),
    insertPending: async (p: { reference: string; userId: string; courseId: string; amount: number; currency: string }) => {
      if ([...rows.values()].some((r) => r.userId === p.userId && r.courseId === p.courseId && r.status === 'pending'))
        return 'conflict' as const;
      return add({ ...p, status: 'pending', initInFlight: true });
    },
    insertFree: async (tx: unknown, p: { reference: string; userId: string; courseId: string; currency: string }) => {
      if (tx !== TX) throw new Error('insertFree outside a transaction');
      return add({ ...p, amount: 0, status: 'success', paidAt: clock.iso() });
    },
    setCheckout: async (reference: string, authorizationUrl: string, accessCode: string) =>
      set(reference, { authorizationUrl, accessCode, initInFlight: false }),
    finishInitialize: async (reference: string) => {
      set(reference, { initInFlight: false });
    },
    supersede: async (reference: string, staleMs: number) => {
      const r = rows.get(reference);
      if (!r || r.status !== 'pending' || r.authorizationUrl !== null) return false;
      if (r.initInFlight && Date.parse(r.createdAt) > clock.now() - staleMs) return false;
      set(reference, { status: 'abandoned', initInFlight: false });
      return true;
    },
    markSuccess: async (tx: unknown, reference: string, v: { paidAt: string | null; transactionId: number }) => {
      if (tx !== TX) throw new Error('markSuccess outside a transaction');
      const r = rows.get(reference);
      if (!r || !FULFILLABLE.includes(r.status)) return undefined;
      return set(reference, { status: 'success', paidAt: v.paidAt ?? clock.iso(), paystackTransactionId: v.transactionId });
    },
    markUnsuccessful: async (reference: string, status: PaymentStatus, _why: string | null, from: PaymentStatus[]) => {
      const r = rows.get(reference);
      if (!r || !from.includes(r.status)) return undefined;
      return set(reference, { status });
    },
    flag: async (reference: string, why: string) => {
      const r = rows.get(reference);
      if (!r || !FULFILLABLE.includes(r.status)) return undefined;
      return set(reference, { status: 'flagged', flagged: why, initInFlight: false });
    },
    listFlagged: async () => [],
    setTransactionId: async (reference: string, id: number) => {
      if (rows.get(reference)?.paystackTransactionId === null) set(reference, { paystackTransactionId: id });
    },
    beginRefund: async (tx: unknown, reference: string, amount: number, kind: RefundRow['kind']) => {
      if (tx !== TX) throw new Error('beginRefund outside a transaction');
      const r = rows.get(reference);
      if (!r || !['success', 'refunded'].includes(r.status) || r.refundedAmount + amount > r.amount) return undefined;
      const refund: RefundRow = {
        id: `rf-${++refundSeq}`,
        paymentReference: reference,
        paystackRefundId: null,
        amount,
        status: 'requested',
        kind,
        requestedAt: clock.iso(),
      };
      refunds.push(refund);
      return { payment: set(reference, { status: 'refund_pending' }), refund: { ...refund } };
    },
    openRefund: async (reference: string) => {
      const f = refunds.find((x) => x.paymentReference === reference && (x.status === 'requested' || x.status === 'pending'));
      return f && { ...f };
    },
    recordedRefundIds: async (reference: string) =>
      new Set(refunds.filter((x) => x.paymentReference === reference && x.paystackRefundId !== null).map((x) => x.paystackRefundId!)),
    setRefundId: async (id: string, paystackRefundId: number) => {
      const f = refunds.find((x) => x.id === id);
      if (!f || f.paystackRefundId !== null || refunds.some((x) => x.paystackRefundId === paystackRefundId)) return false;
      f.paystackRefundId = paystackRefundId;
      if (f.status === 'requested') f.status = 'pending';
      return true;
    },
    claimResend: async (id: string, requestedAt: string) => {
      const f = refunds.find((x) => x.id === id);
      if (!f || f.status !== 'requested' || f.paystackRefundId !== null || f.requestedAt !== requestedAt) return false;
      f.requestedAt = clock.iso();
      return true;
    },
    completeRefund: async (tx: unknown, id: string) => {
      if (tx !== TX) throw new Error('completeRefund outside a transaction');
      const f = refunds.find((x) => x.id === id && (x.status === 'requested' || x.status === 'pending'));
      if (!f) return undefined;
      f.status = 'processed';
      const r = rows.get(f.paymentReference);
      if (r?.status !== 'refund_pending') return undefined;
      const refundedAmount = refunds
        .filter((x) => x.paymentReference === f.paymentReference && x.status === 'processed')
        .reduce((s, x) => s + x.amount, 0);
      return set(f.paymentReference, { status: 'refunded', refundedAmount });
    },
    failRefund: async (id: string) => {
      const f = refunds.find((x) => x.id === id && (x.status === 'requested' || x.status === 'pending'));
      if (!f) return undefined;
      f.status = 'failed';
      const r = rows.get(f.paymentReference);
      if (r?.status !== 'refund_pending') return undefined;
      return set(f.paymentReference, { status: r.refundedAmount > 0 ? 'refunded' : 'success' });
    },
    list: async () => ({ items: [], page: 1, pageSize: 20, total: 0 }),
    releaseClaim: async () => undefined,
    claimDue: async () =>
      [...rows.values()]
        .filter((r) => r.status === 'pending' || r.status === 'refund_pending' || r.status === 'failed' || r.status === 'abandoned')
        .map((r) => ({ ...r })),
    storeEvent: async (e: { key: string; event: string; reference: string; status: string; payload: unknown }) => {
      if (events.some((x) => x.key === e.key)) return undefined;
      const id = `ev-${events.length + 1}`;
      events.push({ id, ...e, payload: e.payload as Record<string, unknown>, processed: false });
      return id;
    },
    claimEvents: async (ids: string[] | undefined) =>
      events
        .filter((e) => !e.processed && (!ids || ids.includes(e.id)))
        .map((e) => ({ id: e.id, event: e.event, reference: e.reference, payload: e.payload })),
    markEventProcessed: async (id: string, error?: string) => {
      const e = events.find((x) => x.id === id)!;
      if (error) e.error = error;
      else e.processed = true;
    },
  };

  function add(
    p: Partial<PaymentRow> & {
      reference: string;
      userId: string;
      courseId: string;
      currency: string;
      amount: number;
      status: PaymentStatus;
    },
  ): PaymentRow {
    const row: PaymentRow = {
      paidAt: null,
      createdAt: clock.iso(),
      updatedAt: clock.iso(),
      authorizationUrl: null,
      accessCode: null,
      paystackTransactionId: null,
      flagged: null,
      refundedAmount: 0,
      initInFlight: false,
      checkAttempts: 0,
      ...p,
    };
    rows.set(row.reference, row);
    return { ...row };
  }

  return { repo: repo as unknown as PaymentRepository, rows, refunds, events, transactions, add, get };
}

/** Enrollments in memory: one active enrollment per (user, course), held by a payment. */
export function fakeEnrollments() {
  const held = new Map<string, { paymentReference: string; active: boolean }>();
  const key = (u: string, c: string) => `${u}/${c}`;
  const repo = {
    enroll: async (tx: unknown, e: { userId: string; courseId: string; paymentReference: string }) => {
      if (tx !== TX) throw new Error('enroll outside a transaction');
      if (held.get(key(e.userId, e.courseId))?.active) return false;
      held.set(key(e.userId, e.courseId), { paymentReference: e.paymentReference, active: true });
      return true;
    },
    activeHolder: async (tx: unknown, u: string, c: string) => {
      if (tx !== TX) throw new Error('activeHolder outside a transaction');
      const h = held.get(key(u, c));
      return h?.active ? h.paymentReference : undefined;
    },
    endForPayment: async (tx: unknown, reference: string) => {
      if (tx !== TX) throw new Error('endForPayment outside a transaction');
      for (const h of held.values()) if (h.paymentReference === reference) h.active = false;
    },
    isEnrolled: async (u: string, c: string) => held.get(key(u, c))?.active === true,
  };
  return { repo: repo as unknown as EnrollmentRepository, held, key };
}

type Deferred<T> = { promise: Promise<T>; resolve(v: T): void };
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A gateway whose answers the test sets; `hold` keeps verify calls unanswered until released. */
export function fakeGateway() {
  const g = {
    verifyCalls: 0,
    verifyAnswer: new Map<string, VerifyOutcome | Error>(),
    held: undefined as Deferred<void> | undefined,
    refundAnswer: (): Promise<RefundOutcome> => Promise.resolve({ status: 'ambiguous' }),
    refundCalls: [] as { reference: string; amount: number }[],
    refundsAt: new Map<number, GatewayRefund>(),
    initializeCalls: 0,
    hold() {
      g.held = deferred<void>();
    },
    release() {
      g.held?.resolve();
      g.held = undefined;
    },
  };
  const gateway: PaymentGateway = {
    initialize: async (input) => {
      g.initializeCalls++;
      return { status: 'created', authorizationUrl: `https://checkout.test/${input.reference}`, accessCode: `ac-${input.reference}` };
    },
    verify: async (reference) => {
      g.verifyCalls++;
      if (g.held) await g.held.promise;
      const a = g.verifyAnswer.get(reference) ?? { status: 'unknown-reference' };
      if (a instanceof Error) throw a;
      return a;
    },
    refund: (input) => {
      g.refundCalls.push(input);
      return g.refundAnswer();
    },
    fetchRefund: async (id) => {
      const r = g.refundsAt.get(id);
      if (!r) throw new Error(`no refund ${id}`);
      return r;
    },
    listRefunds: async () => [...g.refundsAt.values()],
    receiveWebhook: () => ({ kind: 'ignored' }),
    actionOf: (e) => (e.event === 'charge.success' ? { kind: 'charge-succeeded', reference: e.reference } : { kind: 'ignored' }),
  };
  return { g, gateway };
}

export const course: Course = {
  id: 'c1',
  slug: 'c1',
  title: 'Course',
  price: 500_000,
  currency: 'NGN',
  isPublished: true,
} as unknown as Course;

export const silent = pino({ level: 'silent' });

/** Receipts and refund notices as the accounts side would write them: recorded, and refused outside a transaction. */
export function fakeNotices() {
  const sent: ({ kind: 'receipt' | 'refund' } & Record<string, unknown>)[] = [];
  const notices: PaymentNotices = {
    receipt: async (tx, r) => {
      if ((tx as unknown) !== TX) throw new Error('receipt outside a transaction');
      sent.push({ kind: 'receipt', ...r });
    },
    refund: async (tx, r) => {
      if ((tx as unknown) !== TX) throw new Error('refund notice outside a transaction');
      sent.push({ kind: 'refund', ...r });
    },
  };
  return { notices, sent };
}

/** The payment service over the fakes, with settings as the server has them by default. */
export function setup(o: { requestTimeoutMs?: number; reconcileMinAgeMs?: number } = {}) {
  const clock = fakeClock();
  const payments = fakePayments(clock);
  const enrollments = fakeEnrollments();
  const { g, gateway } = fakeGateway();
  const courses = { findByIdOrSlug: async (id: string) => (id === course.id ? course : undefined) } as unknown as CourseRepository;
  const mail = fakeNotices();
  const settings = {
    notices: mail.notices,
    logger: silent,
    publicUrl: () => 'http://127.0.0.1:3000',
    callbackAllowlist: [],
    verifyWaitMs: 1_000,
    requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
    replyMarginMs: 250,
    reconcileMinAgeMs: o.reconcileMinAgeMs ?? 60_000,
    reconcileIntervalMs: 30_000,
  };
  // payment_checkout_begin (migration 007) over the fakes: the course as `courses` has it
  // when called (tests replace findByIdOrSlug), then insertPending's rule.
  (payments.repo as { beginCheckout: PaymentRepository['beginCheckout'] }).beginCheckout = async (p, minAgeMs) => {
    const found = await courses.findByIdOrSlug(p.courseId);
    const enrolled = await enrollments.repo.isEnrolled(p.userId, p.courseId);
    const start = { course: found, enrolled, email: 'student@example.test' };
    if (!found || !found.isPublished || found.price === 0 || enrolled) return start;
    const open = await payments.repo.findPending(p.userId, p.courseId);
    if (open) return { ...start, open };
    const inserted = await payments.repo.insertPending(
      { reference: p.reference, userId: p.userId, courseId: p.courseId, amount: found.price, currency: found.currency },
      minAgeMs,
    );
    return inserted === 'conflict' ? start : { ...start, inserted };
  };
  const service = createPaymentService({ payments: payments.repo, enrollments: enrollments.repo, courses, gateway, clock, ...settings });
  const ctx: PaymentContext = {
    payments: payments.repo,
    enrollments: enrollments.repo,
    courses,
    gateway,
    clock,
    ...settings,
    staleAttemptMs: settings.requestTimeoutMs + 5_000,
  };
  /** Settlement on its own (its own verify bookkeeping, apart from the service's). */
  const settlement = createSettlement(ctx);
  return { clock, payments, enrollments, g, gateway, service, settlement, ctx, notices: mail.sent };
}

/** Paystack's answer that a payment was made in full. */
export function paid(
  reference: string,
  amount = course.price,
  extra: Partial<Extract<VerifyOutcome, { status: 'paid' }>> = {},
): VerifyOutcome {
  return { status: 'paid', reference, transactionId: 9001, amount, currency: 'NGN', paidAt: null, gatewayResponse: 'Approved', ...extra };
}
