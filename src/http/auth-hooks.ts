import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AuthService } from '../auth/service.ts';
import { errors } from '../errors/index.ts';
import type { Caller } from '../shared/types.ts';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+([A-Za-z0-9._~+/=-]{1,4096})$/i.exec(h);
  return m?.[1];
}

export function authHooks(auth: AuthService) {
  /** Requires a valid access token; sets request.caller. */
  const requireAuth: preHandlerAsyncHookHandler = async (request: FastifyRequest, _reply: FastifyReply) => {
    const token = bearer(request);
    if (!token) throw errors.unauthorized('Send Authorization: Bearer <accessToken>');
    request.caller = await auth.authenticate(token);
  };
  /** Uses a token when one is sent (a bad one is still 401); anonymous otherwise. */
  const optionalAuth: preHandlerAsyncHookHandler = async (request: FastifyRequest, _reply: FastifyReply) => {
    if (!request.headers.authorization) return;
    const token = bearer(request);
    if (!token) throw errors.unauthorized('Send Authorization: Bearer <accessToken>');
    request.caller = await auth.authenticate(token);
  };
  return { requireAuth, optionalAuth };
}

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw errors.unauthorized();
  return request.caller;
}
