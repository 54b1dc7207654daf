/** The enrollments domain's front door. */
import type { CourseRepository } from '../courses/repository.ts';
import type { DomainModule, HttpModule } from '../http/module.ts';
import type { EnrollmentRepository } from './repository.ts';
import { enrollmentRoutes } from './routes.ts';
import { createEnrollmentService, type EnrollmentService, type EnrollmentServiceDeps } from './service.ts';

export type { EnrollmentService } from './service.ts';

export function enrollmentsHttp(enrollments: EnrollmentService): HttpModule {
  return { routes: { prefix: '/enrollments', plugin: (app, ctx) => enrollmentRoutes(app, { ...ctx, enrollments }) }, schemas: [] };
}

export function createEnrollmentsModule(deps: {
  enrollments: EnrollmentRepository;
  courses: CourseRepository;
  progressOf: EnrollmentServiceDeps['progressOf'];
}): DomainModule<EnrollmentService> {
  const service = createEnrollmentService(deps);
  return { service, ...enrollmentsHttp(service) };
}
