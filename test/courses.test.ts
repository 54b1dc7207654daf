import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildTestApp } from './helpers/app.ts';
import { makeCourse, makeUser } from './helpers/factories.ts';

test('instructors create courses; slugs are derived, unique, and explicit duplicates are 409', async (t) => {
  const app = await buildTestApp(t);
  const inst = await makeUser(app, 'instructor');
  const a = await makeCourse(app, inst, { title: 'Intro to Go!', price: 0, currency: 'NGN' });
  assert.equal(a.slug, 'intro-to-go');
  assert.equal(a.instructorId, inst.id);
  assert.equal(a.price, 0);
  const b = await makeCourse(app, inst, { title: 'Intro to Go!' });
  assert.match(b.slug, /^intro-to-go-[0-9a-f]{6}$/);
  const dup = await app.inject({
    method: 'POST',
    url: '/api/v1/courses',
    headers: inst.auth,
    payload: { title: 'Other', slug: 'intro-to-go', description: '', price: 1 },
  });
  assert.equal(dup.statusCode, 409);
  assert.equal(dup.json().code, 'conflict');
});

test('students cannot create courses (403); anonymous is 401', async (t) => {
  const app = await buildTestApp(t);
  const s = await makeUser(app);
  const payload = { title: 'T', description: '', price: 100 };
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/courses', headers: s.auth, payload })).statusCode, 403);
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/courses', payload })).statusCode, 401);
});

test('the public list shows published courses only, paginated, searchable, cached', async (t) => {
  const app = await buildTestApp(t);
  const inst = await makeUser(app, 'instructor');
  await makeCourse(app, inst, { title: 'Python Basics' });
  await makeCourse(app, inst, { title: 'Rust Systems' });
  const draft = await makeCourse(app, inst, { title: 'Secret Draft', isPublished: false });
  const list = await app.inject({ method: 'GET', url: '/api/v1/courses' });
  assert.equal(list.statusCode, 200);
  assert.equal(list.json().total, 2);
  assert.equal(list.json().pageSize, 20);
  assert.equal(list.headers['x-cache'], 'miss');
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/courses' })).headers['x-cache'], 'hit');
  const search = await app.inject({ method: 'GET', url: '/api/v1/courses?search=rust' });
  assert.deepEqual(
    search.json().items.map((c: { title: string }) => c.title),
    ['Rust Systems'],
  );
  // Publishing the draft shows up in the very next list.
  const pub = await app.inject({ method: 'PATCH', url: `/api/v1/courses/${draft.id}`, headers: inst.auth, payload: { isPublished: true } });
  assert.equal(pub.statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/courses' })).json().total, 3);
});

test('unpublished courses are 404 to the public and other users, visible to their instructor and admins', async (t) => {
  const app = await buildTestApp(t);
  const inst = await makeUser(app, 'instructor');
  const other = await makeUser(app, 'instructor');
  const admin = await makeUser(app, 'admin');
  const draft = await makeCourse(app, inst, { title: 'Draft', isPublished: false });
  assert.equal((await app.inject({ method: 'GET', url: `/api/v1/courses/${draft.id}` })).statusCode, 404);
  assert.equal((await app.inject({ method: 'GET', url: `/api/v1/courses/${draft.slug}`, headers: other.auth })).statusCode, 404);
  assert.equal((await app.inject({ method: 'GET', url: `/api/v1/courses/${draft.id}`, headers: inst.auth })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: `/api/v1/courses/${draft.slug}`, headers: admin.auth })).statusCode, 200);
  assert.equal(
    (await app.inject({ method: 'PATCH', url: `/api/v1/courses/${draft.id}`, headers: other.auth, payload: { title: 'Mine' } })).statusCode,
    404,
  );
});

test('only its instructor or an admin edits a course: another instructor gets 403 on a published one', async (t) => {
  const app = await buildTestApp(t);
  const inst = await makeUser(app, 'instructor');
  const other = await makeUser(app, 'instructor');
  const student = await makeUser(app);
  const admin = await makeUser(app, 'admin');
  const c = await makeCourse(app, inst, { title: 'Public' });
  assert.equal(
    (await app.inject({ method: 'PATCH', url: `/api/v1/courses/${c.id}`, headers: other.auth, payload: { price: 1 } })).statusCode,
    403,
  );
  assert.equal(
    (await app.inject({ method: 'PATCH', url: `/api/v1/courses/${c.id}`, headers: student.auth, payload: { price: 1 } })).statusCode,
    403,
  );
  const byOwner = await app.inject({
    method: 'PATCH',
    url: `/api/v1/courses/${c.id}`,
    headers: inst.auth,
    payload: { price: 750000, description: 'Updated' },
  });
  assert.equal(byOwner.statusCode, 200);
  assert.equal(byOwner.json().price, 750000);
  const byAdmin = await app.inject({ method: 'PATCH', url: `/api/v1/courses/${c.id}`, headers: admin.auth, payload: { title: 'Renamed' } });
  assert.equal(byAdmin.json().title, 'Renamed');
  // The public detail reflects the edit at once, by id and by slug.
  assert.equal((await app.inject({ method: 'GET', url: `/api/v1/courses/${c.slug}` })).json().title, 'Renamed');
  assert.equal((await app.inject({ method: 'GET', url: `/api/v1/courses/${c.id}` })).json().price, 750000);
});
