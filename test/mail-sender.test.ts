import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { OutgoingMail } from '../src/mail/index.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { startSmtpSink } from './helpers/smtp.ts';
import { waitFor } from './helpers/wait.ts';

/**
 * The outbox's sender against a real SMTP server (the project's sink, a process of its
 * own) and a real PostgreSQL: delivery with the row's Message-ID, a hung server, 4xx and
 * 5xx answers, tokens held past their expiry, two senders on one database.
 */

const mail = (n: number, extra: Partial<OutgoingMail> = {}): OutgoingMail => ({
  kind: 'password_changed',
  to: `student${n}@example.test`,
  subject: `Message ${n}`,
  text: `Hello ${n}, see https://academy.test/x/${n}`,
  html: `<p>Hello ${n}</p>`,
  ...extra,
});

async function enqueue(app: TestApp, ...mails: OutgoingMail[]): Promise<string[]> {
  return app.c.db.transaction('test.enqueue', async (tx) => {
    const ids: string[] = [];
    for (const m of mails) ids.push((await app.c.mailOutbox.enqueue(tx, m)).messageId);
    return ids;
  });
}

type OutboxRow = { status: string; attempts: number; last_error: string | null; body_text: string | null; sealed: Buffer | null };
const row = async (app: TestApp, messageId: string): Promise<OutboxRow> =>
  (
    await app.c.db.query<OutboxRow>(
      'test.row',
      'SELECT status, attempts, last_error, body_text, sealed FROM mail_outbox WHERE message_id = $1',
      [messageId],
    )
  )[0];

test('mail enqueued in a transaction is delivered once, with its Message-ID; a token message has its bodies erased once sent', async (t) => {
  const sink = await startSmtpSink(t);
  const app = await buildTestApp(t, { SMTP_URL: sink.url, MAIL_FROM: 'Academy <no-reply@academy.test>' });
  const [plain, token] = await enqueue(
    app,
    mail(1),
    mail(2, {
      kind: 'password_reset',
      holdsToken: true,
      expiresAt: new Date(Date.now() + 60_000),
      text: 'Reset: https://academy.test/reset-password?token=abc',
    }),
  );
  assert.match(plain, /^<[0-9a-f-]{36}@academy\.test>$/);
  // The token message is stored sealed, never in clear.
  const stored = await row(app, token);
  assert.equal(stored.body_text, null);
  assert.ok(stored.sealed && stored.sealed.length > 0);

  const got1 = await sink.waitForMessage((m) => m.messageId === plain, 10_000);
  assert.equal(got1.subject, 'Message 1');
  assert.deepEqual(got1.to, ['student1@example.test']);
  assert.equal(got1.from, 'no-reply@academy.test');
  const got2 = await sink.waitForMessage((m) => m.messageId === token, 10_000);
  assert.match(got2.text, /token=abc/);

  await waitFor(async () => (await row(app, token)).status === 'sent', 5000, 'token row marked sent');
  const sent = await row(app, token);
  assert.equal(sent.body_text, null);
  assert.equal(sent.sealed, null);
  assert.equal((await row(app, plain)).body_text, 'Hello 1, see https://academy.test/x/1');
  // Delivered once: more polls send nothing again.
  await app.c.mailSender.runOnce();
  const s = await sink.stats();
  assert.equal(s.received, 2);
  assert.equal(s.duplicates, 0);
});

test('a token message held back past its expiry is dropped, not sent', async (t) => {
  const sink = await startSmtpSink(t);
  const app = await buildTestApp(t, { SMTP_URL: sink.url });
  await app.c.mailSender.stop(); // held back: nothing sends until the token has expired
  const [id] = await enqueue(
    app,
    mail(1, {
      kind: 'password_reset',
      holdsToken: true,
      expiresAt: new Date(Date.now() + 300),
      text: 'https://academy.test/reset-password?token=old',
    }),
  );
  await waitFor(
    async () => (await app.c.db.query<{ e: boolean }>('test.expired', 'SELECT expires_at < now() AS e FROM mail_outbox'))[0].e,
    5000,
  );
  const r = await app.c.mailSender.runOnce();
  assert.equal(r.dropped, 1);
  assert.equal(r.sent, 0);
  const after = await row(app, id);
  assert.equal(after.status, 'dropped');
  assert.equal(after.sealed, null);
  assert.equal((await sink.messages()).length, 0);
});

test('4xx at RCPT and DATA is retried and then delivered; 5xx fails at once with its error, shown on /ops/data', async (t) => {
  const sink = await startSmtpSink(t);
  const app = await buildTestApp(t, { SMTP_URL: sink.url, OPS_TOKEN: 'ops-token-ops-token-ops-token-0123' });
  await app.c.mailSender.stop(); // driven by hand, so each attempt is seen
  await sink.fault('RCPT', 451, { times: 1 });
  await sink.fault('DATA', 452, { times: 1 });
  const [soft] = await enqueue(app, mail(1));
  let r = await app.c.mailSender.runOnce();
  assert.equal(r.retried, 1);
  let now = await row(app, soft);
  assert.equal(now.status, 'pending');
  assert.match(now.last_error ?? '', /451/);
  // The next attempt waits its backoff (about a second); then DATA answers 452.
  await waitFor(async () => (await app.c.mailSender.runOnce()).claimed > 0, 10_000, 'second attempt');
  now = await row(app, soft);
  assert.equal(now.status, 'pending');
  assert.match(now.last_error ?? '', /452/);
  await waitFor(async () => (await app.c.mailSender.runOnce()).sent > 0, 15_000, 'third attempt delivers');
  assert.equal((await row(app, soft)).status, 'sent');
  assert.equal((await row(app, soft)).attempts, 3);
  const got = await sink.messages();
  assert.deepEqual(
    got.map((m) => m.messageId),
    [soft],
  );

  await sink.fault('RCPT', 550, { message: 'No such user here' });
  const [hard] = await enqueue(app, mail(2));
  r = await app.c.mailSender.runOnce();
  assert.equal(r.failed, 1);
  const failed = await row(app, hard);
  assert.equal(failed.status, 'failed');
  assert.equal(failed.attempts, 1);
  assert.match(failed.last_error ?? '', /550.*No such user here/);
  // One recipient refused is that message's story: the breaker stays closed.
  assert.equal(app.c.mailPolicy.state(), 'closed');

  const ops = await app.inject({
    method: 'GET',
    url: '/ops/data',
    headers: { authorization: 'Bearer ops-token-ops-token-ops-token-0123' },
  });
  assert.equal(ops.statusCode, 200, ops.body);
  const outbox = ops.json().mailOutbox;
  assert.equal(outbox.failed, 1);
  assert.equal(outbox.pending, 0);
  assert.equal(outbox.failedMessages[0].messageId, hard);
  assert.match(outbox.failedMessages[0].lastError, /550/);
  const mailDep = ops.json().dependencies.find((d: { name: string }) => d.name === 'mail');
  assert.ok(mailDep, 'the mail dependency is on /ops');

  const metrics = await app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: 'Bearer ops-token-ops-token-ops-token-0123' },
  });
  assert.equal(metrics.statusCode, 200);
  assert.match(metrics.body, /it360_dependency_calls_total\{dependency="mail",op="send",outcome="error"\} 3/);
  assert.match(metrics.body, /it360_dependency_calls_total\{dependency="mail",op="send",outcome="ok"\} 1/);
  assert.match(metrics.body, /it360_mail_messages_total\{kind="password_changed",fate="failed"\} 1/);
  assert.match(metrics.body, /it360_mail_messages_total\{kind="password_changed",fate="retry"\} 2/);
  assert.match(metrics.body, /it360_mail_outbox_failed 1/);
  assert.match(metrics.body, /it360_mail_outbox_pending 0/);
  assert.match(metrics.body, /it360_mail_outbox_oldest_pending_seconds 0/);
  assert.match(metrics.body, /it360_breaker_state\{dependency="mail",state="closed"\} 1/);
});
