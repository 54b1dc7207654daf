import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Page } from 'playwright-core';

import { launchBrowser } from './helpers/browser.ts';
import { buildMailApp, deliveredTo, tokenIn } from './helpers/mail.ts';

/** Records CSP violations and script errors on a page. */
async function watch(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const w = window as unknown as { cspViolations?: string[] };
      (w.cspViolations ??= []).push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('pageerror', (e) => seen.push(e.message));
  return seen;
}
const violations = (page: Page) => page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? []);

test('in a real browser: the mailed links open pages that use the token only when the button is pressed, under the CSP', async (t) => {
  const app = await buildMailApp(t);
  const url = await app.c.app.listen({ host: '127.0.0.1', port: 0 });
  app.c.listening(url);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const email = 'browser-person@example.com';
  const reg = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password: 'first-password-1', firstName: 'Bea', lastName: 'Browser' },
  });
  assert.equal(reg.statusCode, 201);
  const access = { authorization: `Bearer ${reg.json().accessToken}` };
  const verifiedAt = async () => (await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: access })).json().emailVerifiedAt;

  await t.test('verify: loading the link verifies nothing; pressing the button does, once', async () => {
    const mail = await deliveredTo(app.sink, email, /confirm your email/i);
    const link = new RegExp(`${url}/verify-email\\?token=[^\\s]+`).exec(mail.text)?.[0];
    assert.ok(link, `a link to this service in: ${mail.text}`);
    const page = await browser.newPage();
    const errors = await watch(page);
    await page.goto(link);
    await page.locator('#submit').waitFor({ state: 'visible' });
    assert.equal(new URL(page.url()).search, '', 'the token is taken off the address bar');
    assert.equal(await verifiedAt(), null, 'a page load (a scanner following the link) uses nothing up');
    await page.click('#submit');
    await page.locator('.s-done').waitFor({ state: 'visible' });
    assert.ok(await verifiedAt());
    // The same link again: the invalid state.
    await page.goto(link);
    await page.click('#submit');
    await page.locator('.s-invalid').waitFor({ state: 'visible' });
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  await t.test('reset: the form sets the new password; a page without a token says the link does not work', async () => {
    const forgot = await app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email } });
    assert.equal(forgot.statusCode, 202);
    const mail = await deliveredTo(app.sink, email, /reset your password/i);
    const token = tokenIn(mail, '/reset-password');
    const page = await browser.newPage();
    const errors = await watch(page);
    await page.goto(`${url}/reset-password?token=${encodeURIComponent(token)}`);
    await page.fill('#password', 'browser-new-password');
    await page.fill('#password2', 'something-else-entirely');
    await page.click('#submit');
    assert.match(await page.locator('#error').innerText(), /differ/);
    await page.fill('#password2', 'browser-new-password');
    await page.click('#submit');
    await page.locator('.s-done').waitFor({ state: 'visible' });
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: 'browser-new-password' } });
    assert.equal(login.statusCode, 200);
    await page.goto(`${url}/reset-password`);
    await page.locator('.s-invalid').waitFor({ state: 'visible' });
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
