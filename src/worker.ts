/**
 * One worker process: started by the supervisor (src/main.ts), never by hand. It serves
 * the API on the port the workers share, reports to the supervisor through the agent,
 * and stops only when the supervisor says so.
 */
import { ConfigError, EXIT_CONFIG, loadConfigOrExit } from './config/index.ts';
import { inflight } from './http/lifecycle.ts';
import { EMBEDDED_DATABASE_URL_ENV } from './instance.ts';
import { logDestination } from './log-format.ts';
import { createLogger, workerLogStream } from './logger.ts';
import { startAgent } from './supervisor/agent.ts';
import { heartbeatIntervalMs } from './supervisor/settings.ts';

// The supervisor validated the same environment; this only fails if it changed.
const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, logDestination(config) ?? workerLogStream());
let requests = 0;
let pastDeadline = 0;
// The agent starts before the application is even loaded, so heartbeats (and hang
// detection) cover the whole boot.
const agent = startAgent({
  logger,
  heartbeatMs: heartbeatIntervalMs(config.workerTimeoutMs),
  work: () => inflight,
  counters: () => ({ requests, pastDeadline }),
});

try {
  // The crash-loop test's switch: a worker that cannot start, through the same path as a
  // real boot error. Only with the fault routes enabled, which production refuses.
  if (config.faultInjection && config.faultWorkerBootFail) throw new Error('FAULT_WORKER_BOOT_FAIL: this worker fails at boot on purpose');
  const { createContainer } = await import('./container.ts');
  const c = await createContainer(config, logger, {
    startReconciler: true,
    embeddedDatabaseUrl: process.env[EMBEDDED_DATABASE_URL_ENV] || undefined,
    lifecycle: {
      onFinished: () => void requests++,
      onDeadline: () => void pastDeadline++,
    },
  });
  agent.onShutdown(() => c.close());
  const address = await c.app.listen({ host: config.host, port: config.port });
  c.listening(address);
  agent.ready({ address, ...c.components });
} catch (err) {
  // A configuration the service refuses (e.g. a BOOTSTRAP_ADMIN_EMAIL that names someone
  // else's account) exits 78, as the supervisor does for its own configuration errors.
  await agent.bootFailed(err, err instanceof ConfigError ? EXIT_CONFIG : undefined);
}
