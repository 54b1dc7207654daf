import { readFileSync } from 'node:fs';

import type { FastifyPluginAsync } from 'fastify';

/**
 * The pages behind the links in reset and verification mails. They hold no data and never
 * see the token on the server: their one script (same origin, under the strict CSP) reads
 * it from the address and POSTs it only when the person presses the button, so a mail
 * scanner or link preview that loads the page uses nothing up.
 */
const file = (name: string) => readFileSync(new URL(`./pages/${name}`, import.meta.url), 'utf8');

function page(kind: 'reset' | 'verify'): string {
  const title = kind === 'reset' ? 'Choose a new password' : 'Confirm your email address';
  const form =
    kind === 'reset'
      ? '<label for="password">New password</label><input id="password" type="password" autocomplete="new-password" minlength="8" maxlength="128" required>' +
        '<label for="password2">The same password again</label><input id="password2" type="password" autocomplete="new-password" minlength="8" maxlength="128" required>' +
        '<button id="submit" type="submit">Set my new password</button>'
      : '<p>Press the button to confirm that this address is yours.</p><button id="submit" type="submit">Confirm my email</button>';
  const done =
    kind === 'reset'
      ? '<h2>Your password is changed</h2><p>Every session that used the old password has ended. Log in with the new one.</p>'
      : '<h2>Your email address is confirmed</h2><p>Thank you. You can close this page.</p>';
  const again =
    kind === 'reset' ? 'Ask for a new reset link from the login page.' : 'Log in and ask for a new confirmation link from your account.';
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${title} · it360acad</title><link rel="stylesheet" href="/account/account.css"></head>` +
    `<body data-page="${kind}" data-state="loading"><h1>${title}</h1>` +
    '<noscript><p>This page needs JavaScript to send your link.</p></noscript>' +
    `<form id="form" class="state s-ready" novalidate>${form}<p id="error" class="error" role="alert"></p></form>` +
    `<div class="state s-done" role="status">${done}</div>` +
    `<div class="state s-invalid" role="alert"><h2>This link does not work</h2><p>It is unknown, already used or expired. ${again}</p></div>` +
    '<script src="/account/account.js"></script></body></html>'
  );
}

export const accountPages: FastifyPluginAsync = async (app) => {
  const pages = { reset: page('reset'), verify: page('verify') };
  const js = file('account.js');
  const css = file('account.css');
  // The pages are the same for everyone; `no-store` all the same, since the address they
  // are loaded from holds a token.
  app.get('/reset-password', { schema: { hide: true } }, (_request, reply) =>
    reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(pages.reset),
  );
  app.get('/verify-email', { schema: { hide: true } }, (_request, reply) =>
    reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(pages.verify),
  );
  app.get('/account/account.js', { schema: { hide: true } }, (_request, reply) =>
    reply.header('cache-control', 'no-cache').type('text/javascript; charset=utf-8').send(js),
  );
  app.get('/account/account.css', { schema: { hide: true } }, (_request, reply) =>
    reply.header('cache-control', 'no-cache').type('text/css; charset=utf-8').send(css),
  );
};
