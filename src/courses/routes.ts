import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

import { sendServed } from '../http/cached-reply.ts';
import { type AuthHooks, callerOf } from '../http/caller.ts';
import { IdParams, pageOf, PageQuery, problems } from '../http/schemas.ts';
import { pageFrom } from '../shared/paging.ts';
import { CourseSchema } from './schemas.ts';
import type { CourseService } from './service.ts';

const Title = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const Slug = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$' });
const Description = Type.String({ maxLength: 10000 });
const Price = Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'minor units (kobo for NGN)' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' });

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
        summary: 'Published courses (public, cached)',
        querystring: Type.Object(
          { ...PageQuery, search: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
          { additionalProperties: false },
        ),
        response: { 200: pageOf(CourseSchema), ...problems() },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const r = await courses.list({ ...pageFrom(q), search: q.search?.trim() || undefined });
      return sendServed(request, reply, r);
    },
  );

  app.get(
    '/:idOrSlug',
    {
      preHandler: hooks.optionalAuth,
      schema: {
        tags,
        summary: 'A course by id or slug (public if published; its instructor and admins see drafts)',
        params: Type.Object({ idOrSlug: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
        response: { 200: CourseSchema, ...problems(401, 404) },
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
          { additionalProperties: false },
        ),
        response: { 201: CourseSchema, ...problems(401, 403, 409, 413, 415) },
      },
    },
    async (request, reply) => reply.status(201).send(await courses.create(callerOf(request), request.body)),
  );

  app.patch(
    '/:id',
    {
      bodyLimit,
      preHandler: hooks.requireAuth,
      schema: {
        tags,
        security,
        summary: 'Update a course (its instructor or admin)',
        params: IdParams,
        body: Type.Object(
          {
            title: Type.Optional(Title),
            slug: Type.Optional(Slug),
            description: Type.Optional(Description),
            price: Type.Optional(Price),
            currency: Type.Optional(Currency),
            isPublished: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: CourseSchema, ...problems(401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => courses.update(callerOf(request), request.params.id, request.body),
  );
};
