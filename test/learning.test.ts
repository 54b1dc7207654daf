import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';

import { newCertificateId } from '../src/learning/progress-repository.ts';
import { buildTestApp } from './helpers/app.ts';
import { makeCourse, makeUser } from './helpers/factories.ts';
import { addLesson, call, enrollFree } from './helpers/learning.ts';
import { activeParts, XSS_VECTORS } from './helpers/xss.ts';

test('lessons: create, read, edit, reorder and delete; limits are 400 with the field named', async (t) => {
  const app = await buildTestApp(t);
  const inst = await makeUser(app, 'instructor');
  const other = await makeUser(app, 'instructor');
  const admin = await makeUser(app, 'admin');
  const course = await makeCourse(app, inst, { price: 0 });

  const a = await addLesson(app, inst, course.slug, { title: 'One' });
  const b = await addLesson(app, admin, course.id, {
    title: 'Two',
    kind: 'video',
    bodyMarkdown: undefined,
    videoUrl: 'https://www.youtube.com/embed/abc',
  });
  const c = await addLesson(app, inst, course.id, { title: 'Three', isPreview: true });
  assert.deepEqual([a.position, b.position, c.position], [1, 2, 3], 'appended at the end');

  const outline = await call(app, 'GET', `/api/v1/courses/${course.slug}/lessons`);
  assert.equal(outline.status, 200);
  assert.deepEqual(
    outline.body.items.map((l: { title: string }) => l.title),
    ['One', 'Two', 'Three'],
  );
  assert.equal(outline.body.items[0].bodyMarkdown, undefined, 'the outline has no bodies');
  assert.equal(outline.body.items[0].bodyHtml, undefined);

  const read = await call(app, 'GET', `/api/v1/lessons/${a.id}`, inst);
  assert.equal(read.status, 200);
  assert.equal(read.body.bodyMarkdown, '# Hello\n\nSome *text*.');
  assert.equal(read.body.bodyHtml, '<h1>Hello</h1>\n<p>Some <em>text</em>.</p>\n');
  const video = await call(app, 'GET', `/api/v1/lessons/${b.id}`, inst);
  assert.equal(video.body.videoUrl, 'https://www.youtube.com/embed/abc');
  assert.equal(video.body.bodyHtml, undefined);

  // Edits: the owner and admins; another instructor sees the published course, so 403.
  assert.equal((await call(app, 'PATCH', `/api/v1/lessons/${a.id}`, other, { title: 'Mine now' })).status, 403);
  const edited = await call(app, 'PATCH', `/api/v1/lessons/${a.id}`, inst, { title: '  One, edited ', bodyMarkdown: '**bold**' });
  assert.equal(edited.status, 200);
  assert.equal(edited.body.title, 'One, edited');
  assert.equal(edited.body.bodyHtml, '<p><strong>bold</strong></p>\n');
  // Changing kind needs the new kind's content; the old one is dropped.
  assert.equal((await call(app, 'PATCH', `/api/v1/lessons/${a.id}`, inst, { kind: 'video' })).status, 400);
  const toVideo = await call(app, 'PATCH', `/api/v1/lessons/${a.id}`, inst, {
    kind: 'video',
    videoUrl: 'https://player.vimeo.com/video/1',
  });
  assert.equal(toVideo.status, 200);
  assert.equal(toVideo.body.bodyMarkdown, undefined);

  // Reorder: a permutation, else 400 (missing, extra, duplicate, foreign).
  const order = [c.id, a.id, b.id];
  const put = await call(app, 'PUT', `/api/v1/courses/${course.id}/lessons/order`, inst, { lessonIds: order });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(
    put.body.items.map((l: { id: string; position: number }) => [l.id, l.position]),
    [
      [c.id, 1],
      [a.id, 2],
      [b.id, 3],
    ],
  );
  const foreign = await addLesson(app, other, (await makeCourse(app, other)).id);
  for (const lessonIds of [[c.id, a.id], [c.id, a.id, b.id, foreign.id], [c.id, a.id, a.id], [c.id, a.id, foreign.id], []]) {
    const r = await call(app, 'PUT', `/api/v1/courses/${course.id}/lessons/order`, inst, { lessonIds });
    assert.equal(r.status, 400, `${JSON.stringify(lessonIds)}: ${r.text}`);
    assert.equal(r.body.code, 'validation_failed');
    assert.ok(r.body.requestId);
  }
  assert.deepEqual(
    (await call(app, 'GET', `/api/v1/courses/${course.id}/lessons`)).body.items.map((l: { id: string }) => l.id),
    order,
    'a refused reorder changes nothing',
  );

  // Delete closes the gap.
  assert.equal((await call(app, 'DELETE', `/api/v1/lessons/${a.id}`, other)).status, 403);
  assert.equal((await call(app, 'DELETE', `/api/v1/lessons/${a.id}`, inst)).status, 204);
  assert.equal((await call(app, 'DELETE', `/api/v1/lessons/${a.id}`, inst)).status, 404);
  assert.deepEqual(
    (await call(app, 'GET', `/api/v1/courses/${course.id}/lessons`)).body.items.map((l: { id: string; position: number }) => [
      l.id,
      l.position,
    ]),
    [
      [c.id, 1],
      [b.id, 2],
    ],
  );

  // Limits.
  const bad: [Record<string, unknown>, string][] = [
    [{ title: '' }, 'title'],
    [{ title: 'x'.repeat(201) }, 'title'],
    [{ title: '   ' }, 'title'],
    [{ durationS: -1 }, 'durationS'],
    [{ durationS: 86401 }, 'durationS'],
    [{ durationS: 1.5 }, 'durationS'],
    [{ bodyMarkdown: 'x'.repeat(200 * 1024 + 1) }, 'bodyMarkdown'],
    // 200 KiB of characters but more bytes: the bound is on UTF-8 bytes.
    [{ bodyMarkdown: 'é'.repeat(200 * 1024) }, 'bodyMarkdown'],
    [{ kind: 'audio' }, 'kind'],
    [{ kind: 'video', bodyMarkdown: undefined, videoUrl: 'http://www.youtube.com/embed/x' }, 'videoUrl'],
    [{ kind: 'video', bodyMarkdown: undefined, videoUrl: 'https://evil.example/embed/x' }, 'videoUrl'],
    [{ kind: 'video', bodyMarkdown: undefined, videoUrl: 'javascript:alert(1)' }, 'videoUrl'],
    [{ kind: 'video', bodyMarkdown: undefined, videoUrl: 'https://u:p@www.youtube.com/x' }, 'videoUrl'],
    [{ kind: 'video', bodyMarkdown: 'text too', videoUrl: 'https://www.youtube.com/x' }, 'bodyMarkdown'],
    [{ kind: 'text', bodyMarkdown: undefined }, 'bodyMarkdown'],
    [{ extra: 1 }, ''],
  ];
  for (const [over, field] of bad) {
    const r = await call(app, 'POST', `/api/v1/courses/${course.id}/lessons`, inst, {
      title: 'ok',
      kind: 'text',
      bodyMarkdown: 'ok',
      durationS: 60,
      ...over,
    });
    assert.equal(r.status, 400, `${JSON.stringify(over).slice(0, 80)}: ${r.status} ${r.text.slice(0, 200)}`);
    assert.equal(r.body.code, 'validation_failed');
    assert.ok(r.body.requestId);
    if (field) assert.ok(JSON.stringify(r.body.errors).includes(field), `names ${field}: ${JSON.stringify(r.body.errors)}`);
  }
  // Exactly 200 KiB of ASCII is allowed.
  assert.equal(
    (
      await call(app, 'POST', `/api/v1/courses/${course.id}/lessons`, inst, {
        title: 'big',
        kind: 'text',
        bodyMarkdown: 'x'.repeat(200 * 1024),
        durationS: 0,
      })
    ).status,
    201,
  );
  assert.equal((await call(app, 'PATCH', `/api/v1/lessons/${c.id}`, inst, {})).status, 400, 'an empty edit');
  assert.equal((await call(app, 'GET', '/api/v1/lessons/not-a-uuid')).status, 400);
  assert.equal((await call(app, 'GET', '/api/v1/lessons/00000000-0000-4000-8000-000000000000')).status, 404);
  assert.equal((await call(app, 'GET', '/api/v1/courses/no-such-course/lessons')).status, 404);
});

test('who sees what: preview, anonymous, not enrolled, drafts, and students of a course unpublished later', async (t) => {
  const app = await buildTestApp(t);
  const inst = await makeUser(app, 'instructor');
  const other = await makeUser(app, 'instructor');
  const admin = await makeUser(app, 'admin');
  const student = await makeUser(app);
  const stranger = await makeUser(app);
  const course = await makeCourse(app, inst, { price: 0 });
  const draft = await makeCourse(app, inst, { price: 0, isPublished: false });
  const preview = await addLesson(app, inst, course.id, { isPreview: true });
  const lesson = await addLesson(app, inst, course.id);
  const draftLesson = await addLesson(app, inst, draft.id, { isPreview: true });

  const status = async (url: string, who?: Parameters<typeof call>[3]) => (await call(app, 'GET', url, who)).status;
  // A published course's preview: anyone. Its other lessons: 401 anonymous, 403 not_enrolled signed in.
  assert.equal(await status(`/api/v1/lessons/${preview.id}`), 200);
  assert.equal(await status(`/api/v1/lessons/${preview.id}`, stranger), 200);
  assert.equal(await status(`/api/v1/lessons/${lesson.id}`), 401);
  const refused = await call(app, 'GET', `/api/v1/lessons/${lesson.id}`, stranger);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'not_enrolled');
  assert.equal(await status(`/api/v1/lessons/${lesson.id}`, other), 403, 'another instructor is not enrolled either');
  assert.equal(await status(`/api/v1/lessons/${lesson.id}`, inst), 200);
  assert.equal(await status(`/api/v1/lessons/${lesson.id}`, admin), 200);
  // A draft's lessons, preview or not, are 404 to all but its instructor and admins.
  for (const who of [undefined, stranger, other]) {
    assert.equal(await status(`/api/v1/lessons/${draftLesson.id}`, who), 404);
    assert.equal(await status(`/api/v1/courses/${draft.id}/lessons`, who), 404);
  }
  assert.equal(await status(`/api/v1/lessons/${draftLesson.id}`, inst), 200);
  assert.equal(await status(`/api/v1/courses/${draft.id}/lessons`, admin), 200);
  // Writes to a draft by others: 404 (they may not know it exists).
  assert.equal(
    (await call(app, 'POST', `/api/v1/courses/${draft.id}/lessons`, other, { title: 'x', kind: 'text', bodyMarkdown: 'x', durationS: 1 }))
      .status,
    404,
  );
  assert.equal((await call(app, 'PATCH', `/api/v1/lessons/${draftLesson.id}`, other, { title: 'x' })).status, 404);

  // Enrolled: reads every lesson; keeps them (and the outline) when the course is unpublished later.
  await enrollFree(app, student, course.id);
  assert.equal(await status(`/api/v1/lessons/${lesson.id}`, student), 200);
  assert.equal((await call(app, 'PATCH', `/api/v1/courses/${course.id}`, inst, { isPublished: false })).status, 200);
  assert.equal(await status(`/api/v1/lessons/${lesson.id}`, student), 200);
  assert.equal(await status(`/api/v1/lessons/${preview.id}`, student), 200);
  assert.equal(await status(`/api/v1/courses/${course.id}/lessons`, student), 200);
  assert.equal(await status(`/api/v1/courses/${course.id}/progress`, student), 200);
  // …while everyone else now gets 404, the preview included.
  assert.equal(await status(`/api/v1/lessons/${preview.id}`), 404);
  assert.equal(await status(`/api/v1/lessons/${lesson.id}`, stranger), 404);
  assert.equal(await status(`/api/v1/courses/${course.id}/lessons`, stranger), 404);
  assert.equal((await call(app, 'PUT', `/api/v1/lessons/${lesson.id}/progress`, stranger, { completed: true })).status, 404);
  // Progress routes: 403 not_enrolled to anyone who can see the course but is not enrolled, instructors and admins included.
  for (const who of [inst, admin]) {
    const r = await call(app, 'PUT', `/api/v1/lessons/${lesson.id}/progress`, who, { completed: true });
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'not_enrolled');
    assert.equal((await call(app, 'GET', `/api/v1/courses/${course.id}/progress`, who)).body.code, 'not_enrolled');
  }
  assert.equal((await call(app, 'PUT', `/api/v1/lessons/${lesson.id}/progress`, undefined, { completed: true })).status, 401);
});

test('progress and certificates: completion, edge rules, the instructor view and the enrollment list', async (t) => {
  const app = await buildTestApp(t);
  const inst = await makeUser(app, 'instructor');
  const student = await makeUser(app, 'student', { firstName: 'Ngozi', lastName: 'Okafor' });
  const peer = await makeUser(app);
  const course = await makeCourse(app, inst, { price: 0, title: 'Linux Basics' });
  const empty = await makeCourse(app, inst, { price: 0 });
  await enrollFree(app, student, course.id);
  await enrollFree(app, peer, course.id);
  await enrollFree(app, student, empty.id);

  // No lessons: 0/0, 0 %, no certificate.
  assert.deepEqual((await call(app, 'GET', `/api/v1/courses/${empty.id}/progress`, student)).body, {
    courseId: empty.id,
    completedLessons: 0,
    totalLessons: 0,
    percent: 0,
    completedAt: null,
    certificateId: null,
  });

  const [l1, l2, l3] = [
    await addLesson(app, inst, course.id),
    await addLesson(app, inst, course.id),
    await addLesson(app, inst, course.id),
  ];
  const mark = async (lessonId: string, completed: boolean, who = student) => {
    const r = await call(app, 'PUT', `/api/v1/lessons/${lessonId}/progress`, who, { completed });
    assert.equal(r.status, 200, r.text);
    return r.body;
  };
  let p = await mark(l1.id, true);
  assert.deepEqual([p.completedLessons, p.totalLessons, p.percent, p.completedAt, p.certificateId], [1, 3, 33, null, null]);
  p = await mark(l1.id, true);
  assert.equal(p.completedLessons, 1, 'completing twice counts once');
  await mark(l2.id, true);
  p = await mark(l3.id, true);
  assert.equal(p.percent, 100);
  assert.ok(p.completedAt);
  assert.match(p.certificateId, /^[A-Za-z0-9_-]{22}$/, '128 random bits, base64url');
  const certId = p.certificateId as string;

  const cert = await call(app, 'GET', `/api/v1/certificates/${certId}`);
  assert.equal(cert.status, 200);
  assert.equal(cert.body.studentName, 'Ngozi Okafor');
  assert.equal(cert.body.courseTitle, 'Linux Basics');
  assert.equal(cert.body.revoked, false);
  assert.ok(cert.body.issuedAt);
  const page = await call(app, 'GET', `/certificates/${certId}`);
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.match(page.text, /Ngozi Okafor/);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  assert.doesNotMatch(String(page.headers['content-security-policy']), /unsafe-inline/);
  assert.equal((await call(app, 'GET', '/api/v1/certificates/AAAAAAAAAAAAAAAAAAAAAA')).status, 404);
  assert.equal((await call(app, 'GET', '/certificates/AAAAAAAAAAAAAAAAAAAAAA')).status, 404);
  assert.equal((await call(app, 'GET', '/api/v1/certificates/bad%20id')).status, 400);

  // Un-completing keeps the certificate; completing again does not issue a second one.
  p = await mark(l2.id, false);
  assert.deepEqual([p.completedLessons, p.percent, p.completedAt, p.certificateId], [2, 66, null, certId]);
  p = await mark(l2.id, true);
  assert.equal(p.certificateId, certId);
  // A lesson added after completion: 3/4, the certificate stays.
  const l4 = await addLesson(app, inst, course.id);
  p = (await call(app, 'GET', `/api/v1/courses/${course.slug}/progress`, student)).body;
  assert.deepEqual([p.completedLessons, p.totalLessons, p.percent, p.completedAt, p.certificateId], [3, 4, 75, null, certId]);
  // Deleting a lesson recomputes: deleting the unfinished one completes the course again.
  assert.equal((await call(app, 'DELETE', `/api/v1/lessons/${l4.id}`, inst)).status, 204);
  p = (await call(app, 'GET', `/api/v1/courses/${course.id}/progress`, student)).body;
  assert.deepEqual([p.completedLessons, p.totalLessons, p.percent, p.certificateId], [3, 3, 100, certId]);
  assert.ok(p.completedAt);
  assert.equal((await app.c.db.query<{ n: number }>('t', 'SELECT count(*)::int AS n FROM certificates'))[0].n, 1, 'issued once');

  // The enrollment list carries progress.
  const mine = await call(app, 'GET', '/api/v1/enrollments', student);
  const byCourse = new Map(mine.body.items.map((i: { course: { id: string }; progress: unknown }) => [i.course.id, i.progress]));
  assert.equal((byCourse.get(course.id) as { percent: number }).percent, 100);
  assert.equal((byCourse.get(empty.id) as { totalLessons: number }).totalLessons, 0);

  // The instructor's view: students with progress, counts in the response, paged.
  await mark(l1.id, true, peer);
  const view = await call(app, 'GET', `/api/v1/courses/${course.id}/enrollments?pageSize=1`, inst);
  assert.equal(view.status, 200, view.text);
  assert.equal(view.body.total, 2);
  assert.equal(view.body.completed, 1);
  assert.equal(view.body.items.length, 1);
  assert.equal(view.body.items[0].user.id, student.id);
  assert.equal(view.body.items[0].user.email, student.email);
  assert.equal(view.body.items[0].progress.percent, 100);
  const page2 = await call(app, 'GET', `/api/v1/courses/${course.id}/enrollments?page=2&pageSize=1`, inst);
  assert.equal(page2.body.items[0].progress.completedLessons, 1);
  const past = await call(app, 'GET', `/api/v1/courses/${course.id}/enrollments?page=9`, inst);
  assert.deepEqual([past.body.items.length, past.body.total, past.body.completed], [0, 2, 1]);
  assert.equal((await call(app, 'GET', `/api/v1/courses/${course.id}/enrollments`, student)).status, 403);
  assert.equal((await call(app, 'GET', `/api/v1/courses/${course.id}/enrollments?pageSize=101`, inst)).status, 400);
  // The public Course is unchanged: no counts on it.
  const pub = await call(app, 'GET', `/api/v1/courses/${course.id}`);
  assert.deepEqual(Object.keys(pub.body).sort(), [
    'createdAt',
    'currency',
    'description',
    'id',
    'instructorId',
    'isPublished',
    'price',
    'slug',
    'title',
    'updatedAt',
  ]);
});

test('known XSS vectors come out inert through the lesson API and the certificate page', async (t) => {
  const app = await buildTestApp(t);
  const inst = await makeUser(app, 'instructor');
  const course = await makeCourse(app, inst, { price: 0 });
  const lesson = await addLesson(app, inst, course.id);
  const PAGE_TAGS = {
    html: ['lang'],
    head: [],
    meta: ['charset', 'name', 'content'],
    title: [],
    style: [],
    body: [],
    h1: [],
    p: ['class', 'data-revoked'],
    code: [],
  };
  for (const v of XSS_VECTORS) {
    // Through the API: stored as written, rendered inert.
    const edit = await call(app, 'PATCH', `/api/v1/lessons/${lesson.id}`, inst, { bodyMarkdown: `Intro\n\n${v}\n` });
    assert.equal(edit.status, 200, edit.text);
    const read = await call(app, 'GET', `/api/v1/lessons/${lesson.id}`, inst);
    assert.equal(read.body.bodyMarkdown, `Intro\n\n${v}\n`, 'the Markdown is kept as written');
    assert.deepEqual(activeParts(read.body.bodyHtml), [], `${v} -> ${read.body.bodyHtml}`);

    // The certificate page: the student's name and the course title are text.
    const owner = await app.c.users.create({
      email: `x${randomUUID()}@example.com`,
      firstName: v.slice(0, 100),
      lastName: v.slice(0, 100),
      passwordHash: 'x',
      role: 'student',
    });
    assert.notEqual(owner, 'email_taken');
    const hostile = await makeCourse(app, inst, { price: 0, title: v.slice(0, 200) });
    const id = newCertificateId();
    await app.c.db.query('t', 'INSERT INTO certificates (id, user_id, course_id) VALUES ($1, $2, $3)', [
      id,
      (owner as { id: string }).id,
      hostile.id,
    ]);
    const page = await call(app, 'GET', `/certificates/${id}`);
    assert.equal(page.status, 200);
    assert.deepEqual(activeParts(page.text, PAGE_TAGS), [], `${v} -> ${page.text}`);
    const api = await call(app, 'GET', `/api/v1/certificates/${id}`);
    assert.equal(api.body.courseTitle, v.slice(0, 200), 'the API gives the title as written (JSON, not HTML)');
  }
});
