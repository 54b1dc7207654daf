import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

import { sendServed } from '../http/cached-reply.ts';
import { type AuthHooks, callerOf } from '../http/caller.ts';
import { IdParams, Name, noContent, notModified, ok, pageOf, PageQuery, problems } from '../http/schemas.ts';
import { pageFrom } from '../shared/paging.ts';
import { Role, UserSchema } from './schemas.ts';
import { mayRead, type UserService } from './service.ts';

export const userRoutes: FastifyPluginAsyncTypebox<{ users: UserService; hooks: AuthHooks }> = async (app, { users, hooks }) => {
  const tags = ['users'];
  const security = [{ bearerAuth: [] }];
  app.addHook('preHandler', hooks.requireAuth);

  app.get(
    '/',
    {
      schema: {
        tags,
        security,
        operationId: 'listUsers',
        summary: 'List users (admin); served through the cache',
        querystring: Type.Object(
          {
            ...PageQuery,
            role: Type.Optional(Role),
            isActive: Type.Optional(Type.Boolean()),
            emailVerified: Type.Optional(Type.Boolean({ description: 'true: verified addresses only; false: unverified only' })),
            search: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
        response: {
          304: notModified(),
          200: ok('A page of users', pageOf(UserSchema)),
          ...problems(401, 403),
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const r = await users.list(callerOf(request), {
        ...pageFrom(q),
        role: q.role,
        isActive: q.isActive,
        emailVerified: q.emailVerified,
        search: q.search?.trim() || undefined,
      });
      return sendServed(request, reply, r, { auth: 'required', allow: mayRead.list });
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        security,
        operationId: 'getUser',
        summary: 'A user (admin or self)',
        params: IdParams,
        response: {
          304: notModified(),
          200: ok('The user', UserSchema),
          ...problems(401, 404),
        },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      const r = await users.get(callerOf(request), id);
      return sendServed(request, reply, r, { auth: 'required', allow: (caller) => mayRead.one(caller, id) });
    },
  );

  app.patch(
    '/:id',
    {
      bodyLimit: 16 * 1024,
      schema: {
        tags,
        security,
        operationId: 'updateUser',
        summary: 'Update a user (self: names; admin: also role and isActive)',
        params: IdParams,
        body: Type.Object(
          {
            firstName: Type.Optional(Name),
            lastName: Type.Optional(Name),
            role: Type.Optional(Role),
            isActive: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: ok('The user, updated', UserSchema), ...problems(401, 403, 404, 409, 413, 415) },
        description: 'Making an account instructor or admin needs its email verified first (403 email_unverified).',
      },
    },
    async (request) => {
      const b = request.body;
      return users.update(callerOf(request), request.params.id, {
        firstName: b.firstName?.trim(),
        lastName: b.lastName?.trim(),
        role: b.role,
        isActive: b.isActive,
      });
    },
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        security,
        operationId: 'deactivateUser',
        summary: 'Deactivate a user (admin)',
        params: IdParams,
        response: { 204: noContent('Deactivated: the account can no longer log in'), ...problems(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await users.deactivate(callerOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
};
