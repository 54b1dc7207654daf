import type { FastifyReply, FastifyRequest } from 'fastify';

import type { Served } from '../shared/cached-read.ts';
import type { HitLane, LaneRule } from './hit-lane.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Serves repeated cached reads ahead of Fastify (src/http/hit-lane.ts); absent in apps built without it. */
    hitLane?: HitLane;
  }
}

/**
 * Whether If-None-Match names this ETag (RFC 9110 §13.1.2: a list, `*`, and the weak
 * comparison, so `W/"x"` matches `"x"`).
 */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header === etag) return true;
  for (const part of header.split(',')) {
    const t = part.trim();
    if (t === '*' || t === etag || (t.startsWith('W/') && t.slice(2) === etag)) return true;
  }
  return false;
}

/**
 * Answers a 200 read served through the cache. Call it after the service's permission
 * check (the service only returns what the caller may see): cached bytes are shared
 * between callers, the decision to send them is not.
 *
 * - `x-cache` says how it was served; a versioned read carries its strong `ETag`;
 * - `If-None-Match` with that ETag answers 304 with no body;
 * - otherwise the entry's bytes, serialized once by this route's 200 serializer, are sent
 *   as they are; a bypassed read is serialized by Fastify as usual;
 * - with `lane` (the route's authentication and permission rule), the URL is taught to
 *   the hit lane, which serves it from then on while the entry stays current.
 */
export function sendServed<T>(request: FastifyRequest, reply: FastifyReply, served: Served<T>, lane?: LaneRule): FastifyReply | T {
  void reply.header('x-cache', served.cache);
  if (served.etag === undefined || served.body === undefined) return served.value;
  void reply.header('etag', served.etag);
  // The 200s are declared per media type (ok() in src/http/schemas.ts): the JSON one.
  const serialize = reply.getSerializationFunction('200', 'application/json') as ((v: T) => string) | undefined;
  // Every cached route declares its 200 schema, so the serializer exists; if one did not,
  // Fastify's own serialization is the safe fallback.
  if (!serialize) return served.value;
  if (lane && request.method === 'GET' && request.routeOptions.config?.noStore !== true && request.raw.url)
    request.server.hitLane?.learn(
      request.raw.url,
      request.routeOptions.url ?? 'unmatched',
      lane,
      served,
      serialize as (v: unknown) => string,
    );
  if (etagMatches(request.headers['if-none-match'], served.etag)) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(served.body(serialize));
}
