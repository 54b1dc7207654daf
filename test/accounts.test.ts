import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildTestApp, type TestApp } from './helpers/app.ts';
import { makeUser } from './helpers/factories.ts';
import { buildMailApp, deliveredTo, outboxMail, tokenIn } from './helpers/mail.ts';

const PASSWORD = 'first-password-1';

async function register(app: TestApp, email: string, extra: Record<string, string> = {}) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password: PASSWORD, firstName: 'Ada', lastName: 'Lovelace', ...extra },
  });
  assert.equal(res.statusCode, 201, res.body);
  const b = res.json();
  return { id: b.user.id as string, email, accessToken: b.accessToken as string, refreshToken: b.refreshToken as string };
}

const post = (app: TestApp, url: string, payload?: unknown, auth?: string) =>
  app.inject({ method: 'POST', url, payload: payload as object, headers: auth ? { authorization: `Bearer ${auth}` } : {} });
const login = (app: TestApp, email: string, password: string) => post(app, '/api/v1/auth/login', { email, password });
const me = (app: TestApp, accessToken: string) =>
  app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${accessToken}` } });

test('password reset end to end: the mailed link resets once, proves the address, and ends every session', async (t) => {
  const app = await buildMailApp(t, { PUBLIC_URL: 'https://academy.example' });
  const u = await register(app, 'reset-me@example.com');
  const second = (await login(app, u.email, PASSWORD)).json();

  const forgot = await post(app, '/api/v1/auth/password/forgot', { email: 'Reset-Me@Example.com' });
  assert.equal(forgot.statusCode, 202);
  assert.deepEqual(forgot.json(), {});
  const mail = await deliveredTo(app.sink, u.email, /reset your password/i);
  assert.match(mail.text, /https:\/\/academy\.example\/reset-password\?token=/);
  const token = tokenIn(mail, '/reset-password');
  // The token is stored only as a hash.
  const stored = await app.c.db.query<{ n: number }>('t', 'SELECT count(*)::int AS n FROM account_tokens WHERE token_hash = $1', [token]);
  assert.equal(stored[0].n, 0);

  // Loading the page (as a mail scanner would) uses nothing up: the token still works after.
  const page = await app.inject({ method: 'GET', url: `/reset-password?token=${token}` });
  assert.equal(page.statusCode, 200);
  assert.ok(!page.body.includes(token), 'the page never echoes the token');

  const reset = await post(app, '/api/v1/auth/password/reset', { token, newPassword: 'second-password-2' });
  assert.equal(reset.statusCode, 204, reset.body);

  assert.equal((await login(app, u.email, 'second-password-2')).statusCode, 200);
  assert.equal((await login(app, u.email, PASSWORD)).statusCode, 401);
  for (const s of [u, second]) {
    assert.equal((await me(app, s.accessToken)).statusCode, 401, 'an access token of an earlier session is refused');
    assert.equal((await post(app, '/api/v1/auth/refresh', { refreshToken: s.refreshToken })).statusCode, 401);
  }
  const fresh = (await login(app, u.email, 'second-password-2')).json();
  assert.ok((await me(app, fresh.accessToken)).json().emailVerifiedAt, 'a reset proves the address');
  await deliveredTo(app.sink, u.email, /password was changed/i);

  // Used once: never again.
  const again = await post(app, '/api/v1/auth/password/reset', { token, newPassword: 'third-password-3' });
  assert.equal(again.statusCode, 400);
  assert.equal(again.json().code, 'invalid_token');
  // Tokens never reach a log record (the page's address held one, the reset's body another).
  assert.equal(JSON.stringify(app.logs).includes(token), false);
});

test('forgot answers the same for known and unknown addresses, and mails only the known one', async (t) => {
  const app = await buildMailApp(t);
  const u = await makeUser(app, 'student', { email: 'known@example.com' });
  const known = await post(app, '/api/v1/auth/password/forgot', { email: u.email });
  const unknown = await post(app, '/api/v1/auth/password/forgot', { email: 'unknown@example.com' });
  // Every header but the ones that differ per request anyway.
  const strip = (h: Record<string, unknown>) => Object.fromEntries(Object.entries(h).filter(([k]) => k !== 'date' && k !== 'x-request-id'));
  assert.equal(known.statusCode, 202);
  assert.equal(unknown.statusCode, 202);
  assert.equal(known.body, unknown.body);
  assert.deepEqual(strip(known.headers), strip(unknown.headers));
  await deliveredTo(app.sink, u.email, /reset your password/i);
  assert.deepEqual(await outboxMail(app, 'unknown@example.com'), []);
  const tokens = await app.c.db.query<{ n: number }>('t', 'SELECT count(*)::int AS n FROM account_tokens WHERE email = $1', [
    'unknown@example.com',
  ]);
  assert.equal(tokens[0].n, 0);
});

test('reset tokens: expired, of another purpose, for an address the account no longer has, and garbage are invalid_token', async (t) => {
  const app = await buildMailApp(t);
  const a = await register(app, 'alice@example.com');
  const b = await register(app, 'bob@example.com');
  const verifyToken = tokenIn(await deliveredTo(app.sink, a.email, /confirm your email/i), '/verify-email');
  const invalid = async (token: string) => {
    const r = await post(app, '/api/v1/auth/password/reset', { token, newPassword: 'new-password-9' });
    assert.equal(r.statusCode, 400, `${token}: ${r.body}`);
    assert.equal(r.json().code, 'invalid_token');
  };
  await invalid(verifyToken);
  await invalid('not-a-token');
  await invalid('A'.repeat(43));

  await post(app, '/api/v1/auth/password/forgot', { email: a.email });
  const aToken = tokenIn(await deliveredTo(app.sink, a.email, /reset your password/i), '/reset-password');
  await app.c.db.query(
    't',
    "UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND purpose = 'password_reset'",
    [a.id],
  );
  await invalid(aToken);

  // Bob's link resets Bob's account only, and only while the account still has the address it was mailed to.
  await post(app, '/api/v1/auth/password/forgot', { email: b.email });
  const bMail = await deliveredTo(app.sink, b.email, /reset your password/i);
  await app.c.db.query('t', 'UPDATE users SET email = $2 WHERE id = $1', [b.id, 'bob-renamed@example.com']);
  await invalid(tokenIn(bMail, '/reset-password'));
  await app.c.db.query('t', 'UPDATE users SET email = $2 WHERE id = $1', [b.id, b.email]);
  await post(app, '/api/v1/auth/password/forgot', { email: b.email });
  const bToken = tokenIn(await deliveredTo(app.sink, b.email, /reset your password/i, 2), '/reset-password');
  assert.equal((await post(app, '/api/v1/auth/password/reset', { token: bToken, newPassword: 'bobs-new-password' })).statusCode, 204);
  assert.equal((await login(app, b.email, 'bobs-new-password')).statusCode, 200);
  assert.equal((await login(app, a.email, PASSWORD)).statusCode, 200, "Alice's password is untouched");
});

test('two concurrent resets with one token: exactly one succeeds', async (t) => {
  const app = await buildMailApp(t);
  const u = await register(app, 'racer@example.com');
  await post(app, '/api/v1/auth/password/forgot', { email: u.email });
  const token = tokenIn(await deliveredTo(app.sink, u.email, /reset your password/i), '/reset-password');
  const [r1, r2] = await Promise.all([
    post(app, '/api/v1/auth/password/reset', { token, newPassword: 'password-one-1' }),
    post(app, '/api/v1/auth/password/reset', { token, newPassword: 'password-two-2' }),
  ]);
  assert.deepEqual([r1.statusCode, r2.statusCode].sort(), [204, 400], `${r1.body} ${r2.body}`);
  const winner = r1.statusCode === 204 ? 'password-one-1' : 'password-two-2';
  const loser = r1.statusCode === 204 ? 'password-two-2' : 'password-one-1';
  assert.equal((await login(app, u.email, winner)).statusCode, 200);
  assert.equal((await login(app, u.email, loser)).statusCode, 401);
});

test('change password: the current one is required; every earlier session ends, the answer is a new session, a notice is mailed', async (t) => {
  const app = await buildMailApp(t);
  const u = await register(app, 'changer@example.com');
  const other = (await login(app, u.email, PASSWORD)).json();

  const wrong = await post(app, '/api/v1/auth/password', { currentPassword: 'not-it', newPassword: 'changed-password' }, u.accessToken);
  assert.equal(wrong.statusCode, 403);
  assert.equal((await me(app, u.accessToken)).statusCode, 200, 'a refused change ends nothing');
  const short = await post(app, '/api/v1/auth/password', { currentPassword: PASSWORD, newPassword: 'short' }, u.accessToken);
  assert.equal(short.statusCode, 400);

  const ok = await post(app, '/api/v1/auth/password', { currentPassword: PASSWORD, newPassword: 'changed-password' }, u.accessToken);
  assert.equal(ok.statusCode, 200, ok.body);
  const next = ok.json();
  assert.ok(next.accessToken && next.refreshToken);
  for (const s of [u, other]) {
    assert.equal((await me(app, s.accessToken)).statusCode, 401);
    assert.equal((await post(app, '/api/v1/auth/refresh', { refreshToken: s.refreshToken })).statusCode, 401);
  }
  assert.equal((await me(app, next.accessToken)).statusCode, 200);
  assert.equal((await post(app, '/api/v1/auth/refresh', { refreshToken: next.refreshToken })).statusCode, 200);
  assert.equal((await login(app, u.email, 'changed-password')).statusCode, 200);
  assert.equal((await login(app, u.email, PASSWORD)).statusCode, 401);
  const notice = await deliveredTo(app.sink, u.email, /password was changed/i);
  assert.match(notice.text, /Hello Ada/);
  assert.equal((await post(app, '/api/v1/auth/password', { currentPassword: 'x', newPassword: 'changed-password' })).statusCode, 401);
});

test('verification: registration mails a link; the page does not use it; POST verifies once; resend mails a new one until verified', async (t) => {
  const app = await buildMailApp(t);
  const u = await register(app, 'verify-me@example.com');
  assert.equal((await me(app, u.accessToken)).json().emailVerifiedAt, null);
  const first = await deliveredTo(app.sink, u.email, /confirm your email/i);
  const token = tokenIn(first, '/verify-email');

  const page = await app.inject({ method: 'GET', url: `/verify-email?token=${token}` });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  assert.match(page.body, /<script src="\/account\/account\.js"><\/script>/);
  assert.equal((await me(app, u.accessToken)).json().emailVerifiedAt, null, 'loading the page verifies nothing');

  const resend = await post(app, '/api/v1/auth/verify-email/resend', undefined, u.accessToken);
  assert.equal(resend.statusCode, 202);
  assert.deepEqual(resend.json(), {});
  const second = tokenIn(await deliveredTo(app.sink, u.email, /confirm your email/i, 2), '/verify-email');
  assert.notEqual(second, token);

  assert.equal((await post(app, '/api/v1/auth/verify-email', { token })).statusCode, 204);
  const verifiedAt = (await me(app, u.accessToken)).json().emailVerifiedAt;
  assert.ok(verifiedAt && !Number.isNaN(Date.parse(verifiedAt)));
  const reuse = await post(app, '/api/v1/auth/verify-email', { token });
  assert.equal(reuse.statusCode, 400);
  assert.equal(reuse.json().code, 'invalid_token');
  // The other link still works (and changes nothing).
  assert.equal((await post(app, '/api/v1/auth/verify-email', { token: second })).statusCode, 204);
  assert.equal((await me(app, u.accessToken)).json().emailVerifiedAt, verifiedAt);

  // Verified: resend answers the same and sends nothing.
  const before = (await outboxMail(app, u.email)).length;
  assert.equal((await post(app, '/api/v1/auth/verify-email/resend', undefined, u.accessToken)).statusCode, 202);
  assert.equal((await outboxMail(app, u.email)).length, before);
  assert.equal((await post(app, '/api/v1/auth/verify-email/resend')).statusCode, 401);
});

test('promotion to instructor needs a verified email; admins filter users by it', async (t) => {
  const app = await buildMailApp(t);
  const admin = await makeUser(app, 'admin');
  const u = await register(app, 'future-teacher@example.com');
  const promote = () => app.inject({ method: 'PATCH', url: `/api/v1/users/${u.id}`, headers: admin.auth, payload: { role: 'instructor' } });
  const refused = await promote();
  assert.equal(refused.statusCode, 403);
  assert.equal(refused.json().code, 'email_unverified');
  assert.equal(
    (await app.inject({ method: 'PATCH', url: `/api/v1/users/${u.id}`, headers: admin.auth, payload: { role: 'admin' } })).json().code,
    'email_unverified',
  );
  // Names can still change.
  assert.equal(
    (await app.inject({ method: 'PATCH', url: `/api/v1/users/${u.id}`, headers: admin.auth, payload: { firstName: 'Grace' } })).statusCode,
    200,
  );

  const list = async (q: string) => {
    const r = await app.inject({ method: 'GET', url: `/api/v1/users?pageSize=100${q}`, headers: admin.auth });
    assert.equal(r.statusCode, 200, r.body);
    return (r.json().items as { id: string; emailVerifiedAt: string | null }[]).map((x) => x.id);
  };
  assert.ok((await list('&emailVerified=false')).includes(u.id));
  assert.ok(!(await list('&emailVerified=true')).includes(u.id));
  assert.ok((await list('&emailVerified=true')).includes(admin.id));

  const token = tokenIn(await deliveredTo(app.sink, u.email, /confirm your email/i), '/verify-email');
  assert.equal((await post(app, '/api/v1/auth/verify-email', { token })).statusCode, 204);
  // The list is cached; the verification is a write the cache sees at once.
  assert.ok((await list('&emailVerified=true')).includes(u.id));
  assert.ok(!(await list('&emailVerified=false')).includes(u.id));
  const ok = await promote();
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().role, 'instructor');
  assert.ok(ok.json().emailVerifiedAt);
});

test('CR/LF and other control characters in names and addresses are refused with 400 (header injection)', async (t) => {
  const app = await buildTestApp(t);
  const u = await makeUser(app);
  const attempts = [
    {
      url: '/api/v1/auth/register',
      payload: { email: 'x@example.com', password: PASSWORD, firstName: 'Eve\r\nBcc: all@example.com', lastName: 'L' },
    },
    { url: '/api/v1/auth/register', payload: { email: 'x@example.com', password: PASSWORD, firstName: 'Eve', lastName: 'L\nX' } },
    {
      url: '/api/v1/auth/register',
      payload: { email: 'x@example.com\r\nBcc: all@example.com', password: PASSWORD, firstName: 'E', lastName: 'L' },
    },
    { url: '/api/v1/auth/register', payload: { email: 'x\u0085@example.com', password: PASSWORD, firstName: 'E', lastName: 'L' } },
    { url: '/api/v1/auth/password/forgot', payload: { email: 'victim@example.com\r\nBcc: all@example.com' } },
    { url: '/api/v1/auth/password/forgot', payload: { email: 'victim@example.com\nCc: x@example.com' } },
  ];
  for (const a of attempts) {
    const r = await post(app, a.url, a.payload);
    assert.equal(r.statusCode, 400, `${a.url} ${JSON.stringify(a.payload)}: ${r.body}`);
    assert.equal(r.json().code, 'validation_failed');
  }
  for (const firstName of ['Eve\r\nBcc: x@example.com', 'Eve\u2028', 'Tab\there']) {
    const r = await app.inject({ method: 'PATCH', url: `/api/v1/users/${u.id}`, headers: u.auth, payload: { firstName } });
    assert.equal(r.statusCode, 400, JSON.stringify(firstName));
  }
  // Nothing was written.
  const rows = await app.c.db.query<{ n: number }>('t', 'SELECT count(*)::int AS n FROM mail_outbox');
  assert.equal(rows[0].n, 0);
  // Names in other scripts are fine.
  assert.equal(
    (await app.inject({ method: 'PATCH', url: `/api/v1/users/${u.id}`, headers: u.auth, payload: { firstName: 'Ọlá Zoë' } })).statusCode,
    200,
  );
});
