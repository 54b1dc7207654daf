import type { TestContext } from 'node:test';

import { createSealer } from '../../src/mail/sealing.ts';
import { buildTestApp, type TestApp } from './app.ts';
import { type SmtpSinkProcess, startSmtpSink } from './smtp.ts';
import { waitFor } from './wait.ts';

/** A message as a reader sees it. */
export interface ReadMail {
  messageId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** The service with its mail going, over real SMTP, to the project's sink (a process of its own). */
export async function buildMailApp(t: TestContext, env: Record<string, string> = {}): Promise<TestApp & { sink: SmtpSinkProcess }> {
  const sink = await startSmtpSink(t);
  const app = await buildTestApp(t, { SMTP_URL: sink.url, ...env });
  return { ...app, sink };
}

/**
 * The `n`th (1-based) message delivered to an address whose subject matches, read at the
 * SMTP server (what a mail client would get).
 */
export async function deliveredTo(sink: SmtpSinkProcess, to: string, subject: RegExp, n = 1, ms = 15_000): Promise<ReadMail> {
  const found = await waitFor(
    async () => (await sink.messages()).filter((m) => m.envelope.rcptTo.includes(to) && subject.test(m.subject))[n - 1],
    ms,
    `message ${n} "${subject.source}" delivered to ${to}`,
    100,
  );
  return { messageId: found.messageId, to, subject: found.subject, text: found.text, html: found.html };
}

/**
 * The messages queued for an address, oldest first, read from the outbox (token bodies
 * unsealed with the service's secret): what was written, sent yet or not. A body already
 * sent is erased; use it for what was (not) queued, and {@link deliveredTo} for content.
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

/** The token in a message's link to `path` (/reset-password or /verify-email). */
export function tokenIn(mail: ReadMail, path: string): string {
  const m = new RegExp(`https?://[^\\s"<>]+${path}\\?token=([A-Za-z0-9_%-]+)`).exec(mail.text);
  if (!m) throw new Error(`no ${path} link in: ${mail.text}`);
  return decodeURIComponent(m[1]);
}
