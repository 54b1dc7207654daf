import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { test } from 'node:test';

import { launchBrowser } from './helpers/browser.ts';
import { makeCourse, makeUser } from './helpers/factories.ts';
import { buildPayApp, eventually } from './helpers/payments.ts';

test('a person verifies the email from the mailbox page, pays in a real browser (checkout → Pay → our callback page says success → enrolled) and finds the receipt in the mailbox', async (t) => {
  const started = performance.now();
  const app = await buildPayApp(t);
  const inst = await makeUser(app, 'instructor');
  const course = await makeCourse(app, inst, { title: 'Browser Course', price: 1_234_500 });
  const reg = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email: 'buyer@example.com', password: 'buyer-password', firstName: 'Buyer', lastName: 'One' },
  });
  assert.equal(reg.statusCode, 201);
  const token = reg.json().accessToken as string;
  const me = async () =>
    (await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } })).json();

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage();
  page.setDefaultTimeout(15_000);
  /** Opens the built-in mailbox until a message with this subject is there (the sender delivers within about a second). */
  const openInMailbox = async (subject: RegExp) => {
    const item = page.locator('article', { has: page.locator('summary strong', { hasText: subject }) }).first();
    await eventually(
      async () => {
        await page.goto(`${app.url}/dev/mailbox`);
        return (await item.count()) > 0;
      },
      15_000,
      `"${subject.source}" in the mailbox`,
    );
    if (!(await item.locator('pre').isVisible())) await item.locator('summary').first().click();
    return item;
  };

  // The verification mail, read in the mailbox page; its link opens our page, whose button verifies.
  const verification = await openInMailbox(/Confirm your email/);
  await Promise.all([page.waitForURL(/\/verify-email/), verification.locator('pre a[href*="/verify-email?token="]').click()]);
  assert.equal((await me()).emailVerifiedAt, null, 'following the link alone verifies nothing');
  await page.click('#submit');
  await page.locator('.s-done').waitFor({ state: 'visible' });
  assert.ok((await me()).emailVerifiedAt);

  const init = await app.inject({
    method: 'POST',
    url: '/api/v1/payments/initialize',
    headers: { authorization: `Bearer ${token}` },
    payload: { courseId: course.id },
  });
  assert.equal(init.statusCode, 201);
  const { authorizationUrl, reference } = init.json();

  await page.goto(authorizationUrl);
  assert.match((await page.textContent('body')) ?? '', /12,345\.00/);
  await Promise.all([page.waitForURL(/\/payments\/callback/), page.click('button.pay')]);
  const heading = page.locator('h1');
  await heading.waitFor();
  assert.equal(await heading.getAttribute('data-status'), 'success', `callback page says: ${await heading.textContent()}`);
  assert.match((await page.textContent('body')) ?? '', /Browser Course/);
  mkdirSync('test-artifacts', { recursive: true });
  await page.screenshot({ path: 'test-artifacts/payment-callback.png' });

  const items = await eventually(
    async () => {
      const enr = await app.inject({ method: 'GET', url: '/api/v1/enrollments', headers: { authorization: `Bearer ${token}` } });
      const list = enr.json().items as { course: { id: string }; paymentReference: string }[];
      return list.length ? list : undefined;
    },
    5000,
    'enrollment',
  );
  assert.equal(items[0].course.id, course.id);
  assert.equal(items[0].paymentReference, reference);

  // The receipt, in the mailbox: course, amount with its currency, reference; no reminder (verified).
  const receipt = await openInMailbox(/receipt/);
  const text = (await receipt.locator('pre').textContent()) ?? '';
  assert.match(text, /Browser Course/);
  assert.match(text, /NGN 12,345\.00/);
  assert.ok(text.includes(reference));
  assert.doesNotMatch(text, /verify-email/);
  process.stdout.write(`# browser payment flow took ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
});
