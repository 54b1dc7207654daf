import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildTestApp } from './helpers/app.ts';
import { makeCourse, makeUser } from './helpers/factories.ts';

type Case = { name: string; method: 'POST' | 'PATCH'; url: string; payload?: string; contentType?: string; status: number; code: string };

function assertProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): any },
  status: number,
  code: string,
  label: string,
) {
  assert.equal(res.statusCode, status, `${label}: status`);
  assert.match(String(res.headers['content-type']), /application\/problem\+json/, `${label}: content type`);
  const body = res.json();
  assert.equal(body.code, code, `${label}: code`);
  assert.equal(body.status, status);
  assert.ok(body.requestId && body.requestId === res.headers['x-request-id'], `${label}: requestId`);
}

test('every write endpoint answers bad input with a 4xx problem and changes nothing', async (t) => {
  const app = await buildTestApp(t);
  const admin = await makeUser(app, 'admin');
  const inst = await makeUser(app, 'instructor');
  const course = await makeCourse(app, inst);
  const before = await app.c.db.query<{ n: number }>(
    't',
    'SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM courses) + (SELECT count(*) FROM refresh_tokens) AS n',
  );

  const big = JSON.stringify({ title: 'x', description: 'y'.repeat(2 * 1024 * 1024), price: 1 });
  const endpoints: {
    method: 'POST' | 'PATCH';
    url: string;
    valid: Record<string, unknown>;
    auth?: Record<string, string>;
    wrongType: Record<string, unknown>;
    missing?: Record<string, unknown>;
  }[] = [
    {
      method: 'POST',
      url: '/api/v1/auth/register',
      valid: { email: 'n@example.com', password: 'long-enough', firstName: 'A', lastName: 'B' },
      wrongType: { email: 'n@example.com', password: 12345678, firstName: 'A', lastName: 'B' },
      missing: { email: 'n@example.com' },
    },
    {
      method: 'POST',
      url: '/api/v1/auth/login',
      valid: { email: 'n@example.com', password: 'x' },
      wrongType: { email: ['a'], password: 'x' },
      missing: { email: 'n@example.com' },
    },
    { method: 'POST', url: '/api/v1/auth/refresh', valid: { refreshToken: 'x' }, wrongType: { refreshToken: 1 }, missing: {} },
    { method: 'POST', url: '/api/v1/auth/logout', valid: { refreshToken: 'x' }, wrongType: { refreshToken: null }, missing: {} },
    {
      method: 'POST',
      url: '/api/v1/courses',
      auth: inst.auth,
      valid: { title: 'T', description: '', price: 1 },
      wrongType: { title: 'T', description: '', price: '100' },
      missing: { title: 'T' },
    },
    { method: 'PATCH', url: `/api/v1/courses/${course.id}`, auth: inst.auth, valid: { title: 'T' }, wrongType: { price: 1.5 } },
    { method: 'PATCH', url: `/api/v1/users/${admin.id}`, auth: admin.auth, valid: { firstName: 'A' }, wrongType: { isActive: 'yes' } },
  ];
  const cases: (Case & { auth?: Record<string, string> })[] = [];
  for (const e of endpoints) {
    const base = { method: e.method, url: e.url, auth: e.auth };
    cases.push({ ...base, name: 'malformed JSON', payload: '{"a":', status: 400, code: 'validation_failed' });
    cases.push({ ...base, name: 'wrong types', payload: JSON.stringify(e.wrongType), status: 400, code: 'validation_failed' });
    cases.push({
      ...base,
      name: 'unknown field',
      payload: JSON.stringify({ ...e.valid, isAdmin: true }),
      status: 400,
      code: 'validation_failed',
    });
    cases.push({ ...base, name: 'missing fields', payload: JSON.stringify(e.missing ?? {}), status: 400, code: 'validation_failed' });
    cases.push({ ...base, name: 'array body', payload: '[]', status: 400, code: 'validation_failed' });
    cases.push({ ...base, name: 'oversized body', payload: big, status: 413, code: 'payload_too_large' });
    cases.push({
      ...base,
      name: 'text/plain',
      payload: JSON.stringify(e.valid),
      contentType: 'text/plain',
      status: 415,
      code: 'unsupported_media_type',
    });
    cases.push({
      ...base,
      name: 'form encoded',
      payload: 'a=1',
      contentType: 'application/x-www-form-urlencoded',
      status: 415,
      code: 'unsupported_media_type',
    });
    cases.push({ ...base, name: '__proto__ pollution', payload: '{"__proto__":{"role":"admin"}}', status: 400, code: 'validation_failed' });
  }
  for (const c of cases) {
    const res = await app.inject({
      method: c.method,
      url: c.url,
      headers: { 'content-type': c.contentType ?? 'application/json', ...(c.auth ?? {}) },
      payload: c.payload,
    });
    assertProblem(res, c.status, c.code, `${c.method} ${c.url} ${c.name}`);
  }
  const after = await app.c.db.query<{ n: number }>(
    't',
    'SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM courses) + (SELECT count(*) FROM refresh_tokens) AS n',
  );
  assert.equal(after[0].n, before[0].n, 'a rejected write changed the database');
  const unchanged = await app.inject({ method: 'GET', url: `/api/v1/courses/${course.id}` });
  assert.equal(unchanged.json().title, course.title);
});

test('limits from SPEC.md: names, emails, passwords, titles, prices, pages', async (t) => {
  const app = await buildTestApp(t);
  const inst = await makeUser(app, 'instructor');
  const admin = await makeUser(app, 'admin');
  const reg = (over: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: 'l@example.com', password: 'long-enough', firstName: 'A', lastName: 'B', ...over },
    });
  for (const over of [
    { password: 'short' },
    { password: 'x'.repeat(129) },
    { firstName: '' },
    { firstName: 'x'.repeat(101) },
    { lastName: '   ' },
    { email: 'not-an-email' },
    { email: `${'a'.repeat(250)}@x.co` },
  ]) {
    assertProblem(await reg(over), 400, 'validation_failed', JSON.stringify(over).slice(0, 60));
  }
  const course = (over: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/api/v1/courses', headers: inst.auth, payload: { title: 'T', description: '', price: 1, ...over } });
  for (const over of [
    { price: -1 },
    { price: 1_000_000_001 },
    { price: 10.5 },
    { title: '' },
    { title: 'x'.repeat(201) },
    { description: 'x'.repeat(10001) },
    { currency: 'naira' },
    { slug: 'Bad Slug' },
  ]) {
    assertProblem(await course(over), 400, 'validation_failed', JSON.stringify(over).slice(0, 60));
  }
  assert.equal((await course({ price: 1_000_000_000 })).statusCode, 201);
  for (const q of ['page=0', 'page=10001', 'pageSize=0', 'pageSize=101', 'page=abc', 'role=root', 'isActive=maybe', 'unknown=1']) {
    assertProblem(await app.inject({ method: 'GET', url: `/api/v1/users?${q}`, headers: admin.auth }), 400, 'validation_failed', q);
  }
  assertProblem(
    await app.inject({ method: 'GET', url: '/api/v1/users/not-a-uuid', headers: admin.auth }),
    400,
    'validation_failed',
    'bad uuid',
  );
  assertProblem(await app.inject({ method: 'GET', url: '/api/v1/nope' }), 404, 'not_found', 'unknown route');
  const ok = await reg({ firstName: 'x'.repeat(100), password: 'x'.repeat(128) });
  assert.equal(ok.statusCode, 201);
});
