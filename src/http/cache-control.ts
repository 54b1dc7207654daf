import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's answers carry a token or the caller's own account: never stored by any cache. */
    noStore?: boolean;
  }
}

/**
 * Cache-Control for every answer, decided in one place (SPEC.md "Platform"):
 * - `no-store` on routes that say `config: { noStore: true }` (register, login,
 *   refresh: their answers carry tokens; /auth/me: the caller's own account), and
 *   wherever a route already chose `no-store` itself (operator data);
 * - `private, no-cache` on every answer to a request that carried a valid bearer token
 *   (a shared cache must not keep it, the browser must revalidate it);
 * - `no-cache` on the rest (public answers: any cache may keep them, but revalidates).
 * Registered before the routes so that errors and 404s carry it too.
 */
export function cacheControlFor(noStore: boolean, authenticated: boolean): string {
  return noStore ? 'no-store' : authenticated ? 'private, no-cache' : 'no-cache';
}

export function registerCacheControl(app: FastifyInstance): void {
  // A callback hook, not an async one: an async hook costs a promise and a microtask turn
  // on every answer, for work that never waits.
  app.addHook('onSend', (request, reply, payload, done) => {
    const noStore = request.routeOptions.config?.noStore === true || reply.getHeader('cache-control') === 'no-store';
    void reply.header('cache-control', cacheControlFor(noStore, request.caller !== undefined));
    done(null, payload);
  });
}
