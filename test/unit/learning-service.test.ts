import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AppError } from '../../src/errors/index.ts';
import { lessonFields, videoUrlProblem } from '../../src/learning/rules.ts';
import type { Caller } from '../../src/shared/types.ts';
import { fakeLearning } from './fakes/learning.ts';

const inst: Caller = { id: 'inst', role: 'instructor' };
const otherInst: Caller = { id: 'other', role: 'instructor' };
const admin: Caller = { id: 'admin', role: 'admin' };
const student: Caller = { id: 'stu', role: 'student' };
const stranger: Caller = { id: 'str', role: 'student' };

/** The error code a call fails with, or 'ok'. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof AppError) return `${err.status} ${err.code}`;
    throw err;
  }
}

function world() {
  const f = fakeLearning();
  const svc = f.service();
  const course = f.addCourse({ instructorId: inst.id });
  const draft = f.addCourse({ instructorId: inst.id, isPublished: false });
  return { f, svc, course, draft };
}

const text = (over: Record<string, unknown> = {}) => ({ title: 'T', kind: 'text' as const, bodyMarkdown: 'x', durationS: 10, ...over });

test('reading a lesson: SPEC.md rule for every kind of caller, published or not, preview or not', async () => {
  const { f, svc, course, draft } = world();
  const preview = await svc.create(inst, course.id, text({ isPreview: true }));
  const lesson = await svc.create(inst, course.id, text());
  const draftPreview = await svc.create(inst, draft.id, text({ isPreview: true }));
  f.enroll(student.id, course.id);
  const table: [Caller | undefined, string, string][] = [
    [undefined, preview.id, 'ok'],
    [undefined, lesson.id, '401 unauthorized'],
    [undefined, draftPreview.id, '404 not_found'],
    [stranger, preview.id, 'ok'],
    [stranger, lesson.id, '403 not_enrolled'],
    [stranger, draftPreview.id, '404 not_found'],
    [student, lesson.id, 'ok'],
    [otherInst, lesson.id, '403 not_enrolled'],
    [otherInst, draftPreview.id, '404 not_found'],
    [inst, draftPreview.id, 'ok'],
    [admin, draftPreview.id, 'ok'],
    [admin, lesson.id, 'ok'],
  ];
  for (const [caller, id, want] of table) assert.equal(await outcome(svc.lesson(caller, id)), want, `${caller?.id ?? 'anonymous'} ${id}`);
  // Unpublished later: the enrolled student keeps it; a preview is no longer public.
  f.courses.get(course.id)!.isPublished = false;
  assert.equal(await outcome(svc.lesson(student, lesson.id)), 'ok');
  assert.equal(await outcome(svc.outline(student, course.id)), 'ok');
  assert.equal(await outcome(svc.lesson(undefined, preview.id)), '404 not_found');
  assert.equal(await outcome(svc.outline(stranger, course.id)), '404 not_found');
});

test('changing lessons: the instructor and admins; others 403 on what they can see, 404 on drafts', async () => {
  const { svc, course, draft } = world();
  assert.equal(await outcome(svc.create(otherInst, course.id, text())), '403 forbidden');
  assert.equal(await outcome(svc.create(student, course.id, text())), '403 forbidden');
  assert.equal(await outcome(svc.create(otherInst, draft.id, text())), '404 not_found');
  assert.equal(await outcome(svc.create(admin, draft.id, text())), 'ok');
  const l = await svc.create(inst, course.slug, text());
  assert.equal(await outcome(svc.update(otherInst, l.id, { title: 'x' })), '403 forbidden');
  assert.equal(await outcome(svc.remove(student, l.id)), '403 forbidden');
  const d = await svc.create(inst, draft.id, text());
  assert.equal(await outcome(svc.update(otherInst, d.id, { title: 'x' })), '404 not_found');
  assert.equal(await outcome(svc.remove(otherInst, d.id)), '404 not_found');
  assert.equal(await outcome(svc.remove(inst, d.id)), 'ok');
  assert.equal(await outcome(svc.remove(inst, d.id)), '404 not_found');
});

test('reorder: a permutation of the lessons, else 400 naming lessonIds', async () => {
  const { svc, course } = world();
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await svc.create(inst, course.id, text())).id);
  const r = await svc.reorder(inst, course.id, [ids[2], ids[0], ids[1]]);
  assert.deepEqual(
    r.items.map((l) => [l.id, l.position]),
    [
      [ids[2], 1],
      [ids[0], 2],
      [ids[1], 3],
    ],
  );
  for (const bad of [[], [ids[0]], [ids[0], ids[0], ids[1]], [...ids, 'x']]) {
    await assert.rejects(
      svc.reorder(inst, course.id, bad),
      (err: AppError) => err.code === 'validation_failed' && err.errors?.[0].path === 'body.lessonIds',
    );
  }
});

test('progress: enrolled students only; edge rules of SPEC.md', async () => {
  const { f, svc, course } = world();
  const empty = f.addCourse({ instructorId: inst.id });
  f.enroll(student.id, empty.id);
  assert.deepEqual(await svc.courseProgress(student, empty.id), {
    courseId: empty.id,
    completedLessons: 0,
    totalLessons: 0,
    percent: 0,
    completedAt: null,
    certificateId: null,
  });
  const [a, b] = [await svc.create(inst, course.id, text()), await svc.create(inst, course.id, text())];
  for (const who of [inst, admin, stranger]) assert.equal(await outcome(svc.setProgress(who, a.id, true)), '403 not_enrolled');
  assert.equal(await outcome(svc.courseProgress(admin, course.id)), '403 not_enrolled');
  f.enroll(student.id, course.id);
  assert.equal((await svc.setProgress(student, a.id, true)).percent, 50);
  const full = await svc.setProgress(student, b.id, true);
  assert.equal(full.percent, 100);
  assert.ok(full.certificateId);
  // Un-completing keeps the certificate; adding a lesson keeps it; deleting the new one completes again.
  assert.equal((await svc.setProgress(student, b.id, false)).certificateId, full.certificateId);
  await svc.setProgress(student, b.id, true);
  const c = await svc.create(inst, course.id, text());
  const p = await svc.courseProgress(student, course.id);
  assert.deepEqual([p.completedLessons, p.totalLessons, p.percent, p.completedAt, p.certificateId], [2, 3, 66, null, full.certificateId]);
  await svc.remove(inst, c.id);
  assert.equal((await svc.courseProgress(student, course.id)).percent, 100);
  // A full refund: access and certificate end; re-enrolled, the progress is there.
  f.refund(student.id, course.id);
  assert.equal(await outcome(svc.lesson(student, a.id)), '403 not_enrolled');
  assert.equal((await svc.certificate(full.certificateId)).revoked, true);
  f.enroll(student.id, course.id);
  assert.equal((await svc.courseProgress(student, course.id)).completedLessons, 2);
  assert.equal((await svc.setProgress(student, a.id, true)).certificateId, full.certificateId);
  assert.equal(await outcome(svc.certificate('nope')), '404 not_found');
});

test('lesson fields: kinds, the video host allow-list, the 200 KiB bound in bytes', () => {
  const hosts = ['www.youtube.com', 'player.vimeo.com'];
  assert.equal(videoUrlProblem('https://www.youtube.com/embed/x', hosts), undefined);
  assert.equal(videoUrlProblem('https://WWW.YOUTUBE.COM/embed/x', hosts), undefined);
  for (const bad of [
    'http://www.youtube.com/x',
    'https://youtube.com.evil.example/x',
    'https://u:p@player.vimeo.com/1',
    'javascript:alert(1)',
    'not a url',
  ])
    assert.ok(videoUrlProblem(bad, hosts), bad);
  const bad = (input: Record<string, unknown>, existing?: Parameters<typeof lessonFields>[1]) => {
    try {
      lessonFields(input, existing, hosts);
      return 'ok';
    } catch (err) {
      return (err as AppError).errors?.[0].path;
    }
  };
  assert.equal(bad({ kind: 'text', title: 't', durationS: 1 }), 'body.bodyMarkdown');
  assert.equal(bad({ kind: 'video', title: 't', durationS: 1 }), 'body.videoUrl');
  assert.equal(bad({ kind: 'text', title: 't', bodyMarkdown: 'é'.repeat(102_401), durationS: 1 }), 'body.bodyMarkdown');
  assert.equal(bad({ kind: 'text', title: 't', bodyMarkdown: 'x'.repeat(204_800), durationS: 1 }), 'ok');
  assert.equal(bad({ kind: 'text', title: 't', bodyMarkdown: 'x', videoUrl: 'https://www.youtube.com/x', durationS: 1 }), 'body.videoUrl');
  const existing = {
    id: 'l',
    courseId: 'c',
    position: 1,
    title: 'T',
    kind: 'text' as const,
    durationS: 5,
    isPreview: true,
    bodyMarkdown: 'b',
    bodyHtml: '<p>b</p>\n',
    videoUrl: null,
    createdAt: '',
    updatedAt: '',
  };
  assert.deepEqual(lessonFields({ title: ' New ' }, existing, hosts), {
    title: 'New',
    kind: 'text',
    bodyMarkdown: 'b',
    bodyHtml: '<p>b</p>\n',
    videoUrl: null,
    durationS: 5,
    isPreview: true,
  });
  assert.deepEqual(lessonFields({ kind: 'video', videoUrl: 'https://player.vimeo.com/1' }, existing, hosts).bodyMarkdown, null);
});
