import { availableParallelism } from 'node:os';

import { Redis } from 'ioredis';
import pg from 'pg';

import type { Config } from '../config/index.ts';
import { createPaystackClient } from '../infra/paystack/client.ts';
import { PaystackHttpError, PaystackNetworkError, PaystackRateLimitedError, PaystackTimeoutError } from '../infra/paystack/errors.ts';

/** `npm run doctor`'s probes of PostgreSQL, Redis and Paystack, each within a bound of its own. */

export type CheckStatus = 'ok' | 'warn' | 'down' | 'skip';

export interface CheckRow {
  check: string;
  status: CheckStatus;
  latencyMs?: number;
  detail: string;
  advice?: string;
}

// The statement_timeout test: a 50 ms limit on a 2 s sleep. If the server enforces it, the
// sleep ends with 57014 long before 1 s; anything else means it does not.
const STATEMENT_PROBE_LIMIT_MS = 50;
const STATEMENT_PROBE_SLEEP_S = 2;
const STATEMENT_PROBE_MAX_MS = 1000;
// Each probe's ceiling beyond its own connect timeout, for the queries it runs after
// connecting: the doctor itself must never hang on what it diagnoses.
const QUERY_SLACK_MS = 2500;
// A client's own connect or request timeout should fire first and name the failure;
// this margin only catches a client that ignores its own timeout.
const CLIENT_SLACK_MS = 500;
// Closing a connection to a server that is gone must not hold the report back.
const CLOSE_MS = 1000;
// Share of the server's max_connections our pools may take before doctor warns: the
// rest is for migrations, the change feed, consoles and other clients.
const CONNECTION_SHARE_WARN = 0.8;

export const isLoopback = (host: string) => ['localhost', '127.0.0.1', '::1', '[::1]'].includes(host) || host.startsWith('127.');

/** Runs `fn`, failing with a timeout error once `ms` have passed. */
async function within<T>(ms: number, what: string, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`${what}: no answer within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const errText = (err: unknown) => {
  const e = err as { code?: string; message?: string };
  const msg = e?.message ?? String(err);
  return e?.code && !msg.includes(e.code) ? `${e.code}: ${msg}` : msg;
};

function pgTarget(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
}

export async function probePostgres(config: Readonly<Config>): Promise<CheckRow[]> {
  if (!config.databaseUrl) {
    return [
      {
        check: 'postgres',
        status: config.isProduction ? 'down' : 'skip',
        detail: 'DATABASE_URL unset: the service embeds PGlite under DATA_DIR',
        advice: config.isProduction ? 'set DATABASE_URL' : 'fine for development; production needs DATABASE_URL',
      },
    ];
  }
  const target = pgTarget(config.databaseUrl);
  // The same start-up parameters as the service's pool: what is checked is what it gets.
  const client = new pg.Client({
    connectionString: config.databaseUrl,
    connectionTimeoutMillis: config.dbConnectTimeoutMs,
    statement_timeout: config.dbStatementTimeoutMs,
    lock_timeout: config.dbLockTimeoutMs,
    idle_in_transaction_session_timeout: config.dbIdleInTransactionTimeoutMs,
    application_name: 'it360acad-doctor',
  });
  client.on('error', () => undefined);
  const rows: CheckRow[] = [];
  const started = performance.now();
  try {
    const info = await within(config.dbConnectTimeoutMs + QUERY_SLACK_MS, 'postgres', async () => {
      await client.connect();
      const r = await client.query<{ version: string; st: string; lt: string; it: string; mc: string }>(
        "SELECT current_setting('server_version') AS version, current_setting('statement_timeout') AS st, current_setting('lock_timeout') AS lt, current_setting('idle_in_transaction_session_timeout') AS it, current_setting('max_connections') AS mc",
      );
      return r.rows[0];
    });
    rows.push({
      check: 'postgres',
      status: 'ok',
      latencyMs: Math.round(performance.now() - started),
      detail: `PostgreSQL ${info.version} at ${target}`,
    });

    // The session settings as the server has them on a fresh connection: a pooler such
    // as PgBouncer in transaction mode drops start-up parameters without a word.
    const msOf = async (setting: string) =>
      Number((await client.query<{ ms: string }>('SELECT setting AS ms FROM pg_settings WHERE name = $1', [setting])).rows[0]?.ms);
    const st = await within(QUERY_SLACK_MS, 'postgres settings', () => msOf('statement_timeout'));
    const t0 = performance.now();
    let cancelled = false;
    let sleptMs = 0;
    await within(STATEMENT_PROBE_MAX_MS + QUERY_SLACK_MS, 'statement_timeout test', async () => {
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL statement_timeout = ${STATEMENT_PROBE_LIMIT_MS}`);
        await client.query(`SELECT pg_sleep(${STATEMENT_PROBE_SLEEP_S})`);
      } catch (err) {
        cancelled = (err as { code?: string }).code === '57014';
        if (!cancelled) throw err;
      } finally {
        sleptMs = performance.now() - t0;
        await client.query('ROLLBACK').catch(() => undefined);
      }
    });
    const enforced = cancelled && sleptMs < STATEMENT_PROBE_MAX_MS;
    const applied = st === config.dbStatementTimeoutMs;
    rows.push({
      check: 'postgres statement_timeout',
      status: !enforced ? 'down' : applied ? 'ok' : 'warn',
      latencyMs: Math.round(sleptMs),
      detail: `${info.st} on a fresh connection (DB_STATEMENT_TIMEOUT_MS=${config.dbStatementTimeoutMs}); a ${STATEMENT_PROBE_LIMIT_MS} ms limit ${enforced ? `cancelled pg_sleep(${STATEMENT_PROBE_SLEEP_S}) after ${Math.round(sleptMs)} ms` : 'did NOT cancel pg_sleep'}`,
      ...(!enforced
        ? {
            advice:
              'the server does not enforce statement_timeout, so a slow query is only abandoned, never stopped; connect to PostgreSQL directly, not through a proxy that swallows it',
          }
        : !applied
          ? {
              advice:
                'start-up parameters are dropped on the way (a pooler such as PgBouncer in transaction mode?): set statement_timeout on the role (ALTER ROLE … SET statement_timeout) or connect directly',
            }
          : {}),
    });

    // The supervisor's own default when WEB_CONCURRENCY is unset: one worker per CPU.
    const workers = config.webConcurrency ?? Math.max(1, availableParallelism());
    // Per worker: the pool, the change feed's LISTEN connection and the 2-connection cancel pool.
    const ours = workers * (config.dbPoolMax + 3);
    const max = Number(info.mc);
    const share = ours / max;
    rows.push({
      check: 'postgres connections',
      status: share > CONNECTION_SHARE_WARN ? 'warn' : 'ok',
      detail: `up to ${ours} of max_connections ${max} per instance: ${workers} worker(s)${config.webConcurrency ? '' : ' (one per CPU)'} × (DB_POOL_MAX ${config.dbPoolMax} + 3)`,
      ...(share > CONNECTION_SHARE_WARN
        ? {
            advice: `lower DB_POOL_MAX or WEB_CONCURRENCY: more than ${CONNECTION_SHARE_WARN * 100} % of the server's connections, before counting other instances`,
          }
        : {}),
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    const advice =
      code === 'ECONNREFUSED'
        ? `nothing accepts connections at ${target}: is PostgreSQL running, and is the port in DATABASE_URL right?`
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'the host name in DATABASE_URL does not resolve'
          : code === '28P01' || code === '28000'
            ? 'PostgreSQL refused the user or password in DATABASE_URL'
            : code === '3D000'
              ? 'the database named in DATABASE_URL does not exist'
              : `check DATABASE_URL and that ${target} is reachable from here within DB_CONNECT_TIMEOUT_MS (${config.dbConnectTimeoutMs} ms)`;
    rows.push({
      check: 'postgres',
      status: 'down',
      latencyMs: Math.round(performance.now() - started),
      detail: `${target}: ${errText(err)}`,
      advice,
    });
  } finally {
    await within(CLOSE_MS, 'postgres close', () => client.end()).catch(() => undefined);
  }
  return rows;
}

// ---------------------------------------------------------------------------------
// Redis
// ---------------------------------------------------------------------------------

export async function probeRedis(config: Readonly<Config>): Promise<CheckRow[]> {
  if (!config.redisUrl)
    return [
      {
        check: 'redis',
        status: 'skip',
        detail: 'REDIS_URL unset: each worker uses an in-process LRU cache',
        advice: 'fine for one instance; several instances need a shared Redis to share cached pages',
      },
    ];
  if (config.cacheDisabled) return [{ check: 'redis', status: 'skip', detail: 'CACHE_DISABLED=true: Redis is not used' }];
  const u = new URL(config.redisUrl);
  const target = `${u.protocol}//${u.hostname}:${u.port || '6379'}`;
  // The service's time limits, and no retries: one honest attempt.
  const redis = new Redis(config.redisUrl, {
    connectTimeout: config.redisConnectTimeoutMs,
    commandTimeout: config.redisCommandTimeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    lazyConnect: true,
    connectionName: 'it360acad-doctor',
  });
  // ioredis reports why a connection failed on 'error' and rejects connect() only with
  // "Connection is closed": keep the reason.
  let cause: unknown;
  redis.on('error', (err) => (cause ??= err));
  const started = performance.now();
  try {
    await within(config.redisConnectTimeoutMs + CLIENT_SLACK_MS, 'redis connect', () => redis.connect());
    const t0 = performance.now();
    await redis.ping();
    const pingMs = performance.now() - t0;
    const info = await redis.info('server').catch(() => '');
    const version = /redis_version:(\S+)/.exec(info)?.[1];
    const slow = pingMs > config.redisCommandTimeoutMs / 2;
    return [
      {
        check: 'redis',
        status: slow ? 'warn' : 'ok',
        latencyMs: Math.round(performance.now() - started),
        detail: `${version ? `Redis ${version}` : 'Redis'} at ${target}, PING ${pingMs.toFixed(1)} ms`,
        ...(slow
          ? {
              advice: `a PING takes over half of REDIS_COMMAND_TIMEOUT_MS (${config.redisCommandTimeoutMs} ms): cache calls will time out under load`,
            }
          : {}),
      },
    ];
  } catch (thrown) {
    const err = cause ?? thrown;
    const code = (err as { code?: string }).code;
    const msg = errText(err);
    const advice =
      code === 'ECONNREFUSED'
        ? `nothing accepts connections at ${target}: is Redis running, and is the port in REDIS_URL right?`
        : /NOAUTH|WRONGPASS|invalid password/i.test(msg)
          ? 'Redis refused the password in REDIS_URL'
          : `check REDIS_URL and that ${target} answers within REDIS_CONNECT_TIMEOUT_MS (${config.redisConnectTimeoutMs} ms); the service keeps serving without its cache meanwhile`;
    return [{ check: 'redis', status: 'down', latencyMs: Math.round(performance.now() - started), detail: `${target}: ${msg}`, advice }];
  } finally {
    redis.disconnect(false);
  }
}

// ---------------------------------------------------------------------------------
// Paystack
// ---------------------------------------------------------------------------------

/**
 * One authenticated read, GET /transaction?perPage=1, through the service's own client:
 * a TCP/TLS connect would show Paystack is reachable but not that the key works, and a
 * wrong or revoked key is the failure that otherwise shows only at the first payment.
 * It is one request against the rate limit and changes nothing.
 */
export async function probePaystack(config: Readonly<Config>): Promise<CheckRow[]> {
  if (!config.paystackSecretKey) {
    return [
      {
        check: 'paystack',
        status: config.isProduction ? 'down' : 'skip',
        detail: 'PAYSTACK_SECRET_KEY unset: the service starts its Paystack simulator',
        advice: config.isProduction ? 'set PAYSTACK_SECRET_KEY' : 'fine for development; production needs the real key',
      },
    ];
  }
  const client = createPaystackClient({
    baseUrl: config.paystackBaseUrl,
    secretKey: config.paystackSecretKey,
    timeoutMs: config.paystackTimeoutMs,
    replyMarginMs: 0,
  });
  const started = performance.now();
  const base = new URL(config.paystackBaseUrl);
  const rows: CheckRow[] = [];
  if (base.protocol === 'http:' && !isLoopback(base.hostname)) {
    rows.push({
      check: 'PAYSTACK_BASE_URL',
      status: 'warn',
      detail: `plain http:// to ${base.hostname}`,
      advice: 'the secret key travels in clear; use https://',
    });
  }
  try {
    const page = await within(config.paystackTimeoutMs + CLIENT_SLACK_MS, 'paystack', () =>
      client.listTransactions({ perPage: 1, page: 1 }, { maxWaitMs: config.paystackTimeoutMs }),
    );
    rows.push({
      check: 'paystack',
      status: 'ok',
      latencyMs: Math.round(performance.now() - started),
      detail: `GET ${base.host}/transaction?perPage=1 accepted the ${config.paystackSecretKey.startsWith('sk_live_') ? 'live' : 'test'} key (${page.meta.total} transactions)`,
    });
  } catch (err) {
    const latencyMs = Math.round(performance.now() - started);
    if (err instanceof PaystackRateLimitedError) {
      rows.push({
        check: 'paystack',
        status: 'warn',
        latencyMs,
        detail: 'rate-limited (429)',
        advice: 'the key works, but the account is at its rate limit right now',
      });
    } else if (err instanceof PaystackHttpError && (err.status === 401 || err.status === 403)) {
      rows.push({
        check: 'paystack',
        status: 'down',
        latencyMs,
        detail: `the key was refused (${err.status})`,
        advice: 'PAYSTACK_SECRET_KEY is wrong or revoked: copy the secret key from the Paystack dashboard (Settings → API Keys)',
      });
    } else if (err instanceof PaystackTimeoutError || (err as { code?: string }).code === 'ETIMEDOUT') {
      rows.push({
        check: 'paystack',
        status: 'down',
        latencyMs,
        detail: `no answer within ${config.paystackTimeoutMs} ms`,
        advice: 'Paystack (or the way to it) is slow or down; payments fail with 503 until it answers',
      });
    } else if (err instanceof PaystackNetworkError) {
      rows.push({
        check: 'paystack',
        status: 'down',
        latencyMs,
        detail: `${base.host}: ${errText(err)}`,
        advice: 'check PAYSTACK_BASE_URL, DNS and outbound HTTPS from this host',
      });
    } else {
      rows.push({
        check: 'paystack',
        status: 'down',
        latencyMs,
        detail: errText(err),
        advice: 'unexpected answer from Paystack; see its status page',
      });
    }
  } finally {
    await client.close().catch(() => undefined);
  }
  return rows;
}

// ---------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------
