import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildTestApp } from './helpers/app.ts';
import { makeUser } from './helpers/factories.ts';

const REG = { email: 'Ada@Example.com', password: 'a-long-password', firstName: 'Ada', lastName: 'Lovelace' };

test('register creates a student, returns tokens, and the email is then taken', async (t) => {
  const app = await buildTestApp(t);
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: REG });
  assert.equal(res.statusCode, 201);
  const body = res.json();
  assert.equal(body.user.email, 'ada@example.com');
  assert.equal(body.user.role, 'student');
  assert.equal(body.user.isActive, true);
  assert.ok(body.accessToken && body.refreshToken);
  assert.equal(body.user.passwordHash, undefined);
  assert.ok(res.headers['x-request-id']);

  const again = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { ...REG, email: 'ADA@example.com' } });
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().code, 'email_taken');
  assert.match(String(again.headers['content-type']), /application\/problem\+json/);
});

test('login: right password works; wrong password and unknown email get the same 401', async (t) => {
  const app = await buildTestApp(t);
  await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: REG });
  const ok = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'ada@example.com', password: REG.password } });
  assert.equal(ok.statusCode, 200);
  const wrong = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: 'ada@example.com', password: 'wrong-password' },
  });
  const unknown = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: 'nobody@example.com', password: 'wrong-password' },
  });
  assert.equal(wrong.statusCode, 401);
  assert.equal(unknown.statusCode, 401);
  assert.equal(wrong.json().detail, unknown.json().detail);
  assert.equal(wrong.json().code, 'unauthorized');
});

test('me returns the caller; no token, a garbage token, or alg none are 401', async (t) => {
  const app = await buildTestApp(t);
  const u = await makeUser(app);
  const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: u.auth });
  assert.equal(me.statusCode, 200);
  assert.equal(me.json().id, u.id);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me' })).statusCode, 401);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: 'Bearer nope' } })).statusCode, 401);
  const [, payload] = u.accessToken.split('.');
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${none}` } })).statusCode, 401);
});

test('refresh rotates; reusing an old refresh token revokes the whole family', async (t) => {
  const app = await buildTestApp(t);
  const u = await makeUser(app);
  const r1 = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: u.refreshToken } });
  assert.equal(r1.statusCode, 200);
  const t1 = r1.json().refreshToken;
  assert.notEqual(t1, u.refreshToken);
  // The old token again: reuse. It fails, and so does the newest one of the family.
  const reuse = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: u.refreshToken } });
  assert.equal(reuse.statusCode, 401);
  const after = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: t1 } });
  assert.equal(after.statusCode, 401);
});

test('logout revokes the refresh token', async (t) => {
  const app = await buildTestApp(t);
  const u = await makeUser(app);
  const out = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken: u.refreshToken } });
  assert.equal(out.statusCode, 204);
  const r = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: u.refreshToken } });
  assert.equal(r.statusCode, 401);
});

test('a deactivated user: access token and refresh token stop working at once, login refused', async (t) => {
  const app = await buildTestApp(t);
  const admin = await makeUser(app, 'admin');
  const u = await makeUser(app);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: u.auth })).statusCode, 200);
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/users/${u.id}`, headers: admin.auth })).statusCode, 204);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: u.auth })).statusCode, 401);
  assert.equal(
    (await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: u.refreshToken } })).statusCode,
    401,
  );
  assert.equal(
    (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: u.email, password: u.password } })).statusCode,
    401,
  );
});

test('a role change revokes tokens carrying the old role', async (t) => {
  const app = await buildTestApp(t);
  const admin = await makeUser(app, 'admin');
  const u = await makeUser(app, 'instructor');
  const res = await app.inject({ method: 'PATCH', url: `/api/v1/users/${u.id}`, headers: admin.auth, payload: { role: 'student' } });
  assert.equal(res.statusCode, 200);
  const create = await app.inject({
    method: 'POST',
    url: '/api/v1/courses',
    headers: u.auth,
    payload: { title: 'X', description: '', price: 1 },
  });
  assert.equal(create.statusCode, 401);
});

test('the request id: a sane caller id is echoed, a hostile one replaced', async (t) => {
  const app = await buildTestApp(t);
  const a = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
  assert.equal(a.headers['x-request-id'], 'abc-123');
  const b = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id\u0007<script>' } });
  assert.notEqual(b.headers['x-request-id'], 'bad id\u0007<script>');
  assert.match(String(b.headers['x-request-id']), /^[0-9a-f-]{36}$/);
});

test('passwords and tokens never reach the log', async (t) => {
  const app = await buildTestApp(t);
  const reg = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: REG });
  const { accessToken, refreshToken } = reg.json();
  await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: REG.email, password: REG.password } });
  await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${accessToken}` } });
  await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
  const all = JSON.stringify(app.logs);
  assert.ok(app.logs.length > 0);
  for (const secret of [REG.password, accessToken, refreshToken]) assert.equal(all.includes(secret), false, 'a secret was logged');
  const completed = app.logs.filter((l) => l.msg === 'request completed');
  assert.ok(completed.length >= 4);
  for (const l of completed)
    for (const k of ['time', 'level', 'requestId', 'method', 'route', 'statusCode', 'durationMs'])
      assert.ok(k in l, `log record lacks ${k}`);
});

test('bursts of correct logins never lock an account; failed ones do', async (t) => {
  // The hashing shares (concurrent logins per address, attempts per account a minute) are
  // opened wide: this is about how failures are counted, not about those shares.
  const app = await buildTestApp(t, {
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '5',
    LOGIN_MAX_FAILURES_PER_ADDRESS: '1000',
    LOGIN_CONCURRENT_PER_ADDRESS: '10',
    LOGIN_HASHES_PER_ACCOUNT: '100',
  });
  const u = await makeUser(app);
  const good = () => app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: u.email, password: u.password } });
  for (let round = 0; round < 3; round++) {
    const burst = await Promise.all(Array.from({ length: 5 }, good));
    for (const r of burst) assert.equal(r.statusCode, 200);
  }
  assert.equal((await good()).statusCode, 200);
  for (let i = 0; i < 5; i++)
    assert.equal(
      (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: u.email, password: 'wrong-password' } })).statusCode,
      401,
    );
  const limited = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: u.email, password: 'wrong-password' } });
  assert.equal(limited.statusCode, 429);
  assert.ok(limited.headers['retry-after']);
});
