/**
 * Webhook delivery as Paystack does it, compressed in time: a signed POST of the exact
 * body, a few retries when the receiver fails, and optional duplicates (Paystack's
 * deliveries are at-least-once, so receivers must expect them). Fire-and-forget: the
 * checkout page or API call that caused an event never waits for its delivery.
 */
import { setTimeout as delay } from 'node:timers/promises';

import { Agent } from 'undici';

import { signPaystackBody } from '../../src/infra/paystack/signature.ts';

/** Per delivery attempt: a receiver slower than this is failing the "answer 200 fast" rule anyway. */
const DELIVERY_TIMEOUT_MS = 2_000;
/** Waits before each redelivery. Paystack retries every 3 minutes, then hourly; tests need to see a retry within seconds. */
const RETRY_DELAYS_MS = [250, 1_000, 2_000];
/** Gap between a delivery and its duplicate, so a receiver sees them as separate requests, close together as in production. */
const DUPLICATE_GAP_MS = 50;

export interface WebhookStats {
  attempted: number;
  delivered: number;
  failed: number;
}

export interface WebhookSender {
  send(event: string, data: unknown, opts: { url: string | undefined; duplicates: number }): void;
  readonly stats: WebhookStats;
  resetStats(): void;
  /** Stops pending deliveries and closes connections. */
  close(): Promise<void>;
}

export function createWebhookSender(secretKey: string, onError?: (msg: string) => void): WebhookSender {
  const closing = new AbortController();
  const stats: WebhookStats = { attempted: 0, delivered: 0, failed: 0 };
  const pending = new Set<Promise<void>>();
  const agent = new Agent({
    headersTimeout: DELIVERY_TIMEOUT_MS,
    bodyTimeout: DELIVERY_TIMEOUT_MS,
    connect: { timeout: DELIVERY_TIMEOUT_MS },
  });

  async function attempt(url: string, body: string, signature: string): Promise<boolean> {
    stats.attempted++;
    try {
      const target = new URL(url);
      const res = await agent.request({
        origin: target.origin,
        path: target.pathname + target.search,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-paystack-signature': signature, 'user-agent': 'paystack-simulator' },
        body,
        signal: AbortSignal.any([closing.signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
      });
      await res.body.dump();
      return res.statusCode >= 200 && res.statusCode < 300;
    } catch {
      return false;
    }
  }

  async function deliver(url: string, body: string, signature: string): Promise<void> {
    for (let i = 0; ; i++) {
      if (closing.signal.aborted) return;
      if (await attempt(url, body, signature)) {
        stats.delivered++;
        return;
      }
      const delay = RETRY_DELAYS_MS[i];
      if (delay === undefined) {
        stats.failed++;
        onError?.(`webhook to ${url} failed after ${i + 1} attempts`);
        return;
      }
      if (!(await sleep(delay, closing.signal))) return;
    }
  }

  function track(p: Promise<void>): void {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }

  return {
    stats,
    resetStats() {
      stats.attempted = 0;
      stats.delivered = 0;
      stats.failed = 0;
    },
    send(event, data, { url, duplicates }) {
      if (!url || closing.signal.aborted) return;
      // Signed once over the exact bytes sent: every copy carries the same body and signature.
      const body = JSON.stringify({ event, data });
      const signature = signPaystackBody(secretKey, body);
      track(
        (async () => {
          await deliver(url, body, signature);
          for (let i = 0; i < duplicates; i++) {
            if (!(await sleep(DUPLICATE_GAP_MS, closing.signal))) return;
            await deliver(url, body, signature);
          }
        })(),
      );
    },
    async close() {
      closing.abort();
      await Promise.allSettled([...pending]);
      await agent.destroy();
    },
  };
}

/** Waits `ms`; false when `signal` aborted the wait (the simulator is closing). */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return delay(ms, true, { signal }).catch(() => false);
}
