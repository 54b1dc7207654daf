import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';

import { type AuthHooks, callerOf } from '../http/caller.ts';
import { addressKey, privateKey, type RateLimiter } from '../http/rate-limit.ts';
import { Email, noContent, ok, Password, problems } from '../http/schemas.ts';
import { type AuthService, normalizeEmail } from './service.ts';

// Limits on the routes that mail someone or use a mailed token. Every one is keyed by
// the caller's address or account; the answers they guard say nothing about whether an
// address has an account, and neither does a 429 (it counts unknown addresses alike).
const MIN = 60_000;
// Reset requests per client address: a person who lost a password asks a few times, and
// an office behind one NAT address holds a few such people; a script probing or mailing
// many addresses from one place is stopped early.
const FORGOT_PER_ADDRESS = { max: 20, windowMs: 15 * MIN };
// Reset mails per email address from anywhere: at most 5 an hour reach one inbox, so the
// route cannot be used to flood someone's mail (the owner's own request still gets
// through once an hour at worst).
const FORGOT_PER_EMAIL = { max: 5, windowMs: 60 * MIN };
// Token uses per client address: far above a person retrying a link (each try may cost a
// password hash); tokens are 256-bit, so this is about load, not guessing.
const TOKEN_USES_PER_ADDRESS = { max: 20, windowMs: 15 * MIN };
// Verification resends per account: a person waiting for a mail asks again a few times.
const RESEND_PER_ACCOUNT = { max: 5, windowMs: 60 * MIN };
// Wrong current passwords per account when changing it: a stolen access token must not
// become a password-guessing oracle (only 403 verdicts count).
const CHANGE_FAILURES_PER_ACCOUNT = { max: 5, windowMs: 15 * MIN };

const Token = Type.String({ minLength: 1, maxLength: 200, description: 'The token from the mailed link' });
const Empty = Type.Object({}, { additionalProperties: false });

type Options = { auth: AuthService; hooks: AuthHooks; limits: RateLimiter };

/** Password change and reset, email verification: the account-recovery half of /api/v1/auth. */
export const recoveryRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { auth, hooks, limits }) => {
  const tags = ['auth'];
  const security = [{ bearerAuth: [] }];
  // Small bodies only: nothing here needs more than a few hundred bytes.
  const bodyLimit = 4 * 1024;
  const address = (r: FastifyRequest) => addressKey(r.ip);
  const account = (r: FastifyRequest) => r.caller?.id;

  const forgotLimit = limits.guard([
    { name: 'forgot-address', limit: FORGOT_PER_ADDRESS, key: address },
    { name: 'forgot-email', limit: FORGOT_PER_EMAIL, key: (r) => privateKey(normalizeEmail((r.body as { email: string }).email)) },
  ]);
  const resetLimit = limits.guard([{ name: 'reset-address', limit: TOKEN_USES_PER_ADDRESS, key: address }]);
  const verifyLimit = limits.guard([{ name: 'verify-address', limit: TOKEN_USES_PER_ADDRESS, key: address }]);
  const resendLimit = limits.guard([{ name: 'resend-account', limit: RESEND_PER_ACCOUNT, key: account }]);
  const changeLimit = limits.guard([
    { name: 'password-change-account', limit: CHANGE_FAILURES_PER_ACCOUNT, key: account, countsWhen: (s) => s === 403 },
  ]);

  app.post(
    '/password',
    {
      bodyLimit,
      config: { noStore: true },
      preHandler: [hooks.requireAuth, changeLimit.preHandler],
      onSend: changeLimit.onSend,
      schema: {
        tags,
        security,
        operationId: 'changePassword',
        summary: 'Change the password (the current one required); every earlier session ends, the new tokens are a new session',
        description:
          "Every session of the account ends, the caller's included (refresh and access tokens, in every process within the change feed's bound); a notice is mailed. A wrong `currentPassword` is 403.",
        body: Type.Object(
          { currentPassword: Type.String({ minLength: 1, maxLength: 128 }), newPassword: Password },
          { additionalProperties: false },
        ),
        response: {
          200: ok('Password changed; the new tokens', Type.Object({ accessToken: Type.String(), refreshToken: Type.String() })),
          ...problems(401, 403, 413, 415, 429),
        },
      },
    },
    async (request) => auth.changePassword(callerOf(request), request.body),
  );

  app.post(
    '/password/forgot',
    {
      bodyLimit,
      config: { noStore: true },
      preHandler: forgotLimit.preHandler,
      schema: {
        tags,
        operationId: 'forgotPassword',
        security: [],
        summary: 'Mail a password-reset link; the answer is the same whether or not the address has an account',
        description: 'Always 202 `{}`. An active account with this address is mailed a single-use link valid PASSWORD_RESET_TTL_S.',
        body: Type.Object({ email: Email }, { additionalProperties: false }),
        response: { 202: ok('Accepted: a link is mailed if the address has an account', Empty), ...problems(413, 415, 429) },
      },
    },
    async (request, reply) => {
      await auth.forgotPassword(request.body.email);
      return reply.status(202).send({});
    },
  );

  app.post(
    '/password/reset',
    {
      bodyLimit,
      config: { noStore: true },
      preHandler: resetLimit.preHandler,
      schema: {
        tags,
        operationId: 'resetPassword',
        security: [],
        summary: 'Set a new password with a mailed reset token; every session ends',
        description: 'Proves the address (marks the email verified). `invalid_token` (400) when the token is unknown, used or expired.',
        body: Type.Object({ token: Token, newPassword: Password }, { additionalProperties: false }),
        response: { 204: noContent('Password set; every session has ended'), ...problems(413, 415, 429) },
      },
    },
    async (request, reply) => {
      await auth.resetPassword(request.body.token, request.body.newPassword);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/verify-email',
    {
      bodyLimit,
      config: { noStore: true },
      preHandler: verifyLimit.preHandler,
      schema: {
        tags,
        operationId: 'verifyEmail',
        security: [],
        summary: 'Verify the email address with a mailed token',
        description: '`invalid_token` (400) when the token is unknown, used or expired.',
        body: Type.Object({ token: Token }, { additionalProperties: false }),
        response: { 204: noContent('The address is verified'), ...problems(413, 415, 429) },
      },
    },
    async (request, reply) => {
      await auth.verifyEmail(request.body.token);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/verify-email/resend',
    {
      bodyLimit,
      config: { noStore: true },
      preHandler: [hooks.requireAuth, resendLimit.preHandler],
      schema: {
        tags,
        security,
        operationId: 'resendVerification',
        summary: "Mail a fresh verification link to the caller's address",
        description: 'Always 202 `{}`; an address already verified is sent nothing.',
        response: { 202: ok('Accepted: a fresh link is mailed', Empty), ...problems(401, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      await auth.resendVerification(callerOf(request));
      return reply.status(202).send({});
    },
  );
};
