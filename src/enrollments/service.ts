import type { CourseRepository } from '../courses/repository.ts';
import type { Course } from '../courses/types.ts';
import type { Caller } from '../shared/types.ts';
import type { EnrollmentRepository } from './repository.ts';

export function createEnrollmentService(deps: { enrollments: EnrollmentRepository; courses: CourseRepository }) {
  return {
    async listMine(caller: Caller): Promise<{ items: { course: Course; enrolledAt: string; paymentReference: string | null }[] }> {
      const rows = await deps.enrollments.listActive(caller.id);
      const courses = new Map((await deps.courses.findByIds(rows.map((r) => r.courseId))).map((c) => [c.id, c]));
      return {
        items: rows.flatMap((r) => {
          const course = courses.get(r.courseId);
          return course ? [{ course, enrolledAt: r.enrolledAt, paymentReference: r.paymentReference }] : [];
        }),
      };
    },
  };
}

export type EnrollmentService = ReturnType<typeof createEnrollmentService>;
