import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { createDatabase } from '../src/infra/database/client.ts';
import { startEmbeddedPostgres } from '../src/infra/database/embedded/index.ts';
import { listMigrations, migrate } from '../src/infra/database/migrate.ts';
import { createLogger } from '../src/logger.ts';
import { createTestSchema } from './helpers/db.ts';

const logger = createLogger('silent');

function db(connectionString: string, engine: 'postgres' | 'pglite') {
  return createDatabase({
    connectionString,
    engine,
    poolMax: engine === 'pglite' ? 1 : 4,
    connectTimeoutMs: 3000,
    statementTimeoutMs: 30000,
    lockTimeoutMs: 2000,
    idleInTransactionTimeoutMs: 10000,
    replyMarginMs: 250,
    breakerConsecutiveFailures: 5,
    breakerHalfOpenMs: 5000,
    logger,
  });
}

async function tables(d: ReturnType<typeof db>) {
  const rows = await d.query<{ t: string }>(
    't',
    'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1',
  );
  return rows.map((r) => r.t);
}

const EXPECTED = [
  'account_tokens',
  'cache_versions',
  'certificates',
  'courses',
  'dev_mailbox',
  'enrollments',
  'lesson_progress',
  'lessons',
  'mail_outbox',
  'payments',
  'refresh_tokens',
  'refunds',
  'schema_migrations',
  'users',
  'webhook_events',
];

test('migrations on PostgreSQL 15: all apply, a second run applies none', async (t) => {
  const schema = await createTestSchema();
  const d = db(schema.url, 'postgres');
  t.after(async () => {
    await d.close();
    await schema.release(t);
  });
  assert.deepEqual(
    await migrate(d, logger),
    listMigrations().map((m) => m.version),
  );
  assert.deepEqual(await migrate(d, logger), []);
  assert.deepEqual(await tables(d), EXPECTED);
});

test('processes starting together against an empty database migrate it exactly once', async (t) => {
  const schema = await createTestSchema();
  const dbs = Array.from({ length: 4 }, () => db(schema.url, 'postgres'));
  t.after(async () => {
    for (const d of dbs) await d.close();
    await schema.release(t);
  });
  const applied = await Promise.all(dbs.map((d) => migrate(d, logger)));
  assert.deepEqual(
    applied.flat().sort(),
    listMigrations().map((m) => m.version),
  );
  const rows = await dbs[0].query<{ n: number }>('t', 'SELECT count(*)::int AS n FROM schema_migrations');
  assert.equal(rows[0].n, listMigrations().length);
});

test('migrations on PGlite (the embedded engine): the same schema', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'it360-mig-'));
  const pg = await startEmbeddedPostgres({ dataDir: dir });
  const d = db(pg.connectionString, 'pglite');
  t.after(async () => {
    await d.close();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  assert.deepEqual(
    await migrate(d, logger),
    listMigrations().map((m) => m.version),
  );
  assert.deepEqual(await migrate(d, logger), []);
  assert.deepEqual(await tables(d), EXPECTED);
});
