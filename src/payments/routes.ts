import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

import { type AuthHooks, callerOf } from '../http/caller.ts';
import type { RateLimiter } from '../http/rate-limit.ts';
import { ok, pageOf, PageQuery, problems } from '../http/schemas.ts';
import { pageFrom } from '../shared/paging.ts';
import { PaymentSchema, Status } from './schemas.ts';
import type { PaymentService } from './service.ts';

const Reference = Type.Object(
  { reference: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.=-]+$' }) },
  { additionalProperties: false },
);

export const paymentRoutes: FastifyPluginAsyncTypebox<{ payments: PaymentService; hooks: AuthHooks; limits: RateLimiter }> = async (
  app,
  { payments, hooks, limits },
) => {
  const tags = ['payments'];
  const security = [{ bearerAuth: [] }];
  // Per user (known after authentication): every attempt counts, since each may call Paystack.
  const initLimit = limits.guard([{ name: 'payment-init-user', limit: limits.settings.paymentInitPerUser, key: (r) => r.caller?.id }]);

  app.post(
    '/initialize',
    {
      bodyLimit: 8 * 1024,
      preHandler: [hooks.requireAuth, initLimit.preHandler],
      schema: {
        tags,
        security,
        operationId: 'initializePayment',
        summary: 'Start paying for a course (the price comes from the course); free courses enroll at once',
        body: Type.Object(
          { courseId: Type.String({ format: 'uuid' }), callbackUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) },
          { additionalProperties: false, examples: [{ courseId: '3f0b6c1e-2d4a-4e8b-9c7d-1a2b3c4d5e6f' }] },
        ),
        response: {
          201: ok(
            'The payment started: open authorizationUrl to pay (a free course: status success, enrolled, no URL)',
            Type.Object({
              reference: Type.String(),
              status: Status,
              amount: Type.Integer(),
              currency: Type.String(),
              courseId: Type.String(),
              authorizationUrl: Type.Union([Type.String(), Type.Null()]),
              accessCode: Type.Union([Type.String(), Type.Null()]),
            }),
            {
              reference: 'it360-4f3a9c2b7e1d0a5b6c7d8e9f',
              status: 'pending',
              amount: 2500000,
              currency: 'NGN',
              courseId: '3f0b6c1e-2d4a-4e8b-9c7d-1a2b3c4d5e6f',
              authorizationUrl: 'https://checkout.paystack.com/0peioxfhpn',
              accessCode: '0peioxfhpn',
            },
          ),
          ...problems(401, 404, [409, 'Already enrolled, or a payment for this course is in progress (Retry-After)'], 413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      const r = await payments.initialize(callerOf(request), request.body);
      const p = r.payment;
      return reply.status(201).send({
        reference: p.reference,
        status: p.status,
        amount: p.amount,
        currency: p.currency,
        courseId: p.courseId,
        authorizationUrl: r.authorizationUrl,
        accessCode: r.accessCode,
      });
    },
  );

  app.get(
    '/verify/:reference',
    {
      preHandler: hooks.requireAuth,
      schema: {
        tags,
        security,
        operationId: 'verifyPayment',
        summary: 'A payment, verified with Paystack when it can answer in time (owner or admin)',
        params: Reference,
        response: { 200: ok('The payment, with its status as Paystack last reported it', PaymentSchema), ...problems(401, 404) },
      },
    },
    async (request) => payments.verify(callerOf(request), request.params.reference),
  );

  app.get(
    '/',
    {
      preHandler: hooks.requireAuth,
      schema: {
        tags,
        security,
        operationId: 'listPayments',
        summary: 'Payments (own; admins see all)',
        querystring: Type.Object({ ...PageQuery, status: Type.Optional(Status) }, { additionalProperties: false }),
        response: { 200: ok('A page of payments, newest first', pageOf(PaymentSchema)), ...problems(401) },
      },
    },
    async (request) => {
      const q = request.query;
      return payments.list(callerOf(request), { ...pageFrom(q), status: q.status });
    },
  );

  app.post(
    '/:reference/refund',
    {
      bodyLimit: 1024,
      preHandler: hooks.requireAuth,
      schema: {
        tags,
        security,
        operationId: 'refundPayment',
        summary: 'Refund a payment, all of it by default (admin)',
        params: Reference,
        body: Type.Object({ amount: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })) }, { additionalProperties: false }),
        response: {
          202: ok('The refund is on its way (status refund_pending)', PaymentSchema),
          ...problems(401, 403, 404, [409, 'The payment cannot be refunded (not paid, or already refunded)'], 413, 415),
        },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await payments.refund(callerOf(request), request.params.reference, request.body.amount)),
  );

  // The webhook reads its body raw: the signature is over the exact bytes Paystack sent.
  await app.register(async (hook) => {
    hook.removeAllContentTypeParsers();
    hook.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));
    hook.post(
      '/webhook',
      {
        schema: {
          tags,
          operationId: 'receivePaystackWebhook',
          security: [],
          summary: 'Paystack webhook (x-paystack-signature: HMAC-SHA512 of the raw body)',
          response: {
            200: ok('Received (processed after the answer)', Type.Object({ received: Type.Boolean() })),
            ...problems([401, 'The signature is missing or wrong'], 413, 415),
          },
        },
      },
      async (request) => {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const sig = request.headers['x-paystack-signature'];
        const id = await payments.receiveWebhook(raw, typeof sig === 'string' ? sig : undefined);
        // Answered now; processed after the answer (and by the sweep if we crash first).
        if (id) setImmediate(() => void payments.processEvents([id]).catch(() => undefined));
        return { received: true };
      },
    );
  });
};
