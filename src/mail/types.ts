import type { Queryable } from '../infra/database/index.ts';

/** Every message the service sends (SPEC.md "Accounts and email"). */
export type MailKind = 'email_verification' | 'password_reset' | 'password_changed' | 'payment_receipt' | 'refund_processed';

export interface OutgoingMail {
  kind: MailKind;
  /** One address, already validated (no CR/LF can reach a header). */
  to: string;
  userId?: string;
  subject: string;
  text: string;
  html?: string;
  /**
   * The message holds a token (a reset or verification link): its bodies are stored
   * sealed and erased once sent, and it is dropped if not sent by `expiresAt`.
   */
  holdsToken?: boolean;
  /** Not sent by then: dropped, never sent late. */
  expiresAt?: Date;
}

export interface QueuedMail {
  id: string;
  messageId: string;
}

/** The outbox's writing side: every module that causes a message calls this inside its own transaction. */
export interface MailOutbox {
  enqueue(tx: Queryable, mail: OutgoingMail): Promise<QueuedMail>;
}
