import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

import { CourseSchema } from '../courses/schemas.ts';
import { type AuthHooks, callerOf } from '../http/caller.ts';
import { ok, problems } from '../http/schemas.ts';
import { ProgressSchema } from '../learning/index.ts';
import type { EnrollmentService } from './service.ts';

export const enrollmentRoutes: FastifyPluginAsyncTypebox<{ enrollments: EnrollmentService; hooks: AuthHooks }> = async (
  app,
  { enrollments, hooks },
) => {
  app.get(
    '/',
    {
      preHandler: hooks.requireAuth,
      schema: {
        tags: ['enrollments'],
        security: [{ bearerAuth: [] }],
        operationId: 'listMyEnrollments',
        summary: "The caller's active enrollments",
        response: {
          200: ok(
            "The caller's enrollments, each with its course and progress",
            Type.Object({
              items: Type.Array(
                Type.Object({
                  course: CourseSchema,
                  enrolledAt: Type.String({ format: 'date-time' }),
                  paymentReference: Type.Union([Type.String(), Type.Null()]),
                  progress: ProgressSchema,
                }),
              ),
            }),
          ),
          ...problems(401),
        },
      },
    },
    async (request) => enrollments.listMine(callerOf(request)),
  );
};
