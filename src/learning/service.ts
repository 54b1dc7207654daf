import type { Course } from '../courses/types.ts';
import { errors } from '../errors/index.ts';
import type { CachedRead, Served } from '../shared/cached-read.ts';
import type { Caller } from '../shared/types.ts';
import type { LessonRepository } from './lessons-repository.ts';
import type { ProgressRepository } from './progress-repository.ts';
import { lessonFields, manages, readable } from './rules.ts';
import type { Certificate, CourseStudent, LessonBody, LessonChanges, LessonSummary, NewLesson, Progress } from './types.ts';

export interface LearningServiceDeps {
  lessons: Pick<LessonRepository, 'outline' | 'find' | 'create' | 'update' | 'delete' | 'reorder'>;
  progress: Pick<ProgressRepository, 'progress' | 'set' | 'certificate' | 'students'>;
  /** A course by id or slug, read through the courses cache (the same entries the courses module reads). */
  loadCourse(idOrSlug: string): Promise<Course | undefined>;
  isEnrolled(userId: string, courseId: string): Promise<boolean>;
  cache: CachedRead;
  videoHosts: readonly string[];
}

/**
 * Lessons, progress and certificates. Content (outlines, rendered bodies) is read through
 * the cache under the "lessons" scope; who may read it is decided on every request from
 * the course (the courses cache, fresh by the same rule) and the student's enrollment
 * (the database, never cached).
 */
export function createLearningService(deps: LearningServiceDeps) {
  const { lessons, progress, cache, videoHosts } = deps;

  const enrolled = (caller: Caller | undefined, course: Course) =>
    caller === undefined ? Promise.resolve(false) : deps.isEnrolled(caller.id, course.id);

  /** The course when the caller may know it exists: published, managed by the caller, or the caller is enrolled in it. */
  async function visibleCourse(caller: Caller | undefined, idOrSlug: string): Promise<Course> {
    const course = await deps.loadCourse(idOrSlug);
    if (!course) throw errors.notFound('Course');
    if (course.isPublished || manages(caller, course) || (await enrolled(caller, course))) return course;
    throw errors.notFound('Course');
  }

  /** The course when the caller may change its lessons; 404 when they may not know of it, 403 when they only may not change it. */
  async function managedCourse(caller: Caller, idOrSlug: string): Promise<Course> {
    const course = await visibleCourse(caller, idOrSlug);
    if (!manages(caller, course)) throw errors.forbidden("Only the course's instructor or an admin can change its lessons");
    return course;
  }

  const cachedLesson = (id: string) =>
    cache.read('lessons', `lesson:${id}`, async () => {
      const l = await lessons.find(id);
      return l ? readable(l) : null;
    });

  async function lessonAndCourse(id: string): Promise<{ lesson: LessonBody; course: Course; served: Served<LessonBody> }> {
    const r = await cachedLesson(id);
    const course = r.value && (await deps.loadCourse(r.value.courseId));
    if (!r.value || !course) throw errors.notFound('Lesson');
    return { lesson: r.value, course, served: r as Served<LessonBody> };
  }

  // Cached in the answer's own shape, so the route sends the entry's bytes as they are.
  async function outlineOf(courseId: string): Promise<Served<{ items: LessonSummary[] }>> {
    return cache.read('lessons', `outline:${courseId}`, async () => ({ items: await lessons.outline(courseId) }));
  }

  return {
    async outline(caller: Caller | undefined, idOrSlug: string): Promise<Served<{ items: LessonSummary[] }>> {
      const course = await visibleCourse(caller, idOrSlug);
      return outlineOf(course.id);
    },

    /** SPEC.md's reading rule: managers, enrolled students, and anyone for a published course's preview lesson. */
    async lesson(caller: Caller | undefined, id: string): Promise<Served<LessonBody>> {
      const { lesson, course, served } = await lessonAndCourse(id);
      if (manages(caller, course) || (course.isPublished && lesson.isPreview)) return served;
      if (await enrolled(caller, course)) return served;
      if (!course.isPublished) throw errors.notFound('Lesson');
      if (!caller) throw errors.unauthorized('Sign in and enroll in this course to read this lesson');
      throw errors.notEnrolled('Enroll in this course to read this lesson');
    },

    async create(caller: Caller, idOrSlug: string, input: NewLesson): Promise<LessonBody> {
      const course = await managedCourse(caller, idOrSlug);
      return readable(await lessons.create(course.id, lessonFields(input, undefined, videoHosts)));
    },

    async update(caller: Caller, id: string, patch: LessonChanges): Promise<LessonBody> {
      const existing = await lessons.find(id);
      if (!existing) throw errors.notFound('Lesson');
      await managedCourse(caller, existing.courseId).catch((err: unknown) => {
        throw (err as { code?: string }).code === 'not_found' ? errors.notFound('Lesson') : err;
      });
      const updated = await lessons.update(id, lessonFields(patch, existing, videoHosts));
      if (!updated) throw errors.notFound('Lesson');
      return readable(updated);
    },

    async remove(caller: Caller, id: string): Promise<void> {
      const existing = await lessons.find(id);
      if (!existing) throw errors.notFound('Lesson');
      await managedCourse(caller, existing.courseId).catch((err: unknown) => {
        throw (err as { code?: string }).code === 'not_found' ? errors.notFound('Lesson') : err;
      });
      if (!(await lessons.delete(existing.courseId, id))) throw errors.notFound('Lesson');
    },

    async reorder(caller: Caller, idOrSlug: string, lessonIds: string[]): Promise<{ items: LessonSummary[] }> {
      const course = await managedCourse(caller, idOrSlug);
      const items = await lessons.reorder(course.id, lessonIds);
      if (items === 'not_permutation')
        throw errors.validation('lessonIds must list every lesson of the course exactly once', [
          { path: 'body.lessonIds', message: "must be a permutation of the course's lesson ids" },
        ]);
      return { items };
    },

    /** Marks a lesson complete or not: enrolled students only (instructors and admins included: 403 when not enrolled). */
    async setProgress(caller: Caller, lessonId: string, completed: boolean): Promise<Progress> {
      const { course } = await lessonAndCourse(lessonId);
      if (!course.isPublished && !manages(caller, course) && !(await enrolled(caller, course))) throw errors.notFound('Lesson');
      const r = await progress.set(caller.id, course.id, lessonId, completed);
      if (r === 'not_enrolled') throw errors.notEnrolled();
      if (r === 'lesson_gone') throw errors.notFound('Lesson');
      return r;
    },

    async courseProgress(caller: Caller, idOrSlug: string): Promise<Progress> {
      const course = await visibleCourse(caller, idOrSlug);
      if (!(await enrolled(caller, course))) throw errors.notEnrolled();
      const p = (await progress.progress(caller.id, [course.id])).get(course.id);
      if (!p) throw errors.notFound('Course');
      return p;
    },

    /** Progress of a student in several courses (the enrollment list). */
    progressOf: (userId: string, courseIds: string[]) => progress.progress(userId, courseIds),

    async students(
      caller: Caller,
      idOrSlug: string,
      page: { page: number; pageSize: number },
    ): Promise<{ items: CourseStudent[]; page: number; pageSize: number; total: number; completed: number }> {
      const course = await visibleCourse(caller, idOrSlug);
      if (!manages(caller, course)) throw errors.forbidden("Only the course's instructor or an admin can see its students");
      return { ...(await progress.students(course.id, page.page, page.pageSize)), ...page };
    },

    async certificate(id: string): Promise<Certificate> {
      const c = await progress.certificate(id);
      if (!c) throw errors.notFound('Certificate');
      return c;
    },
  };
}

export type LearningService = ReturnType<typeof createLearningService>;
