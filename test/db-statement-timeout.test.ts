import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { createDatabase } from '../src/infra/database/client.ts';
import { createLogger } from '../src/logger.ts';
import { runWithDeadline } from '../src/resilience/deadline.ts';
import { createTestSchema } from './helpers/db.ts';

const STATEMENT_TIMEOUT_MS = 30_000;
const MARGIN_MS = 250;

test("a connection's server-side statement_timeout: the setting outside requests; inside one never past the budget, and reused by later calls instead of a SET before each", async (t) => {
  const schema = await createTestSchema('stmt', t);
  const db = createDatabase({
    connectionString: schema.url,
    engine: 'postgres',
    // One connection: every call below finds the setting the previous one left.
    poolMax: 1,
    connectTimeoutMs: 3000,
    statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: 2000,
    idleInTransactionTimeoutMs: 10_000,
    replyMarginMs: MARGIN_MS,
    breakerConsecutiveFailures: 5,
    breakerHalfOpenMs: 5000,
    logger: createLogger('silent'),
  });
  t.after(() => db.close());
  const serverMs = async () =>
    (await db.query<{ ms: number }>('t', "SELECT setting::int AS ms FROM pg_settings WHERE name = 'statement_timeout'"))[0].ms;

  assert.equal(await serverMs(), STATEMENT_TIMEOUT_MS);
  // A 10 s deadline, as REQUEST_TIMEOUT_MS has it: the budget is at most 9,750 ms.
  const [first, second] = await runWithDeadline('t', 'test', 10_000, async () => {
    const a = await serverMs();
    // The budget is smaller at the next call; the setting made for the first still fits it.
    await sleep(30);
    return [a, await serverMs()];
  });
  assert.ok(first <= 10_000 - MARGIN_MS && first >= 0.85 * (10_000 - MARGIN_MS), `server timeout ${first} ms within the budget`);
  assert.equal(second, first, 'reused, not set again');
  // A much shorter deadline: the setting left behind would outlast its budget, so it is set again.
  const short = await runWithDeadline('t', 'test', 1000, () => serverMs());
  assert.ok(short <= 1000 - MARGIN_MS && short >= 0.5 * (1000 - MARGIN_MS), `server timeout ${short} ms within a 1 s deadline`);
  assert.equal(await serverMs(), STATEMENT_TIMEOUT_MS, 'back to the setting outside requests');
});
