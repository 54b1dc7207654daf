import { createHash, randomBytes } from 'node:crypto';

import { createSigner, createVerifier } from 'fast-jwt';

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
    // Clocks of the machines that sign and check may differ by a few seconds, no more.
    clockTolerance: 5000,
    requiredClaims: ['sub', 'sid', 'exp', 'iat'],
    cache: 1000,
  });
  return {
    signAccess: (claims) => signer({ sub: claims.sub, sid: claims.sid, role: claims.role, tv: claims.tv }),
    verifyAccess(token) {
      try {
        const p = verifier(token) as Partial<AccessClaims>;
        if (typeof p.sub !== 'string' || !UUID.test(p.sub) || typeof p.sid !== 'string' || !UUID.test(p.sid)) return undefined;
        if (!Number.isSafeInteger(p.tv) || !['student', 'instructor', 'admin'].includes(p.role as string)) return undefined;
        return { sub: p.sub.toLowerCase(), sid: p.sid.toLowerCase(), role: p.role as Role, tv: p.tv as number };
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
