import type { IncomingMessage, ServerResponse } from 'node:http';

import { LRUCache } from 'lru-cache';

import type { Served } from '../shared/cached-read.ts';
import type { Caller } from '../shared/types.ts';
import { cacheControlFor } from './cache-control.ts';
import { etagMatches } from './cached-reply.ts';
import type { Completion } from './lifecycle.ts';

/**
 * What a route tells the lane about itself when it serves a cached read (sendServed):
 * how it authenticates and who may see the answer, the same checks its hooks and its
 * service make.
 */
export interface LaneRule {
  /** `required`: a valid bearer token (requireAuth); `none`: the route reads no token. */
  auth: 'none' | 'required';
  /** The service's own permission check for this read (the same predicate it runs). */
  allow(caller: Caller | undefined): boolean;
}

interface Learned {
  route: string;
  rule: LaneRule;
  again: () => Served<unknown> | undefined;
  serialize: (value: unknown) => string;
}

export interface LaneSetup {
  /** The sync half of authentication (AuthService.authenticateKnown). */
  authenticate(token: string): Caller | undefined;
  /** The token of an Authorization header (src/auth/hooks.ts). */
  bearerToken(header: string | undefined): string | undefined;
  requestId(req: IncomingMessage): string;
  /** The client's address as Fastify's request.ip gives it (TRUST_PROXY), or undefined: lane off. */
  ipOf: ((req: IncomingMessage) => string | undefined) | undefined;
  /** The security headers every JSON answer carries (src/http/security.ts). */
  securityHeaders: Record<string, string>;
  /** Writes the request's line and counts it (src/http/lifecycle.ts completionWriter). */
  complete(rec: Completion, ip: string | undefined): void;
  /** False while the process sheds load (event-loop lag, in-flight cap) or drains: Fastify answers then. */
  open(): boolean;
  /** With CORS_ORIGINS set, requests with an Origin header go through Fastify (its CORS plugin). */
  cors: boolean;
}

export interface HitLane {
  /** Called by sendServed for a GET it answered from the cache with the entry's bytes. */
  learn(url: string, route: string, rule: LaneRule, served: Served<unknown>, serialize: (value: unknown) => string): void;
  /** Answers the request when it can prove the answer is the one Fastify would give; false otherwise. */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
  setup(s: LaneSetup): void;
  /** Stops serving (the process drains); Fastify answers everything from then on. */
  close(): void;
  readonly stats: { served: number; urls: number };
}

/**
 * The hit lane: a cached read whose answer this process already holds is written
 * straight from the HTTP server's request event, before Fastify's lifecycle (routing,
 * eleven hooks, the reply object) runs for it. `npm run bench` measured Fastify with the
 * service's hooks at three to four times the CPU of a bare Fastify route per request
 * for a cached answer; a hit needs none of it but the checks below.
 *
 * What it serves, and why it is the answer Fastify would give:
 * - only a GET of a URL that Fastify itself answered from the cache before (learned in
 *   sendServed after its routing, validation, authentication and permission check), so
 *   routing and validation of that exact URL are already known;
 * - the caller is authenticated by the same code (AuthService.authenticateKnown, the
 *   sync half of authenticate: revocation from the change feed on every request) and
 *   passes the route's own permission predicate; anything else (no token, a bad or
 *   revoked one, a caller who may not see it, a token the process must still check in
 *   the database) goes to Fastify, which writes the 401/403/404;
 * - the bytes are the entry at the scope's version now (Served.again): after a write,
 *   or when the feed cannot vouch, there is no entry and Fastify reads through;
 * - the same headers (security, Cache-Control, ETag, x-cache, x-request-id), the same
 *   304 rule, the same log line and metrics (completionWriter);
 * - never while the process sheds load or drains, with a request body, or with an
 *   Origin header when CORS is on.
 * Written by hand: no library serves a framework's cached answers ahead of it.
 */
export function createHitLane(): HitLane {
  // Distinct URLs remembered (LRU): list pages × filters and user ids in use; each entry
  // is a URL and three references, so 10,000 is about 2 MB at most per process.
  const learned = new LRUCache<string, Learned>({ max: 10_000 });
  let s: LaneSetup | undefined;
  let base: string[] = [];
  let closed = false;
  const stats = { served: 0, urls: 0 };

  return {
    stats,
    setup(setup) {
      s = setup;
      base = Object.entries(setup.securityHeaders).flat();
    },
    close() {
      closed = true;
      learned.clear();
    },
    learn(url, route, rule, served, serialize) {
      if (closed || !s?.ipOf || !served.again || learned.has(url)) return;
      learned.set(url, { route, rule, again: served.again, serialize });
      stats.urls = learned.size;
    },
    serve(req, res) {
      if (s === undefined || closed || req.method !== 'GET' || req.url === undefined) return false;
      const l = learned.get(req.url);
      if (!l) return false;
      const h = req.headers;
      if (h['content-length'] !== undefined || h['transfer-encoding'] !== undefined) return false;
      if (s.cors && h.origin !== undefined) return false;
      if (!s.open()) return false;
      let caller: Caller | undefined;
      if (l.rule.auth === 'required') {
        const token = s.bearerToken(h.authorization);
        caller = token === undefined ? undefined : s.authenticate(token);
        if (!caller) return false;
      }
      if (!l.rule.allow(caller)) return false;
      const served = l.again();
      // A remembered "not found" (null) is Fastify's to answer: a 404, never a 200 of null.
      if (!served?.body || !served.etag || served.value === null || served.value === undefined) return false;
      const requestId = s.requestId(req);
      const etag = served.etag;
      const headers = base.slice();
      headers.push(
        'x-request-id',
        requestId,
        'cache-control',
        cacheControlFor(false, caller !== undefined),
        'x-cache',
        'hit',
        'etag',
        etag,
      );
      let statusCode: number;
      if (etagMatches(h['if-none-match'], etag)) {
        statusCode = 304;
        res.writeHead(304, headers);
        res.end();
      } else {
        statusCode = 200;
        const body = served.body(l.serialize);
        headers.push('content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(body)));
        res.writeHead(200, headers);
        res.end(body);
      }
      stats.served++;
      s.complete({ requestId, method: 'GET', route: l.route, statusCode, durationMs: 0, timedOut: false }, s.ipOf?.(req));
      return true;
    },
  };
}
