import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { api } from './helpers/http.ts';
import { startService } from './helpers/service.ts';

test('`npm start` with no environment: embedded database, demo admin, register → login → list', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'it360-embedded-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  // Nothing but a data directory and a port: no DATABASE_URL, no Redis, no Paystack key.
  const coldStart = performance.now();
  const svc = await startService({ DATA_DIR: dataDir, NODE_ENV: 'development' }, { readyTimeoutMs: 60_000 });
  const coldMs = performance.now() - coldStart;
  t.after(() => svc.kill());
  const text = svc.output.join('\n');
  assert.match(text, /embedded PGlite/);
  const m = /Demo admin created: (\S+) \/ (\S+)/.exec(text);
  assert.ok(m, 'the demo admin password is printed once at first start');

  const reg = await api(svc.url, '/api/v1/auth/register', {
    method: 'POST',
    body: { email: 'new@example.com', password: 'new-password', firstName: 'New', lastName: 'Student' },
  });
  assert.equal(reg.status, 201);
  const login = await api(svc.url, '/api/v1/auth/login', { method: 'POST', body: { email: 'new@example.com', password: 'new-password' } });
  assert.equal(login.status, 200);
  const courses = await api(svc.url, '/api/v1/courses');
  assert.equal(courses.status, 200);
  assert.equal(courses.body.total, 3);
  // The free demo course has lessons: enroll and read one at once, as the README's quick start shows.
  const outline = await api(svc.url, '/api/v1/courses/intro-to-linux/lessons');
  assert.equal(outline.status, 200);
  assert.ok(outline.body.items.length >= 3);
  assert.equal(outline.body.items[0].isPreview, true);
  const token = login.body.accessToken as string;
  const free = courses.body.items.find((c: { slug: string }) => c.slug === 'intro-to-linux');
  const enroll = await api(svc.url, '/api/v1/payments/initialize', { method: 'POST', token, body: { courseId: free.id } });
  assert.equal(enroll.body.status, 'success');
  const lesson = await api(svc.url, `/api/v1/lessons/${outline.body.items[1].id}`, { token });
  assert.equal(lesson.status, 200);
  assert.match(lesson.body.bodyHtml, /<h1>Files and directories<\/h1>/);
  const marked = await api(svc.url, `/api/v1/lessons/${outline.body.items[1].id}/progress`, {
    method: 'PUT',
    token,
    body: { completed: true },
  });
  assert.equal(marked.body.completedLessons, 1);
  const admin = await api(svc.url, '/api/v1/auth/login', { method: 'POST', body: { email: m[1], password: m[2] } });
  assert.equal(admin.status, 200);
  const users = await api(svc.url, '/api/v1/users', { token: admin.body.accessToken });
  assert.equal(users.status, 200);
  assert.ok(users.body.total >= 3);
  // The demo staff are vouched for (verified); the student who just registered is not yet.
  const verified = (users.body.items as { email: string; role: string; emailVerifiedAt: string | null }[]).map((u) => [
    u.role,
    u.emailVerifiedAt !== null,
  ]);
  assert.deepEqual(verified.sort(), [
    ['admin', true],
    ['instructor', true],
    ['student', false],
  ]);
  // The demo password never reaches a log record.
  assert.ok(svc.records().every((r) => !JSON.stringify(r).includes(m[2])));
  await svc.kill();

  // A restart keeps the data, migrates nothing, creates no second demo admin.
  const warmStart = performance.now();
  const again = await startService({ DATA_DIR: dataDir, NODE_ENV: 'development' }, { readyTimeoutMs: 60_000 });
  const warmMs = performance.now() - warmStart;
  t.after(() => again.kill());
  assert.doesNotMatch(again.output.join('\n'), /Demo admin created/);
  const relog = await api(again.url, '/api/v1/auth/login', {
    method: 'POST',
    body: { email: 'new@example.com', password: 'new-password' },
  });
  assert.equal(relog.status, 200);
  process.stdout.write(
    `# embedded start: cold ${(coldMs / 1000).toFixed(1)} s (with migrations), restart ${(warmMs / 1000).toFixed(1)} s\n`,
  );
});
