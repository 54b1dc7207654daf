/**
 * Mail's front door: an SMTP server at SMTP_URL, or else the built-in mailbox (a table
 * read at GET /dev/mailbox; never in production, which requires SMTP_URL). The choice is
 * made here and nowhere else; the policy is mail's one (src/resilience/policies.ts), and
 * every send runs under it with a signal that closes the connection at its deadline.
 */
import type { Config } from '../../config/index.ts';
import { type DependencyHooks, mailPolicy } from '../../resilience/policies.ts';
import type { DependencyPolicy } from '../../resilience/policy.ts';
import type { Queryable } from '../database/index.ts';
import { isMailOutage, mailErrorCode } from './errors.ts';
import { createMailbox, type Mailbox } from './mailbox.ts';
import { createSmtpTransport, describeSmtpUrl } from './smtp.ts';
import type { WireMail } from './types.ts';

export { describeMailError, isPermanentMailFailure, mailErrorCode } from './errors.ts';
export type { Mailbox, MailboxMessage } from './mailbox.ts';
export { createSmtpTransport, describeSmtpUrl } from './smtp.ts';
export type { MailTransport, WireMail } from './types.ts';

/** Where the built-in mailbox is served. */
export const MAILBOX_PATH = '/dev/mailbox';

export interface OpenedMail {
  kind: 'smtp' | 'mailbox';
  policy: DependencyPolicy;
  /** Sends one message under the mail policy (breaker, bulkhead, deadline). */
  send(mail: WireMail, op?: string): Promise<{ response?: string }>;
  /** The built-in mailbox, when there is no SMTP_URL. */
  mailbox?: Mailbox;
  /** What runs where, for the start banner (never the SMTP password). */
  description: string;
  close(): Promise<void>;
}

export function openMail(config: Readonly<Config>, hooks: DependencyHooks, deps: { db: Queryable }): OpenedMail {
  if (!config.smtpUrl && config.isProduction) throw new Error('SMTP_URL is required in production');
  const policy = mailPolicy(config, hooks, isMailOutage, mailErrorCode);
  const mailbox = config.smtpUrl ? undefined : createMailbox(deps.db);
  const transport = mailbox ?? createSmtpTransport(config);
  return {
    kind: transport.kind,
    policy,
    send: (mail, op = 'send') => policy.execute(op, (signal) => transport.send(mail, signal)),
    mailbox,
    description: config.smtpUrl ? `SMTP at ${describeSmtpUrl(config.smtpUrl)}` : `built-in mailbox at ${MAILBOX_PATH}`,
    close: () => transport.close(),
  };
}
