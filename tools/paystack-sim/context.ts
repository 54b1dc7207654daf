/** What the simulator's route groups share: the app, the store, the mutable settings. */
import type { FastifyInstance } from 'fastify';

import type { ApiWrapper, FaultState } from './http.ts';
import type { SimRefund, SimStore, SimTransaction } from './store.ts';

export interface SimSettings {
  webhookUrl: string | undefined;
  webhookDuplicates: number;
  refundDelayMs: number;
}

export interface SimState extends FaultState {
  settings: SimSettings;
  /** What /__control/reset restores the webhook URL to. */
  initialWebhookUrl: string | undefined;
  /** Where the simulator listens, once it does. */
  baseUrl: string | undefined;
}

export interface SimContext {
  app: FastifyInstance;
  store: SimStore;
  state: SimState;
  api: ApiWrapper;
  /** The checkout page of a transaction, as `authorization_url`. */
  checkoutUrl: (t: SimTransaction) => string;
  sendWebhook: (event: string, data: unknown) => void;
  /** Processes the refund after `delayMs` and sends refund.processed. */
  scheduleRefund: (r: SimRefund, delayMs: number) => void;
  /** Settles a transaction as the checkout page does (a paid one stays paid). */
  completeCheckout: (t: SimTransaction, outcome: 'success' | 'failed' | 'abandoned', webhook: boolean) => void;
}
