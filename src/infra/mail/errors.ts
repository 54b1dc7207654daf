import { isCallRejectedError, isCallTimeoutError } from '../../resilience/policy.ts';

/** What nodemailer's errors carry (SMTP reply code, the command answered, its own code). */
interface SmtpErrorFields {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
}

const fields = (err: unknown): SmtpErrorFields => (err && typeof err === 'object' ? err : {});

/**
 * A permanent refusal: the server answered 5xx to RCPT TO or DATA, i.e. it will never take
 * this message for this recipient (unknown mailbox, content refused). Retrying would
 * only repeat it. A 5xx elsewhere (MAIL FROM, AUTH) is about our settings, which an
 * operator can fix: it is retried like an outage.
 */
export function isPermanentMailFailure(err: unknown): boolean {
  const f = fields(err);
  if (typeof f.responseCode !== 'number' || f.responseCode < 500 || f.responseCode > 599) return false;
  // nodemailer names the command answered ('RCPT TO', 'DATA', 'MAIL FROM', 'AUTH PLAIN').
  return /^(RCPT|DATA)/i.test(f.command ?? '');
}

/** Everything else that failed is the server's trouble (away, hung, slow, 4xx, refusing us): it counts against the breaker. */
export function isMailOutage(err: unknown): boolean {
  if (isCallRejectedError(err)) return false;
  return isCallTimeoutError(err) || !isPermanentMailFailure(err);
}

/** A short stable code: the SMTP reply code when there was one, else nodemailer's or the policy's. */
export function mailErrorCode(err: unknown): string {
  const f = fields(err);
  if (typeof f.responseCode === 'number') return `smtp_${f.responseCode}`;
  return f.code ?? (err as Error)?.name ?? 'error';
}

/** One line for last_error and logs: the stage, the code and the server's words (never credentials: nodemailer's messages hold none). */
export function describeMailError(err: unknown): string {
  const f = fields(err);
  const msg = (err as Error)?.message ?? String(err);
  const where = f.command ? `${f.command}: ` : '';
  // Bounded: a server's answer is one line, but the column must not grow without limit.
  return `${where}${msg}`.slice(0, 500);
}
