import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors } from '../errors/index.ts';
import { callerOf, type authHooks } from '../http/auth-hooks.ts';
import { addressKey, privateKey, type RateLimiter } from '../http/rate-limit.ts';
import { Email, Name, Password, problems } from '../http/schemas.ts';
import { UserSchema } from '../users/routes.ts';
import type { UserService } from '../users/service.ts';
import { normalizeEmail, type AuthService } from './service.ts';

const Session = Type.Object({ user: UserSchema, accessToken: Type.String(), refreshToken: Type.String() });
const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

// Logout requests that came with no body at all (logout by bearer token).
const bodyless = new WeakSet<object>();

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
    config: { noStore: true },
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
    config: { noStore: true },
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
    config: { noStore: true },
    schema: {
      tags,
      summary: 'Exchange a refresh token for new tokens (rotates; a reused token revokes its family)',
      body: RefreshBody,
      response: { 200: Type.Object({ accessToken: Type.String(), refreshToken: Type.String() }), ...problems(401, 413, 415) },
    },
  }, async (request) => auth.refresh(request.body.refreshToken));

  app.post('/logout', {
    bodyLimit,
    // No body at all is allowed (logout by bearer): it is validated as an empty object
    // and remembered as absent; a body that is sent must name its refresh token.
    preValidation: async (request) => {
      if (request.body === undefined || request.body === null) {
        bodyless.add(request);
        request.body = {};
      }
    },
    schema: {
      tags,
      summary: 'End a session: the one a refresh token belongs to, or with no body the bearer token\'s own',
      description:
        'With `{ refreshToken }`: ends that token\'s session (an unknown token is not an error). With no body and `Authorization: Bearer`: ends the ' +
        'bearer\'s session. Either way the session\'s refresh tokens and access tokens stop working, in every process within the change feed\'s bound.',
      security: [{}, { bearerAuth: [] }],
      body: Type.Object({ refreshToken: Type.Optional(RefreshBody.properties.refreshToken) }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...problems(401, 413, 415) },
    },
  }, async (request, reply) => {
    const { refreshToken } = request.body;
    if (refreshToken !== undefined) {
      await auth.logout(refreshToken);
    } else if (!bodyless.has(request)) {
      throw errors.validation('Send { refreshToken }, or no body and Authorization: Bearer', [{ path: '/refreshToken', message: 'is required when a body is sent' }]);
    } else {
      await hooks.requireAuth.call(app, request, reply);
      await auth.endSession(callerOf(request));
    }
    return reply.status(204).send(null);
  });

  app.get('/me', {
    config: { noStore: true },
    preHandler: hooks.requireAuth,
    schema: { tags, summary: 'The caller', security: [{ bearerAuth: [] }], response: { 200: UserSchema, ...problems(401, 404) } },
  }, async (request) => {
    const caller = callerOf(request);
    return (await users.get(caller, caller.id)).value;
  });
};
