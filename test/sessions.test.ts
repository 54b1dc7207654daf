import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';

import { createSigner } from 'fast-jwt';

import { buildTestApp, type TestApp } from './helpers/app.ts';
import { makeUser, type TestUser } from './helpers/factories.ts';
import { eventually } from './helpers/payments.ts';
import { freePort } from './helpers/redis.ts';

// The propagation bound these tests hold another process to. Measured in milliseconds
// (one NOTIFY); 2 s leaves room for a loaded machine.
const CROSS_PROCESS_BOUND_MS = 2000;
const SECRET = 'test-secret-test-secret-test-secret-0123456789';
const sign = createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: 600_000, iss: 'it360acad' });

const me = (app: TestApp, token: string) =>
  app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });

async function login(app: TestApp, u: TestUser): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: u.email, password: u.password } });
  assert.equal(res.statusCode, 200);
  return res.json();
}

function claimsOf(accessToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
}

/** Waits until `token` is refused by `app`; returns how long that took. */
async function refusedWithin(app: TestApp, token: string, label: string): Promise<number> {
  const started = performance.now();
  await eventually(async () => (await me(app, token)).statusCode === 401, CROSS_PROCESS_BOUND_MS, label);
  return performance.now() - started;
}

test('access tokens carry sid, the id of their session; a refresh keeps it', async (t) => {
  const app = await buildTestApp(t);
  const u = await makeUser(app);
  const sid = claimsOf(u.accessToken).sid;
  assert.match(String(sid), /^[0-9a-f-]{36}$/);
  const r = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: u.refreshToken } });
  assert.equal(claimsOf(r.json().accessToken).sid, sid);
  const other = await login(app, u);
  assert.notEqual(claimsOf(other.accessToken).sid, sid, 'each login is a session of its own');
});

test("logout by refresh token ends that session's access tokens at once; other sessions go on", async (t) => {
  const app = await buildTestApp(t);
  const u = await makeUser(app);
  const other = await login(app, u);
  const refreshed = (await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: u.refreshToken } })).json();
  assert.equal((await me(app, u.accessToken)).statusCode, 200);
  const out = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken: refreshed.refreshToken } });
  assert.equal(out.statusCode, 204);
  assert.equal((await me(app, u.accessToken)).statusCode, 401, 'the first access token of the session');
  assert.equal((await me(app, refreshed.accessToken)).statusCode, 401, 'the refreshed access token of the session');
  assert.equal((await me(app, other.accessToken)).statusCode, 200, 'another session of the same user');
  assert.equal(
    (await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: other.refreshToken } })).statusCode,
    200,
  );
});

test("logout with a bearer token and no body ends the bearer's session; neither token nor body is 401", async (t) => {
  const app = await buildTestApp(t);
  const u = await makeUser(app);
  const other = await login(app, u);
  const out = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: u.auth });
  assert.equal(out.statusCode, 204);
  assert.equal((await me(app, u.accessToken)).statusCode, 401);
  assert.equal(
    (await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: u.refreshToken } })).statusCode,
    401,
    'its refresh token ended too',
  );
  assert.equal((await me(app, other.accessToken)).statusCode, 200);
  // Again with the ended token: nothing to end, still 401 (the bearer is no longer valid).
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: u.auth })).statusCode, 401);
  const none = await app.inject({ method: 'POST', url: '/api/v1/auth/logout' });
  assert.equal(none.statusCode, 401);
  assert.equal(none.json().code, 'unauthorized');
  // An unknown refresh token is still 204: logout never tells which tokens exist.
  assert.equal(
    (await app.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken: 'not-a-token' } })).statusCode,
    204,
  );
});

test("refresh-token reuse ends the family's access tokens at once", async (t) => {
  const app = await buildTestApp(t);
  const u = await makeUser(app);
  const r1 = (await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: u.refreshToken } })).json();
  assert.equal((await me(app, r1.accessToken)).statusCode, 200);
  const reuse = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: u.refreshToken } });
  assert.equal(reuse.statusCode, 401);
  assert.equal((await me(app, u.accessToken)).statusCode, 401);
  assert.equal((await me(app, r1.accessToken)).statusCode, 401);
});

test(`another process refuses an ended session's access token within ${CROSS_PROCESS_BOUND_MS} ms, with no database read per request`, async (t) => {
  const a = await buildTestApp(t);
  const b = await buildTestApp(t, {}, { schema: a.schema });
  const u = await makeUser(a);
  const bySession = await login(a, u);
  const byBearer = await login(a, u);
  const byReuse = await login(a, u);
  for (const s of [u, bySession, byBearer, byReuse]) assert.equal((await me(b, s.accessToken)).statusCode, 200);

  // Warm: B has seen these sessions; further requests read nothing from the database
  // to authenticate (users.get on /me is a cached read, so it is left out of the count).
  const authReads = () =>
    b.calls.filter((c) => c.dependency === 'database' && /^(auth\.|refresh\.|sessions\.|users\.token_state)/.test(c.op)).length;
  const before = authReads();
  for (let i = 0; i < 5; i++) assert.equal((await me(b, u.accessToken)).statusCode, 200);
  assert.equal(authReads(), before, 'authentication read the database on a warm session');

  assert.equal(
    (await a.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken: bySession.refreshToken } })).statusCode,
    204,
  );
  const ms1 = await refusedWithin(b, bySession.accessToken, 'logout by refresh token seen by B');
  assert.equal(
    (await a.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: `Bearer ${byBearer.accessToken}` } }))
      .statusCode,
    204,
  );
  const ms2 = await refusedWithin(b, byBearer.accessToken, 'logout by bearer seen by B');
  assert.equal(
    (await a.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: byReuse.refreshToken } })).statusCode,
    200,
  );
  assert.equal(
    (await a.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: byReuse.refreshToken } })).statusCode,
    401,
  );
  const ms3 = await refusedWithin(b, byReuse.accessToken, 'reuse revocation seen by B');
  t.diagnostic(`propagation: logout ${ms1.toFixed(0)} ms, bearer logout ${ms2.toFixed(0)} ms, reuse ${ms3.toFixed(0)} ms`);
  assert.equal((await me(b, u.accessToken)).statusCode, 200, 'the untouched session still works in B');
});

test('with the change feed down, authentication reads the database and checks the session there', async (t) => {
  const a = await buildTestApp(t);
  // A LISTEN address where nothing listens: B's feed never comes up.
  const b = await buildTestApp(t, { DATABASE_LISTEN_URL: `postgres://postgres@127.0.0.1:${await freePort()}/test` }, { schema: a.schema });
  assert.equal(b.c.feed.healthy(), false);
  const u = await makeUser(a);
  const other = await login(a, u);
  assert.equal((await me(b, u.accessToken)).statusCode, 200);
  assert.equal((await a.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken: u.refreshToken } })).statusCode, 204);
  assert.equal((await me(b, u.accessToken)).statusCode, 401, 'B cannot hear the feed, so it asks the database at once');
  assert.equal((await me(b, other.accessToken)).statusCode, 200);
  const ghost = sign({ sub: randomUUID(), sid: randomUUID(), role: 'admin', tv: 0 });
  assert.equal((await me(b, ghost)).statusCode, 401);
});

test('a revocation made while a process could not hear the feed is known to it once the feed is back', async (t) => {
  const a = await buildTestApp(t);
  const b = await buildTestApp(t, {}, { schema: a.schema });
  const u = await makeUser(a);
  assert.equal((await me(b, u.accessToken)).statusCode, 200);
  // B stops listening; A ends the session; B starts listening again (a reconnect).
  await b.c.feed.stop();
  assert.equal((await a.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken: u.refreshToken } })).statusCode, 204);
  await b.c.feed.start();
  assert.equal(b.c.feed.healthy(), true);
  assert.equal((await me(b, u.accessToken)).statusCode, 401);
});

test('tokens signed with the real secret for a subject or session that does not exist, or with malformed claims, are 401, never 500', async (t) => {
  const app = await buildTestApp(t);
  const u = await makeUser(app);
  const { sid } = claimsOf(u.accessToken) as { sid: string };
  const cases: [string, Record<string, unknown>][] = [
    ['unknown subject, unknown session', { sub: randomUUID(), sid: randomUUID(), role: 'admin', tv: 0 }],
    ['unknown subject, a real session of someone else', { sub: randomUUID(), sid, role: 'admin', tv: 0 }],
    ['real subject, unknown session', { sub: u.id, sid: randomUUID(), role: 'student', tv: 0 }],
    ['real subject, no session at all', { sub: u.id, role: 'student', tv: 0 }],
    ['non-UUID subject', { sub: 'not-a-uuid', sid: randomUUID(), role: 'admin', tv: 0 }],
    ['SQL in the subject', { sub: "' OR 1=1 --", sid, role: 'admin', tv: 0 }],
    ['malformed session id', { sub: u.id, sid: 'x'.repeat(40), role: 'student', tv: 0 }],
    ['numeric session id', { sub: u.id, sid: 12, role: 'student', tv: 0 }],
  ];
  for (const [label, claims] of cases) {
    const res = await me(app, sign(claims));
    assert.equal(res.statusCode, 401, label);
    assert.equal(res.json().code, 'unauthorized', label);
  }
  // The same ghost token twice: still 401 (a refusal is not remembered as a pass).
  const ghost = sign({ sub: randomUUID(), sid: randomUUID(), role: 'admin', tv: 0 });
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: `Bearer ${ghost}` } })).statusCode, 401);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: `Bearer ${ghost}` } })).statusCode, 401);
  assert.equal((await me(app, u.accessToken)).statusCode, 200);
});
