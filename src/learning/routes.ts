import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

import { sendServed } from '../http/cached-reply.ts';
import { type AuthHooks, callerOf } from '../http/caller.ts';
import { IdOrSlugParams, IdParams, named, noContent, notModified, ok, PageQuery, problems, Uuid } from '../http/schemas.ts';
import { pageFrom } from '../shared/paging.ts';
import { MAX_BODY_BYTES } from './rules.ts';
import { CertificateSchema, LessonSchema, LessonSummarySchema, ProgressSchema } from './schemas.ts';
import type { LearningService } from './service.ts';

const Title = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const Kind = Type.Union([Type.Literal('text'), Type.Literal('video')]);
// Characters; the 200 KiB bound is on UTF-8 bytes and is checked by the service.
const BodyMarkdown = Type.String({ maxLength: MAX_BODY_BYTES });
// Far above any player URL; a URL is not a place to store data.
const VideoUrl = Type.String({ minLength: 1, maxLength: 2000 });
const DurationS = Type.Integer({ minimum: 0, maximum: 86400, description: 'estimated seconds, at most a day' });

const CertificateId = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) }, { additionalProperties: false });
// A course of more than 1000 lessons is not a course; it also bounds the reorder's work.
const MAX_LESSONS_IN_ORDER = 1000;

export const learningRoutes: FastifyPluginAsyncTypebox<{ learning: LearningService; hooks: AuthHooks }> = async (
  app,
  { learning, hooks },
) => {
  const tags = ['learning'];
  const security = [{ bearerAuth: [] }];
  // A 200 KiB body may be escaped in JSON up to six bytes a character (\u0000); plus room for the other fields.
  const lessonBodyLimit = 6 * MAX_BODY_BYTES + 16 * 1024;
  const Outline = Type.Object({ items: Type.Array(named(LessonSummarySchema)) });

  app.get(
    '/courses/:idOrSlug/lessons',
    {
      preHandler: hooks.optionalAuth,
      schema: {
        tags,
        operationId: 'getCourseOutline',
        security: [{}, { bearerAuth: [] }],
        summary: "A course's outline in order, without bodies (public for a published course; cached)",
        params: IdOrSlugParams,
        response: {
          304: notModified(),
          200: ok('The outline: lessons in order, without bodies', Outline),
          ...problems(401, 404),
        },
      },
    },
    async (request, reply) => {
      const r = await learning.outline(request.caller, request.params.idOrSlug);
      return sendServed(request, reply, r);
    },
  );

  app.post(
    '/courses/:idOrSlug/lessons',
    {
      bodyLimit: lessonBodyLimit,
      preHandler: hooks.requireAuth,
      schema: {
        tags,
        security,
        operationId: 'createLesson',
        summary: 'Add a lesson at the end (the course instructor or an admin)',
        params: IdOrSlugParams,
        body: Type.Object(
          {
            title: Title,
            kind: Kind,
            bodyMarkdown: Type.Optional(BodyMarkdown),
            videoUrl: Type.Optional(VideoUrl),
            durationS: DurationS,
            isPreview: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 201: ok('The lesson, added at the end', LessonSchema), ...problems(401, 403, 404, 413, 415) },
      },
    },
    async (request, reply) => reply.status(201).send(await learning.create(callerOf(request), request.params.idOrSlug, request.body)),
  );

  app.put(
    '/courses/:idOrSlug/lessons/order',
    {
      bodyLimit: 64 * 1024, // 1000 uuids in JSON are under 40 KB
      preHandler: hooks.requireAuth,
      schema: {
        tags,
        security,
        operationId: 'reorderLessons',
        summary: "Put a course's lessons in a new order: every lesson id exactly once (the course instructor or an admin)",
        params: IdOrSlugParams,
        body: Type.Object(
          { lessonIds: Type.Array(Uuid, { maxItems: MAX_LESSONS_IN_ORDER, uniqueItems: true }) },
          { additionalProperties: false },
        ),
        response: { 200: ok('The outline in its new order', Outline), ...problems(401, 403, 404, 413, 415) },
      },
    },
    async (request) => learning.reorder(callerOf(request), request.params.idOrSlug, request.body.lessonIds),
  );

  app.get(
    '/courses/:idOrSlug/progress',
    {
      preHandler: hooks.requireAuth,
      schema: {
        tags,
        security,
        operationId: 'getCourseProgress',
        summary: "The caller's progress in a course (enrolled students)",
        params: IdOrSlugParams,
        response: { 200: ok("The caller's progress in the course", ProgressSchema), ...problems(401, 403, 404) },
      },
    },
    async (request) => learning.courseProgress(callerOf(request), request.params.idOrSlug),
  );

  app.get(
    '/courses/:idOrSlug/enrollments',
    {
      preHandler: hooks.requireAuth,
      schema: {
        tags,
        security,
        operationId: 'listCourseStudents',
        summary: "A course's students with their progress, and how many enrolled and completed (the course instructor or an admin)",
        params: IdOrSlugParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: {
          200: ok(
            'A page of students with their progress',
            Type.Object({
              items: Type.Array(
                Type.Object({
                  user: Type.Object({ id: Uuid, firstName: Type.String(), lastName: Type.String(), email: Type.String() }),
                  enrolledAt: Type.String({ format: 'date-time' }),
                  progress: ProgressSchema,
                }),
              ),
              page: Type.Integer(),
              pageSize: Type.Integer(),
              total: Type.Integer({ description: 'students enrolled now' }),
              completed: Type.Integer({ description: 'of them, those who completed every lesson the course has now' }),
            }),
          ),
          ...problems(401, 403, 404),
        },
      },
    },
    async (request) => learning.students(callerOf(request), request.params.idOrSlug, pageFrom(request.query)),
  );

  app.get(
    '/lessons/:id',
    {
      preHandler: hooks.optionalAuth,
      schema: {
        tags,
        operationId: 'getLesson',
        security: [{}, { bearerAuth: [] }],
        summary: 'A lesson with its body (enrolled students, the instructor, admins; anyone for a preview of a published course)',
        params: IdParams,
        response: {
          304: notModified(),
          200: ok('The lesson with its body', LessonSchema),
          ...problems(401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const r = await learning.lesson(request.caller, request.params.id);
      return sendServed(request, reply, r);
    },
  );

  app.patch(
    '/lessons/:id',
    {
      bodyLimit: lessonBodyLimit,
      preHandler: hooks.requireAuth,
      schema: {
        tags,
        security,
        operationId: 'updateLesson',
        summary: 'Edit a lesson (the course instructor or an admin)',
        params: IdParams,
        body: Type.Object(
          {
            title: Type.Optional(Title),
            kind: Type.Optional(Kind),
            bodyMarkdown: Type.Optional(BodyMarkdown),
            videoUrl: Type.Optional(VideoUrl),
            durationS: Type.Optional(DurationS),
            isPreview: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: ok('The lesson, edited', LessonSchema), ...problems(401, 403, 404, 413, 415) },
      },
    },
    async (request) => learning.update(callerOf(request), request.params.id, request.body),
  );

  app.delete(
    '/lessons/:id',
    {
      preHandler: hooks.requireAuth,
      schema: {
        tags,
        security,
        operationId: 'deleteLesson',
        summary: 'Delete a lesson (the course instructor or an admin)',
        params: IdParams,
        response: { 204: noContent('Deleted'), ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await learning.remove(callerOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/lessons/:id/progress',
    {
      bodyLimit: 1024, // { "completed": false } and nothing else
      preHandler: hooks.requireAuth,
      schema: {
        tags,
        security,
        operationId: 'setLessonProgress',
        summary: 'Mark a lesson complete or not (enrolled students)',
        params: IdParams,
        body: Type.Object({ completed: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: ok("The caller's progress in the course, updated", ProgressSchema), ...problems(401, 403, 404, 413, 415) },
      },
    },
    async (request) => learning.setProgress(callerOf(request), request.params.id, request.body.completed),
  );

  app.get(
    '/certificates/:id',
    {
      schema: {
        tags,
        operationId: 'getCertificate',
        security: [],
        summary: 'Verify a certificate (public): who, which course, when, and whether it was revoked',
        params: CertificateId,
        response: { 200: ok('The certificate', CertificateSchema), ...problems(404) },
      },
    },
    async (request) => learning.certificate(request.params.id),
  );
};
