import type { FastifyPluginAsync } from 'fastify';

import type { Database } from '../infra/database/client.ts';

export interface FaultDeps {
  db: Database;
}

/**
 * Test-only routes, registered only when FAULT_INJECTION=true (refused in production):
 * they let tests and demos produce a slow query or a blocked event loop on demand.
 */
export const faultRoutes: FastifyPluginAsync<FaultDeps> = async (app, { db }) => {
  app.get<{ Querystring: { seconds?: string } }>('/db-sleep', { schema: { hide: true } }, async (request) => {
    const seconds = Math.min(Number(request.query.seconds ?? '1') || 1, 600);
    await db.query('fault.pg_sleep', 'SELECT pg_sleep($1)', [seconds]);
    return { slept: seconds };
  });

  app.post<{ Querystring: { ms?: string } }>('/block-event-loop', { schema: { hide: true } }, (request) => {
    const ms = Math.min(Number(request.query.ms ?? '1000') || 1000, 600_000);
    const until = Date.now() + ms;
    // Deliberately synchronous: this is the hang the supervisor must detect.
    while (Date.now() < until) {
      /* spin */
    }
    return { blockedMs: ms };
  });
};
