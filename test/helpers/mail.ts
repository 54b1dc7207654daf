import { createSealer } from '../../src/mail/sealing.ts';
import type { TestApp } from './app.ts';
import { waitFor } from './wait.ts';

/** A message as a reader sees it. */
export interface ReadMail {
  messageId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * The messages queued for an address, oldest first, read from the outbox (token bodies
 * unsealed with the service's secret).
 */
export async function outboxMail(app: TestApp, to: string): Promise<(ReadMail & { kind: string })[]> {
  const sealer = createSealer(app.c.config.jwtSecret!);
  const rows = await app.c.db.query<{
    message_id: string;
    kind: string;
    recipient: string;
    subject: string;
    body_text: string | null;
    body_html: string | null;
    sealed: Buffer | null;
  }>(
    'test.outbox',
    'SELECT message_id, kind, recipient, subject, body_text, body_html, sealed FROM mail_outbox WHERE recipient = $1 ORDER BY id',
    [to],
  );
  return rows.map((r) => {
    const open = r.sealed ? (JSON.parse(sealer.open(r.sealed)) as { text: string; html: string | null }) : undefined;
    return {
      messageId: r.message_id,
      kind: r.kind,
      to: r.recipient,
      subject: r.subject,
      text: open?.text ?? r.body_text ?? '',
      html: open?.html ?? r.body_html ?? '',
    };
  });
}

/** Waits for the `n`th (1-based) message to an address whose subject matches. */
export async function mailTo(app: TestApp, to: string, subject: RegExp, n = 1, ms = 10_000): Promise<ReadMail> {
  return waitFor(
    async () => (await outboxMail(app, to)).filter((m) => subject.test(m.subject))[n - 1],
    ms,
    `message ${n} "${subject.source}" to ${to}`,
  );
}

/** The token in a message's link to `path` (/reset-password or /verify-email). */
export function tokenIn(mail: ReadMail, path: string): string {
  const m = new RegExp(`https?://[^\\s"<>]+${path}\\?token=([A-Za-z0-9_%-]+)`).exec(mail.text);
  if (!m) throw new Error(`no ${path} link in: ${mail.text}`);
  return decodeURIComponent(m[1]);
}
