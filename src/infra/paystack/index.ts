/**
 * Paystack's front door: the real API with PAYSTACK_SECRET_KEY, or else the simulator
 * (a development tool, never started in production). The choice is made here and
 * nowhere else; the policy is Paystack's one (src/resilience/policies.ts).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { Config } from '../../config/index.ts';
import { type DependencyHooks, paystackPolicy } from '../../resilience/policies.ts';
import type { DependencyPolicy } from '../../resilience/policy.ts';
import { compiled } from '../../shared/runtime.ts';
import { createPaystackClient, type PaystackClient } from './client.ts';
import { isPaystackOutage } from './errors.ts';

/**
 * The simulator lives outside the product code and is loaded only by dynamic import,
 * so nothing in a production build reaches it. Its one address in src/ (from dist/ the
 * same tools/ file of the clone: dist/ sits beside src/, at the same depth).
 */
export const SIMULATOR_MODULE = new URL('../../../tools/paystack-sim/server.ts', import.meta.url).href;

/**
 * The simulator is TypeScript outside src/, so the build does not compile it. From
 * source it is imported like any module; from dist/ (a development clone running `npm
 * start`, or the tests against the built output) it is loaded through tsx's API, a
 * development dependency. Where tsx or tools/ is missing (the production image has
 * neither), the service says what to set instead.
 */
async function importSimulator(): Promise<SimulatorModule> {
  if (!compiled) return (await import(SIMULATOR_MODULE)) as SimulatorModule;
  let tsx: { tsImport: (specifier: string, parent: string) => Promise<unknown> };
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    throw new Error(
      'PAYSTACK_SECRET_KEY is not set and the Paystack simulator (tools/paystack-sim, a development tool) cannot be loaded without the development dependencies: set PAYSTACK_SECRET_KEY',
    );
  }
  if (!existsSync(fileURLToPath(SIMULATOR_MODULE)))
    throw new Error(
      `PAYSTACK_SECRET_KEY is not set and the Paystack simulator is not here (${fileURLToPath(SIMULATOR_MODULE)}): set PAYSTACK_SECRET_KEY`,
    );
  return (await tsx.tsImport(SIMULATOR_MODULE, import.meta.url)) as SimulatorModule;
}

/** The secret the simulator is started with; any request signed with another is refused. */
const SIMULATOR_SECRET_KEY = 'sk_test_simulator';

/** What src/ uses of the simulator's module (createPaystackSimulator in SIMULATOR_MODULE). */
interface SimulatorModule {
  createPaystackSimulator: (o: { secretKey: string }) => {
    listen(port?: number, host?: string): Promise<string>;
    close(): Promise<void>;
    setWebhookUrl(url: string | undefined): void;
  };
}

export interface RunningSimulator {
  url: string;
  secretKey: string;
  /** Tells the simulator where the service listens, for its signed webhooks. */
  listening: (address: string) => void;
  close(): Promise<void>;
}

/**
 * Starts the simulator on a free loopback port when no PAYSTACK_SECRET_KEY is given;
 * undefined when the real API is configured. Production never gets here without a key.
 */
export async function startPaystackSimulator(config: Readonly<Config>): Promise<RunningSimulator | undefined> {
  if (config.paystackSecretKey) return undefined;
  if (config.isProduction) throw new Error('PAYSTACK_SECRET_KEY is required in production');
  const { createPaystackSimulator } = await importSimulator();
  const sim = createPaystackSimulator({ secretKey: SIMULATOR_SECRET_KEY });
  const url = await sim.listen(0, '127.0.0.1');
  return {
    url,
    secretKey: SIMULATOR_SECRET_KEY,
    listening: (address) => sim.setWebhookUrl(`${address}/api/v1/payments/webhook`),
    close: () => sim.close(),
  };
}

export interface OpenedPaystack {
  client: PaystackClient;
  policy: DependencyPolicy;
  /** The key webhooks are verified with. */
  secretKey: string;
  /** The simulator's address when this call started one. */
  simulatorUrl?: string;
  /** What runs where, for the start banner. */
  description: string;
  /** Tells the simulator (when there is one) where the service listens. */
  listening(address: string): void;
  /** Closes the client, then the simulator if this call started it. */
  close(): Promise<void>;
}

export async function openPaystack(config: Readonly<Config>, hooks: DependencyHooks): Promise<OpenedPaystack> {
  const simulator = await startPaystackSimulator(config);
  const baseUrl = simulator?.url ?? config.paystackBaseUrl;
  const secretKey = simulator?.secretKey ?? config.paystackSecretKey!;
  const policy = paystackPolicy(config, hooks, isPaystackOutage);
  let client: PaystackClient;
  try {
    client = createPaystackClient({ baseUrl, secretKey, timeoutMs: config.paystackTimeoutMs, replyMarginMs: config.replyMarginMs, policy });
  } catch (err) {
    await simulator?.close();
    throw err;
  }
  return {
    client,
    policy,
    secretKey,
    simulatorUrl: simulator?.url,
    description: simulator ? `Paystack simulator at ${baseUrl}` : `Paystack at ${baseUrl}`,
    listening: (address) => simulator?.listening(address),
    async close() {
      await client.close();
      await simulator?.close();
    },
  };
}
