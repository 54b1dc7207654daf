import assert from 'node:assert/strict';
import { test } from 'node:test';

import { mailConfigChecks, probeMail } from '../src/cli/doctor-mail.ts';
import { loadConfig } from '../src/config/index.ts';
import { startSmtpSink } from './helpers/smtp.ts';

/** doctor's mail rows: MAIL_FROM, SMTP_URL, and a bounded connect + EHLO against the real sink. */

const config = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env });

test('doctor probes SMTP within its bound: ok when the server greets, down (not hung) when it is frozen; the password is never shown', async (t) => {
  const sink = await startSmtpSink(t);
  const url = new URL(sink.url);
  url.username = 'mailer';
  url.password = 'pa55-w0rd-secret';
  const [ok] = await probeMail(config({ SMTP_URL: url.toString(), SMTP_TIMEOUT_MS: '1000' }));
  assert.equal(ok.status, 'ok', ok.detail);
  assert.match(ok.detail, /mailer@127\.0\.0\.1:\d+ greeted and accepted EHLO and the login/);

  sink.freeze();
  const t0 = performance.now();
  const [down] = await probeMail(config({ SMTP_URL: url.toString(), SMTP_TIMEOUT_MS: '1000' }));
  const took = performance.now() - t0;
  sink.thaw();
  assert.equal(down.status, 'down');
  assert.ok(took < 4000, `the probe took ${Math.round(took)} ms`);
  for (const r of [ok, down]) assert.doesNotMatch(`${r.detail} ${r.advice ?? ''}`, /pa55-w0rd-secret/);
});

test('doctor: no SMTP_URL is skipped outside production; MAIL_FROM must be one address', async () => {
  const [skip] = await probeMail(config({}));
  assert.equal(skip.status, 'skip');
  assert.match(skip.detail, /built-in mailbox/);
  assert.equal(mailConfigChecks(config({}))[0].status, 'ok');
  assert.equal(mailConfigChecks(config({ MAIL_FROM: 'a@b.example, c@d.example' }))[0].status, 'down');
  assert.equal(mailConfigChecks(config({ MAIL_FROM: 'not an address' }))[0].status, 'down');
  const plain = mailConfigChecks(config({ SMTP_URL: 'smtp://mail.example.com:587' }));
  assert.equal(plain.find((r) => r.check === 'SMTP_URL')?.status, 'warn');
});
