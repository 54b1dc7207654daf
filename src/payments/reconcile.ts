import { runWithDeadline } from '../resilience/deadline.ts';
import { type PaymentContext, SWEEP_BATCH, TASK_DEADLINE_MS } from './context.ts';
import type { Settlement } from './settlement.ts';

/** The sweep: what webhooks and people did not settle, the reconciler does. */
export function createReconcile(
  ctx: PaymentContext,
  settlement: Settlement,
  processEvents: (ids: string[] | undefined) => Promise<number>,
) {
  const { payments, logger } = ctx;

  /** One sweep: stale webhook events, then a bounded batch of due payments. */
  async function reconcileOnce(): Promise<{ events: number; payments: number }> {
    const events = await processEvents(undefined);
    const due = await payments.claimDue(ctx.reconcileMinAgeMs, SWEEP_BATCH, ctx.reconcileIntervalMs);
    for (const p of due) {
      try {
        await runWithDeadline(`reconcile-${p.reference}`, 'reconciler', TASK_DEADLINE_MS, () =>
          p.status === 'refund_pending' ? settlement.settleRefund(p) : settlement.settle(p),
        );
      } catch (err) {
        logger.warn(
          { reference: p.reference, status: p.status, err: (err as Error).message, nextCheckInAttempts: p.checkAttempts + 1 },
          'reconciler could not settle a payment yet; it backs off and retries',
        );
      }
    }
    return { events, payments: due.length };
  }

  return { reconcileOnce };
}
