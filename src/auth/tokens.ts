import { createHash, randomBytes } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';

export type Role = 'student' | 'instructor' | 'admin';

export interface AccessClaims {
  sub: string;
  role: Role;
  /** The user's token version when issued; a higher version in the database revokes it. */
  tv: number;
}

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
    requiredClaims: ['sub', 'exp', 'iat'],
    cache: 1000,
  });
  return {
    signAccess: (claims) => signer({ sub: claims.sub, role: claims.role, tv: claims.tv }),
    verifyAccess(token) {
      try {
        const p = verifier(token) as Partial<AccessClaims>;
        if (typeof p.sub !== 'string' || typeof p.tv !== 'number' || !['student', 'instructor', 'admin'].includes(p.role as string)) return undefined;
        return { sub: p.sub, role: p.role as Role, tv: p.tv };
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
