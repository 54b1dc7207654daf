import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { authRoutes } from './auth/routes.ts';
import type { AuthService } from './auth/service.ts';
import type { Config } from './config/index.ts';
import { courseRoutes } from './courses/routes.ts';
import type { CourseService } from './courses/service.ts';
import { errors } from './errors/index.ts';
import { authHooks } from './http/auth-hooks.ts';
import { QUIET_ROUTES, registerLifecycle, type LifecycleOptions } from './http/lifecycle.ts';
import underPressure from '@fastify/under-pressure';
import { errorHandler, sendProblem } from './http/problem.ts';
import { Problem } from './http/schemas.ts';
import { createValidation } from './http/validation.ts';
import { operationsRoutes, type OperationsDeps } from './operations/routes.ts';
import { faultRoutes, type FaultDeps } from './operations/faults.ts';
import { userRoutes } from './users/routes.ts';
import type { UserService } from './users/service.ts';
import { UserSchema } from './users/routes.ts';
import { CourseSchema } from './courses/routes.ts';
import { enrollmentRoutes } from './enrollments/routes.ts';
import type { EnrollmentService } from './enrollments/service.ts';
import { paymentCallbackPage } from './payments/callback-page.ts';
import { PaymentSchema, paymentRoutes } from './payments/routes.ts';
import type { PaymentService } from './payments/service.ts';

export interface AppDeps {
  config: Readonly<Config>;
  logger: Logger;
  auth: AuthService;
  users: UserService;
  courses: CourseService;
  payments: PaymentService;
  enrollments: EnrollmentService;
  operations: OperationsDeps;
  faults?: FaultDeps;
  lifecycle?: Pick<LifecycleOptions, 'onFinished' | 'onDeadline'>;
}

// A caller's x-request-id is kept when it is a sane token; anything else gets a new id.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, logger } = deps;
  const app = Fastify({
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- pino's Logger and Fastify's base logger differ in type only
    loggerInstance: logger as FastifyBaseLogger,
    // One completion line per request is written by the lifecycle hooks, with the
    // fields SPEC.md names; Fastify's own two lines per request would double it.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    },
    // A hop count is valid at run time though the type omits it.
    trustProxy: config.trustProxy as boolean | string[],
    // 1 MiB unless a route says less (SPEC.md "Limits").
    bodyLimit: 1024 * 1024,
    // Node's http server: a request (headers and body) must arrive within 15 s; slow
    // senders are cut off instead of holding a socket and a worker's memory.
    requestTimeout: 15_000,
    // Idle keep-alive sockets are kept 65 s, longer than the usual 60 s idle timeout of
    // load balancers, so the balancer closes first and never reuses a closing socket.
    keepAliveTimeout: 65_000,
    // A socket with no activity at all for 2 minutes is closed.
    connectionTimeout: 120_000,
    // A reply is never sent twice: late handler results after a deadline 503 are dropped.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: undefined,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Headers must arrive within 10 s (slow-loris protection), well inside requestTimeout.
  app.server.headersTimeout = 10_000;

  const shared = [Problem, UserSchema, CourseSchema, PaymentSchema];
  app.setValidatorCompiler(createValidation(shared));
  for (const s of shared) app.addSchema(s);
  // Only JSON is accepted: text/plain bodies get 415, not a confusing 400.
  app.removeContentTypeParser('text/plain');

  registerLifecycle(app, { requestTimeoutMs: config.requestTimeoutMs, maxInflight: config.maxInflightRequests, logger, ...deps.lifecycle });

  // Load shedding on event-loop lag: a loop 1 s behind means new requests would only
  // queue behind work this process cannot finish; they get a fast 503 instead. Probes
  // keep answering so the supervisor and balancers see the truth, not a shed request.
  await app.register(underPressure, {
    maxEventLoopDelay: 1000,
    // Sampled every second (the plugin's default), stated on purpose: finer costs CPU.
    sampleInterval: 1000,
    pressureHandler: (request, reply) => {
      if (QUIET_ROUTES.has(request.routeOptions.url ?? '')) return;
      sendProblem(reply, request, errors.overloaded());
    },
  });

  app.setErrorHandler(errorHandler(logger));
  app.setNotFoundHandler((request, reply) => sendProblem(reply, request, errors.notFound('Route')));

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'it360acad API',
        version: '1.0.0',
        description: 'The it360acad online IT academy: accounts, courses, Paystack payments and enrollments. Errors are application/problem+json.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      tags: [
        { name: 'auth', description: 'Sign-up, login and tokens' },
        { name: 'users', description: 'User accounts' },
        { name: 'courses', description: 'The course catalogue' },
        { name: 'payments', description: 'Paystack payments' },
        { name: 'enrollments', description: 'What a user is enrolled in' },
        { name: 'operations', description: 'Health and metrics' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  const hooks = authHooks(deps.auth);
  await app.register(
    async (api) => {
      await api.register(authRoutes, { prefix: '/auth', auth: deps.auth, users: deps.users, hooks });
      await api.register(userRoutes, { prefix: '/users', users: deps.users, hooks });
      await api.register(courseRoutes, { prefix: '/courses', courses: deps.courses, hooks });
      await api.register(paymentRoutes, { prefix: '/payments', payments: deps.payments, hooks });
      await api.register(enrollmentRoutes, { prefix: '/enrollments', enrollments: deps.enrollments, hooks });
    },
    { prefix: '/api/v1' },
  );
  await app.register(paymentCallbackPage, { payments: deps.payments });
  await app.register(operationsRoutes, deps.operations);
  if (config.faultInjection && deps.faults) await app.register(faultRoutes, { prefix: '/__fault', ...deps.faults });

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  return app;
}
