import type { FastifyReply, FastifyRequest } from 'fastify';

import { errors } from '../errors/index.ts';
import type { AuthHooks } from '../http/caller.ts';
import type { AuthService } from './service.ts';

function bearer(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+([A-Za-z0-9._~+/=-]{1,4096})$/i.exec(h);
  return m?.[1];
}

export function authHooks(auth: AuthService): AuthHooks {
  const requireAuth = async (request: FastifyRequest, _reply: FastifyReply) => {
    const token = bearer(request);
    if (!token) throw errors.unauthorized('Send Authorization: Bearer <accessToken>');
    request.caller = await auth.authenticate(token);
  };
  const optionalAuth = async (request: FastifyRequest, _reply: FastifyReply) => {
    if (!request.headers.authorization) return;
    const token = bearer(request);
    if (!token) throw errors.unauthorized('Send Authorization: Bearer <accessToken>');
    request.caller = await auth.authenticate(token);
  };
  return { requireAuth, optionalAuth };
}
