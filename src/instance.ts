import type { Logger } from 'pino';

import type { Config } from './config/index.ts';
import { createClosers } from './shared/closers.ts';

/**
 * What an instance's workers share, started once by the supervisor (src/main.ts) so that
 * it outlives any one worker: a hung worker's replacement, or a rolling reload, must not
 * restart the embedded database nor lose the Paystack simulator's transactions.
 */

/** Internal: tells a worker where the supervisor's embedded database listens. */
export const EMBEDDED_DATABASE_URL_ENV = 'IT360_EMBEDDED_DATABASE_URL';

export interface SharedDependencies {
  /** Added to every worker's environment. */
  env: Record<string, string>;
  /** For the start banner. */
  paystack?: string;
  /** Tells the shared parts where the service listens (the simulator's webhooks). */
  listening(address: string): void;
  stop(): Promise<void>;
}

export async function startSharedDependencies(config: Readonly<Config>, logger: Logger): Promise<SharedDependencies> {
  const env: Record<string, string> = {};
  const stops = createClosers((err) => logger.warn({ err }, 'error while stopping a shared dependency'));
  const stop = stops.close;
  let paystack: string | undefined;
  let setWebhookUrl: ((url: string) => void) | undefined;
  try {
    // The choices (embedded or DATABASE_URL, simulator or Paystack) are the front doors' own.
    // Both start together, each front door loaded only now: the embedded database's child
    // is forked first and boots while this process loads and starts the simulator.
    const [db, sim] = await Promise.allSettled([
      import('./infra/database/index.ts').then((m) => m.startDatabaseServer(config, logger)),
      import('./infra/paystack/index.ts').then((m) => m.startPaystackSimulator(config)),
    ]);
    const database = db.status === 'fulfilled' ? db.value : undefined;
    if (database) {
      stops.push(() => database.stop());
      env[EMBEDDED_DATABASE_URL_ENV] = database.connectionString;
    }
    // One simulator for all workers: a payment started through one worker is verified
    // or refunded through another, and its webhook may reach any of them.
    const simulator = sim.status === 'fulfilled' ? sim.value : undefined;
    if (simulator) stops.push(() => simulator.close());
    if (db.status === 'rejected') throw db.reason;
    if (sim.status === 'rejected') throw sim.reason;
    if (simulator) {
      env.PAYSTACK_SECRET_KEY = simulator.secretKey;
      env.PAYSTACK_BASE_URL = simulator.url;
      paystack = `Paystack simulator at ${simulator.url}`;
      setWebhookUrl = simulator.listening;
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    env,
    paystack,
    listening(address) {
      setWebhookUrl?.(address);
    },
    stop,
  };
}
