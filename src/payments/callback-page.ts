import { createHash } from 'node:crypto';

import type { FastifyPluginAsync } from 'fastify';

import { addressKey, type RateLimiter } from '../http/rate-limit.ts';
import { cspWith } from '../http/security.ts';
import type { PaymentService } from './service.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function money(minor: number, currency: string): string {
  return `${currency} ${(minor / 100).toLocaleString('en-NG', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

const MESSAGES: Record<string, [string, string]> = {
  success: ['Payment successful', 'You are enrolled. Happy learning!'],
  refunded: ['Payment refunded', 'This payment was refunded.'],
  refund_pending: ['Refund in progress', 'A refund for this payment is being processed.'],
  pending: ['Payment pending', 'We are waiting for Paystack to confirm your payment. This page refreshes by itself.'],
  failed: ['Payment failed', 'The payment did not go through. You can try again from the course page.'],
  abandoned: ['Payment not completed', 'The checkout was left before paying. You can try again from the course page.'],
  expired: ['Payment expired', 'This payment attempt expired. You can start a new one.'],
  flagged: [
    'Payment under review',
    'Paystack reported a different amount for this payment, so it was not applied. Our team will refund or settle it; you can start a new payment.',
  ],
};

// Anyone can load this page, and each load may ask Paystack (whose rate limit the
// merchant shares): 30 loads a minute per address is far above a person watching their
// payment (the pending page refreshes every 3 s, 20 a minute). Over it: 429 problem+json
// with Retry-After, as every other limit answers.
const CALLBACK_LOADS_PER_ADDRESS = { max: 30, windowMs: 60_000 };

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1f2937}h1{font-size:1.5rem}.s-success h1{color:#15803d}.s-failed h1,.s-abandoned h1,.s-expired h1{color:#b91c1c}dt{font-weight:600;margin-top:.5rem}dd{margin:0}';
// The page's one inline style is allowed by its hash: nothing injected into the page
// could add a style (or, since no script is allowed at all, a script) of its own.
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/**
 * GET /payments/callback: where Paystack's checkout sends the customer back. It asks
 * Paystack for the outcome (bounded by PAYSTACK_VERIFY_WAIT_MS) and shows it. Plain
 * HTML with no script, so the strictest Content-Security-Policy applies.
 */
export const paymentCallbackPage: FastifyPluginAsync<{ payments: PaymentService; limits: RateLimiter }> = async (
  app,
  { payments, limits },
) => {
  const limit = limits.guard([{ name: 'payment-callback-address', limit: CALLBACK_LOADS_PER_ADDRESS, key: (r) => addressKey(r.ip) }]);
  app.get<{ Querystring: { reference?: string; trxref?: string } }>(
    '/payments/callback',
    {
      schema: { hide: true },
      preHandler: limit.preHandler,
      config: { helmet: { contentSecurityPolicy: cspWith({ 'style-src': [STYLE_HASH] }) } },
    },
    async (request, reply) => {
      const reference = String(request.query.reference ?? request.query.trxref ?? '').slice(0, 100);
      const found = /^[A-Za-z0-9_.=-]+$/.test(reference) ? await payments.findForCallback(reference) : undefined;
      let title = 'Payment not found';
      let body = '<p>We could not find this payment.</p>';
      let refresh = '';
      let status = 'unknown';
      if (found) {
        const p = found.payment;
        status = p.status;
        const [t, m] = MESSAGES[p.status] ?? ['Payment', ''];
        title = t;
        body = `<p class="status">${esc(m)}</p><dl><dt>Course</dt><dd>${esc(found.course?.title ?? p.courseId)}</dd><dt>Amount</dt><dd>${esc(money(p.amount, p.currency))}</dd><dt>Reference</dt><dd><code>${esc(p.reference)}</code></dd></dl>`;
        if (p.status === 'pending') refresh = '<meta http-equiv="refresh" content="3">';
      }
      return reply
        .status(found ? 200 : 404)
        .type('text/html; charset=utf-8')
        .send(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${refresh}<title>${esc(title)} · it360acad</title>` +
            `<style>${STYLE}</style>` +
            `</head><body class="s-${esc(status)}"><h1 data-status="${esc(status)}">${esc(title)}</h1>${body}</body></html>`,
        );
    },
  );
};
