import { type Config, ConfigError, loadConfig } from '../config/index.ts';
import { VARIABLES, type VarName } from '../config/variables.ts';
import { mailConfigChecks, probeMail } from './doctor-mail.ts';
import { type CheckRow, type CheckStatus, isLoopback, probePaystack, probePostgres, probeRedis } from './doctor-probes.ts';

/**
 * `npm run doctor`: reads the configuration the service would read, warns about risky
 * values, probes PostgreSQL, Redis, Paystack and SMTP each within a bound, and prints one row
 * per check. Exits 1 when anything is down, so it can gate a deploy.
 */

export type { CheckRow, CheckStatus } from './doctor-probes.ts';

// SPEC.md: a Redis command timeout above this is suspicious (cross-region TLS may need more).
const REDIS_COMMAND_WARN_MS = 500;
const TIME_BUDGETS: VarName[] = (Object.keys(VARIABLES) as VarName[]).filter(
  (k) => VARIABLES[k].group === 'Time budgets' && /_MS$/.test(k),
);

// ---------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------

export function configChecks(config: Readonly<Config>, env: NodeJS.ProcessEnv): CheckRow[] {
  const rows: CheckRow[] = [];
  const warn = (check: string, detail: string, advice: string) => rows.push({ check, status: 'warn', detail, advice });
  const deadline = config.requestTimeoutMs;
  const usable = config.requestTimeoutMs - config.replyMarginMs;

  const unset = TIME_BUDGETS.filter((k) => env[k] === undefined || env[k] === '');
  if (config.isProduction && unset.length > 0) {
    warn(
      'time budgets',
      `${unset.length} not set, defaults used: ${unset.join(', ')}`,
      'set each explicitly in production, so a new release cannot change your budgets',
    );
  } else {
    rows.push({
      check: 'time budgets',
      status: 'ok',
      detail: `request deadline ${deadline} ms, worker timeout ${config.workerTimeoutMs} ms${unset.length ? `; ${unset.length} at their defaults` : ''}`,
    });
  }

  if (config.redisCommandTimeoutMs > REDIS_COMMAND_WARN_MS) {
    warn(
      'REDIS_COMMAND_TIMEOUT_MS',
      `${config.redisCommandTimeoutMs} ms`,
      `above ${REDIS_COMMAND_WARN_MS} ms a cache is slower than the database it shields; keep it near 250 ms unless Redis is across a region`,
    );
  }
  if (config.dbLockTimeoutMs >= usable) {
    warn(
      'DB_LOCK_TIMEOUT_MS',
      `${config.dbLockTimeoutMs} ms, not below the request deadline (${usable} ms usable)`,
      'keep it well below, so a query stuck on a lock frees its connection before the request gives up',
    );
  }
  if (config.dbIdleInTransactionTimeoutMs < deadline) {
    warn(
      'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
      `${config.dbIdleInTransactionTimeoutMs} ms, below REQUEST_TIMEOUT_MS (${deadline} ms)`,
      'the server may end a transaction a live request is still using; keep it above the request deadline',
    );
  }
  const overWorker: [VarName, number][] = (
    [
      ['REDIS_CONNECT_TIMEOUT_MS', config.redisConnectTimeoutMs],
      ['DB_STATEMENT_TIMEOUT_MS', config.dbStatementTimeoutMs],
      ['DB_LOCK_TIMEOUT_MS', config.dbLockTimeoutMs],
      ['DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', config.dbIdleInTransactionTimeoutMs],
      ['BREAKER_HALF_OPEN_MS', config.breakerHalfOpenMs],
    ] as [VarName, number][]
  ).filter(([, v]) => v > config.workerTimeoutMs);
  for (const [name, v] of overWorker) {
    warn(
      name,
      `${v} ms, larger than WORKER_TIMEOUT_MS (${config.workerTimeoutMs} ms)`,
      'work waiting this long outlives a worker the supervisor replaces; lower it, or raise WORKER_TIMEOUT_MS on purpose',
    );
  }
  if (config.gracefulTimeoutMs < deadline) {
    warn(
      'GRACEFUL_TIMEOUT_MS',
      `${config.gracefulTimeoutMs} ms, below REQUEST_TIMEOUT_MS (${deadline} ms)`,
      'a reload or shutdown cuts off requests that are still within their deadline',
    );
  }

  if (config.redisUrl) {
    const u = new URL(config.redisUrl);
    if (u.protocol === 'redis:' && !isLoopback(u.hostname)) {
      warn(
        'REDIS_URL',
        `plain redis:// to ${u.hostname}: TLS is off`,
        'use rediss:// for a Redis that is not on this machine (Upstash and most hosted Redis require it)',
      );
    }
  }
  if (config.databaseUrl) {
    const u = new URL(config.databaseUrl);
    const sslmode = u.searchParams.get('sslmode');
    if (!isLoopback(u.hostname) && (!sslmode || sslmode === 'disable' || sslmode === 'allow' || sslmode === 'prefer')) {
      warn(
        'DATABASE_URL',
        `${u.hostname} without sslmode=require${sslmode ? ` (sslmode=${sslmode})` : ''}`,
        'add ?sslmode=require (or verify-full) for a database that is not on this machine',
      );
    }
  }
  if (!config.opsToken) {
    if (isLoopback(config.host))
      rows.push({ check: 'OPS_TOKEN', status: 'ok', detail: 'not set; /metrics and /ops/data are open, on loopback only' });
    else
      warn(
        'OPS_TOKEN',
        `not set while listening on ${config.host}`,
        'set OPS_TOKEN (required in production): /metrics and /ops/data are open to anyone who reaches the port',
      );
  }
  if (config.faultInjection) warn('FAULT_INJECTION', 'on: /__fault routes can block workers', 'turn it off outside tests');
  if (config.cacheDisabled) warn('CACHE_DISABLED', 'on: every read goes to PostgreSQL', 'turn it off once the cache is trusted again');
  if (config.paystackSecretKey) {
    const live = config.paystackSecretKey.startsWith('sk_live_');
    if (config.isProduction && !live)
      warn('PAYSTACK_SECRET_KEY', 'a test key in production', 'use the sk_live_ key: test-mode payments never settle');
    if (!config.isProduction && live)
      warn('PAYSTACK_SECRET_KEY', `a live key with NODE_ENV=${config.nodeEnv}`, 'use an sk_test_ key outside production');
  }
  return rows;
}

// ---------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------

export async function runDoctor(env: NodeJS.ProcessEnv): Promise<CheckRow[]> {
  let config: Readonly<Config>;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => ({
      check: 'configuration',
      status: 'down' as const,
      detail: p,
      advice: 'the service refuses to start with this; dependencies were not probed',
    }));
  }
  const rows: CheckRow[] = [
    { check: 'configuration', status: 'ok', detail: `valid (NODE_ENV=${config.nodeEnv})` },
    ...configChecks(config, env),
    ...mailConfigChecks(config),
  ];
  const probes = await Promise.all([probePostgres(config), probeRedis(config), probePaystack(config), probeMail(config)]);
  return [...rows, ...probes.flat()];
}

const LABEL: Record<CheckStatus, string> = { ok: 'ok', warn: 'WARN', down: 'DOWN', skip: 'skip' };

export function formatRows(rows: CheckRow[]): string {
  const head = ['CHECK', 'STATUS', 'LATENCY', 'RESULT → ADVICE'];
  const cells = rows.map((r) => [
    r.check,
    LABEL[r.status],
    r.latencyMs === undefined ? '' : `${r.latencyMs} ms`,
    r.advice ? `${r.detail} → ${r.advice}` : r.detail,
  ]);
  const width = [0, 1, 2].map((i) => Math.max(head[i].length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `${c[0].padEnd(width[0])}  ${c[1].padEnd(width[1])}  ${c[2].padStart(width[2])}  ${c[3]}`;
  const down = rows.filter((r) => r.status === 'down');
  const warns = rows.filter((r) => r.status === 'warn').length;
  const verdict = down.length > 0 ? `${down.length} down: ${[...new Set(down.map((r) => r.check))].join(', ')}` : 'nothing down';
  return `${[line(head), ...cells.map(line)].join('\n')}\n\n${verdict}; ${warns} warning${warns === 1 ? '' : 's'}\n`;
}

/** The CLI entry: prints the table (or JSON with --json) and returns the exit code. */
export async function doctor(env: NodeJS.ProcessEnv, args: string[]): Promise<number> {
  const rows = await runDoctor(env);
  process.stdout.write(args.includes('--json') ? `${JSON.stringify(rows, null, 2)}\n` : formatRows(rows));
  return rows.some((r) => r.status === 'down') ? 1 : 0;
}
