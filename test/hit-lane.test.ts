import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildTestApp, type TestApp } from './helpers/app.ts';
import { makeUser } from './helpers/factories.ts';

/**
 * The hit lane (src/http/hit-lane.ts) answers repeated cached reads ahead of Fastify, on
 * the HTTP server's request event: only real HTTP reaches it (inject() goes straight to
 * Fastify, which is how these tests get Fastify's own answer to compare with).
 */

// Headers that differ between any two answers, whoever writes them.
const PER_ANSWER = new Set(['date', 'x-request-id', 'connection', 'keep-alive']);

async function listen(app: TestApp): Promise<string> {
  return app.c.app.listen({ host: '127.0.0.1', port: 0 });
}

async function get(base: string, url: string, headers: Record<string, string> = {}) {
  // Bounded: 15 s is past any deadline the service keeps.
  const res = await fetch(`${base}${url}`, { headers, signal: AbortSignal.timeout(15_000) });
  const body = await res.text();
  const h: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (!PER_ANSWER.has(k)) h[k] = v;
  });
  return { status: res.status, body, headers: h, requestId: res.headers.get('x-request-id') };
}

async function fastify(app: TestApp, url: string, headers: Record<string, string> = {}) {
  const r = await app.inject({ method: 'GET', url, headers });
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if (!PER_ANSWER.has(k) && v !== undefined) h[k] = String(v);
  return { status: r.statusCode, body: r.body, headers: h };
}

const served = (app: TestApp) => app.c.app.hitLane!.stats.served;

test('the hit lane answers a repeated cached read with exactly what Fastify answers', async (t) => {
  const app = await buildTestApp(t);
  const admin = await makeUser(app, 'admin');
  const student = await makeUser(app, 'student');
  const base = await listen(app);

  const cases = [
    { url: '/api/v1/users?page=1&pageSize=20', auth: admin.auth },
    { url: `/api/v1/users/${student.id}`, auth: student.auth },
    { url: `/api/v1/users/${student.id}`, auth: admin.auth },
    { url: '/api/v1/courses', auth: {} },
  ];
  for (const { url, auth } of cases) {
    const first = await get(base, url, auth);
    assert.equal(first.status, 200, url);
    const before = served(app);
    const lane = await get(base, url, auth);
    assert.equal(served(app), before + 1, `${url}: the second read is the lane's`);
    const own = await fastify(app, url, auth);
    assert.equal(own.headers['x-cache'], 'hit', url);
    assert.equal(lane.status, 200, url);
    assert.equal(lane.body, own.body, url);
    assert.deepEqual(lane.headers, own.headers, url);

    const notModified = await get(base, url, { ...auth, 'if-none-match': lane.headers.etag });
    const own304 = await fastify(app, url, { ...auth, 'if-none-match': lane.headers.etag });
    assert.equal(served(app), before + 2, `${url}: the 304 is the lane's`);
    assert.equal(notModified.status, 304, url);
    assert.equal(notModified.body, '', url);
    assert.deepEqual(notModified.headers, own304.headers, url);
  }

  // The caller's request id is kept, and the line the request ends with is Fastify's line.
  const given = await get(base, cases[0].url, { ...admin.auth, 'x-request-id': 'lane-check-1' });
  assert.equal(given.requestId, 'lane-check-1');
  const lines = app.logs.filter((l) => l.msg === 'request completed' && l.requestId === 'lane-check-1');
  assert.equal(lines.length, 1);
  const fastifyLine = app.logs.find((l) => l.msg === 'request completed' && l.route === lines[0].route && l.requestId !== 'lane-check-1');
  assert.ok(fastifyLine, 'the same route has a line written by Fastify');
  assert.deepEqual(Object.keys(lines[0]).sort(), Object.keys(fastifyLine).sort());
  assert.equal(lines[0].route, '/api/v1/users');
  assert.equal(lines[0].statusCode, 200);
  assert.equal(lines[0].ip, '127.0.0.1');
});

test('the hit lane never answers what Fastify would refuse, and never an entry a write replaced', async (t) => {
  const app = await buildTestApp(t);
  const admin = await makeUser(app, 'admin');
  const other = await makeUser(app, 'admin');
  const student = await makeUser(app, 'student', { firstName: 'Before' });
  const base = await listen(app);
  const list = '/api/v1/users?page=1&pageSize=50';

  assert.equal((await get(base, list, other.auth)).status, 200);
  assert.equal((await get(base, list, other.auth)).status, 200);
  const learned = served(app);
  assert.ok(learned >= 1, 'the list is in the lane');

  // No token, a bad token, a caller the route refuses: Fastify writes each problem.
  const anonymous = await get(base, list);
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers['content-type'], /problem\+json/);
  assert.equal((await get(base, list, { authorization: 'Bearer not.a.token' })).status, 401);
  assert.equal((await get(base, list, student.auth)).status, 403);
  assert.equal(served(app), learned);

  // A write in the scope: the next read is a fresh one, and it says so.
  const patch = await app.inject({
    method: 'PATCH',
    url: `/api/v1/users/${student.id}`,
    headers: admin.auth,
    payload: { firstName: 'After' },
  });
  assert.equal(patch.statusCode, 200);
  const fresh = await get(base, list, other.auth);
  assert.equal(fresh.headers['x-cache'], 'miss');
  assert.match(fresh.body, /"firstName":"After"/);
  assert.equal(served(app), learned);
  assert.equal((await get(base, list, other.auth)).headers['x-cache'], 'hit');
  assert.equal(served(app), learned + 1, 'the new entry is the lane’s again');

  // A deactivated admin's token: revoked on the very next request, lane or not.
  const del = await app.inject({ method: 'DELETE', url: `/api/v1/users/${other.id}`, headers: admin.auth });
  assert.equal(del.statusCode, 204);
  assert.equal((await get(base, list, other.auth)).status, 401);

  // A user the lane knew, deactivated: the next answer shows it, as Fastify's does.
  const one = `/api/v1/users/${student.id}`;
  await get(base, one, admin.auth);
  assert.match((await get(base, one, admin.auth)).body, /"isActive":true/);
  const gone = await app.inject({ method: 'DELETE', url: one, headers: admin.auth });
  assert.equal(gone.statusCode, 204);
  const after = await get(base, one, admin.auth);
  assert.match(after.body, /"isActive":false/);
  assert.equal(after.body, (await fastify(app, one, admin.auth)).body);

  // An unknown user is a 404 every time (only answers from the cache are learned).
  const unknown = '/api/v1/users/00000000-0000-4000-8000-000000000000';
  const beforeUnknown = served(app);
  assert.equal((await get(base, unknown, admin.auth)).status, 404);
  assert.equal((await get(base, unknown, admin.auth)).status, 404);
  assert.equal(served(app), beforeUnknown);

  // A HEAD, or a GET with a body, is Fastify's.
  const before = served(app);
  const head = await fetch(`${base}${list}`, { method: 'HEAD', headers: admin.auth, signal: AbortSignal.timeout(15_000) });
  assert.equal(head.status, 200);
  assert.equal(served(app), before);
});
