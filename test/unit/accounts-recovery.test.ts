import assert from 'node:assert/strict';
import { test } from 'node:test';

import { hashAccountToken } from '../../src/auth/account-tokens.ts';
import { createAccountRecovery } from '../../src/auth/recovery.ts';
import { createTimingMirror } from '../../src/auth/timing.ts';
import { isAppError } from '../../src/errors/index.ts';
import { emailVerificationMail, formatMoney, paymentReceiptMail, refundProcessedMail } from '../../src/mail/messages.ts';
import { fakeAccounts } from './fakes/accounts.ts';

const U1 = '11111111-1111-4111-8111-111111111111';

function setup() {
  const f = fakeAccounts();
  const recovery = createAccountRecovery({
    users: f.userRepo,
    accountTokens: f.tokenRepo,
    outbox: f.mail,
    publicUrl: () => 'https://academy.example',
    passwordResetTtlS: 1800,
    emailVerifyTtlS: 7 * 86_400,
  });
  return { ...f, recovery };
}

const code = (err: unknown) => (isAppError(err) ? err.code : String(err));
const tokenOf = (text: string, path: string) => decodeURIComponent(new RegExp(`${path}\\?token=([^\\s]+)`).exec(text)![1]);

test('forgot: a known active address gets one hashed token and one sealed-at-rest mail, in one transaction; others get nothing', async () => {
  const f = setup();
  await f.addUser({ id: U1, email: 'ada@example.com' });
  await f.addUser({ id: '22222222-2222-4222-8222-222222222222', email: 'gone@example.com', isActive: false });

  await f.recovery.forgotPassword('ada@example.com');
  assert.equal(f.tokens.length, 1);
  assert.equal(f.outbox.length, 1);
  const mail = f.outbox[0];
  assert.equal(mail.kind, 'password_reset');
  assert.equal(mail.to, 'ada@example.com');
  assert.equal(mail.holdsToken, true);
  assert.ok(mail.expiresAt && Math.abs(mail.expiresAt.getTime() - (Date.now() + 1800_000)) < 5000);
  const token = tokenOf(mail.text, '/reset-password');
  assert.notEqual(f.tokens[0].hash, token, 'only a hash is stored');
  assert.equal(f.tokens[0].hash, hashAccountToken(token));
  assert.deepEqual(f.transactions, ['auth.forgot_password']);

  await f.recovery.forgotPassword('nobody@example.com');
  await f.recovery.forgotPassword('gone@example.com');
  assert.equal(f.tokens.length, 1, 'no token for an unknown or deactivated address');
  assert.equal(f.outbox.length, 1, 'no mail either');
  assert.deepEqual(f.transactions, ['auth.forgot_password', 'auth.forgot_password', 'auth.forgot_password'], 'the same transaction shape');
});

test('reset: the token works once, sets the password, proves the address, ends sessions and mails a notice', async () => {
  const f = setup();
  await f.addUser({ id: U1, email: 'ada@example.com' });
  await f.recovery.forgotPassword('ada@example.com');
  const token = tokenOf(f.outbox[0].text, '/reset-password');

  await f.recovery.resetPassword(token, 'a-brand-new-password');
  const u = f.users.get(U1)!;
  assert.equal(u.tokenVersion, 1);
  assert.equal(u.sessions, 0);
  assert.ok(u.emailVerifiedAt);
  assert.equal(f.outbox.at(-1)!.kind, 'password_changed');

  await assert.rejects(f.recovery.resetPassword(token, 'another-password'), (e) => code(e) === 'invalid_token');
  await assert.rejects(f.recovery.resetPassword('short', 'another-password'), (e) => code(e) === 'invalid_token');
  assert.equal(f.users.get(U1)!.tokenVersion, 1, 'nothing changed after');
});

test('reset refuses a token whose address the account no longer has, and a verification token', async () => {
  const f = setup();
  const u = await f.addUser({ id: U1, email: 'ada@example.com' });
  await f.recovery.forgotPassword('ada@example.com');
  const reset = tokenOf(f.outbox[0].text, '/reset-password');
  await f.recovery.resendVerification({ id: U1, role: 'student', sessionId: 's' });
  const verify = tokenOf(f.outbox[1].text, '/verify-email');
  await assert.rejects(f.recovery.resetPassword(verify, 'a-brand-new-password'), (e) => code(e) === 'invalid_token');
  u.email = 'ada@elsewhere.example';
  await assert.rejects(f.recovery.resetPassword(reset, 'a-brand-new-password'), (e) => code(e) === 'invalid_token');
  assert.equal(u.tokenVersion, 0);
});

test('verify and resend: a verified address gets nothing more; a verification token verifies once', async () => {
  const f = setup();
  await f.addUser({ id: U1, email: 'ada@example.com' });
  const caller = { id: U1, role: 'student' as const, sessionId: 's' };
  assert.deepEqual(await f.recovery.resendVerification(caller), { sent: true });
  const mail = f.outbox[0];
  assert.equal(mail.kind, 'email_verification');
  assert.equal(mail.holdsToken, true);
  const token = tokenOf(mail.text, '/verify-email');
  await f.recovery.verifyEmail(token);
  assert.ok(f.users.get(U1)!.emailVerifiedAt);
  await assert.rejects(f.recovery.verifyEmail(token), (e) => code(e) === 'invalid_token');
  assert.deepEqual(await f.recovery.resendVerification(caller), { sent: false });
  assert.equal(f.outbox.length, 1);
});

test('change password: a wrong current password is 403 and changes nothing; the right one changes it and mails a notice', async () => {
  const f = setup();
  await f.addUser({ id: U1, email: 'ada@example.com', password: 'the-password' });
  const caller = { id: U1, role: 'student' as const, sessionId: 's' };
  await assert.rejects(f.recovery.changePassword(caller, 'wrong', 'new-password-1'), (e) => code(e) === 'forbidden');
  assert.equal(f.users.get(U1)!.tokenVersion, 0);
  assert.equal(f.outbox.length, 0);
  const u = await f.recovery.changePassword(caller, 'the-password', 'new-password-1');
  assert.equal(u.tokenVersion, 1);
  assert.equal(f.users.get(U1)!.emailVerifiedAt, null, 'a change proves nothing about the address');
  assert.equal(f.outbox[0].kind, 'password_changed');
});

test('timing mirror: lesser work waits the medians difference, bounded, and not at all before any real work was seen', async () => {
  const m = createTimingMirror();
  let t0 = performance.now();
  await m.matchAfter(t0);
  assert.ok(performance.now() - t0 < 20, 'no real work seen yet: no wait');
  for (let i = 0; i < 9; i++) m.record(60);
  t0 = performance.now();
  await m.matchAfter(t0);
  const waited = performance.now() - t0;
  assert.ok(waited >= 40, `waited ${waited} ms, about 60 expected`);
  assert.ok(waited < 1000, `waited ${waited} ms`);
});

test('messages: names and titles escaped in HTML, subjects fixed, amounts with their currency, links from the public origin', () => {
  const r = { email: 'ada@example.com', userId: U1, firstName: '<img src=x onerror=alert(1)>' };
  const v = emailVerificationMail(r, 'https://academy.example/', { token: 'tok/+=', expiresAt: new Date(), ttlS: 86_400 });
  assert.equal(v.subject, 'Confirm your email address');
  assert.ok(v.text.includes('https://academy.example/verify-email?token=tok%2F%2B%3D'));
  assert.ok(!v.html!.includes('<img'));
  assert.match(v.text, /1 day\b/);
  assert.equal(formatMoney(1_500_000, 'NGN'), 'NGN 15,000.00');
  const receipt = paymentReceiptMail(r, 'https://academy.example', {
    courseTitle: 'Line\r\nBcc: x@example.com',
    amount: 250_050,
    currency: 'NGN',
    reference: 'it360-abc',
    paidAt: new Date('2026-01-02T03:04:05Z'),
  });
  assert.equal(receipt.subject, 'Your it360acad receipt');
  assert.ok(!/\r/.test(receipt.text), 'control characters from data never reach the text');
  assert.match(receipt.text, /NGN 2,500\.50/);
  assert.match(receipt.text, /2026-01-02 03:04 UTC/);
  assert.equal(receipt.holdsToken, undefined, 'no reminder: no token');
  const refund = refundProcessedMail(r, {
    courseTitle: 'C',
    refundAmount: 100,
    refundedTotal: 100,
    paidAmount: 100,
    currency: 'NGN',
    reference: 'it360-abc',
    secondCharge: true,
    processedAt: new Date(),
  });
  assert.match(refund.text, /second charge/);
  assert.match(refund.text, /enrollment continues/);
});
