import { launchChromium } from '../../test/helpers/chromium.ts';
import { OPS_TOKEN } from './stack.ts';

// The dashboard refreshes every 5 s; two refreshes after the token is in, its panels show the fault.
const SETTLE_MS = 10_000;
// Chromium's start and the page's first load on a machine busy with the run's load.
const PAGE_MS = 30_000;

/**
 * `npm run chaos -- --screenshot=<scenario>`: the operators' dashboard as the fault
 * shows on it, in headless Chromium, written to `file` (the README's picture). Taken in
 * the middle of the scenario's fault, under the run's own load: no test-only route in it.
 */
export async function screenshotOps(origin: string, file: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(PAGE_MS);
    await page.goto(`${origin}/ops`);
    await page.locator('#token').fill(OPS_TOKEN);
    await page.locator('#login button[type=submit]').click();
    await page.locator('[data-dependency="cache"]').waitFor();
    await page.waitForTimeout(SETTLE_MS);
    await page.screenshot({ path: file, fullPage: true });
  } finally {
    await browser.close();
  }
}
