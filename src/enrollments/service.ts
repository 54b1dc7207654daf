import type { CourseRepository } from '../courses/repository.ts';
import type { Course } from '../courses/types.ts';
import type { Progress } from '../learning/index.ts';
import type { Caller } from '../shared/types.ts';
import type { EnrollmentRepository } from './repository.ts';

export interface EnrollmentServiceDeps {
  enrollments: Pick<EnrollmentRepository, 'listActive'>;
  courses: Pick<CourseRepository, 'findByIds'>;
  /** The student's progress per course (the learning module's). */
  progressOf: (userId: string, courseIds: string[]) => Promise<Map<string, Progress>>;
}

export interface EnrollmentItem {
  course: Course;
  enrolledAt: string;
  paymentReference: string | null;
  progress: Progress;
}

const noProgress = (courseId: string): Progress => ({
  courseId,
  completedLessons: 0,
  totalLessons: 0,
  percent: 0,
  completedAt: null,
  certificateId: null,
});

export function createEnrollmentService(deps: EnrollmentServiceDeps) {
  return {
    async listMine(caller: Caller): Promise<{ items: EnrollmentItem[] }> {
      const rows = await deps.enrollments.listActive(caller.id);
      const ids = rows.map((r) => r.courseId);
      const courses = new Map((await deps.courses.findByIds(ids)).map((c) => [c.id, c]));
      const progress = await deps.progressOf(caller.id, ids);
      return {
        items: rows.flatMap((r) => {
          const course = courses.get(r.courseId);
          return course
            ? [
                {
                  course,
                  enrolledAt: r.enrolledAt,
                  paymentReference: r.paymentReference,
                  progress: progress.get(r.courseId) ?? noProgress(r.courseId),
                },
              ]
            : [];
        }),
      };
    },
  };
}

export type EnrollmentService = ReturnType<typeof createEnrollmentService>;
