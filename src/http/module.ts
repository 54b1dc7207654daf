import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TSchema } from 'typebox';

import type { AuthHooks } from './caller.ts';
import type { RateLimiter } from './rate-limit.ts';

/** What every domain's routes get from the app: the auth hooks and the rate limits. */
export interface HttpContext {
  hooks: AuthHooks;
  limits: RateLimiter;
}

/** A domain's HTTP side: its routes under /api/v1 and the shared schemas they refer to by $id. */
export interface HttpModule {
  routes: { prefix: string; plugin: FastifyPluginAsyncTypebox<HttpContext> };
  schemas: TSchema[];
}

/** A domain's front door (`create<Domain>Module` in `<domain>/index.ts`). */
export interface DomainModule<S> extends HttpModule {
  service: S;
}
