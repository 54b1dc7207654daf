import { errors } from '../errors/index.ts';
import { runWithDeadline } from '../resilience/deadline.ts';
import { type PaymentContext, SWEEP_BATCH, TASK_DEADLINE_MS } from './context.ts';
import type { Settlement } from './settlement.ts';

// Webhook events are processed right after the 200; the sweep picks up any that a
// crash left behind once they are this old (longer than processing ever takes).
const STALE_EVENT_MS = 30_000;

/** Webhooks: received (checked, stored once, acknowledged), then processed after the answer. */
export function createWebhooks(ctx: PaymentContext, settlement: Settlement) {
  const { payments, gateway, logger } = ctx;

  /**
   * The webhook: signature checked on the raw body in constant time; a good event is
   * stored (deduplicated) and acknowledged, and processed after the answer.
   */
  async function receiveWebhook(rawBody: Buffer, signature: string | undefined): Promise<string | undefined> {
    const received = gateway.receiveWebhook(rawBody, signature);
    if (received.kind === 'invalid-signature') throw errors.unauthorized('Invalid webhook signature');
    if (received.kind === 'malformed') throw errors.validation(received.message);
    if (received.kind === 'ignored') return undefined; // not an event we act on: acknowledged, ignored
    const { key, event, reference, status, payload } = received;
    return payments.storeEvent({ key, event, reference, status, payload });
  }

  async function processEvent(e: { id: string; event: string; reference: string; payload: Record<string, unknown> }): Promise<void> {
    const p = await payments.findByReference(e.reference);
    const action = gateway.actionOf(e);
    if (!p) {
      logger.warn({ event: e.event, reference: e.reference }, 'webhook for a reference we do not know; ignored');
    } else if (action.kind === 'charge-succeeded') {
      await settlement.settle(p);
    } else if (action.kind === 'refund-updated') {
      // The event's refund id is a claim; fetchRefund asks the gateway itself.
      const claimed = action.refundId !== undefined ? await gateway.fetchRefund(action.refundId) : undefined;
      await settlement.settleRefund(
        p,
        claimed && (claimed.transactionReference === null || claimed.transactionReference === p.reference) ? claimed : undefined,
      );
    }
    await payments.markEventProcessed(e.id);
  }

  /** Processes given events now (after the webhook's 200), or stale ones (the sweep). */
  async function processEvents(ids: string[] | undefined): Promise<number> {
    // A context of its own: this runs after the webhook's answer, when the request's
    // context (its deadline, its signal) is over and must not cut the work short.
    const claimed = await runWithDeadline(`webhooks-claim-${ids?.[0] ?? 'sweep'}`, 'webhook', TASK_DEADLINE_MS, () =>
      payments.claimEvents(ids, STALE_EVENT_MS, SWEEP_BATCH),
    );
    for (const e of claimed) {
      try {
        await runWithDeadline(`webhook-${e.id}`, 'webhook', TASK_DEADLINE_MS, () => processEvent(e));
      } catch (err) {
        logger.warn(
          { event: e.event, reference: e.reference, err: (err as Error).message },
          'webhook event not processed yet; the sweep retries it',
        );
        await payments.markEventProcessed(e.id, (err as Error).message).catch(() => undefined);
      }
    }
    return claimed.length;
  }

  return { receiveWebhook, processEvent, processEvents };
}
