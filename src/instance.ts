import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config/index.ts';

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
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err: unknown) => logger.warn({ err }, 'error while stopping a shared dependency'));
  };
  let paystack: string | undefined;
  let setWebhookUrl: ((url: string) => void) | undefined;
  try {
    if (!config.databaseUrl) {
      // The embedded database's own module keeps its data directory locked; loaded only
      // when used, so production never loads PGlite.
      const { startEmbeddedPostgres } = await import('./infra/database/embedded/index.ts');
      // Its log lines name the database process's pid; the record's own `pid` is ours.
      const log = (msg: string, extra?: object) => {
        const { pid, ...rest } = (extra ?? {}) as { pid?: number };
        logger.info({ ...rest, databasePid: pid }, msg);
      };
      const db = await startEmbeddedPostgres({ dataDir: path.resolve(config.dataDir), log });
      stops.push(() => db.stop());
      env[EMBEDDED_DATABASE_URL_ENV] = db.connectionString;
    }
    if (!config.paystackSecretKey && !config.isProduction) {
      // One simulator for all workers: a payment started through one worker is verified
      // or refunded through another, and its webhook may reach any of them.
      const { createPaystackSimulator } = await import('../tools/paystack-sim/server.ts');
      const secretKey = 'sk_test_simulator';
      const sim = createPaystackSimulator({ secretKey });
      const url = await sim.listen(0, '127.0.0.1');
      stops.push(() => sim.close());
      env.PAYSTACK_SECRET_KEY = secretKey;
      env.PAYSTACK_BASE_URL = url;
      paystack = `Paystack simulator at ${url}`;
      setWebhookUrl = (address) => sim.setWebhookUrl(`${address}/api/v1/payments/webhook`);
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
