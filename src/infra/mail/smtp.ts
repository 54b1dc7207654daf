import nodemailer from 'nodemailer';

import { type Config, isLoopbackHost } from '../../config/index.ts';
import type { MailTransport, WireMail } from './types.ts';

/** SMTP_URL without its password, for the banner, logs and doctor. */
export function describeSmtpUrl(smtpUrl: string): string {
  const u = new URL(smtpUrl);
  return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}`;
}

/**
 * nodemailer's SMTP transport for SMTP_URL: smtp:// upgrades with STARTTLS when the
 * server offers it, smtps:// is TLS from the first byte. Not pooled: a connection per
 * message, so a send's AbortSignal closes exactly its own connection, and nothing is
 * left half-open to a server that hung.
 */
export function createSmtpTransport(config: Pick<Config, 'smtpUrl' | 'smtpTimeoutMs' | 'isProduction'>): MailTransport & {
  verify(): Promise<void>;
} {
  const u = new URL(config.smtpUrl!);
  const secure = u.protocol === 'smtps:';
  const host = u.hostname;
  const transporter = nodemailer.createTransport({
    host,
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    // Production never sends mail in clear to another host: STARTTLS must succeed
    // (SPEC.md "Platform"); a loopback server (a local relay, the test sink) is exempt.
    requireTLS: !secure && config.isProduction && !isLoopbackHost(host),
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
    // TCP connect: a server that does not accept within the stage budget is away.
    connectionTimeout: config.smtpTimeoutMs,
    // The 220 greeting: a server that accepts but never greets (overloaded, frozen) is hung.
    greetingTimeout: config.smtpTimeoutMs,
    // Inactivity on an open connection: no answer to a command within the budget is a hang.
    socketTimeout: config.smtpTimeoutMs,
    // Resolving the host name: a broken resolver must not hold the send either.
    dnsTimeout: config.smtpTimeoutMs,
    // Our own logger says what happened; nodemailer's would print the conversation (and AUTH).
    logger: false,
    debug: false,
  });
  return {
    kind: 'smtp',
    async send(mail: WireMail, signal: AbortSignal) {
      const info = await transporter.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html ?? undefined,
        // The row's Message-ID, the same on every attempt.
        messageId: mail.messageId,
        headers: mail.headers,
        // nodemailer closes this send's connection when the signal aborts (the policy's deadline).
        signal,
      });
      return { response: info.response };
    },
    verify: async () => void (await transporter.verify()),
    close: async () => transporter.close(),
  };
}
