import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { loadConfigOrExit } from './config/index.ts';
import { startSharedDependencies } from './instance.ts';
import { logDestination } from './log-format.ts';
import { createLogger } from './logger.ts';
import { recordWorkerStart } from './operations/primary.ts';
import { childExecArgv, compiled, moduleUrl } from './shared/runtime.ts';
import { PidFileError, removePidFile, writePidFile } from './supervisor/pidfile.ts';
import { supervisorSettings } from './supervisor/settings.ts';
import { runSupervisor } from './supervisor/supervisor.ts';

/**
 * `npm start`: the supervisor. It validates the configuration, starts what the workers
 * share, writes its pid file, and runs WEB_CONCURRENCY workers (src/worker.ts) on the
 * shared port. Production images run `node --enable-source-maps dist/main.js` (the
 * compiled build) directly, so that signals reach this process rather than npm.
 */
/**
 * The supervisor's own flags, minus the inspector's (workers cannot share a debug port),
 * with the tsx loader when running from source (resolved from here rather than from the
 * working directory, as the embedded database's child does) and none when compiled.
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const a = process.execArgv;
  for (let i = 0; i < a.length; i++) {
    const arg = a[i];
    if (arg.startsWith('--inspect') || arg === '--import=tsx') continue;
    if (arg === '--import' && a[i + 1] === 'tsx') {
      i++;
      continue;
    }
    out.push(arg);
  }
  // Compiled, the workers take the supervisor's flags as they are (--enable-source-maps).
  return compiled ? out : [...out, ...childExecArgv()];
}

async function main(): Promise<void> {
  // A .env file in the working directory is read when present; the environment wins.
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, logDestination(config));
  const settings = supervisorSettings({
    webConcurrency: config.webConcurrency,
    embeddedDatabase: !config.databaseUrl,
    workerTimeoutMs: config.workerTimeoutMs,
    gracefulTimeoutMs: config.gracefulTimeoutMs,
    maxRequests: config.maxRequests,
    maxRequestsJitter: config.maxRequestsJitter,
    crashLoopBootFailures: config.crashLoopBootFailures,
    crashLoopWindowMs: config.crashLoopWindowMs,
  });
  if (settings.note)
    logger.warn({ webConcurrency: config.webConcurrency, workers: settings.workers, reason: settings.note }, 'WEB_CONCURRENCY ignored');

  try {
    writePidFile(config.pidFile);
  } catch (err) {
    if (err instanceof PidFileError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const pidFile = config.pidFile;
  process.on('exit', () => removePidFile(pidFile));

  const shared = await startSharedDependencies(config, logger);
  const isProduction = config.isProduction;
  runSupervisor({
    exec: fileURLToPath(moduleUrl('./worker.ts', import.meta.url)),
    execArgv: workerExecArgv(),
    env: shared.env,
    settings,
    logger,
    onWorkerStarted: recordWorkerStart,
    onFirstReady(info) {
      shared.listening(info.address ?? '');
      if (isProduction) return;
      process.stdout.write(
        `\n  it360acad is running at ${info.address}\n` +
          `    API reference: ${info.address}/docs\n` +
          `    database:      ${info.database}\n` +
          `    cache:         ${info.cache}\n` +
          `    paystack:      ${shared.paystack ?? info.paystack}\n` +
          `    mail:          ${info.mailbox ? `${info.address}${info.mailbox} (built-in mailbox)` : info.mail}\n` +
          `    workers:       ${settings.workers} (reload: kill -HUP $(cat ${pidFile}))\n\n`,
      );
    },
    onStop: () => shared.stop(),
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
