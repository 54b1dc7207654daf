import type { Logger } from 'pino';

import type { PaymentService } from './service.ts';

/**
 * Runs the payment sweep every RECONCILE_INTERVAL_MS in every process. Safe to run
 * everywhere at once: each run claims its rows with FOR UPDATE SKIP LOCKED and pushes
 * their next check into the future, so the work is split, never repeated. A run never
 * overlaps the previous one in the same process.
 */
export function startReconciler(o: { payments: PaymentService; intervalMs: number; logger: Logger }): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    // Jittered by up to 10% so instances started together do not sweep in lockstep.
    timer = setTimeout(tick, o.intervalMs * (0.9 + Math.random() * 0.1));
    timer.unref();
  };
  const tick = () => {
    running = o.payments
      .reconcileOnce()
      .then((r) => {
        if (r.events || r.payments) o.logger.info({ op: 'reconcile', ...r }, 'reconciler run');
      })
      .catch((err: unknown) => o.logger.warn({ op: 'reconcile', err: (err as Error).message }, 'reconciler run failed; next run retries'))
      .finally(() => {
        running = undefined;
        schedule();
      });
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
