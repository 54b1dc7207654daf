import http from 'node:http';

import proxyAddr from '@fastify/proxy-addr';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import underPressure from '@fastify/under-pressure';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';

import { accountPages, authHooks, authHttp, type AuthService, bearerToken } from './auth/index.ts';
import type { Config } from './config/index.ts';
import { type CourseService, coursesHttp } from './courses/index.ts';
import { type EnrollmentService, enrollmentsHttp } from './enrollments/index.ts';
import { errors } from './errors/index.ts';
import { registerCacheControl } from './http/cache-control.ts';
import { registerDocsPage } from './http/docs-page.ts';
import { createHitLane } from './http/hit-lane.ts';
import { completionWriter, inflight, type LifecycleOptions, QUIET_ROUTES, registerLifecycle, requestIdOf } from './http/lifecycle.ts';
import type { HttpModule } from './http/module.ts';
import { errorHandler, frameworkErrorHandler, sendProblem } from './http/problem.ts';
import { createRateLimiter } from './http/rate-limit.ts';
import { Problem } from './http/schemas.ts';
import { registerSecurity } from './http/security.ts';
import { createValidation } from './http/validation.ts';
import { createWindowCounters, type WindowCounters } from './infra/cache/counters.ts';
import type { Tracing } from './infra/telemetry/index.ts';
import { certificatePage, learningHttp, type LearningService } from './learning/index.ts';
import { deferredChildLogger } from './logger.ts';
import { type DevMailboxDeps, devMailboxRoutes } from './mail/mailbox-page.ts';
import { type FaultDeps, faultRoutes, type OperationsDeps, operationsRoutes } from './operations/index.ts';
import { paymentCallbackPage, type PaymentService, paymentsHttp } from './payments/index.ts';
import { type UserService, usersHttp } from './users/index.ts';

export interface AppDeps {
  config: Readonly<Config>;
  logger: Logger;
  auth: AuthService;
  users: UserService;
  courses: CourseService;
  payments: PaymentService;
  enrollments: EnrollmentService;
  learning: LearningService;
  operations: OperationsDeps;
  faults?: FaultDeps;
  /** The built-in mailbox's pages (never in production). */
  devMailbox?: DevMailboxDeps;
  lifecycle?: Pick<LifecycleOptions, 'onFinished' | 'onDeadline'>;
  /** Rate-limit counters (shared through Redis in the container); in-process ones when absent. */
  counters?: WindowCounters;
  /** With tracing on (src/infra/telemetry): the server span plugin and the request's trace. */
  tracing?: Pick<Tracing, 'plugin' | 'traceOf'>;
  /** Told about every route as it is added: the route inventory the permission test reads. */
  onRoute?: (route: { method: string; url: string; hidden: boolean }) => void;
}

// Node's http server: a request (headers and body) must arrive within 15 s; slow senders
// are cut off instead of holding a socket and a worker's memory.
const REQUEST_TIMEOUT_MS = 15_000;
// Idle keep-alive sockets are kept 65 s, longer than the usual 60 s idle timeout of load
// balancers, so the balancer closes first and never reuses a closing socket.
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
// A socket with no activity at all for 2 minutes is closed.
const CONNECTION_TIMEOUT_MS = 120_000;
const HTTP_OPTIONS: http.ServerOptions = {
  // Headers must arrive within 10 s (slow-loris protection), well inside requestTimeout.
  headersTimeout: 10_000,
  // How often Node looks for connections past headersTimeout or requestTimeout. Its
  // default, 30 s, let slow senders hold a socket for up to 40 s against a 10 s limit;
  // checked every second, the limits hold to within a second, for the cost of one
  // pass over this process's connections (at most MAX_CONNECTIONS) per second.
  connectionsCheckingInterval: 1000,
};

/**
 * TRUST_PROXY as the function Fastify's request.ip uses (fastify/lib/request.js does the
 * same for true and for a list); undefined for a hop count, which stays Fastify's to read.
 */
function trustFunction(tp: boolean | number | string[]): false | ((addr: string, i: number) => boolean) | undefined {
  if (tp === false) return false;
  if (tp === true) return () => true;
  if (typeof tp === 'number') return undefined;
  return proxyAddr.compile(tp);
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, logger } = deps;
  // Whose X-Forwarded-For is believed: one function for Fastify's request.ip and the hit lane.
  const trust = trustFunction(config.trustProxy);
  // Repeated cached reads are answered ahead of Fastify (src/http/hit-lane.ts); not with
  // tracing on, where every request must have its server span.
  const lane = deps.tracing ? undefined : createHitLane();
  const app = Fastify<http.Server>({
    // Fastify's own HTTP/1 server, made as Fastify makes it (fastify/lib/server.js), with
    // the hit lane asked first.
    serverFactory: (handler) => {
      const server = http.createServer(HTTP_OPTIONS, lane ? (req, res) => lane.serve(req, res) || handler(req, res) : handler);
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      server.requestTimeout = REQUEST_TIMEOUT_MS;
      server.setTimeout(CONNECTION_TIMEOUT_MS);
      return server;
    },
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- pino's Logger and Fastify's base logger differ in type only
    loggerInstance: logger as FastifyBaseLogger,
    // One completion line per request is written by the lifecycle hooks, with the
    // fields SPEC.md names; Fastify's own two lines per request would double it.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    // request.log is made when a request first logs through it, not for every request.
    childLoggerFactory: (parent, bindings, options) => deferredChildLogger(parent as unknown as Logger, bindings, options),
    requestIdHeader: false,
    genReqId: requestIdOf,
    // A hop count is valid at run time though the type omits it.
    trustProxy: (trust ?? config.trustProxy) as boolean,
    // 1 MiB unless a route says less (SPEC.md "Limits").
    bodyLimit: 1024 * 1024,
    // Node's server timeouts (HTTP_OPTIONS and the constants above say why), given to
    // Fastify too, which reads them for its own bookkeeping.
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    http: HTTP_OPTIONS,
    // While a worker drains (shutdown, rolling reload), a request that still reaches it
    // (on a kept-alive connection, or accepted just before the listener closed) is served
    // with `Connection: close`, not refused with 503: a reload must not fail a request.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ajv: undefined,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    frameworkErrors: frameworkErrorHandler(logger),
  }).withTypeProvider<TypeBoxTypeProvider>();
  if (lane) app.decorate('hitLane', lane);
  const onRoute = deps.onRoute;
  if (onRoute) {
    app.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) onRoute({ method, url: r.url, hidden: r.schema?.hide === true });
    });
  }
  // Connections past the cap are closed as they arrive: slow or idle clients cannot pile
  // up beyond what the process can hold (MAX_CONNECTIONS says why the default).
  app.server.maxConnections = config.maxConnections;

  // Every domain under /api/v1, in the order their routes and schemas are registered.
  const modules: HttpModule[] = [
    authHttp(deps.auth, deps.users),
    usersHttp(deps.users),
    coursesHttp(deps.courses),
    paymentsHttp(deps.payments),
    enrollmentsHttp(deps.enrollments),
    learningHttp(deps.learning),
  ];
  const shared = [Problem, ...modules.flatMap((m) => m.schemas)];
  app.setValidatorCompiler(createValidation(shared));
  for (const s of shared) app.addSchema(s);
  // Only JSON is accepted: text/plain bodies get 415, not a confusing 400.
  app.removeContentTypeParser('text/plain');

  // The server span starts before anything else runs for a request (its hooks come first),
  // so the request's context and every log line can carry its trace id.
  if (deps.tracing) await app.register(deps.tracing.plugin);
  registerLifecycle(app, {
    requestTimeoutMs: config.requestTimeoutMs,
    maxInflight: config.maxInflightRequests,
    logger,
    ...deps.lifecycle,
    traceOf: deps.tracing?.traceOf,
  });

  // Load shedding on event-loop lag: a loop 1 s behind means new requests would only
  // queue behind work this process cannot finish; they get a fast 503 instead. Probes
  // keep answering so the supervisor and balancers see the truth, not a shed request.
  let readyAt = Infinity;
  app.addHook('onReady', (done) => {
    readyAt = performance.now();
    done();
  });
  await app.register(underPressure, {
    maxEventLoopDelay: config.maxEventLoopDelayMs,
    // Sampled every second (the plugin's default), stated on purpose: finer costs CPU.
    sampleInterval: 1000,
    pressureHandler: (request, reply) => {
      if (QUIET_ROUTES.has(request.routeOptions.url ?? '')) return;
      // Start-up compiles every schema and serializer synchronously; the plugin reads a
      // window with no loop turn at all as infinite delay. For the first 5 s after ready
      // that is the boot, not load: serve. The supervisor's heartbeats watch real hangs.
      if (performance.now() - readyAt < 5000) return;
      sendProblem(reply, request, errors.overloaded());
    },
  });

  const security = await registerSecurity(app, { corsOrigins: config.corsOrigins });
  registerCacheControl(app);
  app.setErrorHandler(errorHandler(logger));
  app.setNotFoundHandler((request, reply) => sendProblem(reply, request, errors.notFound('Route')));

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      // Relative: the document describes whichever host serves it.
      servers: [{ url: '/', description: 'The service that serves this document' }],
      info: {
        title: 'it360acad API',
        version: '1.0.0',
        description:
          'The it360acad online IT academy: accounts, courses, Paystack payments, enrollments and learning. Errors are application/problem+json.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      tags: [
        { name: 'auth', description: 'Sign-up, login and tokens' },
        { name: 'users', description: 'User accounts' },
        { name: 'courses', description: 'The course catalogue' },
        { name: 'payments', description: 'Paystack payments' },
        { name: 'enrollments', description: 'What a user is enrolled in' },
        { name: 'learning', description: 'Lessons, progress and certificates' },
        { name: 'operations', description: 'Health and metrics' },
        { name: 'development', description: 'Outside production only: the built-in mailbox' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    // Logout may come with no body at all (logout by bearer token), which a route's body
    // schema cannot say: the document says it here.
    transformObject: (doc) => {
      const spec = 'openapiObject' in doc ? doc.openapiObject : doc.swaggerObject;
      const logout = (spec.paths as Record<string, Record<string, { requestBody?: { required?: boolean } }>> | undefined)?.[
        '/api/v1/auth/logout'
      ]?.post;
      if (logout?.requestBody) logout.requestBody.required = false;
      return spec;
    },
  });
  // /docs is the reference drawn on the server (src/http/docs-page.ts: no script, the strict
  // policy). Swagger UI stays at /docs/try for trying requests. It loads only same-origin
  // files, so the service's policy (src/http/security.ts) holds for it but for one thing:
  // its script injects <style> elements. Inline style is allowed on /docs/try only, whose
  // page shows nothing but our own API description.
  registerDocsPage(app);
  await app.register(swaggerUi, {
    routePrefix: '/docs/try',
    // Less to draw on first render: the schemas section collapsed (each schema is still shown
    // in its operations) and no syntax highlighting of examples.
    uiConfig: { defaultModelsExpandDepth: -1, syntaxHighlight: false },
    transformStaticCSP: (header) => header.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  });

  const hooks = authHooks(deps.auth);
  // Fifteen minutes for login failures (long enough to slow guessing to a crawl, short
  // enough that a person who mistyped is back soon); an hour for registrations; ten
  // minutes for payment starts, about the life of a checkout session being retried.
  const limits = createRateLimiter(
    deps.counters ?? createWindowCounters({ namespace: () => 'local' }),
    {
      loginPerAccount: { max: config.loginMaxFailuresPerAccount, windowMs: 15 * 60_000 },
      loginPerAddress: { max: config.loginMaxFailuresPerAddress, windowMs: 15 * 60_000 },
      loginSlowPerAccount: { max: config.loginSlowAfterFailuresPerAccount, windowMs: 15 * 60_000, delayMs: config.loginSlowDelayMs },
      // Hashing shares by the minute: short enough that a caller over its share is back
      // soon, long enough that a loop cannot take more than its share in bursts.
      loginHashesPerAddress: { max: config.loginHashesPerAddress, windowMs: 60_000 },
      loginHashesPerAccount: { max: config.loginHashesPerAccount, windowMs: 60_000 },
      loginConcurrentPerAddress: config.loginConcurrentPerAddress,
      registerPerAddress: { max: config.registerMaxPerAddress, windowMs: 60 * 60_000 },
      paymentInitPerUser: { max: config.paymentInitMaxPerUser, windowMs: 10 * 60_000 },
    },
    logger,
  );
  await app.register(
    async (api) => {
      for (const m of modules) await api.register(m.routes.plugin, { prefix: m.routes.prefix, hooks, limits });
    },
    { prefix: '/api/v1' },
  );
  await app.register(paymentCallbackPage, { payments: deps.payments, limits });
  await app.register(certificatePage, { learning: deps.learning });
  await app.register(accountPages);
  await app.register(operationsRoutes, deps.operations);
  if (!config.isProduction && deps.devMailbox) await app.register(devMailboxRoutes, deps.devMailbox);
  if (config.faultInjection && deps.faults) await app.register(faultRoutes, { prefix: '/__fault', ...deps.faults });

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  if (lane) {
    lane.setup({
      authenticate: (token) => deps.auth.authenticateKnown(token),
      bearerToken,
      requestId: requestIdOf,
      // Fastify's request.ip: the socket's peer, or the last trusted X-Forwarded-For hop.
      ipOf:
        trust === undefined ? undefined : trust === false ? (req) => req.socket.remoteAddress : (req) => proxyAddr.all(req, trust).at(-1),
      securityHeaders: security.all,
      complete: completionWriter({ logger, onFinished: deps.lifecycle?.onFinished }),
      // What Fastify's path would refuse or shed goes to Fastify: the in-flight cap, the
      // event-loop limit (under-pressure) and a process that drains.
      open: () => inflight.size < config.maxInflightRequests && !app.isUnderPressure(),
      cors: config.corsOrigins.length > 0,
    });
    app.addHook('preClose', (done) => {
      lane.close();
      done();
    });
  }
  return app;
}
