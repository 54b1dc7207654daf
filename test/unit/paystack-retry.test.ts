import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { PaystackHttpError, PaystackRateLimitedError, PaystackTimeoutError } from '../../src/infra/paystack/errors.ts';
import { withRetries } from '../../src/infra/paystack/retry.ts';

const http = (status: number) => new PaystackHttpError('verify', status, undefined, `HTTP ${status}`, undefined);

/** An attempt function that fails with `errors[n-1]` (the last one repeated), counting calls. */
function failing(...errors: Error[]) {
  const seen: number[] = [];
  const fn = async (n: number): Promise<string> => {
    seen.push(n);
    throw errors[Math.min(n, errors.length) - 1];
  };
  return { fn, seen };
}

const open = { retry: true, callEndsAt: Infinity, replyMarginMs: 0 };

describe('Paystack retry rules', () => {
  it("a 5xx is retried up to three attempts in all, waiting at least half the exponential delay, and the last error is the call's", async () => {
    const { fn, seen } = failing(http(502), http(503), http(500));
    const started = performance.now();
    await assert.rejects(withRetries(fn, open), (e: unknown) => e instanceof PaystackHttpError && e.status === 500);
    assert.deepEqual(seen, [1, 2, 3]);
    // Equal jitter: at least 50 ms before the second attempt and 100 ms before the third.
    assert.ok(performance.now() - started >= 145, `${performance.now() - started} ms`);
  });

  it("an answer after a retry is the call's answer", async () => {
    let n = 0;
    const answer = await withRetries(async () => {
      if (++n === 1) throw new PaystackTimeoutError('verify', 100, 'headers', false);
      return 'ok';
    }, open);
    assert.equal(answer, 'ok');
    assert.equal(n, 2);
  });

  it('never retried: refunds (retry false), a 4xx, a timeout the request itself set', async () => {
    for (const [err, retry] of [
      [http(500), false],
      [http(400), true],
      [new PaystackTimeoutError('verify', 100, 'headers', true), true],
    ] as const) {
      const { fn, seen } = failing(err);
      await assert.rejects(withRetries(fn, { ...open, retry }), (e: unknown) => e === err);
      assert.deepEqual(seen, [1], `${err.message}, retry ${String(retry)}`);
    }
  });

  it('a 429 is retried after its reset when that is near, and reported at once when it is far', async () => {
    const near = failing(new PaystackRateLimitedError('verify', undefined, 'slow down', undefined, Date.now()), http(500));
    await assert.rejects(withRetries(near.fn, open));
    assert.deepEqual(near.seen, [1, 2, 3]);
    const far = failing(new PaystackRateLimitedError('verify', undefined, 'slow down', undefined, Date.now() + 60_000));
    await assert.rejects(withRetries(far.fn, open), PaystackRateLimitedError);
    assert.deepEqual(far.seen, [1]);
  });

  it("no retry starts with too little of the call's time left", async () => {
    const { fn, seen } = failing(http(502));
    await assert.rejects(withRetries(fn, { ...open, callEndsAt: performance.now() + 120 }));
    assert.deepEqual(seen, [1]);
  });

  it("the caller's abort during the wait ends the call at once with the last error", async () => {
    const caller = new AbortController();
    let n = 0;
    const err = http(502);
    const call = withRetries(
      async () => {
        n++;
        // Aborted while the client waits before its second attempt.
        setTimeout(() => caller.abort(), 5);
        throw err;
      },
      { ...open, signal: caller.signal },
    );
    await assert.rejects(call, (e: unknown) => e === err);
    assert.equal(n, 1);
  });
});
