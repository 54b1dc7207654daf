/** The users domain's front door. */
import type { DomainModule, HttpModule } from '../http/module.ts';
import type { CachedRead } from '../shared/cached-read.ts';
import type { UserRepository } from './repository.ts';
import { userRoutes } from './routes.ts';
import { UserSchema } from './schemas.ts';
import { createUserService, type UserService } from './service.ts';

export type { UserService } from './service.ts';

export function usersHttp(users: UserService): HttpModule {
  return { routes: { prefix: '/users', plugin: (app, ctx) => userRoutes(app, { ...ctx, users }) }, schemas: [UserSchema] };
}

export function createUsersModule(deps: { users: UserRepository; cache: CachedRead }): DomainModule<UserService> {
  const service = createUserService(deps);
  return { service, ...usersHttp(service) };
}
