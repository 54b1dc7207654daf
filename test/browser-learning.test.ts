import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { launchBrowser } from './helpers/browser.ts';
import { makeCourse, makeUser } from './helpers/factories.ts';
import { addLesson } from './helpers/learning.ts';
import { buildPayApp, eventually } from './helpers/payments.ts';
import { XSS_VECTORS } from './helpers/xss.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

test('a student in a real browser: pays for a course, reads its lessons, completes them, opens the certificate', async (t) => {
  const started = performance.now();
  const app = await buildPayApp(t);
  const inst = await makeUser(app, 'instructor');
  const course = await makeCourse(app, inst, { title: 'Networking Fundamentals', price: 2_500_000 });
  await addLesson(app, inst, course.id, {
    title: 'How a packet finds its way',
    isPreview: true,
    bodyMarkdown: '# Packets\n\nEach router sends it **one hop** closer.',
  });
  await addLesson(app, inst, course.id, { title: 'DNS', bodyMarkdown: '# DNS\n\n```sh\ndig +short example.com A\n```' });
  // An author's hostile Markdown: every known vector, in one lesson.
  await addLesson(app, inst, course.id, { title: 'Hostile', bodyMarkdown: XSS_VECTORS.join('\n\n') });
  const reg = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email: 'learner@example.com', password: 'learner-password', firstName: 'Amaka', lastName: 'Eze' },
  });
  assert.equal(reg.statusCode, 201);
  const token = reg.json().accessToken as string;
  const init = await app.inject({
    method: 'POST',
    url: '/api/v1/payments/initialize',
    headers: { authorization: `Bearer ${token}` },
    payload: { courseId: course.id },
  });
  assert.equal(init.statusCode, 201, init.body);

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage();
  page.setDefaultTimeout(15_000);
  // Anything that tries to run script shows up as a dialog, and any request off our origin as a request.
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const offOrigin: string[] = [];
  const origin = new URL(app.url).origin;
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin !== origin && u.origin !== new URL(app.sim.url).origin && u.protocol !== 'data:' && u.protocol !== 'about:')
      offOrigin.push(r.url());
  });

  // Pay at the simulator's checkout; back on our callback page.
  await page.goto(init.json().authorizationUrl);
  await Promise.all([page.waitForURL(/\/payments\/callback/), page.click('button.pay')]);
  assert.equal(await page.locator('h1').getAttribute('data-status'), 'success');
  await eventually(
    async () => {
      const enr = await app.inject({ method: 'GET', url: '/api/v1/enrollments', headers: { authorization: `Bearer ${token}` } });
      return enr.json().items.length === 1;
    },
    5000,
    'enrollment',
  );

  // From the browser, on our origin: the outline, each lesson, each marked complete.
  const api = async (method: string, url: string, body?: unknown) =>
    page.evaluate(
      async ([m, u, b, tk]) => {
        const res = await fetch(u as string, {
          method: m as string,
          headers: { authorization: `Bearer ${tk as string}`, ...(b === null ? {} : { 'content-type': 'application/json' }) },
          body: b === null ? undefined : JSON.stringify(b),
        });
        return { status: res.status, body: await res.json() };
      },
      [method, url, body ?? null, token],
    );
  const outline = await api('GET', `/api/v1/courses/${course.slug}/lessons`);
  assert.equal(outline.status, 200);
  assert.equal(outline.body.items.length, 3);
  let last: any;
  for (const l of outline.body.items as { id: string }[]) {
    const lesson = await api('GET', `/api/v1/lessons/${l.id}`);
    assert.equal(lesson.status, 200);
    // The rendered body, shown as a page would show it: nothing in it may run or fetch.
    await page.setContent(`<!doctype html><html><body><article>${lesson.body.bodyHtml as string}</article></body></html>`);
    await page.waitForLoadState('load');
    await page.goto(`${app.url}/healthz`);
    last = await api('PUT', `/api/v1/lessons/${l.id}/progress`, { completed: true });
    assert.equal(last.status, 200);
  }
  assert.deepEqual(dialogs, [], 'a lesson body ran script');
  assert.deepEqual(offOrigin, [], 'a lesson body made the browser fetch another origin');
  assert.equal(last.body.percent, 100);
  assert.ok(last.body.certificateId);

  // The printable certificate.
  await page.goto(`${app.url}/certificates/${last.body.certificateId as string}`);
  assert.match((await page.textContent('body')) ?? '', /Amaka Eze/);
  assert.match((await page.textContent('body')) ?? '', /Networking Fundamentals/);
  mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
  await page.setViewportSize({ width: 900, height: 470 });
  await page.screenshot({ path: path.join(ROOT, 'test-artifacts/certificate.png') });
  assert.deepEqual(dialogs, []);
  process.stdout.write(`# browser student path took ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
});
