/**
 * Mail's domain front door: the outbox's reading side, the background sender, the
 * built-in mailbox's pages, and what /ops and /metrics show of the outbox. The writing
 * side (createMailOutbox) is built once in the container and handed to the modules
 * that cause mail.
 */
import type { Logger } from 'pino';

import type { Queryable } from '../infra/database/index.ts';
import type { OpenedMail } from '../infra/mail/index.ts';
import type { DevMailboxDeps } from './mailbox-page.ts';
import { createOutboxRepository, type FailedMail, type OutboxRepository, type OutboxStats } from './repository.ts';
import type { Sealer } from './sealing.ts';
import { createMailSender, type MailFate, type MailSender, type MailSenderDeps } from './sender.ts';

export { devMailboxRoutes } from './mailbox-page.ts';
export { createMailOutbox, messageIdDomain } from './outbox.ts';
export type { FailedMail, OutboxStats } from './repository.ts';
export { createSealer, type Sealer } from './sealing.ts';
export { BACKOFF_CAP_MS, createMailSender, GIVE_UP_MS, type MailSender, retryDelayMs } from './sender.ts';
export type { MailOutbox, OutgoingMail, QueuedMail } from './types.ts';

// /metrics counts the outbox at most this often per worker (a cheap query on partial
// indexes); scrapes in between get the last counts.
const STATS_REFRESH_MS = 5000;
// A scrape waits at most this long for fresh counts, then shows the last ones: /metrics
// must answer while the database is slow (the supervisor waits 1 s for each worker).
const STATS_WAIT_MS = 500;
// /ops lists the newest failed rows: a screenful, enough to see what is wrong.
const FAILED_SHOWN = 50;

export interface MailOpsView extends OutboxStats {
  /** The newest failed rows with their errors. */
  failedMessages: FailedMail[];
}

export interface MailModule {
  sender: MailSender;
  outbox: OutboxRepository;
  /** Outbox counts at most 5 s old, waiting at most 500 ms for a fresh read (else the last ones; undefined before any). */
  cachedStats(): Promise<OutboxStats | undefined>;
  /** For /ops/data: counts and the failed rows, read now. */
  opsView(): Promise<MailOpsView>;
  mailboxRoutes: DevMailboxDeps;
}

export function createMailModule(d: {
  db: Queryable;
  databasePolicy?: MailSenderDeps['databasePolicy'];
  mail: OpenedMail;
  sealer: Sealer;
  mailFrom: string;
  sendBudgetMs: number;
  host: string;
  opsToken?: string;
  logger: Logger;
  onFate?: (fate: MailFate, kind: string) => void;
}): MailModule {
  const outbox = createOutboxRepository(d.db);
  const sender = createMailSender({
    outbox,
    send: (m) => d.mail.send(m),
    policy: d.mail.policy,
    databasePolicy: d.databasePolicy,
    sealer: d.sealer,
    from: d.mailFrom,
    sendBudgetMs: d.sendBudgetMs,
    logger: d.logger,
    onFate: d.onFate,
  });
  let stats: OutboxStats | undefined;
  let readAt = 0;
  let reading: Promise<void> | undefined;
  return {
    sender,
    outbox,
    async cachedStats() {
      if (!reading && performance.now() - readAt > STATS_REFRESH_MS) {
        readAt = performance.now();
        reading = outbox
          .stats()
          .then((s) => void (stats = s))
          .catch(() => undefined) // the database's trouble is told by its own metrics
          .finally(() => (reading = undefined));
      }
      if (reading) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([reading, new Promise((r) => (timer = setTimeout(r, STATS_WAIT_MS)))]);
        clearTimeout(timer);
      }
      return stats;
    },
    async opsView() {
      const [s, failedMessages] = await Promise.all([outbox.stats(), outbox.listFailed(FAILED_SHOWN)]);
      stats = s;
      return { ...s, failedMessages };
    },
    mailboxRoutes: { mailbox: d.mail.mailbox, host: d.host, opsToken: d.opsToken },
  };
}
