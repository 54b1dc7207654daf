import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { launchBrowser } from './helpers/browser.ts';
import { createTestSchema } from './helpers/db.ts';
import { eventually } from './helpers/payments.ts';
import { TestRedis } from './helpers/redis.ts';
import { startService } from './helpers/service.ts';

/*
 * The /ops dashboard as an operator sees it during an incident: the real service (the
 * supervisor and two workers) with its Redis hung, the page in headless Chromium under
 * the service's Content-Security-Policy. The screenshot is kept as an artifact of the run.
 */

const OPS_TOKEN = 'dashboard-token-for-tests-0123456789';
const ROOT = new URL('..', import.meta.url).pathname;
// Any answer from a healthy local service comes in milliseconds; 5 s means it hangs.
const HTTP_TIMEOUT_MS = 5000;
// Two workers boot in 3-5 s here (tsx, migrations); 20 s is for a loaded CI box.
const BOOT_MS = 20_000;
// The page refreshes every 5 s; two refreshes are enough for anything to show.
const PAGE_MS = 10_000;

test('the /ops dashboard, while Redis is hung, shows the cache degraded and lists the timed-out requests', async (t) => {
  const redis = await TestRedis.start();
  t.after(() => redis.stop());
  const schema = await createTestSchema();
  t.after(() => schema.release(t));
  const svc = await startService({
    WEB_CONCURRENCY: '2',
    DATABASE_URL: schema.url,
    REDIS_URL: redis.url,
    OPS_TOKEN,
    FAULT_INJECTION: 'true',
    JWT_SECRET: 'dashboard-test-secret-0123456789abcdef',
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'it360-dash-')),
    // A 2 s deadline, so the request that overruns it does so quickly; the per-call
    // budgets must fit inside it.
    REQUEST_TIMEOUT_MS: '2000',
    DB_CONNECT_TIMEOUT_MS: '1000',
    PAYSTACK_TIMEOUT_MS: '1500',
    PAYSTACK_VERIFY_WAIT_MS: '1000',
  });
  t.after(() => svc.kill());
  const get = (url: string) => fetch(`${svc.url}${url}`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  // Both workers up, and the cache in use before it hangs.
  await eventually(
    async () => {
      const res = await fetch(`${svc.url}/ops/data`, {
        headers: { authorization: `Bearer ${OPS_TOKEN}` },
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      const d = (await res.json()) as { workers: { answered: boolean }[]; dependencies: { name: string; state: string }[] };
      return d.workers.filter((w) => w.answered).length === 2 && d.dependencies.find((x) => x.name === 'cache')?.state === 'ok';
    },
    BOOT_MS,
    'two workers and a healthy cache',
  );
  for (let i = 0; i < 4; i++) assert.equal((await get('/api/v1/courses')).status, 200);

  redis.freeze();
  t.after(() => redis.thaw());
  // Each of these waits out the cache's 250 ms command timeout (until the breaker of the
  // worker serving it opens, after five) and is served from PostgreSQL.
  const cacheTimedOut: string[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await get(`/api/v1/courses?page=${i + 1}&pageSize=7`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-cache'), 'bypass');
    cacheTimedOut.push(res.headers.get('x-request-id')!);
  }
  // And one request that overruns its deadline on the database.
  const slow = await get('/__fault/db-sleep?seconds=10');
  assert.equal(slow.status, 503);
  const slowId = slow.headers.get('x-request-id')!;

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  page.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
  const res = await page.goto(`${svc.url}/ops`);
  assert.equal(res?.status(), 200);
  assert.match(String(res?.headers()['content-security-policy']), /script-src 'self'/);

  // The page asks for the token once; it is kept for the tab.
  await page.locator('#token').fill(OPS_TOKEN);
  await page.locator('#login button[type=submit]').click();
  const cache = page.locator('[data-dependency="cache"]');
  await cache.and(page.locator('[data-state="degraded"]')).waitFor({ timeout: PAGE_MS });
  await page.locator(`#timedout tr[data-request-id="${slowId}"]`).waitFor({ timeout: PAGE_MS });
  await page.locator(`#timedout tr[data-request-id="${cacheTimedOut[0]}"]`).waitFor({ timeout: PAGE_MS });

  assert.match(await cache.locator('.pill').innerText(), /degraded/i);
  assert.match(
    await page.locator(`#timedout tr[data-request-id="${slowId}"]`).innerText(),
    /GET \/__fault\/db-sleep[\s\S]*503 deadline_exceeded[\s\S]*database/,
  );
  assert.match(
    await page.locator(`#timedout tr[data-request-id="${cacheTimedOut[0]}"]`).innerText(),
    /GET \/api\/v1\/courses[\s\S]*cache get timeout/,
  );
  assert.equal(await page.locator('[data-dependency="database"]').getAttribute('data-state'), 'ok');
  assert.equal(await page.locator('#workers tbody tr').count(), 2);
  assert.ok(
    (await page.locator('[data-dependency="cache"] svg.chart polyline, [data-dependency="cache"] svg.chart circle').count()) > 0,
    'a latency chart is drawn',
  );
  assert.ok(await page.evaluate(() => sessionStorage.getItem('it360.opsToken') !== null), 'the token is kept for the tab');

  mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
  await page.screenshot({ path: path.join(ROOT, 'test-artifacts/ops-dashboard.png'), fullPage: true });
  assert.deepEqual(violations, [], 'the page runs under its Content-Security-Policy without a single violation');
});
