import type { Queryable } from '../infra/database/index.ts';

/**
 * The outbox's reading side (the writing side is outbox.ts): the sender claims due rows
 * and records each one's fate; /ops and /metrics read counts and failures.
 */

export interface ClaimedMail {
  id: string;
  messageId: string;
  kind: string;
  recipient: string;
  subject: string;
  bodyText: string | null;
  bodyHtml: string | null;
  sealed: Buffer | null;
  holdsToken: boolean;
  /** Counting this claim. */
  attempts: number;
  createdAt: Date;
  /** The database's clock at the claim: ages are measured on one clock. */
  claimedAt: Date;
  /** Its token expired before it could be sent: the claim dropped it (bodies erased). */
  dropped: boolean;
}

export interface FailedMail {
  id: string;
  messageId: string;
  kind: string;
  recipient: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

export interface OutboxStats {
  pending: number;
  failed: number;
  /** Age of the oldest pending row, seconds; 0 when none. */
  oldestPendingS: number;
}

export interface OutboxRepository {
  /**
   * Claims up to `limit` due rows, oldest first, skipping rows another sender holds:
   * each gets attempts+1 and next_attempt_at pushed `leaseMs` ahead, so a sender that
   * dies mid-send leaves it to be retried once the lease ends. Due rows whose token
   * expired are dropped in the same statement instead.
   */
  claim(limit: number, leaseMs: number): Promise<ClaimedMail[]>;
  /** Sent: bodies of a token-bearing row are erased. */
  markSent(id: string): Promise<void>;
  /** Another attempt in `delayMs`, unless a later claim has taken the row since (`attempts` guards). */
  retry(id: string, attempts: number, delayMs: number, error: string, countAttempt?: boolean): Promise<void>;
  /** Given up: kept with its error for /ops; a token-bearing row's bodies are erased. */
  markFailed(id: string, error: string): Promise<void>;
  stats(): Promise<OutboxStats>;
  /** The newest failed rows, for /ops. */
  listFailed(limit: number): Promise<FailedMail[]>;
}

interface ClaimRow {
  id: string;
  message_id: string;
  kind: string;
  recipient: string;
  subject: string;
  body_text: string | null;
  body_html: string | null;
  sealed: Buffer | null;
  holds_token: boolean;
  attempts: number;
  created_at: Date;
  claimed_at: Date;
  status: string;
}

// Bodies are erased from rows whose token matters no more (sent, failed, dropped).
const ERASE_TOKEN_BODIES = `
  body_text = CASE WHEN holds_token THEN NULL ELSE body_text END,
  body_html = CASE WHEN holds_token THEN NULL ELSE body_html END,
  sealed = NULL`;

export function createOutboxRepository(db: Queryable): OutboxRepository {
  return {
    async claim(limit, leaseMs) {
      // One statement, so one short transaction: the row locks (FOR UPDATE SKIP LOCKED)
      // last only as long as the UPDATE; the lease in next_attempt_at is what keeps other
      // senders away while this one sends, outside any transaction.
      // Oldest first by id (creation order); pending rows are few, and the partial index
      // on (next_attempt_at, id) finds the due ones.
      const rows = await db.query<ClaimRow>(
        'mail.claim',
        `WITH due AS (
           SELECT id, (expires_at IS NOT NULL AND expires_at <= now()) AS expired
             FROM mail_outbox
            WHERE status = 'pending' AND next_attempt_at <= now()
            ORDER BY id
            LIMIT $1
            FOR UPDATE SKIP LOCKED
         )
         UPDATE mail_outbox m
            SET attempts = CASE WHEN due.expired THEN m.attempts ELSE m.attempts + 1 END,
                next_attempt_at = CASE WHEN due.expired THEN m.next_attempt_at ELSE now() + make_interval(secs => $2::double precision / 1000) END,
                status = CASE WHEN due.expired THEN 'dropped' ELSE 'pending' END,
                last_error = CASE WHEN due.expired THEN 'its token expired before it could be sent' ELSE m.last_error END,
                body_text = CASE WHEN due.expired THEN NULL ELSE m.body_text END,
                body_html = CASE WHEN due.expired THEN NULL ELSE m.body_html END,
                sealed = CASE WHEN due.expired THEN NULL ELSE m.sealed END
           FROM due
          WHERE m.id = due.id
         RETURNING m.id::text, m.message_id, m.kind, m.recipient, m.subject, m.body_text, m.body_html, m.sealed,
                   m.holds_token, m.attempts, m.created_at, now() AS claimed_at, m.status`,
        [limit, leaseMs],
      );
      return rows
        .map((r) => ({
          id: r.id,
          messageId: r.message_id,
          kind: r.kind,
          recipient: r.recipient,
          subject: r.subject,
          bodyText: r.body_text,
          bodyHtml: r.body_html,
          sealed: r.sealed,
          holdsToken: r.holds_token,
          attempts: r.attempts,
          createdAt: r.created_at,
          claimedAt: r.claimed_at,
          dropped: r.status === 'dropped',
        }))
        .sort((a, b) => Number(a.id) - Number(b.id));
    },

    async markSent(id) {
      await db.query(
        'mail.mark_sent',
        `UPDATE mail_outbox SET status = 'sent', sent_at = now(), last_error = NULL, ${ERASE_TOKEN_BODIES}
          WHERE id = $1 AND status = 'pending'`,
        [id],
      );
    },

    async retry(id, attempts, delayMs, error, countAttempt = true) {
      await db.query(
        'mail.retry',
        `UPDATE mail_outbox
            SET next_attempt_at = now() + make_interval(secs => $3::double precision / 1000), last_error = $4,
                attempts = CASE WHEN $5 THEN attempts ELSE attempts - 1 END
          WHERE id = $1 AND status = 'pending' AND attempts = $2`,
        [id, attempts, delayMs, error, countAttempt],
      );
    },

    async markFailed(id, error) {
      await db.query(
        'mail.mark_failed',
        `UPDATE mail_outbox SET status = 'failed', last_error = $2, ${ERASE_TOKEN_BODIES}
          WHERE id = $1 AND status = 'pending'`,
        [id, error],
      );
    },

    async stats() {
      const rows = await db.query<{ pending: number; failed: number; oldest_s: number | null }>(
        'mail.stats',
        `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
                count(*) FILTER (WHERE status = 'failed')::int AS failed,
                extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending'))::float8 AS oldest_s
           FROM mail_outbox WHERE status IN ('pending', 'failed')`,
      );
      const r = rows[0];
      return { pending: r?.pending ?? 0, failed: r?.failed ?? 0, oldestPendingS: Math.max(0, Math.round(r?.oldest_s ?? 0)) };
    },

    async listFailed(limit) {
      const rows = await db.query<{
        id: string;
        message_id: string;
        kind: string;
        recipient: string;
        attempts: number;
        last_error: string | null;
        created_at: Date;
      }>(
        'mail.list_failed',
        `SELECT id::text, message_id, kind, recipient, attempts, last_error, created_at
           FROM mail_outbox WHERE status = 'failed' ORDER BY created_at DESC LIMIT $1`,
        [limit],
      );
      return rows.map((r) => ({
        id: r.id,
        messageId: r.message_id,
        kind: r.kind,
        recipient: r.recipient,
        attempts: r.attempts,
        lastError: r.last_error,
        createdAt: r.created_at.toISOString(),
      }));
    },
  };
}
