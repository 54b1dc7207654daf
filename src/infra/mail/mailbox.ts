import type { Queryable } from '../database/index.ts';
import type { MailTransport, WireMail } from './types.ts';

/** The built-in mailbox keeps this many messages, newest first: a development session's worth. */
export const MAILBOX_KEPT = 500;

export interface MailboxMessage {
  id: string;
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  receivedAt: string;
}

export interface Mailbox {
  list(limit?: number): Promise<MailboxMessage[]>;
}

interface Row {
  id: string;
  message_id: string;
  sender: string;
  recipient: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  received_at: Date;
}

const toMessage = (r: Row): MailboxMessage => ({
  id: r.id,
  messageId: r.message_id,
  from: r.sender,
  to: r.recipient,
  subject: r.subject,
  text: r.body_text,
  html: r.body_html,
  receivedAt: r.received_at.toISOString(),
});

const COLUMNS = 'id::text, message_id, sender, recipient, subject, body_text, body_html, received_at';

/**
 * The mailbox inside the service, for development without SMTP_URL: delivering a message
 * writes a row of dev_mailbox (and trims the table to the newest MAILBOX_KEPT), so every
 * worker and a restart see the same mailbox. Reads it for GET /dev/mailbox.
 */
export function createMailbox(db: Queryable): MailTransport & Mailbox {
  // Deliveries one at a time per process: a batch of sends at once would otherwise ask
  // the embedded database (one connection) for more than its queue holds and fail as if
  // the mailbox were down. Each waits inside its own send budget.
  let last: Promise<unknown> = Promise.resolve();
  const deliver = async (mail: WireMail, signal: AbortSignal) => {
    if (signal.aborted) throw signal.reason;
    await db.query(
      'mailbox.deliver',
      `INSERT INTO dev_mailbox (message_id, sender, recipient, subject, body_text, body_html) VALUES ($1, $2, $3, $4, $5, $6)`,
      [mail.messageId, mail.from, mail.to, mail.subject, mail.text, mail.html ?? null],
    );
    await db.query('mailbox.trim', `DELETE FROM dev_mailbox WHERE id <= (SELECT id FROM dev_mailbox ORDER BY id DESC OFFSET $1 LIMIT 1)`, [
      MAILBOX_KEPT,
    ]);
    return { response: '250 kept in the built-in mailbox' };
  };
  return {
    kind: 'mailbox',
    send(mail: WireMail, signal: AbortSignal) {
      const turn = last.then(() => deliver(mail, signal));
      last = turn.catch(() => undefined);
      return turn;
    },
    async list(limit = MAILBOX_KEPT) {
      // Qualified: a bare `id` would sort by the output column id::text ('98' after '509').
      const rows = await db.query<Row>('mailbox.list', `SELECT ${COLUMNS} FROM dev_mailbox ORDER BY dev_mailbox.id DESC LIMIT $1`, [limit]);
      return rows.map(toMessage);
    },
    close: async () => undefined,
  };
}
