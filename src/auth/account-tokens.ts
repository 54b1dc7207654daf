import { createHash, randomBytes } from 'node:crypto';

import type { Database, Queryable } from '../infra/database/client.ts';

export type AccountTokenPurpose = 'password_reset' | 'email_verify';

/** A token as mailed (the link's `token`) and what is stored of it (its SHA-256). */
export interface MintedToken {
  token: string;
  hash: string;
}

// 32 random bytes: 256 bits, base64url (43 characters), as the refresh tokens.
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function mintAccountToken(): MintedToken {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, hash: hashAccountToken(token) };
}

export function hashAccountToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether a string could be one of our tokens at all (anything else is refused without a query). */
export const plausibleAccountToken = (token: string) => TOKEN_SHAPE.test(token);

/**
 * The account_tokens table: single-use tokens mailed to an address (password resets,
 * email verifications), stored only as SHA-256 hashes, each valid until its expiry and
 * used up by the one conditional UPDATE that finds it unused.
 */
export function createAccountTokenRepository(db: Database) {
  return {
    transaction: <T>(op: string, fn: (tx: Queryable) => Promise<T>): Promise<T> => db.transaction(op, fn),

    /** Stores a minted token's hash for one account and address; returns when it expires (the database's clock). */
    async insert(
      tx: Queryable,
      t: { userId: string; purpose: AccountTokenPurpose; email: string; hash: string; ttlS: number },
    ): Promise<{ expiresAt: Date }> {
      const rows = await tx.query<{ expires_at: Date }>(
        'account_tokens.insert',
        `INSERT INTO account_tokens (user_id, purpose, token_hash, email, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) RETURNING expires_at`,
        [t.userId, t.purpose, t.hash, t.email, t.ttlS],
      );
      return { expiresAt: rows[0].expires_at };
    },

    /**
     * The work a reset request for a known address costs, for an address with no account:
     * the same two statements' round trips in one transaction (an indexed look-up of this
     * table, then the mail's bodies sent as parameters, as the outbox insert sends them).
     * What it cannot imitate without writing (the inserts and the flush of their WAL at
     * commit) the caller makes up for by waiting (see timing.ts).
     */
    async rehearseInsert(tx: Queryable, hash: string, mail: { text: string; html?: string }): Promise<void> {
      await tx.query('account_tokens.insert', 'SELECT count(*) AS n FROM account_tokens WHERE token_hash = $1', [hash]);
      await tx.query('mail.enqueue', 'SELECT length($1::text) + coalesce(length($2::text), 0) AS n', [mail.text, mail.html ?? null]);
    },

    /** Whether a token is unused and unexpired now (a cheap look before work worth saving; `use` decides). */
    async usable(hash: string, purpose: AccountTokenPurpose): Promise<boolean> {
      const rows = await db.query<{ ok: boolean }>(
        'account_tokens.usable',
        'SELECT true AS ok FROM account_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()',
        [hash, purpose],
      );
      return rows.length === 1;
    },

    /**
     * Uses a token up, inside the caller's transaction: exactly one of any number of
     * concurrent uses gets the account back (the UPDATE's row lock makes the others wait,
     * then find it used). A used password-reset token also ends the account's other
     * unused reset links. Undefined when unknown, used or expired.
     */
    async use(tx: Queryable, hash: string, purpose: AccountTokenPurpose): Promise<{ userId: string; email: string } | undefined> {
      const rows = await tx.query<{ user_id: string; email: string }>(
        'account_tokens.use',
        `UPDATE account_tokens SET used_at = now()
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now() RETURNING user_id, email`,
        [hash, purpose],
      );
      const row = rows[0];
      if (!row) return undefined;
      if (purpose === 'password_reset')
        await tx.query(
          'account_tokens.end_others',
          "UPDATE account_tokens SET used_at = now() WHERE user_id = $1 AND purpose = 'password_reset' AND used_at IS NULL",
          [row.user_id],
        );
      return { userId: row.user_id, email: row.email };
    },
  };
}

export type AccountTokenRepository = ReturnType<typeof createAccountTokenRepository>;

/**
 * A fresh email-verification link for the account's current address, stored (hashed)
 * inside the caller's transaction: what a verification mail and a receipt's reminder carry.
 */
export async function newVerifyLink(
  tokens: AccountTokenRepository,
  tx: Queryable,
  user: { id: string; email: string },
  ttlS: number,
): Promise<{ token: string; expiresAt: Date; ttlS: number }> {
  const minted = mintAccountToken();
  const { expiresAt } = await tokens.insert(tx, { userId: user.id, purpose: 'email_verify', email: user.email, hash: minted.hash, ttlS });
  return { token: minted.token, expiresAt, ttlS };
}
