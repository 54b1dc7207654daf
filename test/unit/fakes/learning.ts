import { randomUUID } from 'node:crypto';

import type { Course } from '../../../src/courses/types.ts';
import { toProgress } from '../../../src/learning/progress-repository.ts';
import { createLearningService, type LearningServiceDeps } from '../../../src/learning/service.ts';
import type { Lesson, LessonFields, Progress } from '../../../src/learning/types.ts';
import type { CachedRead } from '../../../src/shared/cached-read.ts';

const NOW = '2026-01-01T00:00:00.000Z';

/** Lessons, enrollments, progress and certificates in memory, with the repositories' rules. */
export function fakeLearning() {
  const courses = new Map<string, Course>();
  const lessons = new Map<string, Lesson>();
  const enrolled = new Set<string>(); // `${userId}:${courseId}`
  const done = new Map<string, Set<string>>(); // userId -> lesson ids
  const certificates = new Map<string, { id: string; userId: string; courseId: string; revoked: boolean }>();
  let certSeq = 0;

  const ordered = (courseId: string) =>
    [...lessons.values()].filter((l) => l.courseId === courseId).sort((a, b) => a.position - b.position);
  const summary = ({ bodyMarkdown: _b, videoUrl: _v, ...s }: Lesson) => s;
  const cert = (userId: string, courseId: string) => [...certificates.values()].find((c) => c.userId === userId && c.courseId === courseId);
  function progressOf(userId: string, courseId: string): Progress {
    const ls = ordered(courseId);
    const mine = done.get(userId) ?? new Set();
    const c = cert(userId, courseId);
    return toProgress({
      course_id: courseId,
      total: ls.length,
      done: ls.filter((l) => mine.has(l.id)).length,
      last_at: new Date(NOW),
      certificate_id: c && !c.revoked ? c.id : null,
    });
  }

  const deps: Omit<LearningServiceDeps, 'videoHosts'> = {
    loadCourse: async (idOrSlug) => courses.get(idOrSlug) ?? [...courses.values()].find((c) => c.slug === idOrSlug),
    isEnrolled: async (userId, courseId) => enrolled.has(`${userId}:${courseId}`),
    cache: { read: async (_scope, _key, load) => ({ value: await load(), cache: 'bypass' as const }) } satisfies CachedRead,
    lessons: {
      outline: async (courseId) => ordered(courseId).map(summary),
      find: async (id) => lessons.get(id),
      async create(courseId: string, f: LessonFields) {
        const l: Lesson = { id: randomUUID(), courseId, position: ordered(courseId).length + 1, ...f, createdAt: NOW, updatedAt: NOW };
        lessons.set(l.id, l);
        return l;
      },
      async update(id: string, f: LessonFields) {
        const l = lessons.get(id);
        if (!l) return undefined;
        Object.assign(l, f);
        return l;
      },
      async delete(courseId: string, id: string) {
        const l = lessons.get(id);
        if (!l || l.courseId !== courseId) return false;
        lessons.delete(id);
        for (const o of ordered(courseId)) if (o.position > l.position) o.position -= 1;
        return true;
      },
      async reorder(courseId: string, ids: string[]) {
        const have = ordered(courseId).map((l) => l.id);
        if (new Set(ids).size !== ids.length || ids.length !== have.length || ids.some((id) => !have.includes(id)))
          return 'not_permutation' as const;
        ids.forEach((id, i) => (lessons.get(id)!.position = i + 1));
        return ordered(courseId).map(summary);
      },
    },
    progress: {
      progress: async (userId, courseIds) => new Map(courseIds.map((c) => [c, progressOf(userId, c)])),
      async set(userId, courseId, lessonId, completed) {
        if (!enrolled.has(`${userId}:${courseId}`)) return 'not_enrolled' as const;
        if (lessons.get(lessonId)?.courseId !== courseId) return 'lesson_gone' as const;
        const mine = done.get(userId) ?? new Set<string>();
        done.set(userId, mine);
        if (completed) mine.add(lessonId);
        else mine.delete(lessonId);
        const p = progressOf(userId, courseId);
        if (p.totalLessons > 0 && p.completedLessons >= p.totalLessons && !p.certificateId) {
          const c = cert(userId, courseId);
          if (c) c.revoked = false;
          else certificates.set(`c${++certSeq}`, { id: `c${certSeq}`, userId, courseId, revoked: false });
          return progressOf(userId, courseId);
        }
        return p;
      },
      certificate: async (id) => {
        const c = certificates.get(id);
        return c && { id, studentName: 'S', courseTitle: courses.get(c.courseId)?.title ?? '', issuedAt: NOW, revoked: c.revoked };
      },
      students: async () => ({ items: [], total: 0, completed: 0 }),
    },
  };

  return {
    courses,
    lessons,
    enrolled,
    certificates,
    service: (videoHosts: string[] = ['www.youtube.com']) => createLearningService({ ...deps, videoHosts }),
    addCourse(c: Partial<Course> & { instructorId: string }): Course {
      const course: Course = {
        id: randomUUID(),
        slug: `c-${courses.size}`,
        title: 'Course',
        description: '',
        price: 0,
        currency: 'NGN',
        isPublished: true,
        createdAt: NOW,
        updatedAt: NOW,
        ...c,
      };
      courses.set(course.id, course);
      return course;
    },
    enroll: (userId: string, courseId: string) => enrolled.add(`${userId}:${courseId}`),
    /** A full refund: the enrollment ends and the certificate is revoked. */
    refund(userId: string, courseId: string) {
      enrolled.delete(`${userId}:${courseId}`);
      const c = cert(userId, courseId);
      if (c) c.revoked = true;
    },
  };
}
