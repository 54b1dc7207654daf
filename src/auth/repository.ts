import type { Database } from '../infra/database/client.ts';

/** The refresh_tokens table. Tokens are stored only as SHA-256 hashes. */
export function createRefreshTokenRepository(db: Database) {
  return {
    async insert(t: { userId: string; familyId: string; hash: string; ttlS: number }): Promise<void> {
      await db.query('refresh.insert', "INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))", [
        t.userId,
        t.familyId,
        t.hash,
        t.ttlS,
      ]);
    },

    /**
     * Rotates a token in one transaction: the old one is marked replaced only if it was
     * still current (so two concurrent uses cannot both succeed) and a new one joins the
     * family. Returns what happened, for the service to decide.
     */
    async rotate(oldHash: string, newHash: string, ttlS: number): Promise<{ outcome: 'rotated'; userId: string } | { outcome: 'reused' | 'revoked' | 'expired' | 'unknown' }> {
      return db.transaction('refresh.rotate', async (tx) => {
        const rows = await tx.query<{ id: string; user_id: string; family_id: string; expired: boolean; replaced_at: Date | null; revoked_at: Date | null }>(
          'refresh.find',
          'SELECT id, user_id, family_id, expires_at < now() AS expired, replaced_at, revoked_at FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE',
          [oldHash],
        );
        const t = rows[0];
        if (!t) return { outcome: 'unknown' as const };
        if (t.revoked_at) return { outcome: 'revoked' as const };
        if (t.replaced_at) {
          // A replaced token presented again: someone else holds a copy. Revoke the family.
          await tx.query('refresh.revoke_family', 'UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [t.family_id]);
          return { outcome: 'reused' as const };
        }
        if (t.expired) return { outcome: 'expired' as const };
        await tx.query('refresh.replace', 'UPDATE refresh_tokens SET replaced_at = now() WHERE id = $1', [t.id]);
        await tx.query('refresh.insert', "INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))", [
          t.user_id,
          t.family_id,
          newHash,
          ttlS,
        ]);
        return { outcome: 'rotated' as const, userId: t.user_id };
      });
    },

    async revokeFamilyOf(hash: string): Promise<void> {
      await db.query(
        'refresh.revoke',
        'UPDATE refresh_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)',
        [hash],
      );
    },
  };
}

export type RefreshTokenRepository = ReturnType<typeof createRefreshTokenRepository>;
