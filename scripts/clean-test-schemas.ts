/**
 * `npm run test:clean`: drops the schemas failed tests kept for inspection (and any a
 * killed run left), ending their sessions first so a DROP never waits on them.
 *
 * Safe by construction: only schemas that have a test schema's name AND carry the comment
 * test/helpers/db.ts writes on every schema it creates are touched, and only in the test
 * database (TEST_DATABASE_URL). A schema younger than --min-age-minutes (default 15) is
 * left alone, as a run going on beside may still be using it; `--all` drops those too.
 * `--dry-run` lists what would be dropped.
 *
 * Usage: npm run test:clean [-- --dry-run] [-- --all] [-- --min-age-minutes=N]
 */
import pg from 'pg';

import { TEST_DATABASE_URL, TEST_SCHEMA_COMMENT, TEST_SCHEMA_NAME } from '../test/helpers/db.ts';

// At most this many schemas per run: a bound on the work, never reached in practice
// (a run leaves one schema per failed test); run again for more.
const MAX_SCHEMAS = 500;

const args = process.argv.slice(2);
const dryRun = args.includes('--dry-run');
const all = args.includes('--all');
const ageArg = args.find((a) => a.startsWith('--min-age-minutes='));
const minAgeMinutes = all ? 0 : ageArg ? Number(ageArg.split('=')[1]) : 15;
if (!Number.isFinite(minAgeMinutes) || minAgeMinutes < 0) {
  console.error('--min-age-minutes must be a number >= 0');
  process.exit(2);
}
const unknown = args.filter((a) => !['--dry-run', '--all'].includes(a) && !a.startsWith('--min-age-minutes='));
if (unknown.length > 0) {
  console.error(`unknown option(s): ${unknown.join(' ')}\nusage: npm run test:clean [-- --dry-run] [-- --all] [-- --min-age-minutes=N]`);
  process.exit(2);
}

const client = new pg.Client({
  connectionString: TEST_DATABASE_URL,
  // A reachable PostgreSQL answers at once; 5 s means it is not there.
  connectionTimeoutMillis: 5000,
  // No statement here may wait for long: a lock held elsewhere fails the DROP after 5 s
  // (reported, the rest go on) instead of hanging the command.
  statement_timeout: 30_000,
  lock_timeout: 5000,
  application_name: 'it360-test-clean',
});

try {
  await client.connect();
} catch (err) {
  console.error(`PostgreSQL is not reachable at ${TEST_DATABASE_URL}: ${(err as Error).message}`);
  process.exit(1);
}

let failed = 0;
try {
  const { rows } = await client.query<{ name: string; comment: string | null }>(
    `SELECT n.nspname AS name, obj_description(n.oid, 'pg_namespace') AS comment
       FROM pg_namespace n
      WHERE obj_description(n.oid, 'pg_namespace') LIKE $1
      ORDER BY n.nspname`,
    [`${TEST_SCHEMA_COMMENT} %`],
  );
  const now = Date.now();
  const candidates = rows.filter((r) => {
    if (!TEST_SCHEMA_NAME.test(r.name)) return false;
    const created = Date.parse((r.comment ?? '').slice(TEST_SCHEMA_COMMENT.length + 1));
    // No readable creation time: old enough only when --all says so.
    return Number.isFinite(created) ? now - created >= minAgeMinutes * 60_000 : all;
  });
  const young = rows.length - candidates.length;
  const batch = candidates.slice(0, MAX_SCHEMAS);
  for (const { name } of batch) {
    if (dryRun) {
      console.log(`would drop ${name}`);
      continue;
    }
    try {
      // The test's sessions carry the schema's name as their application name.
      const ended = await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
        [name],
      );
      await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(name)} CASCADE`);
      console.log(`dropped ${name}${ended.rowCount ? ` (ended ${ended.rowCount} session(s))` : ''}`);
    } catch (err) {
      failed++;
      console.error(`could not drop ${name}: ${(err as Error).message}`);
    }
  }
  console.log(
    `${dryRun ? 'would drop' : 'dropped'} ${batch.length - failed} test schema(s)` +
      (failed ? `, ${failed} failed` : '') +
      (candidates.length > batch.length ? `, ${candidates.length - batch.length} more left (run again)` : '') +
      (young > 0 ? `; kept ${young} younger than ${minAgeMinutes} min (a run may be using them; --all drops them)` : ''),
  );
} finally {
  await client.end();
}
process.exitCode = failed ? 1 : 0;
