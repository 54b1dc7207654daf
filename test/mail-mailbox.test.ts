import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createMailbox } from '../src/infra/mail/mailbox.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { startSmtpSink } from './helpers/smtp.ts';
import { waitFor } from './helpers/wait.ts';

/** The built-in mailbox (no SMTP_URL) and where it is refused; /readyz's mail check. */

const OPS_TOKEN = 'mailbox-ops-token-mailbox-ops-token-0123';

async function enqueueReset(app: TestApp, to: string, token: string): Promise<string> {
  return app.c.db.transaction('test.enqueue', async (tx) => {
    const q = await app.c.mailOutbox.enqueue(tx, {
      kind: 'password_reset',
      to,
      subject: 'Reset your password',
      text: `Someone asked to reset your password.\nOpen http://127.0.0.1:3000/reset-password?token=${token} within 30 minutes.`,
      html: `<p>Open <a href="http://127.0.0.1:3000/reset-password?token=${token}">this link</a>.</p><script>alert(1)</script><img src=x onerror="alert(2)">`,
      holdsToken: true,
      expiresAt: new Date(Date.now() + 30 * 60_000),
    });
    return q.messageId;
  });
}

test('without SMTP_URL mail lands in the built-in mailbox: JSON with its links, an HTML page under the strict CSP', async (t) => {
  const app = await buildTestApp(t);
  const id = await enqueueReset(app, 'reader@example.test', 'tok123');
  const res = await waitFor(
    async () => {
      const r = await app.inject({ method: 'GET', url: '/dev/mailbox.json' });
      return r.json().messages.length > 0 ? r : undefined;
    },
    10_000,
    'the message in the mailbox',
  );
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['cache-control'], 'no-store');
  const [m] = res.json().messages;
  assert.equal(m.messageId, id);
  assert.equal(m.to, 'reader@example.test');
  assert.equal(m.subject, 'Reset your password');
  assert.deepEqual(m.links, ['http://127.0.0.1:3000/reset-password?token=tok123']);

  const page = await app.inject({ method: 'GET', url: '/dev/mailbox' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  // The link is clickable, in the text and in the (sanitised) HTML version.
  assert.match(page.body, /<a href="http:\/\/127\.0\.0\.1:3000\/reset-password\?token=tok123">/);
  assert.doesNotMatch(page.body, /<script>alert|onerror=/);
  assert.match(page.body, /Reset your password/);

  // Every worker and a restart see the same mailbox: it is a table.
  const rows = await app.c.db.query<{ n: number }>('test.count', 'SELECT count(*)::int AS n FROM dev_mailbox');
  assert.equal(rows[0].n, 1);
  // The sent row's token-bearing bodies are gone from the outbox.
  await waitFor(async () => {
    const r = await app.c.db.query<{ status: string; sealed: Buffer | null }>(
      'test.row',
      'SELECT status, sealed FROM mail_outbox WHERE message_id = $1',
      [id],
    );
    return r[0].status === 'sent' && r[0].sealed === null;
  }, 5000);

  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.json().checks.mail.status, 'ok');
  assert.equal(ready.json().checks.mail.detail, 'built-in mailbox');
});

test('the mailbox on a non-loopback HOST needs OPS_TOKEN, and is not served at all without one', async (t) => {
  const open = await buildTestApp(t, { HOST: '0.0.0.0' });
  assert.equal((await open.inject({ method: 'GET', url: '/dev/mailbox.json' })).statusCode, 404);
  assert.equal((await open.inject({ method: 'GET', url: '/dev/mailbox' })).statusCode, 404);

  const guarded = await buildTestApp(t, { HOST: '0.0.0.0', OPS_TOKEN });
  assert.equal((await guarded.inject({ method: 'GET', url: '/dev/mailbox.json' })).statusCode, 401);
  assert.equal((await guarded.inject({ method: 'GET', url: '/dev/mailbox' })).statusCode, 401);
  const withToken = await guarded.inject({ method: 'GET', url: '/dev/mailbox.json', headers: { authorization: `Bearer ${OPS_TOKEN}` } });
  assert.equal(withToken.statusCode, 200);
  assert.deepEqual(withToken.json().messages, []);
});

test('with SMTP_URL the mailbox answers 404; in production it is not served at all', async (t) => {
  const sink = await startSmtpSink(t);
  const dev = await buildTestApp(t, { SMTP_URL: sink.url });
  const none = await dev.inject({ method: 'GET', url: '/dev/mailbox.json' });
  assert.equal(none.statusCode, 404);
  assert.match(none.json().detail, /Mailbox \(mail goes to SMTP_URL\)/);
  const ready = await dev.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.json().checks.mail.status, 'ok');

  const prod = await buildTestApp(t, {
    NODE_ENV: 'production',
    FAULT_INJECTION: 'false',
    SMTP_URL: sink.url,
    PUBLIC_URL: 'https://academy.example',
    PAYSTACK_SECRET_KEY: 'sk_test_never_called_in_this_test',
    JWT_SECRET: 'Zq8v1Nw3Xr5Ty7Ub9Ic2Od4Pe6Af8Sg0Hj1Kl3Mn5Bv7Cx9',
    OPS_TOKEN: 'Qm4Rt7Yu1Io3Pa6Sd8Fg0Hj2Kl5Zx9Cv',
  });
  for (const url of ['/dev/mailbox', '/dev/mailbox.json']) {
    const res = await prod.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 404, url);
    // Not the mailbox's own 404: the route does not exist there.
    assert.equal(res.json().detail, 'Route not found', url);
    assert.equal(
      (await prod.inject({ method: 'GET', url, headers: { authorization: 'Bearer Qm4Rt7Yu1Io3Pa6Sd8Fg0Hj2Kl5Zx9Cv' } })).statusCode,
      404,
      url,
    );
  }
});

test('/readyz: mail is degraded, never down, while SMTP fails; the service stays ready', async (t) => {
  const sink = await startSmtpSink(t);
  const app = await buildTestApp(t, { SMTP_URL: sink.url, BREAKER_CONSECUTIVE_FAILURES: '2' });
  await app.c.mailSender.stop();
  await sink.fault('MAIL', 421, { message: 'Service not available' });
  await app.c.db.transaction('test.enqueue', async (tx) => {
    for (let i = 0; i < 3; i++)
      await app.c.mailOutbox.enqueue(tx, {
        kind: 'password_changed',
        to: `u${i}@example.test`,
        subject: 'Changed',
        text: 'Your password changed.',
      });
  });
  await app.c.mailSender.runOnce();
  assert.equal(app.c.mailPolicy.state(), 'open');
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.equal(ready.json().checks.mail.status, 'degraded');
  assert.equal(ready.json().status, 'degraded');
});

test('the built-in mailbox keeps the newest 500 messages', async (t) => {
  const app = await buildTestApp(t);
  await app.c.mailSender.stop();
  const mailbox = createMailbox(app.c.db);
  const signal = new AbortController().signal;
  for (let i = 0; i < 510; i++) {
    await mailbox.send(
      { messageId: `<b${i}@academy.test>`, from: 'a@academy.test', to: 'r@example.test', subject: `n${i}`, text: 'x' },
      signal,
    );
  }
  const kept = await mailbox.list();
  assert.equal(kept.length, 500);
  assert.equal(kept[0].subject, 'n509');
  assert.equal(kept.at(-1)?.subject, 'n10');
  const rows = await app.c.db.query<{ n: number }>('test.count', 'SELECT count(*)::int AS n FROM dev_mailbox');
  assert.equal(rows[0].n, 500);
});
