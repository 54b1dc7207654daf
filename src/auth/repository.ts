import type { ChangeFeed } from '../infra/changes/feed.ts';
import type { Database, Queryable } from '../infra/database/client.ts';

/**
 * The refresh_tokens table; nothing else writes it. Tokens are stored only as SHA-256
 * hashes. A session is a token family: its id (`family_id`) is the access tokens' `sid`.
 * Ending a session revokes every token of the family and announces the session id on
 * the change feed in the same transaction, so every process refuses its access tokens
 * within the feed's bound.
 */
export type RotateOutcome =
  { outcome: 'rotated'; userId: string; sessionId: string } | { outcome: 'reused' | 'revoked' | 'expired' | 'unknown' };

export function createRefreshTokenRepository(db: Database, feed: ChangeFeed) {
  /**
   * Revokes one family inside `tx`. The family's live rows are locked first, so a
   * rotation running at the same moment either finishes before (and its new token is
   * seen, and revoked, by the UPDATE's fresh snapshot) or waits and finds its token
   * revoked: no token of an ended session survives.
   */
  async function revokeFamily(tx: Queryable, familyId: string): Promise<void> {
    await tx.query('refresh.lock_family', 'SELECT id FROM refresh_tokens WHERE family_id = $1 AND revoked_at IS NULL FOR UPDATE', [
      familyId,
    ]);
    await tx.query('refresh.revoke_family', 'UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [
      familyId,
    ]);
  }

  /** Runs `fn` in a transaction that ends sessions; makes them known in this process once committed. */
  async function ending<T>(op: string, fn: (tx: Queryable) => Promise<{ result: T; ended: string[] }>): Promise<T> {
    let change;
    const out = await db.transaction(op, async (tx) => {
      const r = await fn(tx);
      if (r.ended.length) change = await feed.publish(tx, [], undefined, r.ended);
      return r.result;
    });
    if (change) feed.apply(change);
    return out;
  }

  return {
    async insert(t: { userId: string; familyId: string; hash: string; ttlS: number }): Promise<void> {
      await db.query(
        'refresh.insert',
        'INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))',
        [t.userId, t.familyId, t.hash, t.ttlS],
      );
    },

    /**
     * Rotates a token in one transaction: the old one is marked replaced only if it was
     * still current (so two concurrent uses cannot both succeed) and a new one joins the
     * family. A replaced token presented again ends the session. Returns what happened.
     */
    async rotate(oldHash: string, newHash: string, ttlS: number): Promise<RotateOutcome> {
      return ending<RotateOutcome>('refresh.rotate', async (tx) => {
        const rows = await tx.query<{
          id: string;
          user_id: string;
          family_id: string;
          expired: boolean;
          replaced_at: Date | null;
          revoked_at: Date | null;
        }>(
          'refresh.find',
          'SELECT id, user_id, family_id, expires_at < now() AS expired, replaced_at, revoked_at FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE',
          [oldHash],
        );
        const t = rows[0];
        if (!t) return { result: { outcome: 'unknown' }, ended: [] };
        if (t.revoked_at) return { result: { outcome: 'revoked' }, ended: [] };
        if (t.replaced_at) {
          // A replaced token presented again: someone else holds a copy. End the session.
          await revokeFamily(tx, t.family_id);
          return { result: { outcome: 'reused' }, ended: [t.family_id] };
        }
        if (t.expired) return { result: { outcome: 'expired' }, ended: [] };
        await tx.query('refresh.replace', 'UPDATE refresh_tokens SET replaced_at = now() WHERE id = $1', [t.id]);
        await tx.query(
          'refresh.insert',
          'INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))',
          [t.user_id, t.family_id, newHash, ttlS],
        );
        return { result: { outcome: 'rotated', userId: t.user_id, sessionId: t.family_id }, ended: [] };
      });
    },

    /** Ends the session a refresh token belongs to (nothing when the token is unknown). */
    async endSessionOf(hash: string): Promise<void> {
      await ending('refresh.end_session', async (tx) => {
        const rows = await tx.query<{ family_id: string }>(
          'refresh.family_of',
          'SELECT family_id FROM refresh_tokens WHERE token_hash = $1',
          [hash],
        );
        const familyId = rows[0]?.family_id;
        if (!familyId) return { result: undefined, ended: [] };
        await revokeFamily(tx, familyId);
        return { result: undefined, ended: [familyId] };
      });
    },

    /** Ends one session of one user (logout by bearer). */
    async endSession(userId: string, sessionId: string): Promise<void> {
      await ending('refresh.end_session', async (tx) => {
        const rows = await tx.query<{ n: number }>(
          'refresh.session_owner',
          'SELECT count(*)::int AS n FROM refresh_tokens WHERE family_id = $1 AND user_id = $2',
          [sessionId, userId],
        );
        if (!rows[0]?.n) return { result: undefined, ended: [] };
        await revokeFamily(tx, sessionId);
        return { result: undefined, ended: [sessionId] };
      });
    },

    /**
     * Inside another module's transaction (the users repository's): ends every session of
     * a user. Returns how many were live. The caller bumps the user's token version, which
     * ends the access tokens everywhere; the sessions are not announced one by one.
     */
    async endAllSessionsOf(tx: Queryable, userId: string): Promise<number> {
      await tx.query('refresh.lock_user', 'SELECT id FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL FOR UPDATE', [userId]);
      const rows = await tx.query<{ family_id: string }>(
        'refresh.revoke_user',
        'UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING family_id',
        [userId],
      );
      return new Set(rows.map((r) => r.family_id)).size;
    },

    /**
     * Whether a session is live for this user: true, false (ended), or undefined (no
     * such session for this user). One indexed read.
     */
    async sessionLive(userId: string, sessionId: string): Promise<boolean | undefined> {
      const rows = await db.query<{ live: boolean | null }>(
        'refresh.session_state',
        'SELECT bool_and(revoked_at IS NULL) AS live FROM refresh_tokens WHERE family_id = $1 AND user_id = $2',
        [sessionId, userId],
      );
      const live = rows[0]?.live;
      return live === null || live === undefined ? undefined : live;
    },

    /** Sessions ended within the last `withinS` seconds: what the change feed reloads on (re)connect. */
    async endedSince(withinS: number): Promise<string[]> {
      const rows = await db.query<{ family_id: string }>(
        'refresh.ended_since',
        'SELECT DISTINCT family_id FROM refresh_tokens WHERE revoked_at > now() - make_interval(secs => $1)',
        [withinS],
      );
      return rows.map((r) => r.family_id);
    },
  };
}

export type RefreshTokenRepository = ReturnType<typeof createRefreshTokenRepository>;
