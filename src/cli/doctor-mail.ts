import addressparser from 'nodemailer/lib/addressparser';

import { type Config, isLoopbackHost } from '../config/index.ts';
import { createSmtpTransport, describeSmtpUrl } from '../infra/mail/index.ts';
import { mailSendBudgetMs } from '../resilience/policies.ts';
import type { CheckRow } from './doctor-probes.ts';

/** `npm run doctor`'s mail rows: MAIL_FROM and SMTP_URL checked, then a bounded connect + EHLO (+ AUTH). */

// The transport's own stage timeouts should fire first and name the stage; this margin
// only catches a client that ignores them.
const CLIENT_SLACK_MS = 500;

export function mailConfigChecks(config: Readonly<Config>): CheckRow[] {
  const rows: CheckRow[] = [];
  const from = /[\r\n]/.test(config.mailFrom) ? [] : addressparser(config.mailFrom);
  const one = from.length === 1 && 'address' in from[0] && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(from[0].address ?? '') ? from[0] : undefined;
  if (!one) {
    rows.push({
      check: 'MAIL_FROM',
      status: 'down',
      detail: `"${config.mailFrom.replace(/[\r\n]/g, '\\n')}" is not one address`,
      advice: 'set it to one address, e.g. "it360acad <no-reply@your-domain>"',
    });
  } else if (config.isProduction && /\.(local|localhost|test|example)$/i.test(one.address ?? '')) {
    rows.push({
      check: 'MAIL_FROM',
      status: 'warn',
      detail: `${one.address} is not a domain mail can come from`,
      advice: 'use an address at a domain your SMTP provider lets you send from (SPF/DKIM), or mail lands in spam',
    });
  } else {
    rows.push({ check: 'MAIL_FROM', status: 'ok', detail: config.mailFrom });
  }
  if (config.smtpUrl) {
    const u = new URL(config.smtpUrl);
    if (u.protocol === 'smtp:' && !isLoopbackHost(u.hostname)) {
      rows.push({
        check: 'SMTP_URL',
        status: config.isProduction ? 'ok' : 'warn',
        detail: config.isProduction
          ? `smtp:// to ${u.hostname}: STARTTLS is required (production refuses to send in clear)`
          : `smtp:// to ${u.hostname}: STARTTLS only when the server offers it`,
        ...(config.isProduction ? {} : { advice: 'use smtps:// (port 465) or a server that offers STARTTLS, as production requires' }),
      });
    }
  }
  return rows;
}

/** Connects, waits for the greeting, says EHLO (and logs in when SMTP_URL has a user), within the send budget. */
export async function probeMail(config: Readonly<Config>): Promise<CheckRow[]> {
  if (!config.smtpUrl) {
    return [
      {
        check: 'smtp',
        status: config.isProduction ? 'down' : 'skip',
        detail: 'SMTP_URL unset: mail goes to the built-in mailbox at /dev/mailbox',
        advice: config.isProduction ? 'set SMTP_URL' : 'fine for development; production needs SMTP_URL',
      },
    ];
  }
  const target = describeSmtpUrl(config.smtpUrl);
  const transport = createSmtpTransport(config);
  const budget = mailSendBudgetMs(config);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      transport.verify(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error(`no answer within ${budget} ms`), { code: 'ETIMEDOUT' })),
          budget + CLIENT_SLACK_MS,
        );
      }),
    ]);
    return [
      {
        check: 'smtp',
        status: 'ok',
        latencyMs: Math.round(performance.now() - started),
        detail: `${target} greeted and accepted EHLO${new URL(config.smtpUrl).username ? ' and the login' : ''}`,
      },
    ];
  } catch (err) {
    const e = err as { code?: string; responseCode?: number; message?: string };
    const auth = e.code === 'EAUTH' || e.responseCode === 535;
    return [
      {
        check: 'smtp',
        status: 'down',
        latencyMs: Math.round(performance.now() - started),
        // nodemailer's messages name the stage and the server's answer, never the password.
        detail: `${target}: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`,
        advice: auth
          ? 'the server refused the login: check the user and password in SMTP_URL (URL-encode special characters)'
          : `mail is queued and retried for 24 h, but nothing is delivered until ${target} answers within SMTP_TIMEOUT_MS (${config.smtpTimeoutMs} ms)`,
      },
    ];
  } finally {
    clearTimeout(timer);
    await transport.close().catch(() => undefined);
  }
}
