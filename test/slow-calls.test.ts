import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildTestApp } from './helpers/app.ts';
import { rawClient } from './helpers/db.ts';
import { makeCourse, makeUser } from './helpers/factories.ts';
import { buildPayApp } from './helpers/payments.ts';
import { TestRedis } from './helpers/redis.ts';
import { waitFor } from './helpers/wait.ts';

/*
 * What an operator sees while a dependency hangs, before any call times out: a slow-call
 * record naming it (log, /metrics, /ops), and dependency errors in operator words on
 * /readyz and in the log.
 */

const OPS_TOKEN = 'ops-token-for-tests-0123456789';
const bearer = { authorization: `Bearer ${OPS_TOKEN}` };

test('a table lock held by another session: a slow-call record names the database and the request before the lock timeout answers', async (t) => {
  // A 4 s deadline gives database calls a 3.75 s budget: slow at half, 1.9 s; the lock
  // timeout (3 s) answers later, so the record must come while the request still waits
  // (Paystack's timeout must fit inside the shorter deadline too).
  const app = await buildTestApp(t, { OPS_TOKEN, REQUEST_TIMEOUT_MS: '4000', PAYSTACK_TIMEOUT_MS: '3000', DB_LOCK_TIMEOUT_MS: '3000' });
  const admin = await makeUser(app, 'admin');
  const locker = await rawClient(app.schema.url);
  t.after(() => locker.end());
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');

  let answered = false;
  const started = performance.now();
  const locked = app.inject({ method: 'GET', url: '/api/v1/users?search=nobody-cached-this', headers: admin.auth }).finally(() => {
    answered = true;
  });
  // Generous bound for a loaded machine; the record is due at about 1.9 s.
  const slow = await waitFor(() => app.logs.find((l) => l.outcome === 'slow' && l.dependency === 'database'), 10_000, 'slow-call record');
  const seenAfterMs = performance.now() - started;
  const stillWaiting = !answered;
  t.diagnostic(`slow-call record for the database after ${Math.round(seenAfterMs)} ms`);
  const res = await locked;
  await locker.query('ROLLBACK');

  assert.equal(stillWaiting, true, 'the slow-call record came while the request was still waiting');
  assert.ok(seenAfterMs < 5000, `named within 5 s of the fault (${Math.round(seenAfterMs)} ms)`);
  assert.equal(res.statusCode, 503);
  assert.equal(slow.requestId, res.headers['x-request-id'], 'the record names the request that waits');
  assert.equal(typeof slow.op, 'string');
  assert.ok(typeof slow.waitedMs === 'number' && slow.waitedMs >= 1500, `waited ${String(slow.waitedMs)} ms`);
  assert.match(String(slow.msg), /^database .+ still waiting after .+ of its .+ budget$/);
  // The lock timeout's own line says what 55P03 means.
  const failed = app.logs.find((l) => l.dependency === 'database' && l.errorCode === '55P03');
  assert.ok(failed, 'the lock timeout is logged');
  assert.match(String(failed.meaning), /lock was not granted in time/);

  const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: bearer });
  assert.match(metrics.body, /it360_dependency_slow_calls_total\{dependency="database",op="[^"]+"\} 1/);
  const data = (await app.inject({ method: 'GET', url: '/ops/data', headers: bearer })).json<{
    dependencies: { name: string; slowCalls: number }[];
  }>();
  assert.equal(data.dependencies.find((d) => d.name === 'database')?.slowCalls, 1);
  assert.equal(data.dependencies.find((d) => d.name === 'cache')?.slowCalls, 0);
});

test('a frozen Redis: /readyz and /ops say so in operator words, never with ioredis internals', async (t) => {
  const redis = await TestRedis.start();
  t.after(() => redis.stop());
  const app = await buildTestApp(t, { OPS_TOKEN, REDIS_URL: redis.url });
  await waitFor(() => app.c.cacheStore.connection?.().up, 10_000, 'redis ready');
  redis.freeze();
  t.after(() => redis.thaw());
  const details: string[] = [];
  // Long enough for the connection to be dropped (1 s socket timeout) and reopened: both
  // the "no answer" and the "not connected" cases are read.
  await waitFor(
    async () => {
      const r = await app.inject({ method: 'GET', url: '/readyz' });
      const detail = r.json<{ checks: { cache: { detail?: string } } }>().checks.cache.detail;
      if (detail) details.push(detail);
      return app.c.cacheStore.connection?.().up === false && details.length >= 3;
    },
    20_000,
    'cache reported down',
    200,
  );
  const ops = (await app.inject({ method: 'GET', url: '/ops/data', headers: bearer })).json<{
    dependencies: { name: string; probe: { detail?: string } }[];
  }>();
  details.push(ops.dependencies.find((d) => d.name === 'cache')?.probe.detail ?? '');
  for (const d of details) {
    assert.doesNotMatch(d, /enableOfflineQueue|Stream isn't writeable|Command timed out/, d);
    assert.match(d, /^Redis /, d);
  }
  assert.ok(
    details.some((d) => /^Redis not answering( for [\d.]+ (ms|s))? \(command timeout 250 ms\)/.test(d)),
    details.join(' | '),
  );
});

test('Paystack hung, default budgets: a slow-call record names it within 5 s, before its 8 s timeout', async (t) => {
  // The service's default Paystack timeout (the payment helper's is 2 s): the case the chaos run measured.
  const app = await buildPayApp(t, { OPS_TOKEN, PAYSTACK_TIMEOUT_MS: '8000' });
  const student = await makeUser(app);
  const course = await makeCourse(app, await makeUser(app, 'instructor'), { price: 1_500_000 });
  await app.sim.control({ mode: 'hang', ops: ['initialize'] });
  let answered = false;
  const started = performance.now();
  const pending = app
    .inject({ method: 'POST', url: '/api/v1/payments/initialize', headers: student.auth, payload: { courseId: course.id } })
    .finally(() => {
      answered = true;
    });
  // Due at 4 s (half of PAYSTACK_TIMEOUT_MS 8 s) plus one 250 ms scan; 15 s for a loaded machine.
  const slow = await waitFor(() => app.logs.find((l) => l.outcome === 'slow' && l.dependency === 'paystack'), 15_000, 'slow-call record');
  const seenAfterMs = performance.now() - started;
  const stillWaiting = !answered;
  t.diagnostic(`slow-call record for Paystack after ${Math.round(seenAfterMs)} ms`);
  const res = await pending;
  await app.sim.control({ mode: 'normal' });
  assert.equal(stillWaiting, true, 'named while the call still waited');
  assert.equal(res.statusCode, 503);
  assert.equal(slow.requestId, res.headers['x-request-id']);
  assert.equal(slow.op, 'initialize');
  assert.equal(slow.budgetMs, 8000);
  // On a quiet machine about 4.1 s; the bound is the 5 s, with room for a loaded box.
  assert.ok(seenAfterMs < 7000, `named after ${Math.round(seenAfterMs)} ms`);
  const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: bearer });
  // At least the one logged (the client may have made a second attempt within the deadline).
  assert.match(metrics.body, /it360_dependency_slow_calls_total\{dependency="paystack",op="initialize"\} [1-9]/);
});
