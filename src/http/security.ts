import type { IncomingMessage, ServerResponse } from 'node:http';

import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route's security-header options over the service's (a page's own CSP hashes). */
    helmet?: HelmetOptions;
    /** Its headers, worked out once when the route is added. */
    securityHeaders?: SecurityHeaders;
  }
}

/**
 * Helmet's headers that only say how a browser treats a document (its browsing-context
 * group, agent cluster, DNS prefetching of its links, IE8's download prompt, the retired
 * XSS auditor): sent with HTML answers, left off JSON, which no browser renders as a page.
 * Every answer keeps the ones that matter for data too (OWASP's REST security headers):
 * the Content-Security-Policy with frame-ancestors, X-Frame-Options, nosniff, HSTS,
 * Referrer-Policy, Cross-Origin-Resource-Policy, X-Permitted-Cross-Domain-Policies. Five
 * headers (about 190 bytes) fewer on every API answer: some 1.3 µs of Node's writeHead
 * alone (`npm run bench:parts`), before Fastify's own handling and the bytes sent.
 */
export const DOCUMENT_ONLY_HEADERS = [
  'cross-origin-opener-policy',
  'origin-agent-cluster',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-xss-protection',
] as const;

export interface SecurityHeaders {
  /** On every answer. */
  all: Record<string, string>;
  /** Added to HTML answers. */
  document: Record<string, string>;
}

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

export const SERVICE_HELMET: HelmetOptions = {
  contentSecurityPolicy: cspWith({}),
  // Browsers ignore HSTS over plain http; behind TLS, one year is the usual preload floor.
  strictTransportSecurity: { maxAge: 365 * 24 * 3600, includeSubDomains: true },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
};

/**
 * The headers helmet sets for a configuration, worked out once. Every helmet header is a
 * function of its options alone (no nonces here), so running its middleware against a
 * recorder gives exactly what it would set on each response. Why not @fastify/helmet:
 * it rebuilds the helmet middleware (options parsing, the CSP string) on every request
 * in two async hooks, which cost 8% of a cached read's CPU.
 */
export function securityHeaders(options: HelmetOptions): SecurityHeaders {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  const documentOnly = new Set<string>(DOCUMENT_ONLY_HEADERS);
  const split: SecurityHeaders = { all: {}, document: {} };
  for (const [name, value] of Object.entries(headers)) split[documentOnly.has(name) ? 'document' : 'all'][name] = value;
  return split;
}

/**
 * Security headers on every answer (helmet's, computed once per configuration) and CORS
 * for the origins in CORS_ORIGINS only. Registered before any route so that errors, 404s
 * and pages all carry them.
 */
export async function registerSecurity(app: FastifyInstance, o: { corsOrigins: string[] }): Promise<SecurityHeaders> {
  const service = securityHeaders(SERVICE_HELMET);
  app.addHook('onRoute', (route) => {
    const own = route.config?.helmet;
    if (own) route.config = { ...route.config, securityHeaders: securityHeaders({ ...SERVICE_HELMET, ...own } as HelmetOptions) };
  });
  app.addHook('onRequest', (request, reply, done) => {
    void reply.headers((request.routeOptions.config?.securityHeaders ?? service).all);
    done();
  });
  // The document headers once the answer's type is known (a page's error is JSON).
  app.addHook('onSend', (request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html'))
      void reply.headers((request.routeOptions.config?.securityHeaders ?? service).document);
    done(null, payload);
  });

  // None by default: without CORS_ORIGINS no browser page elsewhere can read our answers.
  if (o.corsOrigins.length === 0) return service;
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
  return service;
}
