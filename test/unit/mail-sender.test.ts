import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import pino from 'pino';

import { isMailOutage, isPermanentMailFailure, mailErrorCode } from '../../src/infra/mail/errors.ts';
import { BACKOFF_CAP_MS, createMailSender, createSealer, GIVE_UP_MS, retryDelayMs } from '../../src/mail/index.ts';
import { CallRejectedError, CallTimeoutError } from '../../src/resilience/policy.ts';
import { fakeOutbox } from './fakes/mail.ts';

const silent = pino({ level: 'silent' });
const smtpError = (responseCode: number, command: string, code = command.startsWith('RCPT') ? 'EENVELOPE' : 'EMESSAGE') =>
  Object.assign(new Error(`${responseCode} refused`), { responseCode, command, code });

describe('retry backoff', () => {
  it('starts near a second, doubles, and never waits more than 30 s', () => {
    const lo = (n: number) => retryDelayMs(n, () => 0);
    const hi = (n: number) => retryDelayMs(n, () => 1);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(hi), [1000, 2000, 4000, 8000, 16_000, 30_000]);
    assert.deepEqual([1, 2, 3].map(lo), [500, 1000, 2000]);
    for (let n = 1; n < 200; n++) assert.ok(retryDelayMs(n) <= BACKOFF_CAP_MS && retryDelayMs(n) >= 500, `attempt ${n}`);
    // Capped at 30 s: after an outage ends, every row's next attempt is at most 30 s away.
    assert.equal(hi(1000), 30_000);
  });

  it('a day of retries is a few thousand attempts at most, not a storm', () => {
    let t = 0;
    let n = 0;
    while (t < GIVE_UP_MS) t += retryDelayMs(++n, () => 0.5);
    assert.ok(n > 2000 && n < 4000, `${n} attempts in 24 h`);
  });
});

describe('SMTP failure classification', () => {
  it('5xx at RCPT or DATA is permanent; 4xx, timeouts, connection errors and 5xx elsewhere are retried', () => {
    assert.equal(isPermanentMailFailure(smtpError(550, 'RCPT TO')), true);
    assert.equal(isPermanentMailFailure(smtpError(554, 'DATA')), true);
    assert.equal(isPermanentMailFailure(smtpError(451, 'RCPT TO')), false);
    assert.equal(isPermanentMailFailure(smtpError(452, 'DATA')), false);
    assert.equal(isPermanentMailFailure(smtpError(535, 'AUTH PLAIN', 'EAUTH')), false);
    // Our sender refused: a setting an operator fixes, so it is retried meanwhile.
    assert.equal(isPermanentMailFailure(smtpError(550, 'MAIL FROM', 'EENVELOPE')), false);
    assert.equal(
      isPermanentMailFailure(Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT', command: 'CONN' })),
      false,
    );
    assert.equal(isPermanentMailFailure(new CallTimeoutError('mail', 'send', 2000, false)), false);
  });

  it('only outages count against the breaker; a refused recipient or a rejected call does not', () => {
    assert.equal(isMailOutage(smtpError(421, 'MAIL FROM')), true);
    assert.equal(isMailOutage(new CallTimeoutError('mail', 'send', 2000, false)), true);
    assert.equal(isMailOutage(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET' })), true);
    assert.equal(isMailOutage(smtpError(550, 'RCPT TO')), false);
    assert.equal(isMailOutage(new CallRejectedError('mail', 'breaker_open', undefined)), false);
    assert.equal(mailErrorCode(smtpError(451, 'RCPT TO')), 'smtp_451');
  });
});

describe('mail sender (fake outbox)', () => {
  function setup(send: (to: string) => Promise<unknown>, state: 'closed' | 'open' | 'half-open' = 'closed') {
    const clock = { t: Date.parse('2026-01-01T00:00:00Z'), now: () => clock.t };
    const outbox = fakeOutbox(clock);
    const sealer = createSealer('unit-test-secret');
    const sent: { messageId: string; text: string }[] = [];
    const policy = { state: () => state, isOpen: () => state === 'open' };
    const sender = createMailSender({
      outbox: outbox.repo,
      send: async (m) => {
        await send(m.to);
        sent.push({ messageId: m.messageId, text: m.text });
      },
      policy,
      sealer,
      from: 'a <a@academy.test>',
      sendBudgetMs: 2000,
      logger: silent,
      random: () => 1,
    });
    return { clock, outbox, sealer, sent, sender, setState: (s: typeof state) => (state = s) };
  }

  it('sends due rows oldest first, opens sealed bodies, erases token bodies once sent', async () => {
    const s = setup(async () => undefined);
    s.outbox.add();
    const token = s.outbox.add({
      holdsToken: true,
      bodyText: null,
      sealed: s.sealer.seal(JSON.stringify({ text: 'token=abc', html: null })),
    });
    const r = await s.sender.runOnce();
    assert.deepEqual(r, { claimed: 2, sent: 2, retried: 0, failed: 0, dropped: 0 });
    assert.deepEqual(
      s.sent.map((m) => m.messageId),
      ['<m1@academy.test>', '<m2@academy.test>'],
    );
    assert.equal(s.sent[1].text, 'token=abc');
    assert.equal(token.status, 'sent');
    assert.equal(token.sealed, null);
  });

  it('a transient failure is retried after its backoff; a row failing past 24 h is failed with its error', async () => {
    let fail = true;
    const s = setup(async () => {
      if (fail) throw smtpError(451, 'RCPT TO');
    });
    const row = s.outbox.add();
    assert.equal((await s.sender.runOnce()).retried, 1);
    assert.equal(row.nextAttemptAt - s.clock.t, 1000);
    assert.equal((await s.sender.runOnce()).claimed, 0, 'not due before its backoff');
    s.clock.t += 1000;
    assert.equal((await s.sender.runOnce()).retried, 1);
    assert.equal(row.nextAttemptAt - s.clock.t, 2000);
    fail = false;
    s.clock.t += 2000;
    assert.equal((await s.sender.runOnce()).sent, 1);

    fail = true;
    const old = s.outbox.add({ createdAt: new Date(s.clock.t - GIVE_UP_MS + 500) });
    assert.equal((await s.sender.runOnce()).failed, 1);
    assert.equal(old.status, 'failed');
    assert.match(old.lastError ?? '', /gave up after 1 attempts.*451/);
  });

  it('a 5xx at RCPT fails at once; an expired token row is dropped unsent', async () => {
    const s = setup(async () => {
      throw smtpError(550, 'RCPT TO');
    });
    const bad = s.outbox.add();
    const expired = s.outbox.add({ holdsToken: true, expiresAt: s.clock.t - 1, sealed: Buffer.from('x') });
    const r = await s.sender.runOnce();
    assert.equal(r.failed, 1);
    assert.equal(r.dropped, 1);
    assert.equal(bad.status, 'failed');
    assert.equal(expired.status, 'dropped');
    assert.equal(expired.sealed, null);
  });

  it('claims nothing while the breaker is open, one row while half-open; a rejected send is requeued uncounted', async () => {
    const s = setup(async () => {
      throw new CallRejectedError('mail', 'bulkhead_full', undefined);
    }, 'open');
    for (let i = 0; i < 5; i++) s.outbox.add();
    assert.equal((await s.sender.runOnce()).claimed, 0);
    s.setState('half-open');
    const r = await s.sender.runOnce();
    assert.equal(r.claimed, 1);
    assert.equal(s.outbox.rows[0].attempts, 0, 'a rejected call was no attempt');
    assert.equal(s.outbox.rows[0].nextAttemptAt - s.clock.t, 1000);
  });

  it('claims nothing while the database breaker is open (a claim would only be refused)', async () => {
    const clock = { t: 0, now: () => clock.t };
    const outbox = fakeOutbox(clock);
    outbox.add();
    const sender = createMailSender({
      outbox: outbox.repo,
      send: async () => undefined,
      policy: { state: () => 'closed', isOpen: () => false },
      databasePolicy: { isOpen: () => true },
      sealer: createSealer('s'),
      from: 'a@academy.test',
      sendBudgetMs: 2000,
      logger: silent,
    });
    assert.equal((await sender.runOnce()).claimed, 0);
    assert.equal(outbox.rows[0].attempts, 0);
  });

  it('a sealed body that cannot be opened (another secret) fails the row, never sends it', async () => {
    const s = setup(async () => undefined);
    const row = s.outbox.add({ holdsToken: true, sealed: createSealer('another-secret').seal('{"text":"x","html":null}') });
    assert.equal((await s.sender.runOnce()).failed, 1);
    assert.match(row.lastError ?? '', /cannot be opened/);
    assert.equal(s.sent.length, 0);
  });

  it('stop is idempotent and waits for the batch in flight', async () => {
    let release!: () => void;
    const s = setup(() => new Promise<void>((r) => (release = r)));
    s.outbox.add();
    s.sender.start();
    await new Promise((r) => setTimeout(r, 20));
    const a = s.sender.stop();
    const b = s.sender.stop();
    assert.equal(a, b);
    let stopped = false;
    void a.then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(stopped, false, 'stop waits for the send in flight');
    release();
    await a;
    assert.equal(s.sent.length, 1);
  });
});
