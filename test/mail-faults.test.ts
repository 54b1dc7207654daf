import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import pg from 'pg';

import { createMailOutbox, createSealer, messageIdDomain } from '../src/mail/index.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { onTestEnd } from './helpers/children.ts';
import { createTestSchema } from './helpers/db.ts';
import { startService } from './helpers/service.ts';
import { startSmtpSink } from './helpers/smtp.ts';
import { waitFor } from './helpers/wait.ts';

/** Mail under real faults: a frozen SMTP server, two senders at once, a killed service. */

async function enqueue(app: TestApp, n: number, prefix = 'm'): Promise<string[]> {
  return app.c.db.transaction('test.enqueue', async (tx) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const q = await app.c.mailOutbox.enqueue(tx, {
        kind: 'password_changed',
        to: `${prefix}${i}@example.test`,
        subject: `${prefix} ${i}`,
        text: 'Hello',
      });
      ids.push(q.messageId);
    }
    return ids;
  });
}

/** Our side's TCP connections to `port` that are still open (ESTABLISHED), from /proc/net/tcp. */
function establishedTo(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => {
      const f = l.trim().split(/\s+/);
      return f[2]?.endsWith(`:${hex}`) && f[3] === '01';
    }).length;
}

test('SMTP hung (SIGSTOP): requests do not wait, each send gives up at its budget and closes its connection; mail arrives after SIGCONT', async (t) => {
  const sink = await startSmtpSink(t);
  // 1 s per SMTP stage: each send gives up within 2 s (twice the stage timeout).
  const app = await buildTestApp(t, { SMTP_URL: sink.url, SMTP_TIMEOUT_MS: '1000' });
  sink.freeze();
  const ids = await enqueue(app, 3);

  // The sender is stuck on the frozen server: it has connections open to it.
  await waitFor(() => establishedTo(sink.smtpPort) > 0, 5000, 'a connection to the frozen server');
  // Requests answer at once meanwhile: nothing in a request touches SMTP.
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const res = await app.inject({ method: 'GET', url: '/api/v1/courses' });
    assert.equal(res.statusCode, 200);
    assert.ok(performance.now() - t0 < 2000, `a request took ${Math.round(performance.now() - t0)} ms while SMTP was frozen`);
  }
  // Each send gives up within its budget (the greeting timeout, 1 s, fires first; the
  // policy's 2 s deadline is the net) and its connection is closed, not left to the server.
  const failedSends = () => app.calls.filter((c) => c.dependency === 'mail' && c.outcome !== 'ok');
  await waitFor(() => failedSends().length >= 3, 10_000, 'three failed sends');
  for (const c of failedSends()) {
    assert.equal(c.budgetMs, 2000);
    assert.ok(c.outcome === 'timeout' || c.errorCode === 'ETIMEDOUT', `${c.outcome} ${c.errorCode}`);
    assert.ok(c.elapsedMs < 4000, `a send to the frozen server lasted ${c.elapsedMs} ms`);
  }
  await waitFor(() => establishedTo(sink.smtpPort) === 0, 5000, 'every connection to the frozen server closed by our side');
  // Every row waits for its retry, with the stage that failed as its error.
  await waitFor(
    async () => {
      const rows = await app.c.db.query<{ status: string; last_error: string | null }>(
        'test.rows',
        'SELECT status, last_error FROM mail_outbox',
      );
      return rows.every((r) => r.status === 'pending' && /greeting never received|timed out/i.test(r.last_error ?? ''));
    },
    5000,
    'the rows rescheduled with their error',
  );
  // The send's final record (not the "still waiting" line the policy writes at half the
  // budget, which races the 1 s greeting timeout and carries waitedMs instead of elapsedMs).
  const log = app.logs.find(
    (l) => l.dependency === 'mail' && l.op === 'send' && l.outcome !== undefined && l.outcome !== 'ok' && l.outcome !== 'slow',
  );
  assert.ok(log, 'a warn line for the failed send');
  assert.equal(log.budgetMs, 2000);
  assert.equal(typeof log.elapsedMs, 'number');
  assert.ok(log.errorCode);

  sink.thaw();
  // Backoff is capped at 30 s, so everything arrives well within 60 s of the thaw.
  const t0 = Date.now();
  await waitFor(async () => new Set((await sink.messages()).map((m) => m.messageId)).size === 3, 60_000, 'all three delivered', 250);
  const got = await sink.messages();
  assert.deepEqual(new Set(got.map((m) => m.messageId)), new Set(ids));
  process.stdout.write(
    `# delivered ${got.length} messages (${new Set(got.map((m) => m.messageId)).size} distinct) ${Date.now() - t0} ms after the thaw\n`,
  );
});

test('a slow SMTP server (each reply under the stage timeout) is cut at the send budget, its connection closed; delivered once it is fast again', async (t) => {
  const sink = await startSmtpSink(t);
  const app = await buildTestApp(t, { SMTP_URL: sink.url, SMTP_TIMEOUT_MS: '1000' });
  await app.c.mailSender.stop();
  // 600 ms before each reply: no stage times out (1 s each), but four of them outlast the 2 s budget.
  await sink.slow(600);
  const [id] = await enqueue(app, 1, 'slow');
  const t0 = performance.now();
  const r = await app.c.mailSender.runOnce();
  const took = performance.now() - t0;
  assert.equal(r.retried, 1);
  assert.ok(took < 5000, `the send held the sender ${Math.round(took)} ms`);
  const call = app.calls.find((c) => c.dependency === 'mail' && c.op === 'send');
  assert.equal(call?.outcome, 'timeout');
  // The deadline's signal closed the connection: the server, still answering, sees no client.
  await waitFor(() => establishedTo(sink.smtpPort) === 0, 5000, 'the connection closed at the deadline');
  assert.equal((await sink.messages()).length, 0);

  await sink.slow(0);
  await waitFor(async () => (await app.c.mailSender.runOnce()).sent === 1, 10_000, 'sent once the server is fast');
  assert.deepEqual(
    (await sink.messages()).map((m) => m.messageId),
    [id],
  );
});

test('two senders on one database deliver each row once', async (t) => {
  const sink = await startSmtpSink(t);
  // Slow replies (20 ms each) keep sends in flight long enough for the senders to overlap.
  await sink.slow(20);
  const schema = await createTestSchema('mail', t);
  const a = await buildTestApp(t, { SMTP_URL: sink.url }, { schema });
  const b = await buildTestApp(t, { SMTP_URL: sink.url }, { schema });
  const ids = await enqueue(a, 40);
  await waitFor(async () => (await sink.stats()).received >= 40, 60_000, 'forty delivered', 250);
  // A little longer: a duplicate would arrive now.
  await waitFor(async () => {
    const r = await a.c.db.query<{ n: number }>('test.pending', "SELECT count(*)::int AS n FROM mail_outbox WHERE status <> 'sent'");
    return r[0].n === 0;
  }, 10_000);
  const stats = await sink.stats();
  assert.deepEqual(stats, { received: 40, distinctMessageIds: 40, duplicates: 0, faulted: 0 });
  assert.deepEqual(new Set((await sink.messages()).map((m) => m.messageId)), new Set(ids));
  const sentBy = (app: TestApp) => app.logs.filter((l) => l.dependency === 'mail' && l.fate === 'sent').length;
  assert.equal(sentBy(a) + sentBy(b), 40);
  process.stdout.write(`# sender a sent ${sentBy(a)}, sender b sent ${sentBy(b)}\n`);
});

test('kill -9 of the service between commit and send: the mail is delivered after restart, once', async (t) => {
  const sink = await startSmtpSink(t);
  const schema = await createTestSchema('mailkill', t);
  const secret = 'kill-test-secret-kill-test-secret-0123456789';
  const env = {
    DATABASE_URL: schema.url,
    SMTP_URL: sink.url,
    SMTP_TIMEOUT_MS: '1000',
    JWT_SECRET: secret,
    WORKERS: '1',
    MAIL_FROM: 'it360acad <no-reply@academy.test>',
  };
  let svc = await startService(env);
  onTestEnd(t, () => svc.kill());

  // The test writes the row as a module would: in a transaction, through the outbox.
  const client = new pg.Client({ connectionString: schema.url });
  await client.connect();
  onTestEnd(t, () => client.end());
  const outbox = createMailOutbox({ sealer: createSealer(secret), messageIdDomain: messageIdDomain(env.MAIL_FROM) });
  const db = {
    query: async <R extends object>(_op: string, text: string, values?: unknown[]) => (await client.query(text, values)).rows as R[],
  };
  sink.freeze();
  await client.query('BEGIN');
  const { messageId } = await outbox.enqueue(db, {
    kind: 'password_reset',
    to: 'victim@example.test',
    subject: 'Reset',
    text: 'https://academy.test/reset-password?token=t1',
    holdsToken: true,
    expiresAt: new Date(Date.now() + 10 * 60_000),
  });
  await client.query('COMMIT');
  // The service's sender claimed it and is talking to the frozen server: kill it now.
  await waitFor(
    async () =>
      (await client.query<{ attempts: number }>('SELECT attempts FROM mail_outbox WHERE message_id = $1', [messageId])).rows[0].attempts >
      0,
    20_000,
    'the row claimed',
    100,
  );
  await svc.kill();
  sink.thaw();
  assert.equal((await sink.messages()).length, 0);

  svc = await startService(env);
  // The dead sender's lease (its send budget plus 10 s) runs out, then the new one sends.
  const got = await sink.waitForMessage((m) => m.messageId === messageId, 60_000);
  assert.match(got.text, /token=t1/);
  await waitFor(
    async () =>
      (await client.query<{ status: string }>('SELECT status FROM mail_outbox WHERE message_id = $1', [messageId])).rows[0].status ===
      'sent',
    10_000,
  );
  assert.deepEqual(await sink.stats(), { received: 1, distinctMessageIds: 1, duplicates: 0, faulted: 0 });
});
