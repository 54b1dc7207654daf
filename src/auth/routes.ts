import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';

import { errors } from '../errors/index.ts';
import { type AuthHooks, callerOf } from '../http/caller.ts';
import { addressKey, type LimitRule, privateKey, type RateLimiter } from '../http/rate-limit.ts';
import { Email, Name, named, noContent, ok, Password, problems } from '../http/schemas.ts';
import { UserSchema } from '../users/schemas.ts';
import type { UserService } from '../users/service.ts';
import { recoveryRoutes } from './recovery-routes.ts';
import { type AuthService, normalizeEmail } from './service.ts';

/** A wrong password, an unknown email or a deactivated account: the only answer that is a failed attempt. */
const wrongPassword = (status: number) => status === 401;
/** A password was checked (one scrypt hash spent), whatever the verdict. */
const passwordChecked = (status: number) => status === 200 || status === 401;

const accountOf = (r: FastifyRequest) => privateKey(normalizeEmail((r.body as { email: string }).email));

/**
 * Login limits. Nothing keyed by the account alone ever refuses: a limit that can answer
 * 429 is keyed by the caller's address (alone, or with the account), so nobody can lock
 * an owner out of their account from elsewhere; only the owner's own address, or one
 * they share, can. Attempts are counted up front (parallel guesses cannot slip past a
 * limit) and taken back before the answer leaves when they turn out not to count.
 *
 * - Failures (401: wrong password or unknown email, alike so a 429 never tells which
 *   emails exist) per (account, address) and per address. A 503, a 429 or any other
 *   answer that is not a wrong-password verdict is never a failure.
 * - Failures per account from all addresses: past the ceiling every login to the account
 *   waits (slowed), and is still checked; a guesser from many addresses pays a held
 *   connection per guess, the owner still gets in.
 * - Shares of the password-hashing capacity (successful logins cost the same hash):
 *   attempts per address and per (account, address) per minute across instances, and
 *   logins in progress per address in this process, checked before the process-wide
 *   hashing cap. A caller over its share gets 429 at once instead of a queue slot, so
 *   one address cannot fill the hashing queue everyone else waits in.
 *
 * The windowed counters are shared through Redis, with each process's own counters as
 * the fallback (src/infra/cache/counters.ts); the in-progress share is per process, as
 * the hashing threads are.
 */
function loginRules(s: RateLimiter['settings']): LimitRule[] {
  const address = (r: FastifyRequest) => addressKey(r.ip);
  const accountAtAddress = (r: FastifyRequest) => `${accountOf(r)}:${address(r)}`;
  return [
    { name: 'login-hashes-address', limit: s.loginHashesPerAddress, key: address, countsWhen: passwordChecked },
    { name: 'login-hashes-account', limit: s.loginHashesPerAccount, key: accountAtAddress, countsWhen: passwordChecked },
    { name: 'login-account', limit: s.loginPerAccount, key: accountAtAddress, countsWhen: wrongPassword },
    { name: 'login-address', limit: s.loginPerAddress, key: address, countsWhen: wrongPassword },
    {
      name: 'login-account-slow',
      limit: s.loginSlowPerAccount,
      key: accountOf,
      countsWhen: wrongPassword,
      slowMs: s.loginSlowPerAccount.delayMs,
    },
  ];
}

const Session = Type.Object({
  user: named(UserSchema),
  accessToken: Type.String({ description: 'a JWT for `Authorization: Bearer`, valid for minutes' }),
  refreshToken: Type.String({ description: 'for /auth/refresh; single use' }),
});
const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

// Logout requests that came with no body at all (logout by bearer token).
const bodyless = new WeakSet<object>();

type Options = { auth: AuthService; users: UserService; hooks: AuthHooks; limits: RateLimiter };

export const authRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { auth, users, hooks, limits }) => {
  const tags = ['auth'];
  // Small bodies only: nothing here needs more than a few hundred bytes.
  const bodyLimit = 16 * 1024;
  // Counted after validation, before any password is hashed: a limited attempt costs no scrypt work.
  const registerLimit = limits.guard([
    { name: 'register-address', limit: limits.settings.registerPerAddress, key: (r) => addressKey(r.ip) },
  ]);
  const loginLimit = limits.guard(loginRules(limits.settings), {
    inFlight: { name: 'login-concurrent-address', max: limits.settings.loginConcurrentPerAddress, key: (r) => addressKey(r.ip) },
  });

  app.post(
    '/register',
    {
      bodyLimit,
      config: { noStore: true },
      preHandler: registerLimit.preHandler,
      schema: {
        tags,
        operationId: 'register',
        security: [],
        summary: 'Create a student account',
        body: Type.Object(
          { email: Email, password: Password, firstName: Name, lastName: Name },
          {
            additionalProperties: false,
            examples: [{ email: 'ada@example.com', password: 'correct horse battery', firstName: 'Ada', lastName: 'Obi' }],
          },
        ),
        response: {
          201: ok('The account, created and signed in', Session),
          ...problems([409, 'The email is already registered'], 413, 415, 429),
        },
      },
    },
    async (request, reply) => reply.status(201).send(await auth.register(request.body)),
  );

  app.post(
    '/login',
    {
      bodyLimit,
      config: { noStore: true },
      onRequest: loginLimit.onRequest,
      preHandler: loginLimit.preHandler,
      onSend: loginLimit.onSend,
      onResponse: loginLimit.onResponse,
      schema: {
        tags,
        operationId: 'login',
        security: [],
        summary: 'Log in with email and password',
        body: Type.Object(
          { email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 128 }) },
          { additionalProperties: false, examples: [{ email: 'ada@example.com', password: 'correct horse battery' }] },
        ),
        response: { 200: ok('Signed in', Session), ...problems([401, 'Wrong email or password, or a deactivated account'], 413, 415, 429) },
      },
    },
    async (request) => auth.login(request.body),
  );

  app.post(
    '/refresh',
    {
      bodyLimit,
      config: { noStore: true },
      schema: {
        tags,
        operationId: 'refreshTokens',
        security: [],
        summary: 'Exchange a refresh token for new tokens (rotates; a reused token revokes its family)',
        body: RefreshBody,
        response: {
          200: ok('New tokens; the refresh token sent is spent', Type.Object({ accessToken: Type.String(), refreshToken: Type.String() })),
          ...problems(401, 413, 415),
        },
      },
    },
    async (request) => auth.refresh(request.body.refreshToken),
  );

  app.post(
    '/logout',
    {
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
        operationId: 'logout',
        summary: "End a session: the one a refresh token belongs to, or with no body the bearer token's own",
        description:
          "With `{ refreshToken }`: ends that token's session (an unknown token is not an error). With no body and `Authorization: Bearer`: ends the " +
          "bearer's session. Either way the session's refresh tokens and access tokens stop working, in every process within the change feed's bound.",
        security: [{}, { bearerAuth: [] }],
        body: Type.Object({ refreshToken: Type.Optional(RefreshBody.properties.refreshToken) }, { additionalProperties: false }),
        response: { 204: noContent('The session has ended'), ...problems(401, 413, 415) },
      },
    },
    async (request, reply) => {
      const { refreshToken } = request.body;
      if (refreshToken !== undefined) {
        await auth.logout(refreshToken);
      } else if (!bodyless.has(request)) {
        throw errors.validation('Send { refreshToken }, or no body and Authorization: Bearer', [
          { path: '/refreshToken', message: 'is required when a body is sent' },
        ]);
      } else {
        await hooks.requireAuth.call(app, request, reply);
        await auth.endSession(callerOf(request));
      }
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/me',
    {
      config: { noStore: true },
      preHandler: hooks.requireAuth,
      schema: {
        tags,
        operationId: 'getMe',
        summary: 'The caller',
        security: [{ bearerAuth: [] }],
        response: { 200: ok('The signed-in user', UserSchema), ...problems(401, 404) },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      return (await users.get(caller, caller.id)).value;
    },
  );

  await app.register(recoveryRoutes, { auth, hooks, limits });
};
