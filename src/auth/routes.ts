import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callerOf, type authHooks } from '../http/auth-hooks.ts';
import { addressKey, privateKey, type RateLimiter } from '../http/rate-limit.ts';
import { Email, Name, Password, problems } from '../http/schemas.ts';
import { UserSchema } from '../users/routes.ts';
import type { UserService } from '../users/service.ts';
import { normalizeEmail, type AuthService } from './service.ts';

const Session = Type.Object({ user: UserSchema, accessToken: Type.String(), refreshToken: Type.String() });
const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

type Options = { auth: AuthService; users: UserService; hooks: ReturnType<typeof authHooks>; limits: RateLimiter };

export const authRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { auth, users, hooks, limits }) => {
  const tags = ['auth'];
  // Small bodies only: nothing here needs more than a few hundred bytes.
  const bodyLimit = 16 * 1024;
  // Counted after validation, before any password is hashed: a limited attempt costs no scrypt work.
  const registerLimit = limits.guard([{ name: 'register-address', limit: limits.settings.registerPerAddress, key: (r) => addressKey(r.ip) }]);
  // Only failures count: an attempt is counted up front (so parallel guesses cannot slip
  // past the limit) and taken back when the login succeeds. Unknown emails count too,
  // so a 429 never tells which emails have accounts.
  const loginLimit = limits.guard(
    [
      { name: 'login-account', limit: limits.settings.loginPerAccount, key: (r) => privateKey(normalizeEmail((r.body as { email: string }).email)) },
      { name: 'login-address', limit: limits.settings.loginPerAddress, key: (r) => addressKey(r.ip) },
    ],
    { forgiveBelowStatus: 400 },
  );

  app.post('/register', {
    bodyLimit,
    preHandler: registerLimit.preHandler,
    schema: {
      tags,
      summary: 'Create a student account',
      body: Type.Object({ email: Email, password: Password, firstName: Name, lastName: Name }, { additionalProperties: false }),
      response: { 201: Session, ...problems(409, 413, 415, 429) },
    },
  }, async (request, reply) => reply.status(201).send(await auth.register(request.body)));

  app.post('/login', {
    bodyLimit,
    preHandler: loginLimit.preHandler,
    onSend: loginLimit.onSend,
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
