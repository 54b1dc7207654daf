import type { ClaimedMail, FailedMail, OutboxRepository, OutboxStats } from '../../../src/mail/repository.ts';

/** One outbox row as the fake keeps it. */
export interface FakeRow extends ClaimedMail {
  status: 'pending' | 'sent' | 'failed' | 'dropped';
  nextAttemptAt: number;
  expiresAt?: number;
  lastError: string | null;
}

/**
 * The outbox repository in memory, with the real one's rules (due rows oldest first, the
 * lease, attempts guarding a retry, token bodies erased), on a clock the test moves.
 */
export function fakeOutbox(clock: { now: () => number }) {
  const rows: FakeRow[] = [];
  let seq = 0;
  const repo: OutboxRepository = {
    async claim(limit, leaseMs) {
      const now = clock.now();
      const due = rows.filter((r) => r.status === 'pending' && r.nextAttemptAt <= now).slice(0, limit);
      return due.map((r) => {
        if (r.expiresAt !== undefined && r.expiresAt <= now) {
          Object.assign(r, { status: 'dropped', dropped: true, sealed: null, bodyText: null, bodyHtml: null });
        } else {
          r.attempts += 1;
          r.nextAttemptAt = now + leaseMs;
        }
        return { ...r, claimedAt: new Date(now) };
      });
    },
    async markSent(id) {
      const r = rows.find((x) => x.id === id && x.status === 'pending');
      if (!r) return;
      r.status = 'sent';
      r.sealed = null;
      if (r.holdsToken) Object.assign(r, { bodyText: null, bodyHtml: null });
    },
    async retry(id, attempts, delayMs, error, countAttempt = true) {
      const r = rows.find((x) => x.id === id && x.status === 'pending' && x.attempts === attempts);
      if (!r) return;
      r.nextAttemptAt = clock.now() + delayMs;
      r.lastError = error;
      if (!countAttempt) r.attempts -= 1;
    },
    async markFailed(id, error) {
      const r = rows.find((x) => x.id === id && x.status === 'pending');
      if (!r) return;
      Object.assign(r, { status: 'failed', lastError: error, sealed: null });
    },
    async stats(): Promise<OutboxStats> {
      const pending = rows.filter((r) => r.status === 'pending');
      return { pending: pending.length, failed: rows.filter((r) => r.status === 'failed').length, oldestPendingS: 0 };
    },
    async listFailed(): Promise<FailedMail[]> {
      return [];
    },
  };
  return {
    repo,
    rows,
    add(over: Partial<FakeRow> = {}): FakeRow {
      seq += 1;
      const r: FakeRow = {
        id: String(seq),
        messageId: `<m${seq}@academy.test>`,
        kind: 'password_changed',
        recipient: `u${seq}@example.test`,
        subject: `Message ${seq}`,
        bodyText: 'Hello',
        bodyHtml: null,
        sealed: null,
        holdsToken: false,
        attempts: 0,
        createdAt: new Date(clock.now()),
        claimedAt: new Date(clock.now()),
        dropped: false,
        status: 'pending',
        nextAttemptAt: clock.now(),
        lastError: null,
        ...over,
      };
      rows.push(r);
      return r;
    },
  };
}
