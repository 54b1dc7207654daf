import { randomUUID } from 'node:crypto';

import type { Queryable } from '../infra/database/index.ts';
import type { Sealer } from './sealing.ts';
import type { MailOutbox, OutgoingMail, QueuedMail } from './types.ts';

/**
 * The outbox's writing side. A row is written in the caller's transaction, so the
 * message exists exactly when the event that causes it committed. Its Message-ID is
 * fixed here, once: every delivery attempt of the row sends the same one.
 */
export function createMailOutbox(deps: { sealer: Sealer; messageIdDomain: string }): MailOutbox {
  return {
    async enqueue(tx: Queryable, mail: OutgoingMail): Promise<QueuedMail> {
      const messageId = `<${randomUUID()}@${deps.messageIdDomain}>`;
      const sealed = mail.holdsToken ? deps.sealer.seal(JSON.stringify({ text: mail.text, html: mail.html ?? null })) : null;
      const rows = await tx.query<{ id: string }>(
        'mail.enqueue',
        `INSERT INTO mail_outbox (message_id, kind, user_id, recipient, subject, body_text, body_html, sealed, holds_token, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id::text`,
        [
          messageId,
          mail.kind,
          mail.userId ?? null,
          mail.to,
          mail.subject,
          sealed ? null : mail.text,
          sealed ? null : (mail.html ?? null),
          sealed,
          Boolean(mail.holdsToken),
          mail.expiresAt ?? null,
        ],
      );
      return { id: rows[0].id, messageId };
    },
  };
}

/** The domain part of Message-IDs: MAIL_FROM's domain, so they are globally unique and ours. */
export function messageIdDomain(mailFrom: string): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(mailFrom);
  return m ? m[1].toLowerCase() : 'it360acad.local';
}
