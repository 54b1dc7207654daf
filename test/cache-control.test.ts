import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildTestApp } from './helpers/app.ts';
import { makeCourse, makeUser } from './helpers/factories.ts';

test('Cache-Control: no-store where a token travels and on /auth/me, private on authenticated answers, no-cache on public ones', async (t) => {
  const app = await buildTestApp(t);
  const admin = await makeUser(app, 'admin');
  const inst = await makeUser(app, 'instructor');
  const student = await makeUser(app);
  const course = await makeCourse(app, inst);
  const cc = async (
    o: { method?: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; headers?: Record<string, string>; payload?: unknown },
    status: number,
  ) => {
    const res = await app.inject({ method: o.method ?? 'GET', url: o.url, headers: o.headers, payload: o.payload as object });
    assert.equal(res.statusCode, status, `${o.method ?? 'GET'} ${o.url}: ${res.body}`);
    return { cc: res.headers['cache-control'], res };
  };

  // Answers that carry a token, and the caller's own profile: never stored anywhere.
  const reg = await cc(
    {
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: 'cc@example.com', password: 'a-long-password', firstName: 'C', lastName: 'C' },
    },
    201,
  );
  assert.equal(reg.cc, 'no-store');
  assert.equal(
    (await cc({ method: 'POST', url: '/api/v1/auth/login', payload: { email: student.email, password: student.password } }, 200)).cc,
    'no-store',
  );
  assert.equal(
    (await cc({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: reg.res.json().refreshToken } }, 200)).cc,
    'no-store',
  );
  assert.equal((await cc({ url: '/api/v1/auth/me', headers: student.auth }, 200)).cc, 'no-store');
  // A failed login is no-store too: the route's answers are never stored, whatever they are.
  assert.equal(
    (await cc({ method: 'POST', url: '/api/v1/auth/login', payload: { email: student.email, password: 'wrong-password' } }, 401)).cc,
    'no-store',
  );

  // Authenticated answers: only the caller's own cache, and revalidated each time.
  const list = await cc({ url: '/api/v1/users', headers: admin.auth }, 200);
  assert.equal(list.cc, 'private, no-cache');
  assert.equal(list.res.headers['x-cache'], 'miss');
  const again = await cc({ url: '/api/v1/users', headers: admin.auth }, 200);
  assert.equal(again.cc, 'private, no-cache');
  assert.equal(again.res.headers['x-cache'], 'hit', 'the cached read still reports itself');
  assert.equal((await cc({ url: `/api/v1/users/${student.id}`, headers: student.auth }, 200)).cc, 'private, no-cache');
  assert.equal((await cc({ url: '/api/v1/enrollments', headers: student.auth }, 200)).cc, 'private, no-cache');
  assert.equal((await cc({ url: '/api/v1/payments', headers: student.auth }, 200)).cc, 'private, no-cache');
  assert.equal(
    (await cc({ method: 'PATCH', url: `/api/v1/courses/${course.id}`, headers: inst.auth, payload: { title: 'Renamed' } }, 200)).cc,
    'private, no-cache',
  );
  assert.equal(
    (await cc({ url: '/api/v1/users', headers: student.auth }, 403)).cc,
    'private, no-cache',
    'a refusal to a known caller is still private',
  );
  // A public route asked with a token may answer differently (an instructor sees its
  // unpublished course): private as well.
  assert.equal((await cc({ url: `/api/v1/courses/${course.id}`, headers: inst.auth }, 200)).cc, 'private, no-cache');
  assert.equal((await cc({ method: 'POST', url: '/api/v1/auth/logout', headers: student.auth }, 204)).cc, 'private, no-cache');

  // Public answers: any cache may keep them but must revalidate.
  const pub = await cc({ url: '/api/v1/courses' }, 200);
  assert.equal(pub.cc, 'no-cache');
  assert.ok(['hit', 'miss', 'bypass'].includes(String(pub.res.headers['x-cache'])));
  assert.equal((await cc({ url: `/api/v1/courses/${course.id}` }, 200)).cc, 'no-cache');
  assert.equal((await cc({ url: '/healthz' }, 200)).cc, 'no-cache');
  assert.equal((await cc({ url: '/api/v1/users' }, 401)).cc, 'no-cache');
  assert.equal((await cc({ url: '/api/v1/nowhere' }, 404)).cc, 'no-cache');
  // Operator data keeps its own stricter no-store.
  assert.equal((await cc({ url: '/metrics' }, 200)).cc, 'no-store');
});
