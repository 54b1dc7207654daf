import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

import type pg from 'pg';
import type { Logger } from 'pino';

import type { Database } from './client.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

// Any constant works as long as every process uses the same one; it names "the
// migration lock" for the whole database (all schemas), so tests in parallel simply
// take turns.
const MIGRATION_LOCK_KEY = 360_360_001;
// Another process migrating the same database is waited for, polling, for at most a
// minute: a migration longer than that is a release problem an operator must see.
const LOCK_WAIT_MS = 60_000;
const LOCK_POLL_MS = 200;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export function listMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8');
      return {
        version: Number(file.slice(0, 3)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex').slice(0, 16),
      };
    });
}

async function takeLock(client: pg.PoolClient): Promise<void> {
  const until = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [MIGRATION_LOCK_KEY]);
    if (rows[0]?.ok) return;
    if (Date.now() > until) throw new Error(`another process has held the migration lock for over ${LOCK_WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
}

/**
 * Applies pending migrations in order, each in its own transaction, under an advisory
 * lock so that processes starting together never migrate at once: the first applies,
 * the others wait, then find nothing to do. Returns the versions it applied.
 */
export async function migrate(db: Database, logger: Logger): Promise<number[]> {
  const migrations = listMigrations();
  return db.withClient(async (client) => {
    await takeLock(client);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())`);
      const { rows } = await client.query<{ version: number; checksum: string; name: string }>(
        'SELECT version, checksum, name FROM schema_migrations',
      );
      const applied = new Map(rows.map((r) => [r.version, r]));
      const done: number[] = [];
      for (const m of migrations) {
        const prior = applied.get(m.version);
        if (prior) {
          if (prior.checksum !== m.checksum)
            logger.warn({ migration: m.name }, 'an applied migration file has changed since it ran; it is not run again');
          continue;
        }
        const started = performance.now();
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
            m.version,
            m.name,
            m.checksum,
          ]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
        }
        done.push(m.version);
        logger.info({ migration: m.name, elapsedMs: Math.round(performance.now() - started) }, 'migration applied');
      }
      return done;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  });
}
