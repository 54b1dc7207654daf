import { randomBytes } from 'node:crypto';
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

export interface TestSchema {
  schema: string;
  /** A connection string whose sessions use only this schema. */
  url: string;
  drop(): Promise<void>;
}

/** A fresh schema per test: tests never see each other's rows. */
export async function createTestSchema(prefix = 't'): Promise<TestSchema> {
  await requirePostgres();
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const u = new URL(TEST_DATABASE_URL);
  u.searchParams.set('options', `-c search_path=${schema}`);
  // Every session of this test's service carries the schema as its application name, so
  // pg_stat_activity checks see this test's queries and not those of tests running beside it.
  u.searchParams.set('application_name', schema);
  return {
    schema,
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

/** A plain client on the test database, for assertions and for holding locks. */
export async function rawClient(url = TEST_DATABASE_URL): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await c.connect();
  return c;
}
