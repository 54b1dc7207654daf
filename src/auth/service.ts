import { randomUUID } from 'node:crypto';
import { errors } from '../errors/index.ts';
import type { UserRepository } from '../users/repository.ts';
import type { Caller, User } from '../users/types.ts';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords.ts';
import type { RefreshTokenRepository } from './repository.ts';
import type { TokenService } from './tokens.ts';

export interface Session {
  user: User;
  accessToken: string;
  refreshToken: string;
}

export interface TokenRevocations {
  /** Lowest valid token version for a user, or undefined when unknown (ask the database). */
  minTokenVersion(userId: string): number | undefined;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function createAuthService(deps: {
  users: UserRepository;
  refreshTokens: RefreshTokenRepository;
  tokens: TokenService;
  revocations: TokenRevocations;
  refreshTtlS: number;
}) {
  const { users, refreshTokens, tokens } = deps;

  async function issue(user: User & { tokenVersion: number }, familyId = randomUUID()): Promise<Session> {
    const refresh = tokens.newRefreshToken();
    await refreshTokens.insert({ userId: user.id, familyId, hash: refresh.hash, ttlS: deps.refreshTtlS });
    return { user: strip(user), accessToken: tokens.signAccess({ sub: user.id, role: user.role, tv: user.tokenVersion }), refreshToken: refresh.token };
  }

  function strip(u: User): User {
    return { id: u.id, email: u.email, firstName: u.firstName, lastName: u.lastName, role: u.role, isActive: u.isActive, createdAt: u.createdAt, updatedAt: u.updatedAt };
  }

  const invalidLogin = () => errors.unauthorized('Invalid email or password');

  return {
    async register(input: { email: string; password: string; firstName: string; lastName: string }): Promise<Session> {
      const passwordHash = await hashPassword(input.password);
      const created = await users.create({ email: normalizeEmail(input.email), firstName: input.firstName.trim(), lastName: input.lastName.trim(), passwordHash, role: 'student' });
      if (created === 'email_taken') throw errors.emailTaken();
      return issue({ ...created, tokenVersion: 0 });
    },

    async login(input: { email: string; password: string }): Promise<Session> {
      const user = await users.findByEmail(normalizeEmail(input.email));
      if (!user) {
        await burnPasswordCheck(input.password);
        throw invalidLogin();
      }
      const ok = await verifyPassword(input.password, user.passwordHash);
      // A deactivated account gets the same answer as a wrong password.
      if (!ok || !user.isActive) throw invalidLogin();
      return issue(user);
    },

    async refresh(refreshToken: string): Promise<{ accessToken: string; refreshToken: string }> {
      const next = tokens.newRefreshToken();
      const r = await refreshTokens.rotate(tokens.hashRefreshToken(refreshToken), next.hash, deps.refreshTtlS);
      if (r.outcome !== 'rotated') throw errors.unauthorized('Invalid refresh token');
      const user = await users.findById(r.userId);
      if (!user || !user.isActive) throw errors.unauthorized('Invalid refresh token');
      return { accessToken: tokens.signAccess({ sub: user.id, role: user.role, tv: user.tokenVersion }), refreshToken: next.token };
    },

    async logout(refreshToken: string): Promise<void> {
      await refreshTokens.revokeFamilyOf(tokens.hashRefreshToken(refreshToken));
    },

    /**
     * Turns a bearer token into a caller. Revocation (deactivation, role change) is
     * checked against the change feed's in-memory token versions; only when the feed is
     * down does this read the database.
     */
    async authenticate(bearer: string): Promise<Caller> {
      const claims = tokens.verifyAccess(bearer);
      if (!claims) throw errors.unauthorized('Invalid or expired access token');
      let min = deps.revocations.minTokenVersion(claims.sub);
      if (min === undefined) {
        const state = await users.tokenState(claims.sub);
        if (!state || !state.isActive) throw errors.unauthorized('Invalid or expired access token');
        min = state.tokenVersion;
      }
      if (claims.tv < min) throw errors.unauthorized('Invalid or expired access token');
      return { id: claims.sub, role: claims.role };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
