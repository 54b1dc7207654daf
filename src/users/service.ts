import { errors } from '../errors/index.ts';
import type { CachedRead, Served } from '../shared/cached-read.ts';
import type { Caller, Page } from '../shared/types.ts';
import type { UserChanges, UserRepository } from './repository.ts';
import { toPublicUser, type User, type UserListQuery } from './types.ts';

/**
 * Who may read what: the service's checks below, and the hit lane's (src/http/hit-lane.ts)
 * for the same reads, so both answer alike.
 */
export const mayRead = {
  list: (caller: Caller | undefined): boolean => caller?.role === 'admin',
  one: (caller: Caller | undefined, id: string): boolean => caller !== undefined && (caller.role === 'admin' || caller.id === id),
};

/**
 * Permissions follow SPEC.md's 403-or-404 rule: what the caller may not know exists is
 * 404; what it can see but may not do is 403.
 */
export function createUserService(deps: { users: UserRepository; cache: CachedRead }) {
  const { users, cache } = deps;

  return {
    async list(caller: Caller, q: UserListQuery): Promise<Served<Page<User>>> {
      if (!mayRead.list(caller)) throw errors.forbidden('Only admins can list users');
      const key = `list:${q.page}:${q.pageSize}:${q.role ?? ''}:${q.isActive ?? ''}:${q.emailVerified ?? ''}:${q.search ?? ''}`;
      return cache.read('users', key, () => users.list(q));
    },

    async get(caller: Caller, id: string): Promise<Served<User>> {
      if (!mayRead.one(caller, id)) throw errors.notFound('User');
      const r = await cache.read('users', `one:${id}`, async () => {
        const u = await users.findById(id);
        return u ? toPublicUser(u) : null;
      });
      if (!r.value) throw errors.notFound('User');
      return r as Served<User>;
    },

    async update(caller: Caller, id: string, patch: UserChanges): Promise<User> {
      const isAdmin = caller.role === 'admin';
      const isSelf = caller.id === id;
      if (!isAdmin && !isSelf) throw errors.notFound('User');
      if (!isAdmin && (patch.role !== undefined || patch.isActive !== undefined))
        throw errors.forbidden('Only admins can change role or isActive');
      if (isAdmin && isSelf && ((patch.role !== undefined && patch.role !== 'admin') || patch.isActive === false)) {
        // An admin demoting or deactivating themselves could leave nobody to undo it.
        const admins = await users.countAdmins();
        if (admins <= 1) throw errors.conflict('The last admin cannot demote or deactivate themselves');
      }
      if (isAdmin && patch.role !== undefined && patch.role !== 'student') {
        // Staff accounts must be recoverable and provably their holder's: the address is
        // proven first. (A proven address never becomes unproven, so reading first is safe.)
        const target = await users.findById(id);
        if (!target) throw errors.notFound('User');
        if (target.role !== patch.role && target.emailVerifiedAt === null)
          throw errors.emailUnverified(`The account's email must be verified before it can be made ${patch.role}`);
      }
      const updated = await users.update(id, patch);
      if (!updated) throw errors.notFound('User');
      return updated;
    },

    async deactivate(caller: Caller, id: string): Promise<void> {
      if (caller.role !== 'admin') {
        if (caller.id === id) throw errors.forbidden('Only admins can deactivate users');
        throw errors.notFound('User');
      }
      if (caller.id === id && (await users.countAdmins()) <= 1) throw errors.conflict('The last admin cannot deactivate themselves');
      const updated = await users.update(id, { isActive: false });
      if (!updated) throw errors.notFound('User');
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
