import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * The Content-Security-Policy of every response. Pages served by this service (/docs,
 * /payments/callback, /ops) load scripts and styles only from files on this origin: no
 * inline script, no eval, no third-party hosts. A page that needs an inline <style>
 * adds its hash for its own route (see the callback page), never 'unsafe-inline'.
 * `upgrade-insecure-requests` is left out on purpose: TLS ends at the proxy, and the
 * service is also reached over plain http inside a private network and in development,
 * where the upgrade would break every same-origin load. HSTS covers the TLS case.
 */
export const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'base-uri': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  // Swagger UI draws its icons from data: URIs.
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-src': ["'none'"],
  // No page of ours is meant to be framed: the payment pages are a clickjacking target.
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
} as const satisfies Record<string, readonly string[]>;

/** The policy with extra sources for one directive, for a route that needs them (an inline style's hash). */
export function cspWith(extra: Partial<Record<keyof typeof CSP_DIRECTIVES, string[]>>) {
  const directives: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(CSP_DIRECTIVES)) directives[k] = [...v, ...(extra[k as keyof typeof CSP_DIRECTIVES] ?? [])];
  return { useDefaults: false, directives };
}

/** Request headers a browser on an allowed origin may send, and response headers its script may read. */
const CORS_ALLOWED_HEADERS = ['authorization', 'content-type', 'x-request-id'];
const CORS_EXPOSED_HEADERS = ['x-request-id', 'x-cache', 'retry-after'];

/**
 * Security headers on every answer (helmet) and CORS for the origins in CORS_ORIGINS
 * only. Registered before any route so that errors, 404s and pages all carry them.
 */
export async function registerSecurity(app: FastifyInstance, o: { corsOrigins: string[] }): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: cspWith({}),
    // Browsers ignore HSTS over plain http; behind TLS, one year is the usual preload floor.
    strictTransportSecurity: { maxAge: 365 * 24 * 3600, includeSubDomains: true },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });

  // None by default: without CORS_ORIGINS no browser page elsewhere can read our answers.
  if (o.corsOrigins.length === 0) return;
  const allowed = new Set(o.corsOrigins.map((s) => s.replace(/\/+$/, '')));
  await app.register(cors, {
    // Exact origin match only; an unknown origin gets no CORS headers and its preflight a 404.
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    // Bearer tokens, never cookies: browsers must not attach credentials across origins.
    credentials: false,
    // Browsers cache a preflight this long (Chrome caps it at 2 hours); 10 minutes keeps
    // a change of CORS_ORIGINS effective soon while sparing most preflights.
    maxAge: 600,
    // A preflight lacking its headers is answered like any other, never with a text/plain 400.
    strictPreflight: false,
  });
}
