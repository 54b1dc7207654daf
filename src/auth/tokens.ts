import { createHash, randomBytes } from 'node:crypto';

import { createSigner, createVerifier } from 'fast-jwt';
import { LRUCache } from 'lru-cache';

import type { Role } from '../shared/types.ts';

export type { Role };

export interface AccessClaims {
  sub: string;
  role: Role;
  /** The user's token version when issued; a higher version in the database revokes it. */
  tv: number;
  /** The session (refresh-token family) the token belongs to; ending it ends the token. */
  sid: string;
}

// Ids are UUIDs; anything else in `sub` or `sid` is refused here, before it reaches a
// query (where a uuid column would answer a non-UUID with an error, not a miss).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Clocks of the machines that sign and check may differ by a few seconds, no more.
const CLOCK_TOLERANCE_MS = 5000;

export interface TokenService {
  signAccess(claims: AccessClaims): string;
  /** Returns the claims, or undefined for any invalid, expired or foreign token. */
  verifyAccess(token: string): AccessClaims | undefined;
  newRefreshToken(): { token: string; hash: string };
  hashRefreshToken(token: string): string;
}

export function createTokenService(o: { secret: string; accessTtlS: number }): TokenService {
  const signer = createSigner({ key: o.secret, algorithm: 'HS256', expiresIn: o.accessTtlS * 1000, iss: 'it360acad' });
  const verifier = createVerifier({
    key: o.secret,
    // Pinned: a token claiming any other algorithm (including "none") is refused.
    algorithms: ['HS256'],
    allowedIss: 'it360acad',
    clockTolerance: CLOCK_TOLERANCE_MS,
    requiredClaims: ['sub', 'sid', 'exp', 'iat'],
  });
  // Tokens whose signature and claims were checked, with what they said, until they
  // expire: a client sends the same token on every request for its whole life, and the
  // HMAC (and fast-jwt's own cache, which hashes each token to look it up) need not run
  // again. Only the signature and claims are remembered: revocation (token version,
  // ended sessions) is checked by the caller on every request. 10,000 tokens of about
  // half a kilobyte with their claims: ~5 MB per process at most.
  const verified = new LRUCache<string, { claims: AccessClaims; expiresAt: number }>({ max: 10_000 });
  return {
    signAccess: (claims) => signer({ sub: claims.sub, sid: claims.sid, role: claims.role, tv: claims.tv }),
    verifyAccess(token) {
      const known = verified.get(token);
      if (known) {
        if (Date.now() <= known.expiresAt) return known.claims;
        verified.delete(token);
        return undefined;
      }
      try {
        const p = verifier(token) as Partial<AccessClaims> & { exp: number };
        if (typeof p.sub !== 'string' || !UUID.test(p.sub) || typeof p.sid !== 'string' || !UUID.test(p.sid)) return undefined;
        if (!Number.isSafeInteger(p.tv) || !['student', 'instructor', 'admin'].includes(p.role as string)) return undefined;
        const claims = { sub: p.sub.toLowerCase(), sid: p.sid.toLowerCase(), role: p.role as Role, tv: p.tv as number };
        // Accepted up to the verifier's clock tolerance past `exp`, as fast-jwt does.
        verified.set(token, { claims, expiresAt: p.exp * 1000 + CLOCK_TOLERANCE_MS });
        return claims;
      } catch {
        return undefined;
      }
    },
    newRefreshToken() {
      const token = randomBytes(32).toString('base64url');
      return { token, hash: createHash('sha256').update(token).digest('hex') };
    },
    hashRefreshToken: (token) => createHash('sha256').update(token).digest('hex'),
  };
}
