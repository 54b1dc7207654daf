/**
 * The database's front door: PostgreSQL at DATABASE_URL, or else the embedded PGlite
 * under DATA_DIR (development only; the config refuses it in production). The choice is
 * made here and nowhere else; the policy is the database's one (src/resilience/policies.ts).
 */
import path from 'node:path';

import type { Logger } from 'pino';

import type { Config } from '../../config/index.ts';
import type { DependencyHooks } from '../../resilience/policies.ts';
import type { Database } from './client.ts';

export type { Database, Queryable } from './client.ts';

export interface DatabaseServer {
  connectionString: string;
  stop(): Promise<void>;
}

/**
 * Starts the embedded database when DATABASE_URL is unset; undefined when a real one is
 * configured. Its module keeps the data directory locked, and is loaded only when used,
 * so production never loads PGlite.
 */
export async function startDatabaseServer(config: Readonly<Config>, logger: Logger): Promise<DatabaseServer | undefined> {
  if (config.databaseUrl) return undefined;
  const { startEmbeddedPostgres } = await import('./embedded/index.ts');
  // Its log lines name the database process's pid; the record's own `pid` is ours.
  const log = (msg: string, extra?: object) => {
    const { pid, ...rest } = (extra ?? {}) as { pid?: number };
    logger.info({ ...rest, databasePid: pid }, msg);
  };
  return startEmbeddedPostgres({ dataDir: path.resolve(config.dataDir), log, startTimeoutMs: config.embeddedDbStartTimeoutMs });
}

export interface OpenDatabaseOptions {
  /** The embedded database's address when the supervisor already runs it (DATABASE_URL unset). */
  embeddedUrl?: string;
}

export interface OpenedDatabase {
  db: Database;
  engine: 'postgres' | 'pglite';
  /** What runs where, for the start banner. */
  description: string;
  /** Closes the pool, then the embedded server if this call started it. */
  close(): Promise<void>;
}

export async function openDatabase(
  config: Readonly<Config>,
  hooks: DependencyHooks,
  opts: OpenDatabaseOptions = {},
): Promise<OpenedDatabase> {
  let connectionString = config.databaseUrl ?? opts.embeddedUrl;
  let server: DatabaseServer | undefined;
  if (!connectionString) {
    server = await startDatabaseServer(config, hooks.logger);
    connectionString = server!.connectionString;
  }
  const engine = config.databaseUrl ? 'postgres' : 'pglite';
  // Loaded here, not at the top: the supervisor imports this module only to start the
  // embedded database, and the driver and its policies would delay that start by seconds.
  const { createDatabase } = await import('./client.ts');
  const db = createDatabase({
    connectionString,
    engine,
    // PGlite is one connection: a second would wait behind the first's transaction.
    poolMax: engine === 'pglite' ? 1 : config.dbPoolMax,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    lockTimeoutMs: config.dbLockTimeoutMs,
    idleInTransactionTimeoutMs: config.dbIdleInTransactionTimeoutMs,
    replyMarginMs: config.replyMarginMs,
    breakerConsecutiveFailures: config.breakerConsecutiveFailures,
    breakerHalfOpenMs: config.breakerHalfOpenMs,
    ...hooks,
  });
  return {
    db,
    engine,
    description: engine === 'pglite' ? `embedded PGlite in ${path.resolve(config.dataDir)}` : 'PostgreSQL (DATABASE_URL)',
    async close() {
      await db.close();
      await server?.stop();
    },
  };
}
