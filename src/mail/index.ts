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
import { createMailSender, type MailFate, type MailSender } from './sender.ts';

export { devMailboxRoutes } from './mailbox-page.ts';
export { createMailOutbox, messageIdDomain } from './outbox.ts';
export type { FailedMail, OutboxStats } from './repository.ts';
export { createSealer, type Sealer } from './sealing.ts';
export { BACKOFF_CAP_MS, createMailSender, GIVE_UP_MS, type MailSender, retryDelayMs } from './sender.ts';
export type { MailOutbox, OutgoingMail, QueuedMail } from './types.ts';

// /metrics reads the outbox counts from memory, refreshed at most this often: a scrape
// never waits on the database, and counting the outbox every 5 s per worker is cheap.
const STATS_REFRESH_MS = 5000;
// /ops lists the newest failed rows: a screenful, enough to see what is wrong.
const FAILED_SHOWN = 50;

export interface MailOpsView extends OutboxStats {
  /** The newest failed rows with their errors. */
  failedMessages: FailedMail[];
}

export interface MailModule {
  sender: MailSender;
  outbox: OutboxRepository;
  /** The last outbox counts (refreshed in the background); undefined until the first read. */
  cachedStats(): OutboxStats | undefined;
  /** For /ops/data: counts and the failed rows, read now. */
  opsView(): Promise<MailOpsView>;
  mailboxRoutes: DevMailboxDeps;
}

export function createMailModule(d: {
  db: Queryable;
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
    cachedStats() {
      if (!reading && performance.now() - readAt > STATS_REFRESH_MS) {
        readAt = performance.now();
        reading = outbox
          .stats()
          .then((s) => void (stats = s))
          .catch(() => undefined) // the database's trouble is told by its own metrics
          .finally(() => (reading = undefined));
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
