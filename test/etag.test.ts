import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildTestApp, type TestApp } from './helpers/app.ts';
import { makeCourse, makeUser } from './helpers/factories.ts';
import { TestRedis } from './helpers/redis.ts';

async function get(app: TestApp, url: string, headers: Record<string, string> = {}) {
  return app.inject({ method: 'GET', url, headers });
}

test('cached reads carry a strong ETag; If-None-Match answers 304 with no body until a write in the scope', async (t) => {
  const app = await buildTestApp(t);
  const admin = await makeUser(app, 'admin');
  const student = await makeUser(app, 'student', { firstName: 'Before' });

  const first = await get(app, '/api/v1/users?pageSize=50', admin.auth);
  assert.equal(first.statusCode, 200);
  const etag = String(first.headers.etag);
  assert.match(etag, /^"[A-Za-z0-9_-]+"$/, 'strong: no W/ prefix');
  // The bytes sent on a hit are the ones the route's serializer made on the miss.
  const hit = await get(app, '/api/v1/users?pageSize=50', admin.auth);
  assert.equal(hit.headers['x-cache'], 'hit');
  assert.equal(hit.body, first.body);
  assert.equal(hit.headers.etag, etag);
  assert.match(String(hit.headers['content-type']), /^application\/json/);

  const notModified = await get(app, '/api/v1/users?pageSize=50', { ...admin.auth, 'if-none-match': etag });
  assert.equal(notModified.statusCode, 304);
  assert.equal(notModified.body, '');
  assert.equal(notModified.headers.etag, etag);
  assert.equal(notModified.headers['cache-control'], 'private, no-cache');
  // A list of validators, and the weak form of the same one, match too (RFC 9110).
  assert.equal((await get(app, '/api/v1/users?pageSize=50', { ...admin.auth, 'if-none-match': `"x", W/${etag}` })).statusCode, 304);
  assert.equal((await get(app, '/api/v1/users?pageSize=50', { ...admin.auth, 'if-none-match': '"other"' })).statusCode, 200);

  // Any write in the scope changes the ETag: the old one gets the new body.
  const patch = await app.inject({
    method: 'PATCH',
    url: `/api/v1/users/${student.id}`,
    headers: admin.auth,
    payload: { firstName: 'After' },
  });
  assert.equal(patch.statusCode, 200);
  const after = await get(app, '/api/v1/users?pageSize=50', { ...admin.auth, 'if-none-match': etag });
  assert.equal(after.statusCode, 200);
  assert.notEqual(after.headers.etag, etag);
  assert.ok(after.json().items.some((u: { firstName: string }) => u.firstName === 'After'));

  // The user detail, the course list and detail, the outline: every cached read.
  for (const url of [`/api/v1/users/${student.id}`, '/api/v1/courses']) {
    const a = await get(app, url, admin.auth);
    assert.equal(a.statusCode, 200, url);
    assert.ok(a.headers.etag, `${url} has an ETag`);
    assert.equal((await get(app, url, { ...admin.auth, 'if-none-match': String(a.headers.etag) })).statusCode, 304, url);
  }
});

test('a 304 is never sent for a body the caller may no longer see', async (t) => {
  const app = await buildTestApp(t);
  const admin = await makeUser(app, 'admin');
  const other = await makeUser(app, 'admin');
  const inst = await makeUser(app, 'instructor');

  // A deactivated admin's token: the permission check runs before the cache is consulted.
  const list = await get(app, '/api/v1/users', other.auth);
  const etag = String(list.headers.etag);
  assert.equal((await get(app, '/api/v1/users', { ...other.auth, 'if-none-match': etag })).statusCode, 304);
  const del = await app.inject({ method: 'DELETE', url: `/api/v1/users/${other.id}`, headers: admin.auth });
  assert.equal(del.statusCode, 204);
  const gone = await get(app, '/api/v1/users', { ...other.auth, 'if-none-match': etag });
  assert.equal(gone.statusCode, 401);
  assert.equal(gone.headers['content-type'], 'application/problem+json; charset=utf-8');

  // A course unpublished: the public detail is 404 even to a client holding its ETag.
  const course = await makeCourse(app, inst);
  const pub = await get(app, `/api/v1/courses/${course.slug}`);
  assert.equal(pub.statusCode, 200);
  assert.equal(pub.headers['cache-control'], 'no-cache', 'public: any cache may keep it, but must ask every time');
  const courseTag = String(pub.headers.etag);
  assert.equal((await get(app, `/api/v1/courses/${course.slug}`, { 'if-none-match': courseTag })).statusCode, 304);
  const unpublish = await app.inject({
    method: 'PATCH',
    url: `/api/v1/courses/${course.id}`,
    headers: inst.auth,
    payload: { isPublished: false },
  });
  assert.equal(unpublish.statusCode, 200);
  assert.equal((await get(app, `/api/v1/courses/${course.slug}`, { 'if-none-match': courseTag })).statusCode, 404);
  // Its instructor still sees the draft, under a new ETag.
  const draft = await get(app, `/api/v1/courses/${course.slug}`, { ...inst.auth, 'if-none-match': courseTag });
  assert.equal(draft.statusCode, 200);
  assert.notEqual(draft.headers.etag, courseTag);
});

test('Redis hung under load: no request waits on it once the process holds the entry', async (t) => {
  const redis = await TestRedis.start();
  t.after(() => redis.stop());
  const app = await buildTestApp(t, { REDIS_URL: redis.url });
  const admin = await makeUser(app, 'admin');
  const warm = await get(app, '/api/v1/users', admin.auth);
  assert.equal(warm.headers['x-cache'], 'miss');
  const callsBefore = app.calls.filter((c) => c.dependency === 'cache').length;

  redis.freeze();
  // 200 reads, 20 at a time, while Redis is frozen: every one from the process's own tier.
  for (let round = 0; round < 10; round++) {
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(app, '/api/v1/users', admin.auth)));
    for (const a of answers) {
      assert.equal(a.statusCode, 200);
      assert.equal(a.headers['x-cache'], 'hit');
    }
  }
  assert.equal(app.calls.filter((c) => c.dependency === 'cache').length, callsBefore, 'no call reached Redis, so none could wait on it');
});
