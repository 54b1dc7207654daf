/** The control routes (tests and demos; no auth because the simulator never runs in production). */
import type { SimContext } from './context.ts';
import {
  API_OPS,
  type ApiOp,
  asRecord,
  DEFAULT_RATELIMIT_RESET_S,
  DEFAULT_SLOW_DELAY_MS,
  FAULT_MODES,
  type FaultMode,
  NORMAL,
  positiveInt,
} from './http.ts';
import { verifyData } from './wire.ts';

export interface ControlHooks {
  /** Faults, settings and counters back to their start values; with `dropData`, transactions and refunds too. */
  reset: (dropData: boolean) => void;
  webhookStats: () => Record<string, number>;
}

export function registerControlRoutes(ctx: SimContext, { reset, webhookStats }: ControlHooks): void {
  const { app, store, state, checkoutUrl, completeCheckout } = ctx;

  function controlState() {
    return {
      mode: state.fault.mode,
      delayMs: state.fault.delayMs,
      failStatus: state.fault.failStatus,
      ops: state.fault.ops ? [...state.fault.ops] : [...API_OPS],
      times: state.fault.times,
      resetS: state.fault.resetS,
      webhookUrl: state.settings.webhookUrl ?? null,
      webhookDuplicates: state.settings.webhookDuplicates,
      refundDelayMs: state.settings.refundDelayMs,
    };
  }

  app.post('/__control', async (req, reply) => {
    const b = asRecord(req.body);
    const bad = (message: string) => reply.code(400).send({ status: false, message });
    if (b.mode !== undefined) {
      if (!(FAULT_MODES as readonly unknown[]).includes(b.mode)) return bad(`mode must be one of ${FAULT_MODES.join(', ')}`);
      let ops: Set<ApiOp> | null = null;
      if (b.ops !== undefined) {
        if (!Array.isArray(b.ops) || !b.ops.every((o) => (API_OPS as readonly unknown[]).includes(o))) {
          return bad(`ops must be a list of ${API_OPS.join(', ')}`);
        }
        ops = new Set(b.ops as ApiOp[]);
      }
      const num = (v: unknown, d: number, min: number) =>
        typeof v === 'number' && Number.isFinite(v) && v >= min ? Math.floor(v) : v === undefined ? d : NaN;
      const delayMs = num(b.delayMs, DEFAULT_SLOW_DELAY_MS, 0);
      const failStatus = num(b.failStatus, 500, 400);
      const times = b.times === undefined || b.times === null ? null : num(b.times, 0, 1);
      const resetS = num(b.resetS, DEFAULT_RATELIMIT_RESET_S, 0);
      if ([delayMs, failStatus, resetS, times ?? 0].some(Number.isNaN) || failStatus > 599) {
        return bad('delayMs/resetS must be numbers >= 0, failStatus 400-599, times >= 1');
      }
      // A new mode replaces the whole fault description; omitted fields take their defaults.
      state.fault = b.mode === 'normal' ? NORMAL : { mode: b.mode as FaultMode, delayMs, failStatus, ops, times, resetS };
    }
    if (b.webhookDuplicates !== undefined) {
      if (!Number.isInteger(b.webhookDuplicates) || (b.webhookDuplicates as number) < 0)
        return bad('webhookDuplicates must be an integer >= 0');
      state.settings = { ...state.settings, webhookDuplicates: b.webhookDuplicates as number };
    }
    if (b.refundDelayMs !== undefined) {
      if (typeof b.refundDelayMs !== 'number' || !(b.refundDelayMs >= 0)) return bad('refundDelayMs must be a number >= 0');
      state.settings = { ...state.settings, refundDelayMs: b.refundDelayMs };
    }
    if (b.webhookUrl !== undefined) {
      if (b.webhookUrl !== null && (typeof b.webhookUrl !== 'string' || !URL.canParse(b.webhookUrl)))
        return bad('webhookUrl must be a URL or null');
      state.settings = { ...state.settings, webhookUrl: b.webhookUrl ?? undefined };
    }
    return { status: true, data: controlState() };
  });

  app.get('/__control', (_req, reply) => reply.send({ status: true, data: controlState() }));

  app.post('/__control/reset', (req, reply) => {
    const b = asRecord(req.body);
    // Transactions and refunds survive a reset unless asked, so a test can clear a fault and carry on.
    reset(b.data === true);
    return reply.send({ status: true, data: controlState() });
  });

  app.get('/__stats', (_req, reply) => reply.send({ ...state.stats, webhooks: webhookStats() }));

  app.post('/__control/complete', async (req, reply) => {
    const b = asRecord(req.body);
    const t = typeof b.reference === 'string' ? store.transactions.get(b.reference) : undefined;
    if (!t) return reply.code(404).send({ status: false, message: 'Transaction reference not found' });
    if (b.outcome !== 'success' && b.outcome !== 'failed' && b.outcome !== 'abandoned') {
      return reply.code(400).send({ status: false, message: 'outcome must be success, failed or abandoned' });
    }
    completeCheckout(t, b.outcome, b.sendWebhook !== false);
    return { status: true, data: verifyData(t) };
  });

  app.post('/__control/transaction', async (req, reply) => {
    const b = asRecord(req.body);
    const amount = positiveInt(b.amount);
    if (typeof b.reference !== 'string' || b.reference === '' || amount === undefined) {
      return reply.code(400).send({ status: false, message: 'reference and a positive integer amount are required' });
    }
    const requestedAmount = b.requestedAmount === undefined ? undefined : positiveInt(b.requestedAmount);
    const t = store.createTransaction({
      reference: b.reference,
      amount,
      ...(requestedAmount === undefined ? {} : { requestedAmount }),
      currency: typeof b.currency === 'string' ? b.currency : 'NGN',
      email: typeof b.email === 'string' ? b.email : 'customer@example.com',
      callbackUrl: typeof b.callbackUrl === 'string' ? b.callbackUrl : null,
      metadata: b.metadata,
      ...(typeof b.status === 'string' ? { status: b.status } : {}),
      ...(typeof b.paidAt === 'string' ? { paidAt: b.paidAt } : {}),
    });
    return {
      status: true,
      data: { ...verifyData(t), access_code: t.accessCode, authorization_url: checkoutUrl(t) },
    };
  });
}
