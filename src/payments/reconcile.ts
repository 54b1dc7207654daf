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
    // The batch is settled one row at a time, each within TASK_DEADLINE_MS: a row may wait
    // for the whole batch before its turn, so the claim holds every row that long (plus
    // the claim itself), and each row gets its backoff back once it has been looked at.
    const due = await payments.claimDue(ctx.reconcileMinAgeMs, SWEEP_BATCH, ctx.reconcileIntervalMs, SWEEP_BATCH * TASK_DEADLINE_MS + 5000);
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
      } finally {
        await payments.releaseClaim(p.reference, ctx.reconcileIntervalMs).catch((err: unknown) =>
          // Left claimed: looked at again when the lease ends.
          logger.warn({ reference: p.reference, err: (err as Error).message }, 'reconciler could not release a payment it looked at'),
        );
      }
    }
    return { events, payments: due.length };
  }

  return { reconcileOnce };
}
