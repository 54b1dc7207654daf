import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';

import { errors } from '../errors/index.ts';
import type { Caller } from '../shared/types.ts';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

/** The hooks routes put in front of handlers (made by the auth module, src/auth/hooks.ts). */
export interface AuthHooks {
  /** Requires a valid access token; sets request.caller. */
  requireAuth: preHandlerAsyncHookHandler;
  /** Uses a token when one is sent (a bad one is still 401); anonymous otherwise. */
  optionalAuth: preHandlerAsyncHookHandler;
}

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw errors.unauthorized();
  return request.caller;
}
