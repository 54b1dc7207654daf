import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';

import { hashPassword } from '../src/auth/passwords.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { rawClient } from './helpers/db.ts';
import { makeUser } from './helpers/factories.ts';
import { TestRedis } from './helpers/redis.ts';
import { waitFor } from './helpers/wait.ts';

// Requests from 127.0.0.1 (inject) carry the client's address in X-Forwarded-For, as
// a proxy on the same host would: each test plays several addresses.
const PROXIED = { TRUST_PROXY: '127.0.0.1' };
const PASSWORD = 'correct-horse-battery';
let hashed: Promise<string> | undefined;

/** An account made straight in the database: no login, so no address's share is spent on it. */
async function account(app: TestApp): Promise<{ email: string; password: string }> {
  hashed ??= hashPassword(PASSWORD);
  const email = `u-${randomBytes(4).toString('hex')}@example.com`;
  const created = await app.c.users.create({ email, firstName: 'T', lastName: 'U', passwordHash: await hashed, role: 'student' });
  assert.notEqual(created, 'email_taken');
  return { email, password: PASSWORD };
}

const login = (app: TestApp, from: string, email: string, password: string) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'x-forwarded-for': from }, payload: { email, password } });

async function timed<T>(fn: () => Promise<T>): Promise<{ res: T; ms: number }> {
  const started = performance.now();
  const res = await fn();
  return { res, ms: performance.now() - started };
}

const limitsLogged = (app: TestApp) => app.logs.filter((l) => l.msg === 'rate limit reached').flatMap((l) => l.limits as string[]);

test("an attacker looping correct logins on their own accounts from one address cannot make another user's login fail or wait long", async (t) => {
  // Warnings only: the attacker's loops run in this process, and parsing two log lines
  // per refused request would take the event loop from the server the test is about.
  const app = await buildTestApp(t, { ...PROXIED, LOG_LEVEL: 'warn' });
  const attackers = await Promise.all([account(app), account(app), account(app)]);
  const victim = await account(app);
  // Eighty loops at full speed, more than the hashing queue holds (2 running, 64 waiting).
  let running = true;
  const statuses = new Map<number, number>();
  let retryAfterSeen = false;
  const loop = async (i: number) => {
    const a = attackers[i % attackers.length];
    // Bounded: stops when the victim is done, and in any case after 20 s.
    const until = performance.now() + 20_000;
    while (running && performance.now() < until) {
      const r = await login(app, '203.0.113.66', a.email, a.password);
      statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
      if (r.statusCode === 429) retryAfterSeen ||= Number(r.headers['retry-after']) >= 1 && r.json().code === 'rate_limited';
    }
  };
  const loops = Array.from({ length: 80 }, (_, i) => loop(i));
  try {
    // Let the flood take hold before the victim arrives.
    const settleBy = performance.now() + 10_000;
    while ([...statuses.values()].reduce((a, b) => a + b, 0) < 200 && performance.now() < settleBy)
      await new Promise((r) => setTimeout(r, 20));
    const victimTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { res, ms } = await timed(async () => {
        const first = await login(app, '198.51.100.20', victim.email, victim.password);
        // The attacker's eighty loops run in this very process (inject), so on a loaded
        // machine they can hold the server's event loop past its pressure limit, which
        // sheds with 503 `overloaded` and Retry-After; a client tries once more after it,
        // as a real one would. Both tries count toward the 5 s bound below.
        if (first.statusCode !== 503 || first.json().code !== 'overloaded') return first;
        await new Promise((r) => setTimeout(r, Number(first.headers['retry-after']) * 1000));
        return login(app, '198.51.100.20', victim.email, victim.password);
      });
      assert.equal(res.statusCode, 200, `victim login ${i + 1}: ${res.statusCode} ${res.body}`);
      victimTimes.push(ms);
    }
    // A login alone is one scrypt hash (~50-100 ms); 5 s is generous for a busy machine,
    // and far below what waiting behind the attacker's queue took (503 at the deadline).
    assert.ok(Math.max(...victimTimes) < 5000, `victim login times: ${victimTimes.map(Math.round).join(', ')} ms`);
  } finally {
    running = false;
    await Promise.all(loops);
  }
  // The attacker's own answers: 200 within its share, 429 beyond it (a rare 503 is the
  // process shedding load while this test's own loops keep its event loop busy).
  assert.ok(
    [...statuses.keys()].every((s) => s === 200 || s === 429 || s === 503),
    `attacker answers: ${JSON.stringify([...statuses])}`,
  );
  assert.ok((statuses.get(429) ?? 0) > 0 && retryAfterSeen, 'the attacker was told to back off');
  // Nobody else is locked out afterwards.
  assert.equal((await login(app, '198.51.100.20', victim.email, victim.password)).statusCode, 200);
});

test('a caller over its share of password hashing gets 429 at once; successful logins count toward the share', async (t) => {
  const app = await buildTestApp(t, { ...PROXIED, LOGIN_HASHES_PER_ACCOUNT: '3', LOGIN_HASHES_PER_ADDRESS: '5' });
  const u = await account(app);
  const v = await account(app);
  for (let i = 0; i < 3; i++) assert.equal((await login(app, '192.0.2.1', u.email, u.password)).statusCode, 200);
  const overAccount = await login(app, '192.0.2.1', u.email, u.password);
  assert.equal(overAccount.statusCode, 429, 'a fourth correct login of one account from one address in a minute');
  assert.equal(overAccount.json().code, 'rate_limited');
  const retry = Number(overAccount.headers['retry-after']);
  assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
  // The same account from another address has its own share.
  assert.equal((await login(app, '192.0.2.2', u.email, u.password)).statusCode, 200);
  // The address's share covers all its accounts: 3 + 2 = 5, the sixth is refused.
  for (let i = 0; i < 2; i++) assert.equal((await login(app, '192.0.2.1', v.email, v.password)).statusCode, 200);
  assert.equal((await login(app, '192.0.2.1', v.email, v.password)).statusCode, 429, 'a sixth login from one address in a minute');
  assert.deepEqual(limitsLogged(app), ['login-hashes-account', 'login-hashes-address']);

  // Logins from one address at once beyond its in-progress share are refused at once,
  // not queued for the hashing threads: the answers are 200 or 429, never a wait into 503.
  const many = await Promise.all(Array.from({ length: 6 }, () => account(app)));
  const burst = await Promise.all(many.map((m) => timed(() => login(app, '192.0.2.3', m.email, m.password))));
  const codes = burst.map((b) => b.res.statusCode);
  assert.ok(
    codes.every((c) => c === 200 || c === 429),
    `burst answers: ${codes.join(', ')}`,
  );
  assert.ok(codes.includes(200) && codes.includes(429), `burst answers: ${codes.join(', ')}`);
  assert.ok(limitsLogged(app).includes('login-concurrent-address'));
  // Refused without hashing: every 429 came back before the slowest admitted login did.
  const slowestOk = Math.max(...burst.filter((b) => b.res.statusCode === 200).map((b) => b.ms));
  for (const b of burst.filter((x) => x.res.statusCode === 429)) {
    assert.equal(b.res.headers['retry-after'], '1');
    assert.ok(b.ms <= slowestOk, `a 429 took ${Math.round(b.ms)} ms, an admitted login ${Math.round(slowestOk)} ms`);
  }
});

test('wrong-password guesses from many addresses do not lock the owner out from their own; across instances the account-wide ceiling slows, it does not refuse', async (t) => {
  const redis = await TestRedis.start();
  t.after(() => redis.stop());
  const env = {
    ...PROXIED,
    REDIS_URL: redis.url,
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
    LOGIN_SLOW_AFTER_FAILURES_PER_ACCOUNT: '6',
    LOGIN_SLOW_DELAY_MS: '400',
  };
  const a = await buildTestApp(t, env);
  const b = await buildTestApp(t, env, { schema: a.schema });
  const owner = await account(a);
  // Ten addresses, three guesses each, spread over both instances: thirty failures.
  for (let k = 0; k < 10; k++) {
    for (let i = 0; i < 3; i++) {
      const r = await login((k + i) % 2 ? b : a, `203.0.113.${k + 1}`, owner.email, `guess-${k}-${i}`);
      assert.equal(r.statusCode, 401, `guess ${i + 1} from address ${k + 1}`);
    }
  }
  // Each guessing address is limited for this account, by the count both instances share.
  for (const s of [a, b]) {
    const r = await login(s, '203.0.113.1', owner.email, 'guess-more');
    assert.equal(r.statusCode, 429);
    assert.equal(r.json().code, 'rate_limited');
  }
  // The owner, from their own address, still gets in on either instance: slowed, not refused.
  for (const s of [a, b]) {
    const { res, ms } = await timed(() => login(s, '198.51.100.7', owner.email, owner.password));
    assert.equal(res.statusCode, 200, `the owner: ${res.statusCode} ${res.body}`);
    assert.ok(ms >= 350, `the account-wide ceiling slows every login to it (${Math.round(ms)} ms)`);
    assert.ok(ms < 5000, `slowed, not held (${Math.round(ms)} ms)`);
  }
  assert.ok(
    a.logs.some((l) => l.msg === 'rate limit slowing' && (l.limits as string[]).includes('login-account-slow') && l.source === 'redis'),
  );
  // And the owner's own allowance of mistakes is untouched by the guessers.
  assert.equal((await login(a, '198.51.100.7', owner.email, 'a-typo')).statusCode, 401);
  assert.equal((await login(b, '198.51.100.7', owner.email, owner.password)).statusCode, 200);
});

test('a 503 is never counted as a failed login: neither a database that cannot answer nor a full hashing queue', async (t) => {
  const app = await buildTestApp(t, {
    ...PROXIED,
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '2',
    LOGIN_MAX_FAILURES_PER_ADDRESS: '1',
    DB_LOCK_TIMEOUT_MS: '200',
  });
  const u = await account(app);
  // The users table held by another session: the login's lookup gives up, 503.
  const locker = await rawClient(app.schema.url);
  t.after(() => locker.end());
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
  for (let i = 0; i < 4; i++) {
    const r = await login(app, '192.0.2.50', u.email, 'wrong-password');
    assert.equal(r.statusCode, 503, `attempt ${i + 1} with the table locked: ${r.body}`);
    assert.ok(r.headers['retry-after']);
  }
  await locker.query('ROLLBACK');
  // None of the four counted: the address still has its one failure, the account its two.
  assert.equal((await login(app, '192.0.2.50', u.email, 'wrong-password')).statusCode, 401);
  assert.equal((await login(app, '192.0.2.51', u.email, 'wrong-password')).statusCode, 401);
  assert.equal((await login(app, '192.0.2.50', u.email, u.password)).statusCode, 429, 'the address used its one failure');
  assert.equal((await login(app, '192.0.2.52', u.email, u.password)).statusCode, 200);

  // A full hashing queue: many addresses at once, each with one wrong guess. Those
  // answered 503 have not used their address's one failure.
  const addrs = Array.from({ length: 150 }, (_, i) => `10.1.${Math.floor(i / 200)}.${(i % 200) + 1}`);
  const flood = await Promise.all(addrs.map((ip, i) => login(app, ip, `nobody${i}@example.com`, 'wrong-password')));
  const shed = addrs.filter((_, i) => flood[i].statusCode === 503);
  assert.ok(
    flood.every((r) => r.statusCode === 401 || r.statusCode === 503),
    `flood answers: ${[...new Set(flood.map((r) => r.statusCode))].join(', ')}`,
  );
  assert.ok(shed.length > 0, 'the hashing queue filled up (no 503 at all: the case was not exercised)');
  // Hashes whose requests were shed by their deadline may still be running: wait until a
  // fresh address is answered by a hash again (the queue has drained) before asking.
  await waitFor(
    async () => (await login(app, '10.2.0.1', 'drained@example.com', 'wrong-password')).statusCode === 401,
    60_000,
    'the hashing queue drained',
  );
  for (const ip of shed.slice(0, 10)) {
    const r = await login(app, ip, `again-${ip}@example.com`, 'wrong-password');
    assert.equal(r.statusCode, 401, `address ${ip} after its 503: ${r.statusCode}`);
  }
});

test('makeUser-style logins from one address, one after another, stay within the defaults', async (t) => {
  // The test helpers and small scripts log in many accounts from 127.0.0.1 in turn: the
  // default shares must not refuse a sequential handful.
  const app = await buildTestApp(t);
  for (let i = 0; i < 12; i++) await makeUser(app);
});
