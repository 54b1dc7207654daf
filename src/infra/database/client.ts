import pg from 'pg';
import type { Logger } from 'pino';

import { AppError, type Dependency, errors } from '../../errors/index.ts';
import { currentContext } from '../../resilience/deadline.ts';
import { databasePolicy } from '../../resilience/policies.ts';
import {
  type BreakerState,
  type DependencyCallEvent,
  type DependencyPolicy,
  isCallAbortedError,
  isCallRejectedError,
  isCallTimeoutError,
  type SlowCallEvent,
} from '../../resilience/policy.ts';
import { SQLSTATE } from '../../shared/sqlstate.ts';

// int8 (bigint) and numeric arrive as strings by default; our bigints are counts and
// versions far below 2^53, so numbers are safe and simpler for callers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

// A connection's server-side statement_timeout is reused while it is between 90% and
// 100% of a call's budget; a new one is set at 95% of the budget, so a request's later
// calls (and the next requests', whose budgets start alike) find it set (see applyBudget).
const SERVER_TIMEOUT_REUSE = 0.9;
const SERVER_TIMEOUT_FRACTION = 0.95;

export interface Queryable {
  /** Runs one statement; `op` names it in logs and metrics (e.g. "users.list"). */
  query<R extends object = Record<string, unknown>>(op: string, text: string, values?: unknown[]): Promise<R[]>;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  inUse: number;
}

export interface Database extends Queryable {
  readonly engine: 'postgres' | 'pglite';
  readonly policy: DependencyPolicy;
  /** Runs `fn` in one transaction on one connection, under one budget. */
  transaction<T>(op: string, fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** A raw client for work that owns its connection (migrations, LISTEN). Outside requests only. */
  withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  poolStats(): PoolStats;
  /** Checks that the server applies our session timeouts (poolers such as PgBouncer drop start-up parameters). */
  verifySessionSettings(): Promise<{ ok: boolean; problems: string[] }>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  connectionString: string;
  engine: 'postgres' | 'pglite';
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  replyMarginMs: number;
  breakerConsecutiveFailures: number;
  breakerHalfOpenMs: number;
  logger: Logger;
  applicationName?: string;
  onCall?: (e: DependencyCallEvent) => void;
  onSlowCall?: (e: SlowCallEvent) => void;
  onStateChange?: (dependency: Dependency, from: BreakerState, to: BreakerState) => void;
}

/** SQLSTATE classes that say the server or the connection is unwell, not the query. */
function isConnectionFailure(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (typeof e?.code === 'string') {
    if (e.code.startsWith(SQLSTATE.connectionExceptionClass)) return true;
    if (SQLSTATE.serverUnavailable.includes(e.code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND'].includes(e.code)) return true;
  }
  const m = e?.message ?? '';
  return /Connection terminated|timeout exceeded when trying to connect|connection timeout|Client has encountered a connection error/i.test(
    m,
  );
}

function errorCode(err: unknown): string {
  const e = err as { code?: string };
  if (isConnectionFailure(err)) return typeof e?.code === 'string' ? e.code : 'connection';
  if (typeof e?.code === 'string') return e.code;
  return 'error';
}

/**
 * Turns failures of availability into the API's 503s, naming the database as the
 * culprit; errors about the query itself (a constraint, bad SQL) pass through for the
 * repository to interpret or the error handler to report as a 500.
 */
function toAvailabilityError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  if (isCallRejectedError(err)) return errors.dependencyUnavailable('database', err);
  if (isCallAbortedError(err)) return errors.deadlineExceeded('database', err);
  if (isCallTimeoutError(err))
    return err.byDeadline ? errors.deadlineExceeded('database', err) : errors.dependencyUnavailable('database', err);
  const code = (err as { code?: string })?.code;
  // statement_timeout fired on the server: inside a request that is the deadline.
  if (code === SQLSTATE.queryCanceled)
    return currentContext() ? errors.deadlineExceeded('database', err) : errors.dependencyUnavailable('database', err);
  // lock_timeout: the table is held by someone else; give up early, answer 503.
  if (code === SQLSTATE.lockNotAvailable) return errors.dependencyUnavailable('database', err);
  if (isConnectionFailure(err)) return errors.dependencyUnavailable('database', err);
  return err;
}

export function createDatabase(o: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: o.connectionString,
    max: o.poolMax,
    // pg uses this for both waiting on a pooled client and opening a new one: a full
    // pool or an unreachable server answers after this instead of queueing forever.
    connectionTimeoutMillis: o.connectTimeoutMs,
    // Idle connections are closed after 30 s so a burst does not pin server slots.
    idleTimeoutMillis: 30_000,
    // Server-side session limits, sent as start-up parameters (verified at start).
    statement_timeout: o.statementTimeoutMs,
    lock_timeout: o.lockTimeoutMs,
    idle_in_transaction_session_timeout: o.idleInTransactionTimeoutMs,
    application_name: o.applicationName ?? 'it360acad',
    // TCP keepalive finds a peer that vanished without a FIN (a dead host, a cut link).
    keepAlive: true,
  });
  pool.on('error', (err) => {
    // An idle client lost its connection; the pool drops it. Logged, never fatal.
    o.logger.warn({ dependency: 'database', op: 'pool', errorCode: errorCode(err), err: err.message }, 'idle database connection lost');
  });

  // A second, tiny pool only for cancelling runaway queries: the main pool may be
  // exhausted exactly when a cancel is needed.
  const cancelPool =
    o.engine === 'postgres'
      ? new pg.Pool({
          connectionString: o.connectionString,
          max: 2,
          connectionTimeoutMillis: Math.min(o.connectTimeoutMs, 2000), // a cancel that cannot connect in 2 s will not help anyway
          statement_timeout: 2000, // pg_cancel_backend returns at once; 2 s is generous
          idleTimeoutMillis: 10_000,
          application_name: `${o.applicationName ?? 'it360acad'}-cancel`,
        })
      : undefined;
  cancelPool?.on('error', () => undefined);

  // The numbers and their reasons: src/resilience/policies.ts.
  const policy = databasePolicy(
    {
      statementTimeoutMs: o.statementTimeoutMs,
      poolMax: o.poolMax,
      replyMarginMs: o.replyMarginMs,
      breakerConsecutiveFailures: o.breakerConsecutiveFailures,
      breakerHalfOpenMs: o.breakerHalfOpenMs,
      isConnectionFailure,
      errorCode,
    },
    { logger: o.logger, onCall: o.onCall, onSlowCall: o.onSlowCall, onStateChange: o.onStateChange },
  );

  const defaultStatementTimeout = o.statementTimeoutMs;
  const currentTimeout = new WeakMap<pg.PoolClient, number>();

  // pg-pool listens for a client's 'error' only while it is idle. A checked-out client
  // whose connection dies emits 'error' as well as failing its query, and an unheard
  // 'error' event would crash the process: the query's own rejection is what we act on.
  const heard = new WeakSet<pg.PoolClient>();
  function hear(client: pg.PoolClient): pg.PoolClient {
    if (!heard.has(client)) {
      heard.add(client);
      client.on('error', () => undefined);
    }
    return client;
  }

  async function acquire(signal: AbortSignal): Promise<pg.PoolClient> {
    if (signal.aborted) throw signal.reason;
    return new Promise<pg.PoolClient>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        settled = true;
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      pool.connect().then(
        (client) => {
          signal.removeEventListener('abort', onAbort);
          // Arrived after the caller gave up: it is clean, give it back.
          if (settled) client.release();
          else resolve(hear(client));
        },
        (err: Error) => {
          signal.removeEventListener('abort', onAbort);
          if (!settled) reject(err);
        },
      );
    });
  }

  /** Cancels the running statement on the server, then destroys the connection. */
  async function abandon(client: pg.PoolClient, reason: string): Promise<void> {
    const pid = (client as unknown as { processID?: number }).processID;
    if (cancelPool && pid) {
      try {
        // The client is destroyed right after and never returned to the pool, so the
        // cancel cannot land on a later query of ours on this connection.
        await cancelPool.query('SELECT pg_cancel_backend($1)', [pid]);
      } catch (err) {
        o.logger.warn({ dependency: 'database', op: 'cancel', errorCode: errorCode(err), pid }, 'could not cancel an abandoned query');
      }
    }
    client.release(new Error(`abandoned: ${reason}`));
  }

  async function run<R>(client: pg.PoolClient, signal: AbortSignal, work: () => Promise<R>): Promise<R> {
    let abandoned = false;
    const onAbort = () => {
      abandoned = true;
      void abandon(client, 'deadline');
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await work();
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (!abandoned) client.release();
    }
  }

  /**
   * Inside a request, the server-side statement_timeout is clipped to the budget.
   * The budget is the time left, a little less at every call, so setting it exactly
   * would cost a SET (a round trip of its own) before nearly every statement. Instead a
   * connection keeps its setting while it lies between SERVER_TIMEOUT_REUSE of the budget
   * and the budget, and a new one is set a little below the budget
   * (SERVER_TIMEOUT_FRACTION), so later calls of this and other requests reuse it. The
   * server still stops the statement within the budget, never later (at most a tenth
   * earlier), and before the client-side timer (budget + 100 ms).
   */
  async function applyBudget(client: pg.PoolClient, budgetMs: number, local: boolean): Promise<void> {
    const wanted = Math.min(budgetMs, defaultStatementTimeout);
    if (local) {
      await client.query(`SET LOCAL statement_timeout = ${wanted}`);
      return;
    }
    const current = currentTimeout.get(client);
    if (current !== undefined && current <= wanted && current >= wanted * SERVER_TIMEOUT_REUSE) return;
    // Unclipped (outside requests): DB_STATEMENT_TIMEOUT_MS exactly.
    const value = wanted >= defaultStatementTimeout ? wanted : Math.max(1, Math.floor(wanted * SERVER_TIMEOUT_FRACTION));
    await client.query(`SET statement_timeout = ${value}`);
    currentTimeout.set(client, value);
  }

  const db: Database = {
    engine: o.engine,
    policy,
    async query<R extends object>(op: string, text: string, values?: unknown[]): Promise<R[]> {
      try {
        return await policy.execute(op, async (signal, budgetMs) => {
          const client = await acquire(signal);
          return run(client, signal, async () => {
            await applyBudget(client, budgetMs, false);
            const res = await client.query<R>(text, values);
            return res.rows;
          });
        });
      } catch (err) {
        throw toAvailabilityError(err);
      }
    },
    async transaction<T>(op: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
      try {
        return await policy.execute(op, async (signal, budgetMs) => {
          const client = await acquire(signal);
          return run(client, signal, async () => {
            await client.query('BEGIN');
            try {
              await applyBudget(client, budgetMs, true);
              const tx: Queryable = {
                query: async <R extends object>(_op: string, text: string, values?: unknown[]) =>
                  (await client.query<R>(text, values)).rows,
              };
              const out = await fn(tx);
              await client.query('COMMIT');
              return out;
            } catch (err) {
              if (!signal.aborted) await client.query('ROLLBACK').catch(() => undefined);
              throw err;
            }
          });
        });
      } catch (err) {
        throw toAvailabilityError(err);
      }
    },
    async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
      const client = hear(await pool.connect());
      try {
        return await fn(client);
      } finally {
        client.release();
      }
    },
    poolStats: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      inUse: pool.totalCount - pool.idleCount,
    }),
    async verifySessionSettings() {
      const problems: string[] = [];
      if (o.engine === 'pglite') return { ok: true, problems };
      const rows = await db.query<{ name: string; setting: string }>(
        'db.verify_settings',
        "SELECT name, setting FROM pg_settings WHERE name IN ('statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout')",
      );
      const want: Record<string, number> = {
        statement_timeout: o.statementTimeoutMs,
        lock_timeout: o.lockTimeoutMs,
        idle_in_transaction_session_timeout: o.idleInTransactionTimeoutMs,
      };
      for (const r of rows) {
        // Our own query may have clipped statement_timeout; only "0" (never) is wrong there.
        const got = Number(r.setting);
        if (r.name === 'statement_timeout' ? got === 0 : got !== want[r.name]) {
          problems.push(
            `${r.name} is ${r.setting} ms on the server, expected ${want[r.name]} (a pooler such as PgBouncer may drop start-up parameters)`,
          );
        }
      }
      return { ok: problems.length === 0, problems };
    },
    async close() {
      await Promise.allSettled([pool.end(), cancelPool?.end()]);
    },
  };
  return db;
}
