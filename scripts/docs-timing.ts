/**
 * How long /docs takes to render in headless Chromium: the app (with services that are
 * never called, as for `npm run openapi`) on a free port, the page loaded LOADS times,
 * each in a fresh context (empty cache, as a first visit), until every operation is
 * listed. Prints each time and the median, and any request that failed. The target is
 * one second. `--swagger` times Swagger UI at /docs/try the same way (what /docs was).
 *
 *   node --import tsx scripts/docs-timing.ts [LOADS] [--swagger]
 */
import { buildInertApp, generateOpenApi } from '../src/openapi.ts';
import { launchChromium } from '../test/helpers/chromium.ts';

const args = process.argv.slice(2);
const swagger = args.includes('--swagger');
const loads = Number(args.find((a) => /^\d+$/.test(a)) ?? 5);
// The reference marks each operation `.op`; Swagger UI draws each as `.opblock`.
const [path, selector] = swagger ? ['/docs/try', '.opblock'] : ['/docs', '.op'];
const doc = (await generateOpenApi()) as { paths: Record<string, object> };
const operations = Object.values(doc.paths).flatMap((m) => Object.keys(m)).length;
const app = await buildInertApp();
const url = await app.listen({ host: '127.0.0.1', port: 0 });
const browser = await launchChromium();
const times: number[] = [];
// The browser's own clock for the same loads (from navigation start, so without the
// harness's round trips): first contentful paint and the load event.
const paints: number[] = [];
const loaded: number[] = [];
try {
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('response', (r) => {
      if (r.status() >= 400) process.stdout.write(`  ${r.status()} ${r.url()}\n`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error') process.stdout.write(`  console error: ${m.text()}\n`);
    });
    const started = performance.now();
    await page.goto(`${url}${path}`);
    // Rendered: the last operation's row is in the page. 60 s: far past any useful answer.
    await page
      .locator(selector)
      .nth(operations - 1)
      .waitFor({ timeout: 60_000 });
    times.push(performance.now() - started);
    const own = await page.evaluate(() => ({
      paint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      load: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd,
    }));
    paints.push(own.paint);
    loaded.push(own.load);
    await page.waitForLoadState('networkidle');
    await context.close();
  }
} finally {
  await browser.close();
  await app.close();
}
const median = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
process.stdout.write(
  `${path}: ${operations} operations rendered in ${times.map((t) => Math.round(t)).join(', ')} ms; median ${median(times)} ms` +
    ` (target 1000 ms); the browser's own clock: first paint median ${median(paints)} ms, load event median ${median(loaded)} ms\n`,
);
