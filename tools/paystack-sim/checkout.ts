/**
 * The simulator's checkout page: what a customer sees at `authorization_url`. Plain HTML
 * forms, no script, so it works in any browser and in a headless test.
 */
import type { SimTransaction } from './store.ts';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function formatAmount(minor: number, currency: string): string {
  return `${currency} ${(minor / 100).toLocaleString('en-NG', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f6f8; margin: 0; padding: 2rem 1rem; color: #1f2933; }
  main { max-width: 26rem; margin: 0 auto; background: #fff; border-radius: 12px; padding: 2rem; box-shadow: 0 2px 12px rgba(0,0,0,.08); }
  h1 { font-size: 1.1rem; margin: 0 0 .25rem; }
  .amount { font-size: 2rem; font-weight: 700; margin: 1rem 0; }
  .muted { color: #616e7c; font-size: .9rem; }
  .banner { background: #fff3c4; border-radius: 6px; padding: .5rem .75rem; font-size: .85rem; margin-bottom: 1rem; }
  form { margin: .5rem 0; }
  button { width: 100%; padding: .8rem; font-size: 1rem; border: 0; border-radius: 8px; cursor: pointer; }
  .pay { background: #0ba4db; color: #fff; }
  .decline { background: #e12d39; color: #fff; }
  .abandon { background: #e4e7eb; color: #1f2933; }
</style>
</head>
<body><main>
<div class="banner">Paystack simulator: no real money moves.</div>
${body}
</main></body>
</html>`;
}

export function checkoutPage(t: SimTransaction): string {
  const code = encodeURIComponent(t.accessCode);
  const settled = t.status === 'success' || t.status === 'reversed';
  const actions = settled
    ? `<p>This payment has already been completed.</p>`
    : `<form method="post" action="/checkout/${code}/pay"><button class="pay" type="submit">Pay ${escapeHtml(formatAmount(t.amount, t.currency))}</button></form>
<form method="post" action="/checkout/${code}/decline"><button class="decline" type="submit">Decline</button></form>
<form method="post" action="/checkout/${code}/abandon"><button class="abandon" type="submit">Abandon</button></form>`;
  return page(
    'Checkout',
    `<h1>Pay it360acad</h1>
<p class="muted">${escapeHtml(t.customer.email)}</p>
<p class="amount">${escapeHtml(formatAmount(t.amount, t.currency))}</p>
<p class="muted">Reference: ${escapeHtml(t.reference)}</p>
${actions}`,
  );
}

export function resultPage(t: SimTransaction): string {
  return page(
    'Payment result',
    `<h1>Payment ${escapeHtml(t.status)}</h1>
<p class="amount">${escapeHtml(formatAmount(t.amount, t.currency))}</p>
<p class="muted">Reference: ${escapeHtml(t.reference)}</p>
<p class="muted">${escapeHtml(t.gatewayResponse)}</p>`,
  );
}

export function notFoundPage(): string {
  return page('Not found', '<h1>Checkout not found</h1><p class="muted">This payment link is not valid.</p>');
}
