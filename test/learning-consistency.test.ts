import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildTestApp } from './helpers/app.ts';
import { rawClient } from './helpers/db.ts';
import { makeCourse, makeUser } from './helpers/factories.ts';
import { addLesson, call, enrollFree } from './helpers/learning.ts';
import { buildPayApp, eventually } from './helpers/payments.ts';
import { TestRedis } from './helpers/redis.ts';

test('two tabs at once: completing the last two lessons together issues the certificate, once; repeated marks count once', async (t) => {
  const app = await buildTestApp(t);
  const inst = await makeUser(app, 'instructor');
  const student = await makeUser(app);
  for (let round = 0; round < 8; round++) {
    const course = await makeCourse(app, inst, { price: 0 });
    const [a, b] = [await addLesson(app, inst, course.id), await addLesson(app, inst, course.id)];
    await enrollFree(app, student, course.id);
    const answers = await Promise.all([
      call(app, 'PUT', `/api/v1/lessons/${a.id}/progress`, student, { completed: true }),
      call(app, 'PUT', `/api/v1/lessons/${b.id}/progress`, student, { completed: true }),
    ]);
    assert.deepEqual(
      answers.map((r) => r.status),
      [200, 200],
    );
    // The later of the two saw the course complete and issued the certificate.
    const ids = answers.map((r) => r.body.certificateId as string | null).filter(Boolean);
    assert.ok(ids.length >= 1, `round ${round}: no answer carried the certificate: ${JSON.stringify(answers.map((r) => r.body))}`);
    const p = (await call(app, 'GET', `/api/v1/courses/${course.id}/progress`, student)).body;
    assert.deepEqual([p.completedLessons, p.totalLessons, p.percent], [2, 2, 100]);
    assert.ok(ids.every((id) => id === p.certificateId));
    const n = await app.c.db.query<{ n: number }>('t', 'SELECT count(*)::int AS n FROM certificates WHERE course_id = $1', [course.id]);
    assert.equal(n[0].n, 1, 'issued once');
  }
  // The same lesson marked from many tabs at once: one completion, no error.
  const course = await makeCourse(app, inst, { price: 0 });
  const [a] = [await addLesson(app, inst, course.id), await addLesson(app, inst, course.id)];
  await enrollFree(app, student, course.id);
  const many = await Promise.all(
    Array.from({ length: 12 }, (_, i) => call(app, 'PUT', `/api/v1/lessons/${a.id}/progress`, student, { completed: i % 3 !== 0 })),
  );
  assert.deepEqual([...new Set(many.map((r) => r.status))], [200]);
  const rows = await app.c.db.query<{ n: number }>('t', 'SELECT count(*)::int AS n FROM lesson_progress WHERE lesson_id = $1', [a.id]);
  const p = (await call(app, 'GET', `/api/v1/courses/${course.id}/progress`, student)).body;
  assert.ok(rows[0].n <= 1);
  assert.equal(p.completedLessons, rows[0].n, 'the answer agrees with what is stored');
});

test('a reorder racing edits and appends: both edits kept, positions always 1..n without gaps', async (t) => {
  const app = await buildTestApp(t);
  const inst = await makeUser(app, 'instructor');
  const course = await makeCourse(app, inst, { price: 0 });
  const lessons = [];
  for (let i = 0; i < 5; i++) lessons.push(await addLesson(app, inst, course.id, { title: `L${i}` }));
  const outline = async () =>
    (await call(app, 'GET', `/api/v1/courses/${course.id}/lessons`)).body.items as { id: string; title: string; position: number }[];
  for (let round = 0; round < 8; round++) {
    const current = (await outline()).map((l) => l.id);
    const order = round % 2 ? [...current].reverse() : [...current.slice(1), current[0]];
    const target = current[round % current.length];
    const [edit, put] = await Promise.all([
      call(app, 'PATCH', `/api/v1/lessons/${target}`, inst, { title: `edited ${round}` }),
      call(app, 'PUT', `/api/v1/courses/${course.id}/lessons/order`, inst, { lessonIds: order }),
    ]);
    assert.equal(edit.status, 200, edit.text);
    assert.equal(put.status, 200, put.text);
    const after = await outline();
    assert.deepEqual(
      after.map((l) => l.id),
      order,
      'the reorder holds',
    );
    assert.equal(after.find((l) => l.id === target)?.title, `edited ${round}`, 'the edit holds');
    assert.deepEqual(
      after.map((l) => l.position),
      after.map((_, i) => i + 1),
    );
  }
  // A reorder racing an append: either the reorder ran first (the new lesson goes last) or it
  // no longer names every lesson (400). Never a gap, a duplicate position, or a lost lesson.
  for (let round = 0; round < 6; round++) {
    const current = (await outline()).map((l) => l.id);
    const [put, add] = await Promise.all([
      call(app, 'PUT', `/api/v1/courses/${course.id}/lessons/order`, inst, { lessonIds: [...current].reverse() }),
      call(app, 'POST', `/api/v1/courses/${course.id}/lessons`, inst, {
        title: `new ${round}`,
        kind: 'text',
        bodyMarkdown: 'x',
        durationS: 1,
      }),
    ]);
    assert.equal(add.status, 201, add.text);
    assert.ok(put.status === 200 || put.status === 400, put.text);
    const after = await outline();
    assert.equal(after.length, current.length + 1);
    assert.deepEqual(
      after.map((l) => l.position),
      after.map((_, i) => i + 1),
    );
    if (put.status === 200) assert.equal(after.at(-1)?.id, add.body.id, 'appended after the reorder');
  }
});

test('outlines and lesson bodies: cached in a shared Redis, an edit is read at once in its own process and within the bound in another', async (t) => {
  // One Redis for both processes: b must never read what was cached before a's edit, even though the entry is still there.
  const redis = await TestRedis.start();
  t.after(() => redis.stop());
  const a = await buildTestApp(t, { REDIS_URL: redis.url });
  const b = await buildTestApp(t, { REDIS_URL: redis.url }, { schema: a.schema });
  const inst = await makeUser(a, 'instructor');
  const course = await makeCourse(a, inst, { price: 0 });
  const lesson = await addLesson(a, inst, course.id, { title: 'Before', isPreview: true, bodyMarkdown: 'old' });

  // Process b caches the outline and the body.
  await call(b, 'GET', `/api/v1/courses/${course.slug}/lessons`);
  const hit = await call(b, 'GET', `/api/v1/courses/${course.slug}/lessons`);
  assert.equal(hit.headers['x-cache'], 'hit');
  await call(b, 'GET', `/api/v1/lessons/${lesson.id}`);
  assert.equal((await call(b, 'GET', `/api/v1/lessons/${lesson.id}`)).headers['x-cache'], 'hit');
  await call(a, 'GET', `/api/v1/courses/${course.slug}/lessons`);

  // Edited in a: a reads the edit at once; b within the change feed's bound.
  assert.equal((await call(a, 'PATCH', `/api/v1/lessons/${lesson.id}`, inst, { title: 'After', bodyMarkdown: 'new' })).status, 200);
  assert.equal((await call(a, 'GET', `/api/v1/courses/${course.slug}/lessons`)).body.items[0].title, 'After');
  assert.equal((await call(a, 'GET', `/api/v1/lessons/${lesson.id}`)).body.bodyHtml, '<p>new</p>\n');
  const started = performance.now();
  await eventually(
    async () => (await call(b, 'GET', `/api/v1/courses/${course.slug}/lessons`)).body.items[0].title === 'After',
    2000,
    'b sees the new title',
  );
  await eventually(
    async () => (await call(b, 'GET', `/api/v1/lessons/${lesson.id}`)).body.bodyHtml === '<p>new</p>\n',
    2000,
    'b sees the new body',
  );
  process.stdout.write(`# lesson edit seen by another process within ${Math.round(performance.now() - started)} ms\n`);

  // Unpublishing (the courses scope) hides the cached outline and preview in b too.
  assert.equal((await call(a, 'PATCH', `/api/v1/courses/${course.id}`, inst, { isPublished: false })).status, 200);
  assert.equal((await call(a, 'GET', `/api/v1/lessons/${lesson.id}`)).status, 404);
  await eventually(async () => (await call(b, 'GET', `/api/v1/lessons/${lesson.id}`)).status === 404, 2000, 'b hides the preview');
  await eventually(
    async () => (await call(b, 'GET', `/api/v1/courses/${course.slug}/lessons`)).status === 404,
    2000,
    'b hides the outline',
  );
});

test('a full refund ends access and revokes the certificate in every process at once; re-enrolling keeps the progress', async (t) => {
  const a = await buildPayApp(t);
  const b = await buildTestApp(t, {}, { schema: a.schema });
  const inst = await makeUser(a, 'instructor');
  const admin = await makeUser(a, 'admin');
  const student = await makeUser(a, 'student', { firstName: 'Tunde', lastName: 'Bello' });
  const course = await makeCourse(a, inst, { price: 1_500_000 });
  const [l1, l2] = [await addLesson(a, inst, course.id), await addLesson(a, inst, course.id)];
  const pay = async () => {
    const init = await call(a, 'POST', '/api/v1/payments/initialize', student, { courseId: course.id });
    assert.equal(init.status, 201, init.text);
    await a.sim.complete(init.body.reference, 'success', true);
    await eventually(async () => (await call(a, 'GET', '/api/v1/enrollments', student)).body.items.length === 1, 5000, 'enrollment');
    return init.body.reference as string;
  };
  const reference = await pay();

  // In process b: read, complete, get the certificate.
  assert.equal((await call(b, 'GET', `/api/v1/lessons/${l1.id}`, student)).status, 200);
  await call(b, 'PUT', `/api/v1/lessons/${l1.id}/progress`, student, { completed: true });
  const done = await call(b, 'PUT', `/api/v1/lessons/${l2.id}/progress`, student, { completed: true });
  const certId = done.body.certificateId as string;
  assert.ok(certId);
  assert.equal((await call(b, 'GET', `/api/v1/certificates/${certId}`)).body.revoked, false);

  // A partial refund changes nothing for the student.
  await a.sim.control({ refundDelayMs: 50 });
  assert.equal((await call(a, 'POST', `/api/v1/payments/${reference}/refund`, admin, { amount: 500_000 })).status, 202);
  await eventually(
    async () => {
      const r = await a.c.db.query<{ status: string; refunded_amount: number }>(
        't',
        'SELECT status, refunded_amount FROM payments WHERE reference = $1',
        [reference],
      );
      return r[0].status === 'refunded' && Number(r[0].refunded_amount) === 500_000;
    },
    10_000,
    'the partial refund',
  );
  assert.equal((await call(b, 'GET', `/api/v1/lessons/${l1.id}`, student)).status, 200);
  assert.equal((await call(b, 'GET', `/api/v1/certificates/${certId}`)).body.revoked, false);

  // The rest: the refunded total reaches the amount paid. Processed in a; b refuses at once.
  assert.equal((await call(a, 'POST', `/api/v1/payments/${reference}/refund`, admin, {})).status, 202);
  await eventually(
    async () => {
      const r = await a.c.db.query<{ refunded_amount: number }>('t', 'SELECT refunded_amount FROM payments WHERE reference = $1', [
        reference,
      ]);
      return Number(r[0].refunded_amount) === 1_500_000;
    },
    10_000,
    'the full refund',
  );
  const denied = await call(b, 'GET', `/api/v1/lessons/${l1.id}`, student);
  assert.equal(denied.status, 403);
  assert.equal(denied.body.code, 'not_enrolled');
  assert.equal((await call(b, 'PUT', `/api/v1/lessons/${l1.id}/progress`, student, { completed: false })).status, 403);
  assert.equal((await call(b, 'GET', `/api/v1/courses/${course.id}/progress`, student)).status, 403);
  assert.equal((await call(b, 'GET', '/api/v1/enrollments', student)).body.items.length, 0);
  const revoked = await call(b, 'GET', `/api/v1/certificates/${certId}`);
  assert.equal(revoked.body.revoked, true);
  assert.match((await call(b, 'GET', `/certificates/${certId}`)).text, /revoked/);
  assert.equal((await call(a, 'GET', `/api/v1/courses/${course.id}/enrollments`, inst)).body.total, 0);

  // Re-enrolling: the earlier progress is there; the certificate stands again (same id) once the
  // student, enrolled again, marks the completed course again.
  await pay();
  const back = (await call(b, 'GET', `/api/v1/courses/${course.id}/progress`, student)).body;
  assert.deepEqual([back.completedLessons, back.totalLessons, back.percent, back.certificateId], [2, 2, 100, null]);
  const again = await call(b, 'PUT', `/api/v1/lessons/${l2.id}/progress`, student, { completed: true });
  assert.equal(again.body.certificateId, certId);
  assert.equal((await call(a, 'GET', `/api/v1/certificates/${certId}`)).body.revoked, false);
});

test('a locked lessons table: learning requests answer 503 with Retry-After within the bound; others keep answering', async (t) => {
  const app = await buildTestApp(t, { DB_LOCK_TIMEOUT_MS: '1000' });
  const inst = await makeUser(app, 'instructor');
  const student = await makeUser(app);
  const course = await makeCourse(app, inst, { price: 0 });
  const lesson = await addLesson(app, inst, course.id);
  await enrollFree(app, student, course.id);
  const locker = await rawClient(app.schema.url);
  t.after(() => locker.end());
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE lessons IN ACCESS EXCLUSIVE MODE');
  const timed = async (p: Promise<Awaited<ReturnType<typeof call>>>) => {
    const started = performance.now();
    return { r: await p, ms: performance.now() - started };
  };
  const results = await Promise.all([
    timed(call(app, 'PUT', `/api/v1/lessons/${lesson.id}/progress`, student, { completed: true })),
    timed(call(app, 'GET', `/api/v1/courses/${course.id}/progress`, student)),
    timed(call(app, 'POST', `/api/v1/courses/${course.id}/lessons`, inst, { title: 'x', kind: 'text', bodyMarkdown: 'x', durationS: 1 })),
  ]);
  assert.equal((await call(app, 'GET', '/api/v1/courses')).status, 200, 'a route without the table answers');
  for (const { r, ms } of results) {
    assert.equal(r.status, 503, r.text);
    assert.ok(['dependency_unavailable', 'deadline_exceeded'].includes(r.body.code), r.text);
    assert.ok(r.headers['retry-after']);
    assert.ok(ms < 5000, `answered after ${ms.toFixed(0)} ms`);
  }
  await locker.query('ROLLBACK');
  assert.equal((await call(app, 'PUT', `/api/v1/lessons/${lesson.id}/progress`, student, { completed: true })).status, 200);
});
