import type { OutgoingMail } from './types.ts';

/**
 * The messages the service sends, as text and simple HTML. Links are built from the
 * service's public origin. Names, titles and addresses are user-controlled: they appear
 * only in bodies (escaped in HTML); the only header a caller's data reaches is the
 * recipient, an address validated at the door (no control characters). Subjects are fixed.
 */

export interface Recipient {
  /** The validated address the message goes to. */
  email: string;
  userId?: string;
  firstName?: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// Plain-text bodies: no control characters but newlines from our own templates.
const plain = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');

const greeting = (r: Recipient) => (r.firstName ? `Hello ${plain(r.firstName)},` : 'Hello,');
const greetingHtml = (r: Recipient) => (r.firstName ? `Hello ${esc(plain(r.firstName))},` : 'Hello,');

/** Amounts are integers in the currency's minor unit (kobo for NGN): two decimals, grouped. */
export function formatMoney(minor: number, currency: string): string {
  const major = (minor / 100).toLocaleString('en-NG', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${currency} ${major}`;
}

const formatDate = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function link(publicUrl: string, path: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${path}?token=${encodeURIComponent(token)}`;
}

function html(title: string, paragraphs: string[]): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head>` +
    `<body style="font-family:system-ui,sans-serif;color:#1f2937;max-width:36rem">${paragraphs.map((p) => `<p>${p}</p>`).join('')}` +
    `<p style="color:#6b7280">it360acad</p></body></html>`
  );
}

function button(href: string, label: string): string {
  return `<a href="${esc(href)}" style="display:inline-block;padding:.6rem 1rem;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:4px">${esc(label)}</a>`;
}

const ttlWords = (ttlS: number) =>
  ttlS % 86_400 === 0
    ? `${ttlS / 86_400} day${ttlS === 86_400 ? '' : 's'}`
    : ttlS % 3600 === 0
      ? `${ttlS / 3600} hour${ttlS === 3600 ? '' : 's'}`
      : `${Math.max(1, Math.round(ttlS / 60))} minutes`;

export interface TokenLink {
  token: string;
  expiresAt: Date;
  ttlS: number;
}

export function emailVerificationMail(r: Recipient, publicUrl: string, t: TokenLink): OutgoingMail {
  const url = link(publicUrl, '/verify-email', t.token);
  const subject = 'Confirm your email address';
  return {
    kind: 'email_verification',
    to: r.email,
    userId: r.userId,
    subject,
    text: `${greeting(r)}\n\nPlease confirm that this is your email address for it360acad by opening this link:\n\n${url}\n\nThe link works for ${ttlWords(t.ttlS)}. If you did not create an account, ignore this message.\n\nit360acad\n`,
    html: html(subject, [
      greetingHtml(r),
      'Please confirm that this is your email address for it360acad.',
      button(url, 'Confirm my email'),
      `Or open this link: <a href="${esc(url)}">${esc(url)}</a>`,
      `The link works for ${ttlWords(t.ttlS)}. If you did not create an account, ignore this message.`,
    ]),
    holdsToken: true,
    expiresAt: t.expiresAt,
  };
}

export function passwordResetMail(r: Recipient, publicUrl: string, t: TokenLink): OutgoingMail {
  const url = link(publicUrl, '/reset-password', t.token);
  const subject = 'Reset your password';
  return {
    kind: 'password_reset',
    to: r.email,
    userId: r.userId,
    subject,
    text: `${greeting(r)}\n\nSomeone (we hope you) asked to reset the password of your it360acad account. To choose a new password, open this link:\n\n${url}\n\nThe link works once, for ${ttlWords(t.ttlS)}. If you did not ask, ignore this message: your password stays as it is.\n\nit360acad\n`,
    html: html(subject, [
      greetingHtml(r),
      'Someone (we hope you) asked to reset the password of your it360acad account.',
      button(url, 'Choose a new password'),
      `Or open this link: <a href="${esc(url)}">${esc(url)}</a>`,
      `The link works once, for ${ttlWords(t.ttlS)}. If you did not ask, ignore this message: your password stays as it is.`,
    ]),
    holdsToken: true,
    expiresAt: t.expiresAt,
  };
}

export function passwordChangedMail(r: Recipient, publicUrl: string, at: Date): OutgoingMail {
  const forgot = `${publicUrl.replace(/\/+$/, '')}/reset-password`;
  const subject = 'Your password was changed';
  return {
    kind: 'password_changed',
    to: r.email,
    userId: r.userId,
    subject,
    text: `${greeting(r)}\n\nThe password of your it360acad account was changed on ${formatDate(at)}, and every session signed in with the old one has ended.\n\nIf this was not you, reset your password now (${forgot}) and tell us.\n\nit360acad\n`,
    html: html(subject, [
      greetingHtml(r),
      `The password of your it360acad account was changed on ${esc(formatDate(at))}, and every session signed in with the old one has ended.`,
      `If this was not you, <a href="${esc(forgot)}">reset your password now</a> and tell us.`,
    ]),
  };
}

export interface ReceiptFacts {
  courseTitle: string;
  amount: number;
  currency: string;
  reference: string;
  paidAt: Date;
}

/** A payment receipt; with `reminder`, an unverified account's one reminder with a fresh verification link. */
export function paymentReceiptMail(r: Recipient, publicUrl: string, p: ReceiptFacts, reminder?: TokenLink): OutgoingMail {
  const subject = 'Your it360acad receipt';
  const amount = p.amount === 0 ? `${formatMoney(0, p.currency)} (free course)` : formatMoney(p.amount, p.currency);
  const verifyUrl = reminder && link(publicUrl, '/verify-email', reminder.token);
  const text =
    `${greeting(r)}\n\nThank you: you are enrolled in "${plain(p.courseTitle)}".\n\n` +
    `Course:    ${plain(p.courseTitle)}\nAmount:    ${amount}\nReference: ${p.reference}\nDate:      ${formatDate(p.paidAt)}\n\n` +
    (verifyUrl
      ? `One more thing: your email address is not confirmed yet. Confirming it lets you recover your account if you forget your password:\n\n${verifyUrl}\n\n(The link works for ${ttlWords(reminder.ttlS)}.)\n\n`
      : '') +
    'Keep this message as your receipt.\n\nit360acad\n';
  const rows = [
    ['Course', esc(plain(p.courseTitle))],
    ['Amount', esc(amount)],
    ['Reference', `<code>${esc(p.reference)}</code>`],
    ['Date', esc(formatDate(p.paidAt))],
  ]
    .map(([k, v]) => `<tr><th align="left" style="padding-right:1rem">${k}</th><td>${v}</td></tr>`)
    .join('');
  return {
    kind: 'payment_receipt',
    to: r.email,
    userId: r.userId,
    subject,
    text,
    html: html(subject, [
      greetingHtml(r),
      `Thank you: you are enrolled in &ldquo;${esc(plain(p.courseTitle))}&rdquo;.`,
      `<table>${rows}</table>`,
      ...(verifyUrl
        ? [
            'One more thing: your email address is not confirmed yet. Confirming it lets you recover your account if you forget your password.',
            button(verifyUrl, 'Confirm my email'),
          ]
        : []),
      'Keep this message as your receipt.',
    ]),
    // A reminder holds a verification token: sealed at rest, dropped if not sent in time.
    ...(reminder ? { holdsToken: true, expiresAt: reminder.expiresAt } : {}),
  };
}

export interface RefundFacts {
  courseTitle: string;
  refundAmount: number;
  refundedTotal: number;
  paidAmount: number;
  currency: string;
  reference: string;
  /** A second charge for a course already held: refunded without touching the enrollment. */
  secondCharge: boolean;
  processedAt: Date;
}

export function refundProcessedMail(r: Recipient, f: RefundFacts): OutgoingMail {
  const subject = 'Your it360acad refund';
  const full = f.refundedTotal >= f.paidAmount;
  const effect = f.secondCharge
    ? 'This payment was a second charge for a course you already hold: it is refunded, and your enrollment continues.'
    : full
      ? 'The payment is refunded in full, and the enrollment in the course has ended.'
      : `This is a partial refund: ${formatMoney(f.refundedTotal, f.currency)} of ${formatMoney(f.paidAmount, f.currency)} refunded so far; your enrollment continues.`;
  return {
    kind: 'refund_processed',
    to: r.email,
    userId: r.userId,
    subject,
    text:
      `${greeting(r)}\n\nA refund of ${formatMoney(f.refundAmount, f.currency)} for "${plain(f.courseTitle)}" (reference ${f.reference}) was processed on ${formatDate(f.processedAt)}.\n\n` +
      `${effect}\n\nIt may take a few working days to appear on your statement.\n\nit360acad\n`,
    html: html(subject, [
      greetingHtml(r),
      `A refund of ${esc(formatMoney(f.refundAmount, f.currency))} for &ldquo;${esc(plain(f.courseTitle))}&rdquo; (reference <code>${esc(f.reference)}</code>) was processed on ${esc(formatDate(f.processedAt))}.`,
      esc(effect),
      'It may take a few working days to appear on your statement.',
    ]),
  };
}
