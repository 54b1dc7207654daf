/**
 * The typed client (packages/client, as a front end installs it: its built dist/ through
 * the package name) against the whole service listening on a real port, with the Paystack
 * simulator: the main flows a front end drives, and the schema it is typed by being the
 * one openapi.json gives today.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { ApiError, createClient, type Session } from '@it360acad/client';

import { SCHEMA_FILE, schemaSource } from '../scripts/client-schema.ts';
import { makeUser } from './helpers/factories.ts';
import { buildPayApp, eventually } from './helpers/payments.ts';

/** Runs `fn`, which must throw an ApiError; returns it. */
async function apiError(fn: () => Promise<unknown>): Promise<ApiError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an ApiError, the call succeeded');
}

test("the client's committed schema is what openapi-typescript makes of the committed openapi.json (`npm run client:generate`)", async () => {
  assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), await schemaSource());
});

test('through the client: register, log in, list courses, enroll free and pay, read a lesson, refresh, log out', async (t) => {
  const app = await buildPayApp(t);
  // A front end's timeout is generous; the service answers within its own budgets well below it.
  const anon = createClient({ baseUrl: app.url, timeoutMs: 20_000 });

  // An instructor (made verified, as operators make staff) logs in and publishes a free and a paid course with a lesson each.
  const staff = await makeUser(app, 'instructor');
  const instructorSession = await anon.auth.login({ email: staff.email, password: staff.password });
  assert.equal(instructorSession.user.role, 'instructor');
  const instructor = createClient({ baseUrl: app.url, accessToken: instructorSession.accessToken });
  const tag = Math.random().toString(36).slice(2, 8);
  const free = await instructor.courses.create({ title: `Free course ${tag}`, description: 'Shell basics', price: 0, isPublished: true });
  const paid = await instructor.courses.create({
    title: `Paid course ${tag}`,
    description: 'Networks',
    price: 1_500_000,
    isPublished: true,
  });
  const lesson = await instructor.courses.addLesson(free.id, {
    title: 'Your first command',
    kind: 'text',
    bodyMarkdown: '# ls\n\nLists a *directory*.',
    durationS: 300,
  });
  await instructor.courses.addLesson(paid.id, { title: 'Packets', kind: 'text', bodyMarkdown: 'Bits on a wire.', durationS: 60 });

  // A student registers; the client sends whatever the session holds now.
  let session: Pick<Session, 'accessToken' | 'refreshToken'> | undefined;
  const email = `student-${tag}@example.com`;
  const registered = await anon.auth.register({ email, password: 'correct-horse-battery', firstName: 'Ada', lastName: 'Obi' });
  assert.equal(registered.user.email, email);
  assert.equal(registered.user.role, 'student');
  const student = createClient({ baseUrl: app.url, accessToken: () => session?.accessToken });

  // Problems arrive as typed errors: a wrong password, a body the schema refuses, no token.
  const wrong = await apiError(() => anon.auth.login({ email, password: 'not-the-password' }));
  assert.equal(wrong.status, 401);
  assert.equal(wrong.code, 'unauthorized');
  assert.ok(wrong.requestId, 'a problem names its request');
  assert.equal(wrong.response.headers.get('x-request-id'), wrong.requestId);
  assert.match(wrong.response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const invalid = await apiError(() => anon.auth.register({ email: 'not-an-email', password: 'short', firstName: 'Ada', lastName: 'Obi' }));
  assert.equal(invalid.status, 400);
  assert.equal(invalid.code, 'validation_failed');
  assert.ok((invalid.problem.errors ?? []).length > 0, 'a validation problem lists its fields');
  assert.equal((await apiError(() => student.auth.me())).status, 401);

  const loggedIn = await anon.auth.login({ email, password: 'correct-horse-battery' });
  session = loggedIn;
  assert.equal((await student.auth.me()).id, registered.user.id);

  // The catalogue, public: both courses are listed and found by slug.
  const listed = await anon.courses.list({ search: tag, pageSize: 50 });
  assert.deepEqual(listed.items.map((c) => c.id).sort(), [free.id, paid.id].sort());
  assert.equal(listed.total, 2);
  assert.equal((await anon.courses.get(free.slug)).id, free.id);
  assert.deepEqual(
    (await anon.courses.outline(free.slug)).items.map((l) => l.id),
    [lesson.id],
  );
  const notFound = await apiError(() => anon.courses.get(`no-such-course-${tag}`));
  assert.equal(notFound.status, 404);
  assert.equal(notFound.code, 'not_found');

  // Not enrolled yet: the lesson's body is refused.
  const before = await apiError(() => student.lessons.get(lesson.id));
  assert.equal(before.status, 403);

  // The free course enrolls at once, without Paystack.
  const initsBefore = (await app.sim.stats()).initialize;
  const enrolled = await student.payments.initialize({ courseId: free.id });
  assert.equal(enrolled.status, 'success');
  assert.equal(enrolled.authorizationUrl, null);
  assert.equal((await app.sim.stats()).initialize, initsBefore);
  const again = await apiError(() => student.payments.initialize({ courseId: free.id }));
  assert.equal(again.status, 409);
  assert.equal(again.code, 'already_enrolled');

  // The paid course: checkout at the simulator, then verify as the page Paystack returns to would.
  const pending = await student.payments.initialize({ courseId: paid.id });
  assert.equal(pending.status, 'pending');
  assert.equal(pending.amount, 1_500_000);
  assert.ok(pending.authorizationUrl);
  await app.sim.complete(pending.reference, 'success', false);
  const verified = await student.payments.verify(pending.reference);
  assert.equal(verified.status, 'success');
  assert.deepEqual((await student.enrollments.list()).items.map((e) => e.course.id).sort(), [free.id, paid.id].sort());
  assert.equal((await student.payments.list({ status: 'success' })).total, 2);

  // Learning: the lesson with its rendered body, marked done, and the course's progress.
  const read = await student.lessons.get(lesson.id);
  assert.equal(read.title, 'Your first command');
  assert.match(read.bodyHtml ?? '', /<em>directory<\/em>/);
  await student.lessons.setCompleted(lesson.id, true);
  const progress = await student.courses.progress(free.id);
  assert.equal(progress.completedLessons, 1);
  assert.equal(progress.totalLessons, 1);

  // Refresh rotates the tokens; the new ones work.
  const rotated = await student.auth.refresh(loggedIn.refreshToken);
  assert.notEqual(rotated.refreshToken, loggedIn.refreshToken);
  session = rotated;
  assert.equal((await student.auth.me()).id, registered.user.id);

  // Log out (by the bearer token, no body): the session's tokens stop working.
  assert.equal(await student.auth.logout(), undefined);
  await eventually(
    async () => {
      try {
        await student.auth.me();
        return false;
      } catch (err) {
        return err instanceof ApiError && err.status === 401;
      }
    },
    5000,
    'the access token refused after logout',
  );
  assert.equal((await apiError(() => student.auth.refresh(rotated.refreshToken))).status, 401);

  // The raw openapi-fetch client reaches every path, typed, with the same token.
  session = await anon.auth.login({ email, password: 'correct-horse-battery' });
  const raw = await student.raw.GET('/api/v1/courses/{idOrSlug}/lessons', { params: { path: { idOrSlug: paid.slug } } });
  assert.equal(raw.response.status, 200);
  assert.equal(raw.data?.items.length, 1);
});

test('an answer without problem+json (a proxy page, a dead address) still reaches the caller in one shape', async () => {
  const proxy = createClient({
    baseUrl: 'http://gateway.invalid',
    fetch: async () =>
      new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway', headers: { 'content-type': 'text/html' } }),
  });
  const err = await apiError(() => proxy.courses.list());
  assert.equal(err.status, 502);
  assert.equal(err.code, 'http_502');
  assert.equal(err.problem.title, 'Bad Gateway');
  assert.match(err.problem.detail, /Bad Gateway/);

  // A request that gets no answer ends at the client's time limit instead of waiting forever.
  const silent = createClient({
    baseUrl: 'http://silent.invalid',
    timeoutMs: 200,
    fetch: (input) =>
      new Promise<Response>((_resolve, reject) => {
        const signal = (input as Request).signal;
        signal.addEventListener('abort', () => reject(signal.reason as Error));
      }),
  });
  // AbortSignal.timeout's timer does not hold the process open (a real fetch's socket would): this one does meanwhile.
  const hold = setInterval(() => undefined, 1000);
  try {
    await assert.rejects(silent.courses.list(), (e: Error) => e.name === 'TimeoutError');
  } finally {
    clearInterval(hold);
  }
});
