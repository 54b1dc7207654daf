import { existsSync } from 'node:fs';
import { after } from 'node:test';

import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Browsers launched by this file's tests and not yet closed. Tests close theirs in
// `t.after`; one a failed teardown left open is closed when the file's tests end, and the
// file fails (as test/helpers/children.ts does for other processes).
const open = new Set<Browser>();
after(async () => {
  const left = [...open];
  await Promise.all(left.map((b) => b.close().catch(() => undefined)));
  if (left.length > 0) throw new Error(`${left.length} browser(s) a test launched were still open when the file's tests ended; closed`);
});

/** Debian's chromium, headless, with the flags this machine needs (no background network). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium; .ci/run does this) or set CHROMIUM_PATH`,
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
    // Starting chromium takes 1–3 s here; 30 s means something is wrong, not slow.
    timeout: 30_000,
  });
  open.add(browser);
  browser.on('disconnected', () => open.delete(browser));
  return browser;
}
