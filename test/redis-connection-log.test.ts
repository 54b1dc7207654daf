import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { createRedisStore } from '../src/infra/cache/store.ts';
import { createLogger } from '../src/logger.ts';
import { type RequestContext, runInContext } from '../src/resilience/deadline.ts';
import { TestRedis } from './helpers/redis.ts';
import { waitFor } from './helpers/wait.ts';

/** A logger made like the service's (with the request-id mixin), keeping its records. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('info', stream) };
}

const ctx = (n: number): RequestContext => ({
  requestId: `req-${n}`,
  method: 'GET',
  route: '/api/v1/courses',
  startedAt: Date.now(),
  deadlineAt: performance.now() + 10_000,
  signal: new AbortController().signal,
});

test('a frozen Redis: its connection is logged on transitions and in summaries, never per attempt, never with a request id', async (t) => {
  const redis = await TestRedis.start();
  t.after(() => redis.stop());
  const { lines, logger } = capture();
  // The service's own numbers (250 ms command timeout); summaries every 2 s instead of a minute, to see them.
  const store = createRedisStore({ url: redis.url, connectTimeoutMs: 1000, commandTimeoutMs: 250, logger, stillDownEveryMs: 2000 });
  t.after(() => store.close());
  await waitFor(() => store.connection?.().up, 10_000, 'redis ready');
  await store.set('k', 'v', 60);

  redis.freeze();
  const frozenAt = Date.now();
  // Requests keep calling the cache, as they do in the service: ioredis arms its socket and
  // reconnect timers while serving them, so its events fire in their async context.
  let n = 0;
  const failures: string[] = [];
  // 7 s frozen: with a 1 s socket timeout and a 2 s reconnect cap, several reconnect attempts
  // and at least two summaries fit; long enough on a loaded machine, short for a test.
  while (Date.now() - frozenAt < 7000) {
    await runInContext(ctx(++n), () => store.get('k')).catch((err: unknown) => failures.push(store.explain!(err)));
    await sleep(100);
  }
  const down = store.connection!();
  assert.equal(down.up, false, 'the connection is known to be down');
  assert.ok(down.attempts >= 2, `reconnect attempts counted: ${down.attempts}`);
  redis.thaw();
  await waitFor(() => store.connection!().up, 15_000, 'redis back');

  const conn = lines.filter((l) => l.dependency === 'cache' && l.op === 'connection');
  const downs = conn.filter((l) => l.state === 'down' && l.downForMs === undefined);
  const summaries = conn.filter((l) => l.state === 'down' && l.downForMs !== undefined);
  const ups = conn.filter((l) => l.state === 'up');
  assert.equal(downs.length, 1, `one "down" line, got ${JSON.stringify(downs)}`);
  assert.equal(typeof downs[0].downSince, 'string');
  assert.match(String(downs[0].reason), /^Redis not (answering|connected)/);
  // One per 2 s over ~7 s of being down: 2 or 3, never one per attempt.
  assert.ok(summaries.length >= 1 && summaries.length <= 4, `"still down" summaries: ${summaries.length}`);
  for (const s of summaries) assert.match(String(s.msg), /still down after .* reconnect attempts/);
  assert.equal(ups.length, 1, 'one "back" line');
  assert.ok(conn.length <= 6, `connection lines: ${conn.length}`);
  for (const l of conn) assert.equal(l.requestId, undefined, `connection line carried a request id: ${JSON.stringify(l)}`);
  // The old per-error line is gone.
  assert.equal(lines.filter((l) => l.msg === 'redis connection error').length, 0);
  // Failed calls read in operator words, never as ioredis's internals.
  assert.ok(failures.length > 0);
  for (const f of failures) {
    assert.doesNotMatch(f, /enableOfflineQueue|Stream isn't writeable/);
    assert.match(f, /^Redis /);
  }
  assert.ok(
    failures.some((f) => /command timeout 250 ms/.test(f)),
    `failures: ${[...new Set(failures)].join(' | ')}`,
  );
});
