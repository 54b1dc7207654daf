import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

import { sendServed } from '../http/cached-reply.ts';
import { type AuthHooks, callerOf } from '../http/caller.ts';
import type { LaneRule } from '../http/hit-lane.ts';
import { IdOrSlugParams, notModified, ok, pageOf, PageQuery, problems } from '../http/schemas.ts';
import { pageFrom } from '../shared/paging.ts';
import { CourseSchema } from './schemas.ts';
import type { CourseService } from './service.ts';

const Title = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const Slug = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$' });
const Description = Type.String({ maxLength: 10000 });
const Price = Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'minor units (kobo for NGN)' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' });

const PUBLIC_READ: LaneRule = { auth: 'none', allow: () => true };

export const courseRoutes: FastifyPluginAsyncTypebox<{ courses: CourseService; hooks: AuthHooks }> = async (app, { courses, hooks }) => {
  const tags = ['courses'];
  const security = [{ bearerAuth: [] }];
  // Descriptions are up to 10,000 characters (40 KB of UTF-8 at worst); 64 KiB is ample.
  const bodyLimit = 64 * 1024;

  app.get(
    '/',
    {
      schema: {
        tags,
        operationId: 'listCourses',
        security: [],
        summary: 'Published courses (public, cached)',
        querystring: Type.Object(
          { ...PageQuery, search: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
          { additionalProperties: false },
        ),
        response: {
          304: notModified(),
          200: ok('A page of published courses, newest first', pageOf(CourseSchema)),
          ...problems(),
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const r = await courses.list({ ...pageFrom(q), search: q.search?.trim() || undefined });
      // Published courses, for anyone: the route reads no token.
      return sendServed(request, reply, r, PUBLIC_READ);
    },
  );

  app.get(
    '/:idOrSlug',
    {
      preHandler: hooks.optionalAuth,
      schema: {
        tags,
        operationId: 'getCourse',
        security: [{}, { bearerAuth: [] }],
        summary: 'A course by id or slug (public if published; its instructor and admins see drafts)',
        params: IdOrSlugParams,
        response: {
          304: notModified(),
          200: ok('The course', CourseSchema),
          ...problems(401, 404),
        },
      },
    },
    async (request, reply) => {
      const r = await courses.get(request.caller, request.params.idOrSlug);
      return sendServed(request, reply, r);
    },
  );

  app.post(
    '/',
    {
      bodyLimit,
      preHandler: hooks.requireAuth,
      schema: {
        tags,
        security,
        operationId: 'createCourse',
        summary: 'Create a course (instructor or admin)',
        body: Type.Object(
          {
            title: Title,
            slug: Type.Optional(Slug),
            description: Description,
            price: Price,
            currency: Type.Optional(Currency),
            isPublished: Type.Optional(Type.Boolean()),
          },
          {
            additionalProperties: false,
            examples: [{ title: 'Intro to Networking', description: 'TCP/IP from the ground up.', price: 2_500_000, isPublished: true }],
          },
        ),
        response: {
          201: ok('The course, created', CourseSchema),
          ...problems(401, 403, [409, 'The slug is used by another course'], 413, 415),
        },
      },
    },
    async (request, reply) => reply.status(201).send(await courses.create(callerOf(request), request.body)),
  );

  app.patch(
    '/:idOrSlug',
    {
      bodyLimit,
      preHandler: hooks.requireAuth,
      schema: {
        tags,
        security,
        operationId: 'updateCourse',
        summary: 'Update a course by id or slug (its instructor or admin)',
        params: IdOrSlugParams,
        body: Type.Object(
          {
            title: Type.Optional(Title),
            slug: Type.Optional(Slug),
            description: Type.Optional(Description),
            price: Type.Optional(Price),
            currency: Type.Optional(Currency),
            isPublished: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1, examples: [{ price: 2_000_000, isPublished: true }] },
        ),
        response: {
          200: ok('The course, updated', CourseSchema),
          ...problems(401, 403, 404, [409, 'The slug is used by another course'], 413, 415),
        },
      },
    },
    async (request) => courses.update(callerOf(request), request.params.idOrSlug, request.body),
  );
};
