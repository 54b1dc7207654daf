import type { FastifyPluginAsync } from 'fastify';
import { checkReadiness, type ReadinessDeps } from './readiness.ts';

export interface OperationsDeps {
  readiness: ReadinessDeps;
}

export const operationsRoutes: FastifyPluginAsync<OperationsDeps> = async (app, deps) => {
  // Alive: answers without touching any dependency.
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness (no dependency calls)' } }, () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags: ['operations'], summary: 'Readiness: 503 only when the database is unusable' } }, async (_request, reply) => {
    const r = await checkReadiness(deps.readiness);
    return reply.status(r.status === 'down' ? 503 : 200).send(r);
  });
};
