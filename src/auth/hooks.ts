import type { FastifyReply, FastifyRequest } from 'fastify';

import { errors } from '../errors/index.ts';
import type { AuthHooks } from '../http/caller.ts';
import type { AuthService } from './service.ts';

/** The token of an `Authorization: Bearer …` header, or undefined for anything else. */
export function bearerToken(h: string | undefined): string | undefined {
  if (!h) return undefined;
  const m = /^Bearer\s+([A-Za-z0-9._~+/=-]{1,4096})$/i.exec(h);
  return m?.[1];
}

export function authHooks(auth: AuthService): AuthHooks {
  const requireAuth = async (request: FastifyRequest, _reply: FastifyReply) => {
    const token = bearerToken(request.headers.authorization);
    if (!token) throw errors.unauthorized('Send Authorization: Bearer <accessToken>');
    request.caller = await auth.authenticate(token);
  };
  const optionalAuth = async (request: FastifyRequest, _reply: FastifyReply) => {
    if (!request.headers.authorization) return;
    const token = bearerToken(request.headers.authorization);
    if (!token) throw errors.unauthorized('Send Authorization: Bearer <accessToken>');
    request.caller = await auth.authenticate(token);
  };
  return { requireAuth, optionalAuth };
}
