/** The auth domain's front door: sessions and tokens, and the hooks every other domain's routes use. */
import type { AuthHooks } from '../http/caller.ts';
import type { DomainModule, HttpModule } from '../http/module.ts';
import type { UserService } from '../users/service.ts';
import { authHooks } from './hooks.ts';
import { authRoutes } from './routes.ts';
import { type AuthService, createAuthService } from './service.ts';

export { createAccountTokenRepository } from './account-tokens.ts';
export { authHooks, bearerToken } from './hooks.ts';
export { createPaymentNotices } from './notices.ts';
export { accountPages } from './pages.ts';
export { createRefreshTokenRepository } from './repository.ts';
export type { AuthService } from './service.ts';
export { createTokenService } from './tokens.ts';

export function authHttp(auth: AuthService, users: UserService): HttpModule {
  return { routes: { prefix: '/auth', plugin: (app, ctx) => authRoutes(app, { ...ctx, auth, users }) }, schemas: [] };
}

export function createAuthModule(
  deps: Parameters<typeof createAuthService>[0] & { userService: UserService },
): DomainModule<AuthService> & { hooks: AuthHooks } {
  const { userService, ...serviceDeps } = deps;
  const service = createAuthService(serviceDeps);
  return { service, hooks: authHooks(service), ...authHttp(service, userService) };
}
