import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callerOf, type authHooks } from '../http/auth-hooks.ts';
import { Email, Name, Password, problems } from '../http/schemas.ts';
import { UserSchema } from '../users/routes.ts';
import type { UserService } from '../users/service.ts';
import type { AuthService } from './service.ts';

const Session = Type.Object({ user: UserSchema, accessToken: Type.String(), refreshToken: Type.String() });
const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export const authRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; users: UserService; hooks: ReturnType<typeof authHooks> }> = async (app, { auth, users, hooks }) => {
  const tags = ['auth'];
  // Small bodies only: nothing here needs more than a few hundred bytes.
  const bodyLimit = 16 * 1024;

  app.post('/register', {
    bodyLimit,
    schema: {
      tags,
      summary: 'Create a student account',
      body: Type.Object({ email: Email, password: Password, firstName: Name, lastName: Name }, { additionalProperties: false }),
      response: { 201: Session, ...problems(409, 413, 415, 429) },
    },
  }, async (request, reply) => reply.status(201).send(await auth.register(request.body)));

  app.post('/login', {
    bodyLimit,
    schema: {
      tags,
      summary: 'Log in with email and password',
      body: Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false }),
      response: { 200: Session, ...problems(401, 413, 415, 429) },
    },
  }, async (request) => auth.login(request.body));

  app.post('/refresh', {
    bodyLimit,
    schema: {
      tags,
      summary: 'Exchange a refresh token for new tokens (rotates; a reused token revokes its family)',
      body: RefreshBody,
      response: { 200: Type.Object({ accessToken: Type.String(), refreshToken: Type.String() }), ...problems(401, 413, 415) },
    },
  }, async (request) => auth.refresh(request.body.refreshToken));

  app.post('/logout', {
    bodyLimit,
    schema: { tags, summary: 'Revoke a refresh token and its family', body: RefreshBody, response: { 204: Type.Null(), ...problems(413, 415) } },
  }, async (request, reply) => {
    await auth.logout(request.body.refreshToken);
    return reply.status(204).send(null);
  });

  app.get('/me', {
    preHandler: hooks.requireAuth,
    schema: { tags, summary: 'The caller', security: [{ bearerAuth: [] }], response: { 200: UserSchema, ...problems(401, 404) } },
  }, async (request) => {
    const caller = callerOf(request);
    return (await users.get(caller, caller.id)).value;
  });
};
