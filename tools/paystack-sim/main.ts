/**
 * Runs the Paystack simulator on its own:
 *   node --import tsx tools/paystack-sim/main.ts
 * Environment: PAYSTACK_SIM_PORT (4010), PAYSTACK_SIM_HOST (127.0.0.1),
 * PAYSTACK_SECRET_KEY (sk_test_simulator), PAYSTACK_SIM_WEBHOOK_URL (none).
 */
import { createPaystackSimulator } from './server.ts';

const port = Number(process.env.PAYSTACK_SIM_PORT ?? 4010);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PAYSTACK_SIM_PORT must be a port number, got "${process.env.PAYSTACK_SIM_PORT}"`);
  process.exit(1);
}
const host = process.env.PAYSTACK_SIM_HOST || '127.0.0.1';
const secretKey = process.env.PAYSTACK_SECRET_KEY || 'sk_test_simulator';
const webhookUrl = process.env.PAYSTACK_SIM_WEBHOOK_URL || undefined;
if (process.env.NODE_ENV === 'production') {
  console.error('The Paystack simulator is not for production (NODE_ENV=production).');
  process.exit(1);
}

const sim = createPaystackSimulator({ secretKey, webhookUrl });
const baseUrl = await sim.listen(port, host);
console.log(`Paystack simulator listening on ${baseUrl}`);
console.log(`  PAYSTACK_BASE_URL=${baseUrl}`);
console.log(`  webhooks: ${webhookUrl ?? 'off (set PAYSTACK_SIM_WEBHOOK_URL or POST /__control {"webhookUrl": ...})'}`);
console.log(`  control: POST ${baseUrl}/__control, POST ${baseUrl}/__control/reset, GET ${baseUrl}/__stats`);

let stopping = false;
function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  sim.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
