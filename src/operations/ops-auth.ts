import { createHash, timingSafeEqual } from 'node:crypto';

import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';

import { errors } from '../errors/index.ts';

/**
 * Operator endpoints (/metrics, /ops/data) need `Authorization: Bearer <OPS_TOKEN>` when
 * OPS_TOKEN is set (config makes it required in production). Both sides are hashed
 * first, so the comparison takes the same time whatever the length or content sent.
 */
export function requireOpsToken(token: string | undefined): preHandlerAsyncHookHandler {
  const want = token ? createHash('sha256').update(token).digest() : undefined;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!want) return;
    const m = /^Bearer\s+(\S{1,4096})$/i.exec(request.headers.authorization ?? '');
    const got = createHash('sha256')
      .update(m?.[1] ?? '')
      .digest();
    if (!m || !timingSafeEqual(got, want)) {
      void reply.header('www-authenticate', 'Bearer realm="it360acad operations"');
      throw errors.unauthorized('Send Authorization: Bearer <OPS_TOKEN>');
    }
  };
}
