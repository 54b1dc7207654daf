import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildTestApp } from './helpers/app.ts';
import { makeUser } from './helpers/factories.ts';

test('admin lists users with pagination, filters and search; the list goes through the cache', async (t) => {
  const app = await buildTestApp(t);
  const admin = await makeUser(app, 'admin');
  await makeUser(app, 'student', { firstName: 'Grace', lastName: 'Hopper' });
  await makeUser(app, 'instructor', { firstName: 'Alan', lastName: 'Turing' });
  await makeUser(app, 'student', { firstName: 'Barbara', lastName: 'Liskov' });

  const all = await app.inject({ method: 'GET', url: '/api/v1/users?page=1&pageSize=2', headers: admin.auth });
  assert.equal(all.statusCode, 200);
  const body = all.json();
  assert.equal(body.total, 4);
  assert.equal(body.items.length, 2);
  assert.equal(body.page, 1);
  assert.equal(body.pageSize, 2);
  assert.equal(all.headers['x-cache'], 'miss');
  const again = await app.inject({ method: 'GET', url: '/api/v1/users?page=1&pageSize=2', headers: admin.auth });
  assert.equal(again.headers['x-cache'], 'hit');
  assert.deepEqual(again.json(), body);

  const students = await app.inject({ method: 'GET', url: '/api/v1/users?role=student', headers: admin.auth });
  assert.equal(students.json().total, 2);
  const search = await app.inject({ method: 'GET', url: '/api/v1/users?search=hopp', headers: admin.auth });
  assert.deepEqual(
    search.json().items.map((u: { lastName: string }) => u.lastName),
    ['Hopper'],
  );
  const full = await app.inject({ method: 'GET', url: `/api/v1/users?search=${encodeURIComponent('Alan Tur')}`, headers: admin.auth });
  assert.equal(full.json().total, 1);
  const wildcard = await app.inject({ method: 'GET', url: '/api/v1/users?search=%25', headers: admin.auth });
  assert.equal(wildcard.json().total, 0, 'a % in search is a literal, not a wildcard');
  const beyond = await app.inject({ method: 'GET', url: '/api/v1/users?page=50', headers: admin.auth });
  assert.equal(beyond.json().items.length, 0);
  assert.equal(beyond.json().total, 4);
});

test('a write is visible to the next read at once (no stale cache)', async (t) => {
  const app = await buildTestApp(t);
  const admin = await makeUser(app, 'admin');
  const u = await makeUser(app, 'student', { firstName: 'Old' });
  await app.inject({ method: 'GET', url: '/api/v1/users', headers: admin.auth });
  await app.inject({ method: 'GET', url: `/api/v1/users/${u.id}`, headers: admin.auth });
  const patch = await app.inject({ method: 'PATCH', url: `/api/v1/users/${u.id}`, headers: u.auth, payload: { firstName: 'New' } });
  assert.equal(patch.statusCode, 200);
  assert.equal(patch.json().firstName, 'New');
  const list = await app.inject({ method: 'GET', url: '/api/v1/users', headers: admin.auth });
  assert.ok(list.json().items.some((x: { firstName: string }) => x.firstName === 'New'));
  const one = await app.inject({ method: 'GET', url: `/api/v1/users/${u.id}`, headers: admin.auth });
  assert.equal(one.json().firstName, 'New');
});

test('permissions: students cannot list (403), cannot see others (404), cannot set role/isActive (403)', async (t) => {
  const app = await buildTestApp(t);
  const s1 = await makeUser(app);
  const s2 = await makeUser(app);
  const inst = await makeUser(app, 'instructor');
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/users', headers: s1.auth })).statusCode, 403);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/users', headers: inst.auth })).statusCode, 403);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/users' })).statusCode, 401);
  assert.equal((await app.inject({ method: 'GET', url: `/api/v1/users/${s1.id}`, headers: s1.auth })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: `/api/v1/users/${s2.id}`, headers: s1.auth })).statusCode, 404);
  assert.equal(
    (await app.inject({ method: 'PATCH', url: `/api/v1/users/${s2.id}`, headers: s1.auth, payload: { firstName: 'X' } })).statusCode,
    404,
  );
  const selfRole = await app.inject({ method: 'PATCH', url: `/api/v1/users/${s1.id}`, headers: s1.auth, payload: { role: 'admin' } });
  assert.equal(selfRole.statusCode, 403);
  assert.equal(selfRole.json().code, 'forbidden');
  assert.equal(
    (await app.inject({ method: 'PATCH', url: `/api/v1/users/${s1.id}`, headers: s1.auth, payload: { isActive: false } })).statusCode,
    403,
  );
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/users/${s1.id}`, headers: s1.auth })).statusCode, 403);
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/users/${s2.id}`, headers: s1.auth })).statusCode, 404);
  // Nothing changed.
  const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: s1.auth });
  assert.equal(me.json().role, 'student');
  assert.equal(me.json().isActive, true);
});

test('admin: get, update role and isActive, deactivate; unknown ids are 404; the last admin is protected', async (t) => {
  const app = await buildTestApp(t);
  const admin = await makeUser(app, 'admin');
  // Verified: making an account an instructor needs a proven address (test/accounts.test.ts covers the refusal).
  const u = await makeUser(app, 'student', { emailVerified: true });
  const promoted = await app.inject({
    method: 'PATCH',
    url: `/api/v1/users/${u.id}`,
    headers: admin.auth,
    payload: { role: 'instructor', lastName: 'Smith' },
  });
  assert.equal(promoted.statusCode, 200);
  assert.equal(promoted.json().role, 'instructor');
  assert.equal(promoted.json().lastName, 'Smith');
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/users/${u.id}`, headers: admin.auth })).statusCode, 204);
  const after = await app.inject({ method: 'GET', url: `/api/v1/users/${u.id}`, headers: admin.auth });
  assert.equal(after.json().isActive, false);
  const missing = '00000000-0000-4000-8000-000000000000';
  assert.equal((await app.inject({ method: 'GET', url: `/api/v1/users/${missing}`, headers: admin.auth })).statusCode, 404);
  assert.equal(
    (await app.inject({ method: 'PATCH', url: `/api/v1/users/${missing}`, headers: admin.auth, payload: { firstName: 'X' } })).statusCode,
    404,
  );
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/users/${missing}`, headers: admin.auth })).statusCode, 404);
  const selfDemote = await app.inject({
    method: 'PATCH',
    url: `/api/v1/users/${admin.id}`,
    headers: admin.auth,
    payload: { role: 'student' },
  });
  assert.equal(selfDemote.statusCode, 409);
  const inactive = await app.inject({ method: 'GET', url: '/api/v1/users?isActive=false', headers: admin.auth });
  assert.equal(inactive.json().total, 1);
});
