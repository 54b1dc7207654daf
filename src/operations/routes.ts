import { readFileSync } from 'node:fs';

import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';

import { ok, problems } from '../http/schemas.ts';
import { requireOpsToken } from './ops-auth.ts';
import { checkReadiness, type ReadinessDeps } from './readiness.ts';
import { type FlaggedPaymentSchema, type MailOutboxViewSchema, OpsDataSchema, ReadinessSchema } from './schemas.ts';
import type { Telemetry } from './telemetry.ts';

export interface OperationsDeps {
  readiness: ReadinessDeps;
  telemetry: Telemetry;
  /** OPS_TOKEN: when set, /metrics and /ops/data need it as a bearer token. */
  opsToken?: string;
  /** Flagged payments, for a person to refund or settle. */
  flaggedPayments?: () => Promise<Type.Static<typeof FlaggedPaymentSchema>[]>;
  /** The mail outbox: pending and failed counts, the failed rows with their errors. */
  mailOutbox?: () => Promise<Type.Static<typeof MailOutboxViewSchema>>;
}

// The dashboard is three plain files, read once at start: no build step, and the page
// runs under a Content-Security-Policy that allows only same-origin script and style.
const page = (name: string) => readFileSync(new URL(`./ops-page/${name}`, import.meta.url), 'utf8');
// The page's own policy, for when the app sets none: it must work under the strictest.
const OPS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export const operationsRoutes: FastifyPluginAsync<OperationsDeps> = async (app, deps) => {
  const tags = ['operations'];
  const opsOnly = requireOpsToken(deps.opsToken);
  const security = [{ bearerAuth: [] }];
  const unauthorized: [number, string] = [401, 'OPS_TOKEN is set and the bearer token is missing or wrong'];
  // Probes skip the event-loop shedding, but a worker at its in-flight cap answers every request 503 overloaded.
  const { 503: overloaded } = problems();

  // Alive: answers without touching any dependency.
  app.get(
    '/healthz',
    {
      schema: {
        tags,
        operationId: 'getLiveness',
        security: [],
        summary: 'Liveness (no dependency calls)',
        response: {
          200: ok('The process is alive', Type.Object({ status: Type.Literal('ok') }), { status: 'ok' }),
          503: overloaded,
        },
      },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags,
        operationId: 'getReadiness',
        security: [],
        summary: 'Readiness: 503 only when the database is unusable',
        response: {
          200: ok('Ready (ok or degraded): each dependency with its check', ReadinessSchema),
          503: {
            description:
              'Not ready: the database is unusable (the readiness document, status down), or the worker is at its in-flight cap (a problem)',
            headers: overloaded.headers,
            content: {
              'application/json': {
                schema: ReadinessSchema,
                example: {
                  status: 'down',
                  checks: {
                    database: { status: 'down', latencyMs: 1000, breaker: 'open', detail: 'PostgreSQL not answering within 1000 ms' },
                    cache: { status: 'ok', latencyMs: 1, breaker: 'closed' },
                  },
                },
              },
              ...overloaded.content,
            },
          },
        },
      },
    },
    async (_request, reply) => {
      const r = await checkReadiness(deps.readiness);
      return reply.status(r.status === 'down' ? 503 : 200).send(r);
    },
  );

  app.get(
    '/metrics',
    {
      preHandler: opsOnly,
      schema: {
        tags,
        security,
        operationId: 'getMetrics',
        summary: 'Prometheus metrics, summed across the workers (Bearer OPS_TOKEN when set; see docs/metrics.md)',
        response: {
          200: {
            description: 'The metrics, in the Prometheus text exposition format 0.0.4',
            content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: Type.String() } },
          },
          ...problems(unauthorized),
        },
      },
    },
    async (_request, reply) => {
      const { contentType, body } = await deps.telemetry.metricsText();
      return reply.header('cache-control', 'no-store').type(contentType).send(body);
    },
  );

  app.get(
    '/ops/data',
    {
      preHandler: opsOnly,
      schema: {
        tags,
        security,
        operationId: 'getOpsData',
        summary:
          'What the /ops dashboard shows: dependency states, latencies and errors over the last minutes, timed-out and slowest requests, workers (Bearer OPS_TOKEN when set)',
        response: { 200: ok('What the dashboard draws', OpsDataSchema), ...problems(unauthorized) },
      },
    },
    async (_request, reply) => {
      const [data, flaggedPayments, mailOutbox] = await Promise.all([
        deps.telemetry.opsData(() => checkReadiness(deps.readiness)),
        // The dashboard must still answer when the database does not: then no list (absent, not empty).
        deps.flaggedPayments?.().catch(() => undefined),
        deps.mailOutbox?.().catch(() => undefined),
      ]);
      return reply
        .header('cache-control', 'no-store')
        .send({ ...data, ...(flaggedPayments ? { flaggedPayments } : {}), ...(mailOutbox ? { mailOutbox } : {}) });
    },
  );

  const html = page('index.html');
  // One script for the page, in order: the drawing helpers, then the dashboard.
  const js = `${page('draw.js')}\n${page('app.js')}`;
  const css = page('app.css');
  // The page itself holds no data: it is public, and asks for the token from its script.
  app.get('/ops', { schema: { hide: true } }, (_request, reply) => {
    if (!reply.hasHeader('content-security-policy')) void reply.header('content-security-policy', OPS_CSP);
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
  });
  app.get('/ops/app.js', { schema: { hide: true } }, (_request, reply) =>
    reply.header('cache-control', 'no-cache').type('text/javascript; charset=utf-8').send(js),
  );
  app.get('/ops/app.css', { schema: { hide: true } }, (_request, reply) =>
    reply.header('cache-control', 'no-cache').type('text/css; charset=utf-8').send(css),
  );
};
