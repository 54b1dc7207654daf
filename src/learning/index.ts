/** The learning domain's front door: lessons, progress and certificates. */
import type { DomainModule, HttpModule } from '../http/module.ts';
import { learningRoutes } from './routes.ts';
import { CertificateSchema, LessonSchema, LessonSummarySchema, ProgressSchema } from './schemas.ts';
import { createLearningService, type LearningService, type LearningServiceDeps } from './service.ts';

export { certificatePage } from './certificate-page.ts';
export { createLessonRepository } from './lessons-repository.ts';
export { createProgressRepository } from './progress-repository.ts';
export { ProgressSchema } from './schemas.ts';
export type { LearningService } from './service.ts';
export type { Progress } from './types.ts';

export function learningHttp(learning: LearningService): HttpModule {
  return {
    // Its paths span /courses/…/lessons, /lessons and /certificates, so the prefix is /api/v1 itself.
    routes: { prefix: '', plugin: (app, ctx) => learningRoutes(app, { ...ctx, learning }) },
    schemas: [LessonSummarySchema, LessonSchema, ProgressSchema, CertificateSchema],
  };
}

export function createLearningModule(deps: LearningServiceDeps): DomainModule<LearningService> {
  const service = createLearningService(deps);
  return { service, ...learningHttp(service) };
}
