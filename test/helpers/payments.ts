import type { TestContext } from 'node:test';

import { buildTestApp, type TestApp } from './app.ts';
import type { TestUser } from './factories.ts';
import { waitFor } from './wait.ts';

export interface PayApp extends TestApp {
  /** The service's own address (the simulator delivers webhooks there). */
  url: string;
  sim: {
    url: string;
    control(body: Record<string, unknown>): Promise<unknown>;
    complete(reference: string, outcome: 'success' | 'failed' | 'abandoned', sendWebhook?: boolean): Promise<unknown>;
    plant(body: Record<string, unknown>): Promise<unknown>;
    stats(): Promise<Record<string, unknown>>;
    reset(): Promise<void>;
  };
}

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  return res.json();
}

/**
 * The whole service listening on a real port, with the in-process Paystack simulator
 * (real HTTP both ways: our client calls it, it sends signed webhooks back).
 */
export async function buildPayApp(t: TestContext, env: Record<string, string> = {}): Promise<PayApp> {
  const app = await buildTestApp(t, { RECONCILE_MIN_AGE_MS: '0', PAYSTACK_TIMEOUT_MS: '2000', PAYSTACK_VERIFY_WAIT_MS: '1500', ...env });
  const url = await app.c.app.listen({ host: '127.0.0.1', port: 0 });
  app.c.listening(url);
  const simUrl = app.c.simulatorUrl!;
  return {
    ...app,
    url,
    sim: {
      url: simUrl,
      control: (body) => post(`${simUrl}/__control`, body),
      complete: (reference, outcome, sendWebhook = true) => post(`${simUrl}/__control/complete`, { reference, outcome, sendWebhook }),
      plant: (body) => post(`${simUrl}/__control/transaction`, body),
      stats: async () =>
        (await (await fetch(`${simUrl}/__stats`, { signal: AbortSignal.timeout(5000) })).json()) as Record<string, unknown>,
      reset: async () => void (await post(`${simUrl}/__control/reset`, {})),
    },
  };
}

/** `POST /api/v1/payments/initialize` for `who`: the answer as it came (status not checked). */
export function initializePayment(app: TestApp, who: TestUser, courseId: string, extra: Record<string, unknown> = {}) {
  return app.inject({ method: 'POST', url: '/api/v1/payments/initialize', headers: who.auth, payload: { courseId, ...extra } });
}

/** Polls until `check` returns a truthy value, at most `ms`: {@link waitFor}, kept under the name the payment tests use. */
export const eventually = <T>(check: () => Promise<T | undefined | false>, ms = 5000, label = 'condition'): Promise<T> =>
  waitFor(check, ms, label, 50);
