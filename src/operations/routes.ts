import { readFileSync } from 'node:fs';

import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';

import { requireOpsToken } from './ops-auth.ts';
import { checkReadiness, type ReadinessDeps } from './readiness.ts';
import { type FlaggedPaymentSchema, type MailOutboxViewSchema, OpsDataSchema } from './schemas.ts';
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
  const unauthorized = { 401: Type.Ref('Problem') };

  // Alive: answers without touching any dependency.
  app.get('/healthz', { schema: { tags, summary: 'Liveness (no dependency calls)' } }, () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags, summary: 'Readiness: 503 only when the database is unusable' } }, async (_request, reply) => {
    const r = await checkReadiness(deps.readiness);
    return reply.status(r.status === 'down' ? 503 : 200).send(r);
  });

  app.get(
    '/metrics',
    {
      preHandler: opsOnly,
      schema: {
        tags,
        security,
        summary: 'Prometheus metrics, summed across the workers (Bearer OPS_TOKEN when set; see docs/metrics.md)',
        response: { 200: Type.String({ description: 'Prometheus text exposition format 0.0.4' }), ...unauthorized },
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
        summary:
          'What the /ops dashboard shows: dependency states, latencies and errors over the last minutes, timed-out and slowest requests, workers (Bearer OPS_TOKEN when set)',
        response: { 200: OpsDataSchema, ...unauthorized },
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
