import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isAppError } from '../../src/errors/index.ts';
import {
  callBudgetMs,
  currentContext,
  type RequestContext,
  runInContext,
  runWithDeadline,
  timeLeftMs,
} from '../../src/resilience/deadline.ts';

function ctx(leftMs: number): RequestContext {
  return {
    requestId: 'r1',
    method: 'GET',
    route: '/x',
    startedAt: Date.now(),
    deadlineAt: performance.now() + leftMs,
    signal: new AbortController().signal,
  };
}

describe('deadline', () => {
  it('outside a request there is no deadline: a call gets its own timeout', () => {
    assert.equal(timeLeftMs(), Infinity);
    assert.equal(callBudgetMs(250, 250, 'cache'), 250);
  });

  it('inside a request a call gets min(own timeout, time left - margin)', () => {
    runInContext(ctx(10_000), () => assert.equal(callBudgetMs(250, 250, 'cache'), 250));
    runInContext(ctx(1_000), () => {
      const b = callBudgetMs(8_000, 250, 'paystack');
      // 1000 - 250 = 750, less the few ms this line took.
      assert.ok(b <= 750 && b > 600, `budget ${b}`);
    });
  });

  it('a call is not started when less than the reply margin is left: deadline_exceeded naming the dependency', () => {
    runInContext(ctx(200), () => {
      assert.throws(
        () => callBudgetMs(250, 250, 'database'),
        (e: unknown) => isAppError(e) && e.code === 'deadline_exceeded' && e.dependency === 'database',
      );
    });
  });

  it('runWithDeadline gives background work a context and a budget of its own', async () => {
    const seen = await runWithDeadline('task-1', 'reconciler', 5_000, () => {
      const c = currentContext();
      return Promise.resolve({ id: c?.requestId, route: c?.route, left: timeLeftMs() });
    });
    assert.equal(seen.id, 'task-1');
    assert.equal(seen.route, 'reconciler');
    assert.ok(seen.left <= 5_000 && seen.left > 4_000);
    assert.equal(currentContext(), undefined, 'the context does not leak out');
  });

  it('runWithDeadline aborts its signal when the work runs past its deadline', async () => {
    // The deadline's timer is unref'd (it must never keep a process alive): hold the loop open.
    const keepAlive = setTimeout(() => undefined, 5_000);
    const aborted = await runWithDeadline('task-2', 'webhook', 30, async () => {
      const signal = currentContext()!.signal;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      return signal.reason as Error;
    });
    clearTimeout(keepAlive);
    assert.match(aborted.message, /webhook ran past its 30 ms deadline/);
  });
});
