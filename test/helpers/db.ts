import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';

import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let checked: Promise<void> | undefined;

/** Fails loudly, with the command to fix it, when PostgreSQL is not there. */
export function requirePostgres(): Promise<void> {
  checked ??= (async () => {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
    } catch (err) {
      throw new Error(
        `PostgreSQL is not reachable at ${TEST_DATABASE_URL} (${(err as Error).message}).\n` +
          `Start it (Debian: pg_ctlcluster 15 main start) or point TEST_DATABASE_URL at one; the tests need a real PostgreSQL.`,
      );
    } finally {
      await c.end().catch(() => undefined);
    }
  })();
  return checked;
}

/**
 * Every test schema carries this comment (with its creation time): `npm run test:clean`
 * drops only schemas that carry it and have a test schema's name, never anything else.
 */
export const TEST_SCHEMA_COMMENT = 'it360 test schema';
/** A test schema's name: a short lowercase prefix, '_', 12 hex digits. */
export const TEST_SCHEMA_NAME = /^[a-z]{1,8}_[0-9a-f]{12}$/;

export interface TestSchema {
  schema: string;
  /** A connection string whose sessions use only this schema. */
  url: string;
  /** Drops the schema whatever the outcome. */
  drop(): Promise<void>;
  /**
   * Drops the schema if the test passed; if it failed, keeps it for inspection and names
   * it in the test's output (`npm run test:clean` drops what is left). Call it from
   * `t.after`, once whatever uses the schema is closed.
   */
  release(t: TestContext): Promise<void>;
}

/**
 * A fresh schema per test: tests never see each other's rows. Given the test's context,
 * the schema is released (dropped if the test passed, kept if not) when the test ends;
 * without it the caller releases it.
 */
export async function createTestSchema(prefix = 't', t?: TestContext): Promise<TestSchema> {
  await requirePostgres();
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  if (!TEST_SCHEMA_NAME.test(schema)) throw new Error(`test schema prefix must be 1-8 lowercase letters, got ${prefix}`);
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`COMMENT ON SCHEMA ${schema} IS '${TEST_SCHEMA_COMMENT} ${new Date().toISOString()}'`);
  } finally {
    await admin.end();
  }
  const u = new URL(TEST_DATABASE_URL);
  u.searchParams.set('options', `-c search_path=${schema}`);
  // Every session of this test's service carries the schema as its application name, so
  // pg_stat_activity checks see this test's queries and not those of tests running beside it.
  u.searchParams.set('application_name', schema);
  const drop = async () => {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
    await c.connect();
    try {
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await c.end();
    }
  };
  const ts: TestSchema = {
    schema,
    url: u.toString(),
    drop,
    async release(ctx) {
      // `passed` (Node >= 20.12, not yet in @types/node 20) is false once the test body
      // threw or timed out; a subtest's failure is not counted, as no caller has subtests.
      if ((ctx as TestContext & { passed?: boolean }).passed !== false) return drop();
      ctx.diagnostic(
        `kept schema ${schema} of the failed test for inspection (psql ${TEST_DATABASE_URL} -c 'SET search_path=${schema}'); npm run test:clean drops it`,
      );
    },
  };
  t?.after(() => ts.release(t));
  return ts;
}

/** A plain client on the test database, for assertions and for holding locks. */
export async function rawClient(url = TEST_DATABASE_URL): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await c.connect();
  return c;
}
