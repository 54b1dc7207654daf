import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { test } from 'node:test';

import { createSigner } from 'fast-jwt';
import Fastify from 'fastify';
import type { Page } from 'playwright-core';

import { type AppDeps, buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/index.ts';
import { registerSecurity } from '../src/http/security.ts';
import { signPaystackBody } from '../src/infra/paystack/signature.ts';
import { createLogger } from '../src/logger.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { launchBrowser } from './helpers/browser.ts';
import { createTestSchema } from './helpers/db.ts';
import { makeCourse, makeUser, type TestUser } from './helpers/factories.ts';
import { buildPayApp, eventually, type PayApp } from './helpers/payments.ts';
import { freePort, TestRedis } from './helpers/redis.ts';
import { waitFor } from './helpers/wait.ts';

const SIM_KEY = 'sk_test_simulator';
const JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';

const login = (app: TestApp, email: string, password: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/login', headers, payload: { email, password } });

function assertRateLimited(
  res: { statusCode: number; headers: Record<string, unknown>; json(): any },
  label: string,
  maxRetryAfterS: number,
) {
  assert.equal(res.statusCode, 429, label);
  assert.equal(res.json().code, 'rate_limited', label);
  const retry = Number(res.headers['retry-after']);
  assert.ok(
    Number.isInteger(retry) && retry >= 1 && retry <= maxRetryAfterS,
    `${label}: Retry-After ${String(res.headers['retry-after'])}`,
  );
}

// ---------------------------------------------------------------- headers, CSP, CORS

const DOCUMENT_ONLY_HEADERS = [
  'cross-origin-opener-policy',
  'origin-agent-cluster',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-xss-protection',
];

test('security headers on JSON, problem and HTML answers', async (t) => {
  const app = await buildTestApp(t);
  for (const url of ['/healthz', '/api/v1/courses', '/api/v1/nope', '/api/v1/auth/me', '/docs', '/docs/try']) {
    const res = await app.inject({ method: 'GET', url });
    const h = res.headers;
    assert.match(String(h['content-security-policy']), /default-src 'self'/, url);
    assert.match(String(h['content-security-policy']), /script-src 'self'(;|$)/, `${url}: no inline or foreign script`);
    assert.match(String(h['content-security-policy']), /frame-ancestors 'none'/, url);
    assert.doesNotMatch(String(h['content-security-policy']), /script-src[^;]*unsafe/, url);
    // Swagger UI injects <style> elements: inline style on /docs/try only, never elsewhere.
    if (!url.startsWith('/docs/try')) assert.doesNotMatch(String(h['content-security-policy']), /unsafe-inline|unsafe-eval/, url);
    assert.equal(h['x-content-type-options'], 'nosniff', url);
    assert.equal(h['x-frame-options'], 'DENY', url);
    assert.equal(h['referrer-policy'], 'no-referrer', url);
    assert.match(String(h['strict-transport-security']), /max-age=\d+/, url);
    assert.equal(h['x-powered-by'], undefined, url);
    assert.equal(h['access-control-allow-origin'], undefined, `${url}: no CORS without CORS_ORIGINS`);
    assert.equal(h['cross-origin-resource-policy'], 'same-origin', url);
    assert.equal(h['x-permitted-cross-domain-policies'], 'none', url);
    // Headers about how a browser treats a document: on HTML pages, not on data.
    const html = String(h['content-type']).startsWith('text/html');
    for (const name of DOCUMENT_ONLY_HEADERS) assert.equal(h[name] !== undefined, html, `${url} (${String(h['content-type'])}): ${name}`);
  }
});

test('CORS: none by default; with CORS_ORIGINS only those exact origins, never credentials', async (t) => {
  const closed = await buildTestApp(t);
  const pre = await closed.inject({
    method: 'OPTIONS',
    url: '/api/v1/auth/me',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
  });
  assert.equal(pre.headers['access-control-allow-origin'], undefined);
  assert.notEqual(pre.statusCode, 204);

  const open = await buildTestApp(t, { CORS_ORIGINS: 'https://app.example.com, https://admin.example.com/' });
  const preflight = (origin: string) =>
    open.inject({
      method: 'OPTIONS',
      url: '/api/v1/auth/me',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
  const ok = await preflight('https://admin.example.com');
  assert.equal(ok.statusCode, 204);
  assert.equal(ok.headers['access-control-allow-origin'], 'https://admin.example.com');
  assert.match(String(ok.headers['access-control-allow-headers']), /authorization/);
  assert.equal(ok.headers['access-control-allow-credentials'], undefined);
  assert.match(String(ok.headers.vary), /origin/i);
  for (const evil of ['https://evil.example.com', 'https://app.example.com.evil.com', 'http://app.example.com', 'null']) {
    const res = await preflight(evil);
    assert.equal(res.headers['access-control-allow-origin'], undefined, evil);
    assert.equal(res.statusCode, 404, evil);
    const get = await open.inject({ method: 'GET', url: '/api/v1/courses', headers: { origin: evil } });
    assert.equal(get.headers['access-control-allow-origin'], undefined, evil);
  }
  const get = await open.inject({ method: 'GET', url: '/api/v1/courses', headers: { origin: 'https://app.example.com' } });
  assert.equal(get.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.match(String(get.headers['access-control-expose-headers']), /x-request-id/);
});

/** Records every Content-Security-Policy violation and console error of a page. */
async function watch(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const w = window as unknown as { cspViolations?: string[] };
      (w.cspViolations ??= []).push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('console', (m) => {
    if (m.type() === 'error') seen.push(m.text());
  });
  page.on('pageerror', (e) => seen.push(e.message));
  return seen;
}
const violations = (page: Page) => page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? []);

/** A plain http server with no policy of its own, standing in for another origin's web app. */
async function otherOrigin(port: number, html: string): Promise<http.Server> {
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return server;
}

test('in a real browser: /docs, /ops and the callback page work under the CSP; a same-origin script runs and an inline one does not; CORS lets only the allowed origin read', async (t) => {
  const started = performance.now();
  const [allowedPort, deniedPort] = [await freePort(), await freePort()];
  const allowedOrigin = `http://127.0.0.1:${allowedPort}`;
  const app: PayApp = await buildPayApp(t, { CORS_ORIGINS: allowedOrigin });
  const browser = await launchBrowser();
  t.after(() => browser.close());

  await t.test('/docs renders the API reference with its style sheet and no CSP violation', async () => {
    const page = await browser.newPage();
    const errors = await watch(page);
    await page.goto(`${app.url}/docs`);
    await page.locator('#tag-payments').waitFor({ timeout: 15_000 });
    assert.ok((await page.locator('.op').count()) > 10, 'operations rendered');
    // A rule of /docs/docs.css applied: the same-origin sheet was loaded under the policy.
    assert.equal(
      await page
        .locator('.m-post')
        .first()
        .evaluate((el) => getComputedStyle(el).color),
      'rgb(255, 255, 255)',
    );
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(
      errors.filter((e) => /Content Security Policy|Refused/i.test(e)),
      [],
    );
    await page.close();
  });

  await t.test('Swagger UI at /docs/try renders with no CSP violation', async () => {
    const page = await browser.newPage();
    const errors = await watch(page);
    await page.goto(`${app.url}/docs/try`);
    // Swagger UI compiles a 1.7 MB bundle first: 5–18 s on a loaded two-core machine.
    await page.locator('.opblock-tag', { hasText: 'payments' }).first().waitFor({ timeout: 60_000 });
    assert.ok((await page.locator('.opblock').count()) > 10, 'operations rendered');
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(
      errors.filter((e) => /Content Security Policy|Refused/i.test(e)),
      [],
    );
    await page.close();
  });

  await t.test('the payment callback page: its hashed inline style applies, nothing is refused', async () => {
    const inst = await makeUser(app, 'instructor');
    const student = await makeUser(app);
    const course = await makeCourse(app, inst, { title: 'CSP Course', price: 100_000 });
    const init = await app.inject({
      method: 'POST',
      url: '/api/v1/payments/initialize',
      headers: student.auth,
      payload: { courseId: course.id },
    });
    const { reference } = init.json();
    await app.sim.complete(reference, 'success', false);
    const page = await browser.newPage();
    const errors = await watch(page);
    const res = await page.goto(`${app.url}/payments/callback?reference=${reference}`);
    assert.match(String(res?.headers()['content-security-policy']), /style-src 'self' 'sha256-/);
    const h1 = page.locator('h1');
    assert.equal(await h1.getAttribute('data-status'), 'success');
    // #15803d, from the inline <style>: proof the hash matches the page's style.
    assert.equal(await h1.evaluate((el) => getComputedStyle(el).color), 'rgb(21, 128, 61)');
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(
      errors.filter((e) => /Content Security Policy|Refused/i.test(e)),
      [],
    );
    await page.close();
  });

  await t.test('/ops loads with no CSP violation', async () => {
    const page = await browser.newPage();
    page.on('dialog', (d) => void d.dismiss());
    const errors = await watch(page);
    const res = await page.goto(`${app.url}/ops`);
    assert.equal(res?.status(), 200);
    await page.waitForLoadState('networkidle');
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(
      errors.filter((e) => /Content Security Policy|Refused/i.test(e)),
      [],
    );
    await page.close();
  });

  await t.test('a plain page of ours: external same-origin script and style work, inline script is refused', async () => {
    // The service's own policy on a page shaped like /ops: HTML, a same-origin script that
    // calls the API, a same-origin stylesheet, and an inline script that must not run.
    const site = Fastify();
    await registerSecurity(site, { corsOrigins: [] });
    site.get('/page', (_q, r) =>
      r
        .type('text/html')
        .send(
          '<!doctype html><html><head><link rel="stylesheet" href="/page.css"><script src="/page.js" defer></script></head><body><h1>page</h1><script>document.body.dataset.inline = "ran"</script></body></html>',
        ),
    );
    site.get('/page.js', (_q, r) =>
      r
        .type('text/javascript')
        .send(
          'fetch("/data").then((r) => r.json()).then((j) => { document.body.dataset.fetched = j.ok; }); document.body.dataset.external = "ran";',
        ),
    );
    site.get('/page.css', (_q, r) => r.type('text/css').send('h1 { color: rgb(1, 2, 3); }'));
    site.get('/data', () => ({ ok: 'yes' }));
    const siteUrl = await site.listen({ port: 0, host: '127.0.0.1' });
    t.after(() => site.close());
    const page = await browser.newPage();
    await watch(page);
    await page.goto(`${siteUrl}/page`);
    await page.waitForFunction(() => document.body.dataset.fetched === 'yes', undefined, { timeout: 10_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.external), 'ran');
    assert.equal(await page.evaluate(() => document.body.dataset.inline), undefined, 'inline script ran');
    assert.equal(await page.locator('h1').evaluate((el) => getComputedStyle(el).color), 'rgb(1, 2, 3)');
    assert.ok(
      (await violations(page)).some((v) => v.startsWith('script-src')),
      'the inline script was reported as refused',
    );
    await page.close();
  });

  await t.test('CORS: a page on the allowed origin reads the API with a bearer token; a page elsewhere cannot', async () => {
    const user = await makeUser(app);
    const html = `<!doctype html><script>fetch(${JSON.stringify(`${app.url}/api/v1/auth/me`)}, { headers: { authorization: ${JSON.stringify(user.auth.authorization)} } })
      .then((r) => r.json()).then((j) => { document.title = 'read:' + j.id; }, () => { document.title = 'blocked'; });</script>`;
    const allowed = await otherOrigin(allowedPort, html);
    const denied = await otherOrigin(deniedPort, html);
    t.after(() => {
      allowed.close();
      denied.close();
    });
    const page = await browser.newPage();
    await page.goto(`${allowedOrigin}/`);
    await page.waitForFunction(() => document.title !== '', undefined, { timeout: 10_000 });
    assert.equal(await page.title(), `read:${user.id}`);
    await page.goto(`http://127.0.0.1:${(denied.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => document.title !== '', undefined, { timeout: 10_000 });
    assert.equal(await page.title(), 'blocked');
    await page.close();
  });
  process.stdout.write(`# browser security checks took ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
});

test("body size limits per route: one byte over a route's own limit is 413, before any parsing or auth", async (t) => {
  const app = await buildTestApp(t);
  const KiB = 1024;
  const limits: [string, string, number][] = [
    ['POST', '/api/v1/auth/register', 16 * KiB],
    ['POST', '/api/v1/auth/login', 16 * KiB],
    ['POST', '/api/v1/auth/refresh', 16 * KiB],
    ['POST', '/api/v1/auth/logout', 16 * KiB],
    ['PATCH', '/api/v1/users/00000000-0000-4000-8000-000000000000', 16 * KiB],
    ['POST', '/api/v1/courses', 64 * KiB],
    ['PATCH', '/api/v1/courses/00000000-0000-4000-8000-000000000000', 64 * KiB],
    ['POST', '/api/v1/payments/initialize', 8 * KiB],
    ['POST', '/api/v1/payments/it360-x/refund', 1 * KiB],
    ['POST', '/api/v1/payments/webhook', 256 * KiB],
  ];
  for (const [method, url, limit] of limits) {
    const body = (size: number) => `{"x":"${'a'.repeat(size - 8)}"}`;
    assert.equal(body(limit + 1).length, limit + 1);
    const over = await app.inject({
      method: method as 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      payload: body(limit + 1),
    });
    assert.equal(over.statusCode, 413, `${method} ${url} at ${limit + 1} bytes`);
    assert.equal(over.json().code, 'payload_too_large');
    const at = await app.inject({ method: method as 'POST', url, headers: { 'content-type': 'application/json' }, payload: body(limit) });
    assert.notEqual(at.statusCode, 413, `${method} ${url} at ${limit} bytes`);
  }
});

// ---------------------------------------------------------------- rate limits, trustProxy

test('login: failures per account end in 429 with Retry-After, for known and unknown emails alike; successes do not count', async (t) => {
  const app = await buildTestApp(t, { LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
  const u = await makeUser(app);
  // Successful logins are not attempts against the limit.
  for (let i = 0; i < 5; i++) assert.equal((await login(app, u.email, u.password)).statusCode, 200);
  for (let i = 0; i < 3; i++) assert.equal((await login(app, u.email, 'wrong-password')).statusCode, 401);
  assertRateLimited(await login(app, u.email, 'wrong-password'), 'fourth failure', 900);
  // While limited, even the right password is refused (no guessing through the limit), and
  // the email's case or spaces do not make a new account key.
  assertRateLimited(await login(app, ` ${u.email.toUpperCase()} `, u.password), 'right password while limited', 900);
  // An unknown email is limited the same way: a 429 does not tell which emails exist.
  for (let i = 0; i < 3; i++) assert.equal((await login(app, 'nobody@example.com', 'wrong-password')).statusCode, 401);
  assertRateLimited(await login(app, 'nobody@example.com', 'wrong-password'), 'unknown email', 900);
  // Other accounts are not affected.
  const other = await makeUser(app);
  assert.equal((await login(app, other.email, other.password)).statusCode, 200);
  const line = app.logs.find((l) => l.msg === 'rate limit reached');
  assert.deepEqual(line?.limits, ['login-account']);
  assert.equal(
    JSON.stringify(app.logs.filter((l) => l.msg === 'rate limit reached')).includes(u.email),
    false,
    'the limit log names no email',
  );
});

test('login failures per client address; TRUST_PROXY decides whether X-Forwarded-For is believed, for limits and logs', async (t) => {
  const direct = await buildTestApp(t, { LOGIN_MAX_FAILURES_PER_ADDRESS: '3' });
  // Not behind a trusted proxy: a forged X-Forwarded-For changes nothing.
  for (let i = 0; i < 3; i++)
    assert.equal((await login(direct, `a${i}@example.com`, 'wrong-password', { 'x-forwarded-for': `203.0.113.${i}` })).statusCode, 401);
  assertRateLimited(await login(direct, 'a9@example.com', 'wrong-password', { 'x-forwarded-for': '198.51.100.7' }), 'spoofed address', 900);
  const seen = direct.logs.filter((l) => l.msg === 'request completed').map((l) => l.ip);
  assert.ok(
    seen.every((ip) => ip === '127.0.0.1'),
    `logged addresses: ${seen.join(', ')}`,
  );

  // Behind a proxy at 127.0.0.1: its X-Forwarded-For is the client address.
  const proxied = await buildTestApp(t, { LOGIN_MAX_FAILURES_PER_ADDRESS: '3', TRUST_PROXY: '127.0.0.1' });
  for (let i = 0; i < 3; i++)
    assert.equal((await login(proxied, `b${i}@example.com`, 'wrong-password', { 'x-forwarded-for': '203.0.113.5' })).statusCode, 401);
  assertRateLimited(
    await login(proxied, 'b9@example.com', 'wrong-password', { 'x-forwarded-for': '203.0.113.5' }),
    'same client behind the proxy',
    900,
  );
  assert.equal(
    (await login(proxied, 'b9@example.com', 'wrong-password', { 'x-forwarded-for': '203.0.113.6' })).statusCode,
    401,
    'another client behind the proxy',
  );
  // A client cannot prepend addresses of its own: only the hop the proxy added counts.
  assertRateLimited(
    await login(proxied, 'b8@example.com', 'wrong-password', { 'x-forwarded-for': '10.9.9.9, 203.0.113.5' }),
    'spoofed hop before the real one',
    900,
  );
  const ips = new Set(proxied.logs.filter((l) => l.msg === 'request completed').map((l) => l.ip));
  assert.deepEqual([...ips].sort(), ['203.0.113.5', '203.0.113.6']);
});

test('registration per address and payment initialization per user are rate limited', async (t) => {
  const app = await buildTestApp(t, { REGISTER_MAX_PER_ADDRESS: '2', PAYMENT_INIT_MAX_PER_USER: '2' });
  const reg = (i: number) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: `r${i}@example.com`, password: 'long-enough', firstName: 'R', lastName: 'L' },
    });
  assert.equal((await reg(1)).statusCode, 201);
  assert.equal((await reg(2)).statusCode, 201);
  assertRateLimited(await reg(3), 'third registration', 3600);
  assert.equal((await app.c.db.query<{ n: number }>('t', "SELECT count(*)::int AS n FROM users WHERE email = 'r3@example.com'"))[0].n, 0);

  const inst = await makeUser(app, 'instructor');
  const buyer = await makeUser(app);
  const course = await makeCourse(app, inst, { price: 10_000 });
  const init = (who: TestUser) =>
    app.inject({ method: 'POST', url: '/api/v1/payments/initialize', headers: who.auth, payload: { courseId: course.id } });
  assert.equal((await init(buyer)).statusCode, 201);
  assert.equal((await init(buyer)).statusCode, 201);
  assertRateLimited(await init(buyer), 'third initialization', 600);
  assert.equal((await init(await makeUser(app))).statusCode, 201, 'another user is not limited');
});

test('rate-limit counters are shared by two instances through Redis, and fall back to each process when Redis hangs', async (t) => {
  const redis = await TestRedis.start();
  t.after(() => redis.stop());
  const env = { REDIS_URL: redis.url, LOGIN_MAX_FAILURES_PER_ACCOUNT: '4', BREAKER_CONSECUTIVE_FAILURES: '2' };
  const a = await buildTestApp(t, env);
  const b = await buildTestApp(t, env, { schema: a.schema });
  const u = await makeUser(a);
  assert.equal((await login(a, u.email, 'wrong-1')).statusCode, 401);
  assert.equal((await login(b, u.email, 'wrong-2')).statusCode, 401);
  assert.equal((await login(a, u.email, 'wrong-3')).statusCode, 401);
  assert.equal((await login(b, u.email, 'wrong-4')).statusCode, 401);
  // Four failures across two instances: the fifth is refused by either.
  assertRateLimited(await login(b, u.email, 'wrong-5'), 'fifth failure, second instance', 900);
  assertRateLimited(await login(a, u.email, u.password), 'first instance', 900);
  assert.equal(b.logs.find((l) => l.msg === 'rate limit reached')?.source, 'redis');

  // A hung Redis: answers stay fast (command timeout, then the breaker), and the limit
  // holds from this process's own counters (fail neither open nor closed).
  redis.freeze();
  t.after(() => redis.thaw());
  const v = await makeUser(a);
  const times: number[] = [];
  let limited: Awaited<ReturnType<typeof login>> | undefined;
  for (let i = 0; i < 6 && !limited; i++) {
    const startedAt = performance.now();
    const res = await login(a, v.email, `wrong-${i}`);
    times.push(performance.now() - startedAt);
    if (res.statusCode === 429) limited = res;
    else assert.equal(res.statusCode, 401);
  }
  assert.ok(limited, 'the limit still applies while Redis hangs');
  assertRateLimited(limited, 'while Redis hangs', 900);
  // 250 ms command timeout plus a scrypt check: 1.5 s leaves room for a busy CI machine.
  assert.ok(Math.max(...times) < 1500, `login times while Redis hangs: ${times.map(Math.round).join(', ')} ms`);
  assert.equal(a.logs.filter((l) => l.msg === 'rate limit reached').at(-1)?.source, 'local');
  assert.equal(a.c.cachePolicy.state(), 'open', 'the cache breaker opened');
});

// ---------------------------------------------------------------- auth hardening

test('a flood of logins cannot starve the rest of the service: password hashing is bounded', async (t) => {
  // From a hundred addresses behind a proxy: one address alone would be held to its own
  // share (429) before it reached the process-wide cap this test is about.
  const app = await buildTestApp(t, {
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '10000',
    LOGIN_MAX_FAILURES_PER_ADDRESS: '10000',
    TRUST_PROXY: '127.0.0.1',
  });
  await eventually(async () => !app.c.app.isUnderPressure(), 5000, 'calm');
  const flood = Array.from({ length: 100 }, (_, i) =>
    login(app, `flood${i}@example.com`, 'wrong-password', { 'x-forwarded-for': `10.0.0.${i + 1}` }),
  );
  const probes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const startedAt = performance.now();
    const res = await app.inject({ method: 'GET', url: '/api/v1/courses' });
    probes.push(performance.now() - startedAt);
    assert.equal(res.statusCode, 200);
  }
  const results = await Promise.all(flood);
  const statuses = new Set(results.map((r) => r.statusCode));
  assert.ok(
    [...statuses].every((s) => s === 401 || s === 503),
    `flood statuses: ${[...statuses].join(', ')}`,
  );
  assert.ok(statuses.has(503), 'some logins were shed (bulkhead full) instead of queueing without bound');
  // Starved would mean waiting for the deadline (10 s) or a 503; 1.4 s was seen on a
  // 2-core box running a chaos run beside the suite. Rates and p99s under a login flood
  // are the chaos run's (login-flood scenario), not this test's.
  assert.ok(Math.max(...probes) < 3000, `other requests during the flood: ${probes.map(Math.round).join(', ')} ms`);
  // The hashing bulkhead is per process, shared by every app in this file: hashes of shed
  // requests may still be running, so wait until a login is hashed again before the next test.
  await waitFor(
    async () => (await login(app, 'drained@example.com', 'wrong-password', { 'x-forwarded-for': '10.0.1.1' })).statusCode === 401,
    60_000,
    'the hashing queue drained',
  );
});

test('JWT: algorithm pinned, clock skew bounded to seconds, foreign issuers refused', async (t) => {
  const app = await buildTestApp(t, { JWT_SECRET });
  const u = await makeUser(app);
  const now = Math.floor(Date.now() / 1000);
  // The session of a real login: a token must name a live session (sid) to be accepted.
  const { sid } = JSON.parse(Buffer.from(u.accessToken.split('.')[1], 'base64url').toString()) as { sid: string };
  const claims = { sub: u.id, sid, role: 'student', tv: 0 };
  const me = (token: string) => app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
  const sign = (o: Record<string, unknown>, alg: 'HS256' | 'HS512' = 'HS256', iss = 'it360acad') =>
    createSigner({ key: JWT_SECRET, algorithm: alg, iss })({ ...claims, ...o });
  assert.equal((await me(sign({ iat: now - 100, exp: now + 100 }))).statusCode, 200, 'valid');
  assert.equal((await me(sign({ iat: now - 100, exp: now - 2 }))).statusCode, 200, 'expired 2 s ago: within the 5 s tolerance');
  assert.equal((await me(sign({ iat: now - 100, exp: now - 30 }))).statusCode, 401, 'expired 30 s ago');
  assert.equal((await me(sign({ iat: now - 100, exp: now + 100, nbf: now + 60 }))).statusCode, 401, 'not valid for another minute');
  assert.equal((await me(sign({ iat: now, exp: now + 100 }, 'HS512'))).statusCode, 401, 'right key, other algorithm');
  assert.equal((await me(sign({ iat: now, exp: now + 100 }, 'HS256', 'someone-else'))).statusCode, 401, 'other issuer');
  assert.equal((await me(sign({ iat: now, exp: now + 100, role: 'superuser' }))).statusCode, 401, 'unknown role');
});

test('password length bounds apply at registration (8 to 128)', async (t) => {
  const app = await buildTestApp(t);
  const reg = (password: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: `p${password.length}@example.com`, password, firstName: 'P', lastName: 'L' },
    });
  assert.equal((await reg('x'.repeat(7))).statusCode, 400);
  assert.equal((await reg('x'.repeat(129))).statusCode, 400);
  assert.equal((await reg('x'.repeat(8))).statusCode, 201);
  // A login with an over-long password is refused before any hashing.
  assert.equal((await login(app, 'p8@example.com', 'x'.repeat(129))).statusCode, 400);
});

// ---------------------------------------------------------------- secrets and internals

test('production refuses a weak or default JWT_SECRET and a missing OPS_TOKEN, naming each', () => {
  const base = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://db/x',
    PAYSTACK_SECRET_KEY: 'sk_live_0123456789',
    SMTP_URL: 'smtps://mailer:pw@smtp.example.com:465',
    PUBLIC_URL: 'https://academy.example.com',
  };
  const strong = 'q8Vn2ZrLw5tXy1KcPb7MhJd4GfSa0Ue9R';
  // The tests' own secret is long and varied, but public: a default, refused like the rest.
  for (const weak of [
    'secret',
    'changeme',
    'short-but-random-9f8',
    'a'.repeat(40),
    'changeme'.repeat(5),
    JWT_SECRET,
    'my-example-key-Q8Vn2ZrLw5tXy1KcPb7MhJd4',
  ]) {
    assert.throws(() => loadConfig({ ...base, JWT_SECRET: weak, OPS_TOKEN: 'ops-token-0123456789' }), /JWT_SECRET/, weak);
  }
  assert.throws(() => loadConfig({ ...base, OPS_TOKEN: 'ops-token-0123456789' }), /JWT_SECRET is required/);
  assert.throws(() => loadConfig({ ...base, JWT_SECRET: strong }), /OPS_TOKEN is required/);
  assert.throws(() => loadConfig({ ...base, JWT_SECRET: strong, OPS_TOKEN: 'short' }), /OPS_TOKEN/);
  assert.equal(loadConfig({ ...base, JWT_SECRET: strong, OPS_TOKEN: 'Zr4mQ8vX1pL7tB2nK9cW5yH3fJ6dS0aGuE' }).isProduction, true);
});

test('a 5xx body carries no internals; the log has them', async () => {
  const internal = 'connect ECONNREFUSED 10.1.2.3:5432 at /srv/it360/src/users/repository.ts:42 password=hunter2';
  const failing = new Proxy({}, { get: () => () => Promise.reject(new Error(internal)) });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger('info', sink);
  const app = await buildApp({
    config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info' }),
    logger,
    auth: failing,
    users: failing,
    courses: failing,
    payments: failing,
    enrollments: failing,
    operations: { readiness: failing, telemetry: failing },
  } as unknown as AppDeps);
  try {
    const res = await app.inject({ method: 'GET', url: '/api/v1/courses' });
    assert.equal(res.statusCode, 500);
    const body = res.json();
    assert.equal(body.code, 'internal');
    assert.equal(body.requestId, res.headers['x-request-id']);
    for (const leak of ['ECONNREFUSED', '10.1.2.3', 'repository.ts', 'hunter2', 'stack', '/srv/'])
      assert.equal(res.body.includes(leak), false, `body shows ${leak}`);
    assert.ok(logs.join('').includes('ECONNREFUSED'), 'the cause is logged for the operator');
  } finally {
    await app.close();
  }
});

test('the logger redacts every secret-bearing field, in a request, an error or a whole config object', () => {
  const lines: string[] = [];
  const logger = createLogger(
    'trace',
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    }),
  );
  const s = (name: string) => `${name}-value-${Math.random().toString(36).slice(2)}`;
  const values = {
    authorization: s('authorization'),
    cookie: s('cookie'),
    setCookie: s('set-cookie'),
    signature: s('signature'),
    password: s('password'),
    accessToken: s('access'),
    refreshToken: s('refresh'),
    token: s('token'),
    secretKey: s('secret-key'),
    jwtSecret: s('jwt'),
    opsToken: s('ops'),
    paystackSecretKey: s('paystack'),
    adminPassword: s('admin'),
    dbPassword: s('db'),
    redisPassword: s('redis'),
  };
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: values.jwtSecret,
    OPS_TOKEN: values.opsToken,
    PAYSTACK_SECRET_KEY: values.paystackSecretKey,
    BOOTSTRAP_ADMIN_EMAIL: 'a@example.com',
    BOOTSTRAP_ADMIN_PASSWORD: values.adminPassword,
    DATABASE_URL: `postgres://app:${values.dbPassword}@db/app`,
    REDIS_URL: `rediss://default:${values.redisPassword}@cache:6380`,
  });
  logger.info({ config }, 'config');
  logger.info(config, 'config at the top level');
  logger.info(
    {
      req: {
        headers: {
          authorization: `Bearer ${values.authorization}`,
          cookie: values.cookie,
          'set-cookie': values.setCookie,
          'x-paystack-signature': values.signature,
        },
      },
    },
    'request',
  );
  logger.info({ headers: { authorization: values.authorization, 'x-paystack-signature': values.signature } }, 'headers at the top level');
  logger.warn(
    {
      body: { password: values.password, refreshToken: values.refreshToken },
      accessToken: values.accessToken,
      token: values.token,
      secretKey: values.secretKey,
      signature: values.signature,
    },
    'fields',
  );
  const all = lines.join('');
  assert.equal(lines.length, 5);
  const leaked = Object.entries(values)
    .filter(([, v]) => all.includes(v))
    .map(([k]) => k);
  assert.deepEqual(leaked, []);
});

test('secrets never reach the log: a full flow with payment, webhook, refund and operator calls, at trace level', async (t) => {
  const schema = await createTestSchema();
  t.after(() => schema.release(t));
  const dbPassword = 'db-password-7f3a9c';
  const dbUrl = new URL(schema.url);
  // Only when the URL has no password of its own (the test server trusts local clients).
  if (!dbUrl.password) dbUrl.password = dbPassword;
  const secrets = {
    opsToken: 'ops-token-5b1e0d9a7c3f',
    adminPassword: 'bootstrap-admin-pw-88c1',
    jwtSecret: JWT_SECRET,
    paystackKey: SIM_KEY,
    dbPassword,
    userPassword: 'student-password-41d2',
    wrongPassword: 'wrong-password-c0ffee',
    cookie: 'session=cookie-secret-9e8d',
  };
  const app = await buildPayApp(t, {
    LOG_LEVEL: 'trace',
    DATABASE_URL: dbUrl.toString(),
    OPS_TOKEN: secrets.opsToken,
    BOOTSTRAP_ADMIN_EMAIL: 'root@example.com',
    BOOTSTRAP_ADMIN_PASSWORD: secrets.adminPassword,
  });
  const tokens: string[] = [];
  const inst = await makeUser(app, 'instructor');
  const course = await makeCourse(app, inst, { price: 75_000 });
  const reg = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email: 'flow@example.com', password: secrets.userPassword, firstName: 'F', lastName: 'L' },
  });
  assert.equal(reg.statusCode, 201);
  tokens.push(reg.json().accessToken, reg.json().refreshToken);
  assert.equal((await login(app, 'flow@example.com', secrets.wrongPassword)).statusCode, 401);
  const session = (await login(app, 'flow@example.com', secrets.userPassword)).json();
  tokens.push(session.accessToken, session.refreshToken);
  const auth = { authorization: `Bearer ${session.accessToken}`, cookie: secrets.cookie };
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: auth })).statusCode, 200);
  const refreshed = (
    await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: session.refreshToken } })
  ).json();
  tokens.push(refreshed.accessToken, refreshed.refreshToken);
  // Reusing a rotated refresh token: logged as reuse, never with the token.
  assert.equal(
    (await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: session.refreshToken } })).statusCode,
    401,
  );
  // The reuse ended that session, its access tokens included: the purchase runs in a new one.
  const again = (await login(app, 'flow@example.com', secrets.userPassword)).json();
  tokens.push(again.accessToken, again.refreshToken);
  const buyer = { authorization: `Bearer ${again.accessToken}` };
  const init = await app.inject({ method: 'POST', url: '/api/v1/payments/initialize', headers: buyer, payload: { courseId: course.id } });
  assert.equal(init.statusCode, 201, init.body);
  const { reference, accessCode } = init.json();
  tokens.push(accessCode);
  await app.sim.complete(reference, 'success', true);
  const body = JSON.stringify({ event: 'charge.success', data: { reference, status: 'success', amount: 75_000, currency: 'NGN' } });
  const signature = signPaystackBody(SIM_KEY, body);
  const hook = await fetch(`${app.url}/api/v1/payments/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-paystack-signature': signature },
    body,
  });
  assert.equal(hook.status, 200);
  assert.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/api/v1/payments/webhook',
        headers: { 'content-type': 'application/json', 'x-paystack-signature': 'f'.repeat(128) },
        payload: body,
      })
    ).statusCode,
    401,
  );
  await eventually(
    async () =>
      (await app.inject({ method: 'GET', url: `/api/v1/payments/verify/${reference}`, headers: buyer })).json().status === 'success',
    5000,
    'payment success',
  );
  const admin = (await login(app, 'root@example.com', secrets.adminPassword)).json();
  tokens.push(admin.accessToken, admin.refreshToken);
  const refund = await app.inject({
    method: 'POST',
    url: `/api/v1/payments/${reference}/refund`,
    headers: { authorization: `Bearer ${admin.accessToken}` },
    payload: {},
  });
  assert.equal(refund.statusCode, 202, refund.body);
  assert.equal(
    (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${secrets.opsToken}` } })).statusCode,
    200,
  );
  assert.equal(
    (await app.inject({ method: 'GET', url: '/ops/data', headers: { authorization: 'Bearer not-the-ops-token' } })).statusCode,
    401,
  );
  await app.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken: refreshed.refreshToken } });
  // Let the webhook processing after its 200 finish and log.
  await eventually(async () => app.logs.some((l) => l.msg === 'payment fulfilled'), 5000, 'fulfilment logged');

  const all = JSON.stringify(app.logs);
  assert.ok(app.logs.length > 25, `only ${app.logs.length} log records`);
  const found = Object.entries({ ...secrets, ...Object.fromEntries(tokens.map((tok, i) => [`token${i}`, tok])), signature }).filter(
    ([, v]) => v && all.includes(v),
  );
  assert.deepEqual(
    found.map(([k]) => k),
    [],
    'secrets in the log',
  );
  assert.doesNotMatch(all, /[0-9a-f]{128}/i, 'something shaped like a webhook signature is in the log');
  assert.doesNotMatch(all, /scrypt\$/, 'a password hash is in the log');
  assert.doesNotMatch(all, /eyJ[A-Za-z0-9_-]{10,}\.eyJ/, 'something shaped like a JWT is in the log');
});

// ---------------------------------------------------------------- payments abuse

test('payments abuse: the amount comes from the course; a signed webhook cannot make a payment succeed; a replay later changes nothing; other students see nothing', async (t) => {
  const app = await buildPayApp(t);
  const inst = await makeUser(app, 'instructor');
  const admin = await makeUser(app, 'admin');
  const student = await makeUser(app);
  const other = await makeUser(app);
  const course = await makeCourse(app, inst, { price: 1_250_000 });
  const rows = async () =>
    (await app.c.db.query<{ status: string; amount: number }>('t', 'SELECT status, amount FROM payments ORDER BY created_at')).map(
      (r) => `${r.status}:${r.amount}`,
    );
  // Over real HTTP, as Paystack sends them: the event is processed after the 200.
  const webhook = async (raw: string) =>
    (
      await fetch(`${app.url}/api/v1/payments/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-paystack-signature': signPaystackBody(SIM_KEY, raw) },
        body: raw,
        signal: AbortSignal.timeout(5000),
      })
    ).status;

  // A client-supplied amount is refused outright, whatever its value, and nothing is created.
  for (const extra of [{ amount: 1 }, { amount: 1_250_000 }, { price: 0 }, { currency: 'USD' }, { metadata: { amount: 1 } }]) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/payments/initialize',
      headers: student.auth,
      payload: { courseId: course.id, ...extra },
    });
    assert.equal(res.statusCode, 400, JSON.stringify(extra));
  }
  assert.deepEqual(await rows(), []);
  const init = await app.inject({
    method: 'POST',
    url: '/api/v1/payments/initialize',
    headers: student.auth,
    payload: { courseId: course.id },
  });
  assert.equal(init.statusCode, 201);
  const { reference, amount } = init.json();
  assert.equal(amount, 1_250_000);

  // Another student: cannot verify, refund or list it (404: it does not exist for them).
  assert.equal((await app.inject({ method: 'GET', url: `/api/v1/payments/verify/${reference}`, headers: other.auth })).statusCode, 404);
  assert.equal(
    (await app.inject({ method: 'POST', url: `/api/v1/payments/${reference}/refund`, headers: other.auth, payload: {} })).statusCode,
    404,
  );
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/payments', headers: other.auth })).json().total, 0);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/payments?status=pending', headers: other.auth })).json().items.length, 0);

  // A correctly signed success event for a payment Paystack has not seen paid: only
  // Paystack's own verify answer fulfils a payment, so it stays pending.
  const event = JSON.stringify({ event: 'charge.success', data: { reference, status: 'success', amount: 1, currency: 'NGN' } });
  assert.equal(await webhook(event), 200);
  await eventually(
    async () =>
      (await app.c.db.query<{ n: number }>('t', 'SELECT count(*)::int AS n FROM webhook_events WHERE processed_at IS NOT NULL'))[0].n === 1,
    5000,
    'event processed',
  );
  // Paystack says the checkout was never paid: not fulfilled (pending or abandoned, still payable).
  assert.match((await rows()).join(), /^(pending|abandoned):1250000$/);
  assert.equal((await app.c.db.query<{ n: number }>('t', 'SELECT count(*)::int AS n FROM enrollments'))[0].n, 0);

  // Paid for real, then fully refunded.
  await app.sim.complete(reference, 'success', false);
  assert.equal(
    (await app.inject({ method: 'GET', url: `/api/v1/payments/verify/${reference}`, headers: student.auth })).json().status,
    'success',
  );
  assert.equal(
    (await app.inject({ method: 'POST', url: `/api/v1/payments/${reference}/refund`, headers: student.auth, payload: {} })).statusCode,
    403,
    'the owner may see it but not refund it',
  );
  const refund = await app.inject({ method: 'POST', url: `/api/v1/payments/${reference}/refund`, headers: admin.auth, payload: {} });
  assert.equal(refund.statusCode, 202);
  await eventually(async () => (await rows())[0] === 'refunded:1250000', 5000, 'refunded');
  const enrollments = async () =>
    (await app.inject({ method: 'GET', url: '/api/v1/enrollments', headers: student.auth })).json().items.length;
  assert.equal(await enrollments(), 0);
  const eventsBefore = (await app.c.db.query<{ n: number }>('t', 'SELECT count(*)::int AS n FROM webhook_events'))[0].n;

  // The success webhook replayed later, validly signed: acknowledged, and nothing changes.
  for (let i = 0; i < 3; i++) assert.equal(await webhook(event), 200);
  assert.equal(
    await webhook(JSON.stringify({ event: 'charge.success', data: { reference, status: 'success', amount: 1_250_000, currency: 'NGN' } })),
    200,
  );
  await app.c.payments.processEvents(undefined);
  assert.deepEqual(await rows(), ['refunded:1250000']);
  assert.equal(await enrollments(), 0);
  assert.equal(
    (await app.c.db.query<{ n: number }>('t', 'SELECT count(*)::int AS n FROM webhook_events'))[0].n,
    eventsBefore,
    'a replayed event is not stored again',
  );
});
