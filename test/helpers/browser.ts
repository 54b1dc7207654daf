import { after } from 'node:test';

import type { Browser } from 'playwright-core';

import { CHROMIUM, launchChromium } from './chromium.ts';

export { CHROMIUM };

// Browsers launched by this file's tests and not yet closed. Tests close theirs in
// `t.after`; one a failed teardown left open is closed when the file's tests end, and the
// file fails (as test/helpers/children.ts does for other processes).
const open = new Set<Browser>();
after(async () => {
  const left = [...open];
  await Promise.all(left.map((b) => b.close().catch(() => undefined)));
  if (left.length > 0) throw new Error(`${left.length} browser(s) a test launched were still open when the file's tests ended; closed`);
});

/** Debian's chromium, headless (chromium.ts), closed when the file's tests end if a test did not. */
export async function launchBrowser(): Promise<Browser> {
  const browser = await launchChromium();
  open.add(browser);
  browser.on('disconnected', () => open.delete(browser));
  return browser;
}
