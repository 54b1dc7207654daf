import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';

import nodemailer from 'nodemailer';

import { startSmtpSink } from './helpers/smtp.ts';

const send = (url: string, extra: Record<string, unknown> = {}) =>
  nodemailer.createTransport({ url, connectionTimeout: 2000, greetingTimeout: 2000, socketTimeout: 2000 } as never).sendMail({
    from: 'Academy <no-reply@academy.test>',
    to: 'student@example.test',
    subject: 'Hello',
    text: 'Visit https://academy.test/x',
    html: '<p>Visit <a href="https://academy.test/x">here</a></p>',
    messageId: '<fixed-1@academy.test>',
    ...extra,
  });

test('the SMTP sink keeps what it receives, parsed, and forgets on clear', async (t) => {
  const sink = await startSmtpSink(t);
  assert.match(sink.url, /^smtp:\/\/127\.0\.0\.1:\d+$/);
  await send(sink.url);
  const m = await sink.waitForMessage((x) => x.messageId === '<fixed-1@academy.test>', 5000);
  assert.equal(m.from, 'no-reply@academy.test');
  assert.deepEqual(m.to, ['student@example.test']);
  assert.deepEqual(m.envelope.rcptTo, ['student@example.test']);
  assert.equal(m.subject, 'Hello');
  assert.match(m.text, /academy\.test\/x/);
  assert.match(m.html, /<a href=/);
  assert.equal(m.headers['message-id'], '<fixed-1@academy.test>');
  // AUTH of any kind is accepted over plain SMTP.
  const u = new URL(sink.url);
  u.username = 'user';
  u.password = 'secret';
  await send(u.toString(), { messageId: '<fixed-2@academy.test>' });
  await send(sink.url, { messageId: '<fixed-2@academy.test>' });
  assert.deepEqual(await sink.stats(), { received: 3, distinctMessageIds: 2, duplicates: 1, faulted: 0 });
  await sink.clear();
  assert.deepEqual(await sink.messages(), []);
});

test('the SMTP sink answers injected faults at RCPT and DATA, a given number of times', async (t) => {
  const sink = await startSmtpSink(t);
  await sink.fault('RCPT', 451, { times: 1 });
  await assert.rejects(send(sink.url), (err: { responseCode?: number }) => err.responseCode === 451);
  await send(sink.url); // the fault was for one command only
  await sink.fault('DATA', 550);
  await assert.rejects(send(sink.url), (err: { responseCode?: number }) => err.responseCode === 550);
  await assert.rejects(send(sink.url), (err: { responseCode?: number }) => err.responseCode === 550);
  await sink.fault('DATA', null);
  await send(sink.url, { messageId: '<after@academy.test>' });
  const s = await sink.stats();
  assert.equal(s.received, 2);
  assert.equal(s.faulted, 3);
});

test('a slow sink delays every reply; a frozen one answers nothing until thawed', async (t) => {
  const sink = await startSmtpSink(t);
  await sink.slow(300);
  const t0 = Date.now();
  await send(sink.url);
  // greeting, MAIL, RCPT and DATA each wait 300 ms
  assert.ok(Date.now() - t0 >= 1000, `took ${Date.now() - t0} ms`);
  await sink.slow(0);

  sink.freeze();
  // The port still accepts connections (the kernel does), but no greeting comes.
  const greeted = await new Promise<boolean>((resolve) => {
    const s = net.connect(sink.smtpPort, '127.0.0.1');
    const timer = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 1000);
    s.once('data', () => {
      clearTimeout(timer);
      s.destroy();
      resolve(true);
    });
    s.on('error', () => undefined);
  });
  assert.equal(greeted, false);
  sink.thaw();
  await send(sink.url, { messageId: '<thawed@academy.test>' });
  await sink.waitForMessage((m) => m.messageId === '<thawed@academy.test>');
});
