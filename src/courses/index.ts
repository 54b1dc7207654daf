/** The courses domain's front door. */
import type { DomainModule, HttpModule } from '../http/module.ts';
import type { CachedRead } from '../shared/cached-read.ts';
import type { CourseRepository } from './repository.ts';
import { courseRoutes } from './routes.ts';
import { CourseSchema } from './schemas.ts';
import { type CourseService, createCourseService } from './service.ts';

export type { CourseService } from './service.ts';

export function coursesHttp(courses: CourseService): HttpModule {
  return { routes: { prefix: '/courses', plugin: (app, ctx) => courseRoutes(app, { ...ctx, courses }) }, schemas: [CourseSchema] };
}

export function createCoursesModule(deps: { courses: CourseRepository; cache: CachedRead }): DomainModule<CourseService> {
  const service = createCourseService(deps);
  return { service, ...coursesHttp(service) };
}
