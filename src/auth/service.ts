import { randomUUID } from 'node:crypto';

import { LRUCache } from 'lru-cache';

import { errors } from '../errors/index.ts';
import type { Caller } from '../shared/types.ts';
import type { UserRepository } from '../users/repository.ts';
import { toPublicUser, type User } from '../users/types.ts';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords.ts';
import { createAccountRecovery, type RecoveryDeps } from './recovery.ts';
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
  /** Whether a session ended, or undefined when unknown (ask the database). */
  sessionEnded(sessionId: string): boolean | undefined;
}

// Sessions this process has checked against the database once (see authenticate). An
// entry is about 150 bytes, so 20,000 live sessions cost about 3 MB per process; one
// pushed out only costs a single indexed read at its next request.
const KNOWN_SESSIONS_MAX = 20_000;
// The access tokens' clock tolerance (tokens.ts): a token is accepted this long past its expiry.
const CLOCK_TOLERANCE_MS = 5000;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export type AuthServiceDeps = Omit<RecoveryDeps, 'users'> & {
  users: UserRepository;
  refreshTokens: RefreshTokenRepository;
  tokens: TokenService;
  revocations: TokenRevocations;
  refreshTtlS: number;
  accessTtlS: number;
};

export function createAuthService(deps: AuthServiceDeps) {
  const { users, refreshTokens, tokens } = deps;
  const recovery = createAccountRecovery(deps);
  /**
   * Session id -> its user, for sessions found live in the database by this process.
   * Why: with the change feed up, authentication reads nothing per request, yet a token
   * signed with the real secret for a subject or session that does not exist must be
   * refused. So the first request of each session in a process checks the database once
   * (the user exists, is active, and owns a live session of that id); later requests
   * trust this entry, while an ended session reaches every process through the feed and
   * is refused before this cache is asked. An entry lives no longer than an access
   * token can: after that every token of the session has expired.
   */
  const knownSessions = new LRUCache<string, string>({ max: KNOWN_SESSIONS_MAX, ttl: deps.accessTtlS * 1000 + CLOCK_TOLERANCE_MS });

  async function issue(user: User & { tokenVersion: number }, familyId = randomUUID()): Promise<Session> {
    const refresh = tokens.newRefreshToken();
    await refreshTokens.insert({ userId: user.id, familyId, hash: refresh.hash, ttlS: deps.refreshTtlS });
    // Just written: this process knows the session is live without asking again.
    knownSessions.set(familyId, user.id);
    return {
      user: toPublicUser(user),
      accessToken: tokens.signAccess({ sub: user.id, sid: familyId, role: user.role, tv: user.tokenVersion }),
      refreshToken: refresh.token,
    };
  }

  /** What this process's memory says of a verified token's revocation. */
  function revocationKnown(claims: { sub: string; sid: string; tv: number }) {
    const min = deps.revocations.minTokenVersion(claims.sub);
    const ended = deps.revocations.sessionEnded(claims.sid);
    // The feed cannot vouch (down, or not caught up): the database decides.
    if (min === undefined || ended === undefined) return 'feed-unknown' as const;
    if (ended || claims.tv < min) return 'revoked' as const;
    return knownSessions.get(claims.sid) === claims.sub ? ('valid' as const) : ('session-unchecked' as const);
  }

  const invalidToken = () => errors.unauthorized('Invalid or expired access token');

  /** The database's word on a token: its user exists, is active, its version is current, its session live. */
  async function checkInDatabase(claims: { sub: string; sid: string; tv: number }): Promise<void> {
    const state = await users.tokenState(claims.sub);
    if (!state || !state.isActive || claims.tv < state.tokenVersion) throw invalidToken();
    if ((await refreshTokens.sessionLive(claims.sub, claims.sid)) !== true) throw invalidToken();
  }

  const invalidLogin = () => errors.unauthorized('Invalid email or password');

  return {
    async register(input: { email: string; password: string; firstName: string; lastName: string }): Promise<Session> {
      const passwordHash = await hashPassword(input.password);
      const created = await users.create(
        {
          email: normalizeEmail(input.email),
          firstName: input.firstName.trim(),
          lastName: input.lastName.trim(),
          passwordHash,
          role: 'student',
        },
        // The account and its verification mail commit together.
        (tx, user) => recovery.mailVerification(tx, user),
      );
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
      return {
        accessToken: tokens.signAccess({ sub: user.id, sid: r.sessionId, role: user.role, tv: user.tokenVersion }),
        refreshToken: next.token,
      };
    },

    /**
     * Changes the caller's password (the current one required): every earlier session
     * ends, the caller's included, a notice is mailed, and the answer is a new session.
     */
    async changePassword(caller: Caller, input: { currentPassword: string; newPassword: string }) {
      const user = await recovery.changePassword(caller, input.currentPassword, input.newPassword);
      const session = await issue(user);
      return { accessToken: session.accessToken, refreshToken: session.refreshToken };
    },

    forgotPassword: (email: string) => recovery.forgotPassword(normalizeEmail(email)),
    resetPassword: (token: string, newPassword: string) => recovery.resetPassword(token, newPassword),
    verifyEmail: (token: string) => recovery.verifyEmail(token),
    resendVerification: (caller: Caller) => recovery.resendVerification(caller),

    /** Ends the session a refresh token belongs to (an unknown token ends nothing, silently). */
    async logout(refreshToken: string): Promise<void> {
      await refreshTokens.endSessionOf(tokens.hashRefreshToken(refreshToken));
    },

    /** Ends the caller's own session (logout with a bearer token). */
    async endSession(caller: Caller): Promise<void> {
      if (!caller.sessionId) throw errors.unauthorized();
      await refreshTokens.endSession(caller.id, caller.sessionId);
    },

    /**
     * Turns a bearer token into a caller. Revocation (deactivation, role change, an
     * ended session) is checked against the change feed's memory, and a session is
     * checked in the database once per process (knownSessions above); when the feed is
     * down every request asks the database, which knows everything the feed would.
     */
    async authenticate(bearer: string): Promise<Caller> {
      const claims = tokens.verifyAccess(bearer);
      if (!claims) throw invalidToken();
      const known = revocationKnown(claims);
      if (known === 'revoked') throw invalidToken();
      if (known === 'feed-unknown') await checkInDatabase(claims);
      else if (known === 'session-unchecked') {
        await checkInDatabase(claims);
        knownSessions.set(claims.sid, claims.sub);
      }
      return { id: claims.sub, role: claims.role, sessionId: claims.sid };
    },

    /**
     * The same decision as authenticate() when this process's memory alone makes it (a
     * verified token, the feed vouching for revocations, the session already checked):
     * the caller, or undefined for "only authenticate() can say", a bad or revoked token
     * included, so that its 401 is written by the one path that writes errors.
     */
    authenticateKnown(bearer: string): Caller | undefined {
      const claims = tokens.verifyAccess(bearer);
      if (!claims || revocationKnown(claims) !== 'valid') return undefined;
      return { id: claims.sub, role: claims.role, sessionId: claims.sid };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
