import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import pino from 'pino';

import { createChangeFeed } from '../../src/infra/changes/feed.ts';
import type { Database } from '../../src/infra/database/client.ts';
import { createPaystackClient } from '../../src/infra/paystack/client.ts';
import { createPaystackSimulator } from '../../tools/paystack-sim/server.ts';

/** Enough of a database for a feed without LISTEN: the namespace query and empty reloads. */
function fakeDb(): Database {
  const query = async (name: string) => (name === 'changes.namespace' ? [{ db: 'd', schema: 's' }] : []);
  return { query } as unknown as Database;
}

describe("close()/stop() run once: a second call returns the first call's promise", () => {
  it('the Paystack client', async () => {
    const client = createPaystackClient({ baseUrl: 'http://127.0.0.1:9', secretKey: 'sk_test_x', timeoutMs: 1000, replyMarginMs: 0 });
    const first = client.close();
    assert.equal(client.close(), first);
    await first;
    assert.equal(client.close(), first);
  });

  it('the change feed, until it is started again', async () => {
    const feed = createChangeFeed({ db: fakeDb(), listenUrl: undefined, connectTimeoutMs: 1000, logger: pino({ level: 'silent' }) });
    await feed.start();
    assert.equal(feed.healthy(), true);
    const first = feed.stop();
    assert.equal(feed.stop(), first);
    await first;
    assert.equal(feed.healthy(), false);
    // Started again (a test's stand-in for a regained connection), it can be stopped again.
    await feed.start();
    const second = feed.stop();
    assert.notEqual(second, first);
    assert.equal(feed.stop(), second);
    await second;
  });

  it('the Paystack simulator', async () => {
    const sim = createPaystackSimulator({ secretKey: 'sk_test_x' });
    await sim.listen(0, '127.0.0.1');
    const first = sim.close();
    assert.equal(sim.close(), first);
    await first;
  });
});
