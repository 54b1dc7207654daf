import type { Logger } from 'pino';

import { describeMailError, isPermanentMailFailure, mailErrorCode, type WireMail } from '../infra/mail/index.ts';
import { asTask } from '../resilience/call-tracing.ts';
import { MAIL_CONCURRENCY } from '../resilience/policies.ts';
import { type DependencyPolicy, isCallRejectedError } from '../resilience/policy.ts';
import type { ClaimedMail, OutboxRepository } from './repository.ts';
import type { Sealer } from './sealing.ts';

/**
 * The background sender: in every worker, it claims due outbox rows and delivers them.
 *
 * Hand-rolled on `FOR UPDATE SKIP LOCKED` rather than pg-boss: the outbox row is written
 * by the modules in their own transactions with their own SQL (a pg-boss job would need
 * its schema, its own connection handling and its own polling beside ours), the claim is
 * one statement, and the rules that matter here (a fixed Message-ID per row, sealed
 * bodies erased once sent, dropping rows whose token expired, 24 h then `failed` on
 * /ops) are columns of our one table either way. One statement per claim keeps every
 * row lock short; the lease in next_attempt_at keeps other senders (workers, instances)
 * away while a row is being sent outside any transaction.
 */

// A message waits at most about this long for its first attempt; a due-row query on a
// partial index once a second per worker costs next to nothing.
export const POLL_MS = 1000;
// Rows claimed at once, sent side by side: the mail bulkhead's width, so a batch never
// refuses itself; a backlog drains a batch per round trip, polling again at once.
export const BATCH_SIZE = MAIL_CONCURRENCY;
// SPEC.md: retries for 24 h after the row was written, then `failed` (shown on /ops).
export const GIVE_UP_MS = 24 * 60 * 60 * 1000;
// The first retry after 1 s, doubling: a blip costs a second, a long outage few attempts.
const BACKOFF_BASE_MS = 1000;
// Never more than 30 s between attempts, so every message queued during an outage is
// delivered within 60 s after it ends (a 30 s wait, then the breaker's trial and a send).
export const BACKOFF_CAP_MS = 30_000;
// A send refused before it started (breaker open, bulkhead full) was no attempt: it goes
// back to the queue for the next poll after this, its attempt uncounted.
const REJECTED_RETRY_MS = 1000;
// A claim lasts a send's whole budget plus time to record its outcome; only a sender that
// died mid-send makes anyone wait for it (then the row is sent again, same Message-ID).
const LEASE_MARGIN_MS = 10_000;

/** Delay before attempt `attempts + 1`: exponential from 1 s, half of it jittered, capped at 30 s. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const full = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
  // Equal jitter: senders that failed together do not retry together, and the wait is
  // never less than half the step (a real backoff).
  return Math.min(BACKOFF_CAP_MS, Math.round(full / 2 + random() * (full / 2)));
}

export type MailFate = 'sent' | 'retry' | 'failed' | 'dropped' | 'requeued';

export interface RunResult {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  dropped: number;
}

export interface MailSenderDeps {
  outbox: OutboxRepository;
  /** Sends one message under the mail policy (OpenedMail.send). */
  send: (mail: WireMail) => Promise<unknown>;
  policy: Pick<DependencyPolicy, 'state' | 'isOpen'>;
  /** The database's breaker: while it is open a claim would only be refused (and logged) once a second. */
  databasePolicy?: Pick<DependencyPolicy, 'isOpen'>;
  /** Opens token-bearing bodies (the same secret the outbox sealed them with). */
  sealer: Sealer;
  /** MAIL_FROM. */
  from: string;
  /** The whole budget of one send (mailSendBudgetMs): the claim's lease is longer. */
  sendBudgetMs: number;
  logger: Logger;
  onFate?: (fate: MailFate, kind: string) => void;
  /** Tests shorten these; production uses the constants above. */
  pollMs?: number;
  giveUpMs?: number;
  random?: () => number;
}

export interface MailSender {
  /** Claims one batch and delivers it. */
  runOnce(): Promise<RunResult>;
  /** Runs the loop in the background: a batch, then the next poll. */
  start(): void;
  /** Polls now instead of at the next tick (after an enqueue, in tests). */
  wake(): void;
  /** Stops the loop and waits for the batch in flight; idempotent. */
  stop(): Promise<void>;
}

function openBodies(row: ClaimedMail, sealer: Sealer): { text: string; html: string | null } {
  if (!row.sealed) return { text: row.bodyText ?? '', html: row.bodyHtml };
  const body = JSON.parse(sealer.open(row.sealed)) as { text: string; html: string | null };
  return { text: body.text, html: body.html };
}

export function createMailSender(d: MailSenderDeps): MailSender {
  const pollMs = d.pollMs ?? POLL_MS;
  const giveUpMs = d.giveUpMs ?? GIVE_UP_MS;
  const leaseMs = d.sendBudgetMs + LEASE_MARGIN_MS;
  const log = (row: ClaimedMail, fate: MailFate, extra: Record<string, unknown> = {}) => {
    d.onFate?.(fate, row.kind);
    // Never the recipient or the bodies: the outbox id and Message-ID find the row.
    const fields = {
      dependency: 'mail',
      op: 'send',
      fate,
      kind: row.kind,
      outboxId: row.id,
      messageId: row.messageId,
      attempts: row.attempts,
    };
    const level = fate === 'failed' ? 'error' : fate === 'sent' || fate === 'dropped' ? 'info' : 'warn';
    d.logger[level]({ ...fields, ...extra }, `mail ${row.kind} ${fate}`);
  };

  async function deliver(row: ClaimedMail): Promise<MailFate> {
    if (row.dropped) {
      log(row, 'dropped', { reason: 'token expired before sending' });
      return 'dropped';
    }
    let bodies: { text: string; html: string | null };
    try {
      bodies = openBodies(row, d.sealer);
    } catch (err) {
      // Sealed under another secret (JWT_SECRET changed since): it can never be opened.
      const why = `sealed body cannot be opened (was JWT_SECRET changed?): ${(err as Error).message}`;
      await d.outbox.markFailed(row.id, why);
      log(row, 'failed', { errorCode: 'unseal_failed' });
      return 'failed';
    }
    try {
      await d.send({
        messageId: row.messageId,
        from: d.from,
        to: row.recipient,
        subject: row.subject,
        text: bodies.text,
        html: bodies.html,
      });
    } catch (err) {
      const error = describeMailError(err);
      if (isCallRejectedError(err)) {
        await d.outbox.retry(row.id, row.attempts, REJECTED_RETRY_MS, error, false);
        return 'requeued';
      }
      if (isPermanentMailFailure(err)) {
        await d.outbox.markFailed(row.id, error);
        log(row, 'failed', { errorCode: mailErrorCode(err), error });
        return 'failed';
      }
      const delay = retryDelayMs(row.attempts, d.random);
      const age = row.claimedAt.getTime() - row.createdAt.getTime();
      if (age + delay > giveUpMs) {
        await d.outbox.markFailed(row.id, `gave up after ${row.attempts} attempts in ${Math.round(age / 3_600_000)} h: ${error}`);
        log(row, 'failed', { errorCode: mailErrorCode(err), error });
        return 'failed';
      }
      await d.outbox.retry(row.id, row.attempts, delay, error);
      log(row, 'retry', { errorCode: mailErrorCode(err), retryInMs: delay });
      return 'retry';
    }
    await d.outbox.markSent(row.id);
    log(row, 'sent');
    return 'sent';
  }

  async function runOnce(): Promise<RunResult> {
    const result: RunResult = { claimed: 0, sent: 0, retried: 0, failed: 0, dropped: 0 };
    // An open breaker: the server is away; claiming now would only bump attempts.
    if (d.policy.isOpen() || d.databasePolicy?.isOpen()) return result;
    // Half-open lets one trial call through: claim one row, not a batch that would bounce.
    const rows = await d.outbox.claim(d.policy.state() === 'closed' ? BATCH_SIZE : 1, leaseMs);
    result.claimed = rows.length;
    // Each message is a unit of work: with tracing on, a trace of its own (its SMTP call, its database writes).
    const fates = await Promise.allSettled(rows.map((row) => asTask('mail', row.id, () => deliver(row))));
    for (const [i, f] of fates.entries()) {
      if (f.status === 'rejected') {
        // Recording the outcome failed (the database went away): the lease brings the row back.
        d.logger.warn(
          { dependency: 'mail', op: 'record', outboxId: rows[i].id, err: (f.reason as Error).message },
          'mail outcome not recorded',
        );
        continue;
      }
      if (f.value === 'sent') result.sent++;
      else if (f.value === 'retry' || f.value === 'requeued') result.retried++;
      else if (f.value === 'failed') result.failed++;
      else result.dropped++;
    }
    return result;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  let stopping: Promise<void> | undefined;
  let claimFailing = false;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(tick, ms);
    timer.unref();
  };
  const tick = () => {
    timer = undefined;
    let full = false;
    running = runOnce()
      .then((r) => {
        full = r.claimed >= BATCH_SIZE;
        if (claimFailing) d.logger.info({ dependency: 'mail', op: 'claim' }, 'mail sender claims again');
        claimFailing = false;
      })
      .catch((err: unknown) => {
        // Said once per outage, not once a second.
        if (!claimFailing)
          d.logger.warn({ dependency: 'mail', op: 'claim', err: (err as Error).message }, 'mail sender cannot claim; retrying');
        claimFailing = true;
      })
      .finally(() => {
        running = undefined;
        // A full batch means a backlog: the next one at once. Jittered otherwise (up to 10%)
        // so workers started together do not poll in lockstep.
        schedule(full ? 0 : pollMs * (0.9 + Math.random() * 0.1));
      });
  };

  return {
    runOnce,
    start: () => schedule(0),
    wake() {
      if (stopped || running || !timer) return;
      clearTimeout(timer);
      schedule(0);
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        await running;
      })();
      return stopping;
    },
  };
}
