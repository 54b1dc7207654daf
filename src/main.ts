import { existsSync } from 'node:fs';
import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from './config/index.ts';
import { createContainer } from './container.ts';
import { createLogger } from './logger.ts';

/** `npm start`: one process serving the API. */
async function main(): Promise<void> {
  // A .env file in the working directory is read when present; the environment wins.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG: the supervisor and operators can tell a config error from a crash
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const c = await createContainer(config, logger, { startReconciler: true });
  closeWithGrace({ delay: config.gracefulTimeoutMs, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'closing after an error');
    else logger.info({ signal }, 'shutting down');
    await c.close();
  });
  const address = await c.app.listen({ host: config.host, port: config.port });
  c.listening(address);
  logger.info({ address, ...c.components }, 'listening');
  if (!config.isProduction) {
    process.stdout.write(
      `\n  it360acad is running at ${address}\n` +
        `    API reference: ${address}/docs\n` +
        `    database:      ${c.components.database}\n` +
        `    cache:         ${c.components.cache}\n` +
        `    paystack:      ${c.components.paystack}\n\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
