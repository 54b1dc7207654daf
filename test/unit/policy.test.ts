import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';

import pino from 'pino';

import { type RequestContext, runInContext } from '../../src/resilience/deadline.ts';
import {
  type BreakerState,
  createDependencyPolicy,
  type DependencyCallEvent,
  isCallAbortedError,
  isCallRejectedError,
  isCallTimeoutError,
  type PolicyOptions,
  SLOW_CALL_CAP_MS,
  slowAfterMs,
  type SlowCallEvent,
} from '../../src/resilience/policy.ts';

const silent = pino({ level: 'silent' });

class Unwell extends Error {}

function policy(over: Partial<PolicyOptions> = {}) {
  const calls: DependencyCallEvent[] = [];
  const transitions: [BreakerState, BreakerState][] = [];
  const p = createDependencyPolicy({
    dependency: 'cache',
    timeoutMs: 200,
    replyMarginMs: 50,
    consecutiveFailures: 3,
    halfOpenMs: 100,
    concurrency: 2,
    queue: 1,
    isDependencyFailure: (e) => e instanceof Unwell,
    errorCode: (e) => (e as Error).name,
    logger: silent,
    onCall: (e) => calls.push(e),
    onStateChange: (_d, from, to) => transitions.push([from, to]),
    ...over,
  });
  return { p, calls, transitions };
}

/** A call that never settles by itself: it ends only when its signal aborts. */
const hang = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));

function requestCtx(leftMs: number, signal = new AbortController().signal): RequestContext {
  return { requestId: 'req-1', method: 'GET', route: '/r', startedAt: Date.now(), deadlineAt: performance.now() + leftMs, signal };
}

describe('dependency policy', () => {
  it('passes the result through and reports ok with the budget', async () => {
    const { p, calls } = policy();
    assert.equal(await p.execute('get', () => Promise.resolve(42)), 42);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].outcome, 'ok');
    assert.equal(calls[0].budgetMs, 200);
  });

  it('times a hung call out at its own timeout and says it was not the deadline', async () => {
    const { p, calls } = policy({ timeoutMs: 40 });
    const started = performance.now();
    await assert.rejects(p.execute('get', hang), (e: unknown) => isCallTimeoutError(e) && !e.byDeadline && e.budgetMs === 40);
    assert.ok(performance.now() - started < 1_000);
    assert.equal(calls[0].outcome, 'timeout');
    assert.equal(calls[0].errorCode, 'timeout');
  });

  it('clips the timeout to the time the request has left and marks it as the deadline', async () => {
    const { p, calls } = policy({ timeoutMs: 10_000, replyMarginMs: 50 });
    await runInContext(requestCtx(120), async () => {
      await assert.rejects(p.execute('get', hang), (e: unknown) => isCallTimeoutError(e) && e.byDeadline && e.budgetMs <= 70);
    });
    assert.equal(calls[0].errorCode, 'deadline');
    assert.equal(calls[0].requestId, 'req-1');
  });

  it('does not start a call when less than the reply margin is left', async () => {
    const { p, calls } = policy({ replyMarginMs: 50 });
    let started = false;
    await runInContext(requestCtx(20), async () => {
      await assert.rejects(
        p.execute('get', () => {
          started = true;
          return Promise.resolve(1);
        }),
        (e: unknown) => (e as { code?: string }).code === 'deadline_exceeded',
      );
    });
    assert.equal(started, false);
    assert.equal(calls[0].outcome, 'rejected');
  });

  it('opens after N consecutive dependency failures, rejects at once while open, half-opens and closes on success', async () => {
    const { p, transitions } = policy({ consecutiveFailures: 3, halfOpenMs: 60 });
    for (let i = 0; i < 3; i++) await assert.rejects(p.execute('get', () => Promise.reject(new Unwell('down'))));
    assert.equal(p.state(), 'open');
    assert.equal(p.isOpen(), true);
    let ran = false;
    await assert.rejects(
      p.execute('get', () => {
        ran = true;
        return Promise.resolve(1);
      }),
      (e: unknown) => isCallRejectedError(e) && e.reason === 'breaker_open',
    );
    assert.equal(ran, false, 'an open breaker never calls the dependency');
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(p.isOpen(), false, 'after the half-open delay the next call may try');
    assert.equal(await p.execute('get', () => Promise.resolve('back')), 'back');
    assert.equal(p.state(), 'closed');
    assert.deepEqual(transitions, [
      ['closed', 'open'],
      ['open', 'half-open'],
      ['half-open', 'closed'],
    ]);
  });

  it('timeouts count towards the breaker; errors about one request do not', async () => {
    const { p } = policy({ consecutiveFailures: 2, timeoutMs: 20 });
    for (let i = 0; i < 5; i++) await assert.rejects(p.execute('get', () => Promise.reject(new Error('constraint violated'))));
    assert.equal(p.state(), 'closed', 'a non-dependency error never opens the breaker');
    await assert.rejects(p.execute('get', hang));
    await assert.rejects(p.execute('get', hang));
    assert.equal(p.state(), 'open');
  });

  it('a call abandoned by its caller is not the dependency’s fault and never opens the breaker', async () => {
    const { p, calls } = policy({ consecutiveFailures: 1, timeoutMs: 5_000 });
    const gone = new AbortController();
    await runInContext(requestCtx(10_000, gone.signal), async () => {
      const call = p.execute('get', hang);
      setTimeout(() => gone.abort(new Error('client went away')), 10);
      await assert.rejects(call, (e: unknown) => isCallAbortedError(e));
    });
    assert.equal(p.state(), 'closed');
    assert.equal(calls[0].errorCode, 'caller_gone');
  });

  it('the bulkhead rejects calls beyond concurrency + queue at once', async () => {
    const { p, calls } = policy({ concurrency: 1, queue: 1, timeoutMs: 300 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = p.execute('get', () => gate.then(() => 1));
    const queued = p.execute('get', () => Promise.resolve(2));
    const started = performance.now();
    await assert.rejects(
      p.execute('get', () => Promise.resolve(3)),
      (e: unknown) => isCallRejectedError(e) && e.reason === 'bulkhead_full',
    );
    assert.ok(performance.now() - started < 100, 'rejected without waiting');
    release();
    assert.deepEqual(await Promise.all([first, queued]), [1, 2]);
    assert.equal(calls.filter((c) => c.errorCode === 'bulkhead_full').length, 1);
  });

  it('the timeout covers the wait in the bulkhead queue', async () => {
    const { p } = policy({ concurrency: 1, queue: 5, timeoutMs: 50 });
    // The call holding the only slot may take longer than the one queued behind it.
    const blocker = p.execute('get', hang, { timeoutMs: 400 });
    let ran = false;
    const started = performance.now();
    await assert.rejects(
      p.execute('get', () => {
        ran = true;
        return Promise.resolve(1);
      }),
      (e: unknown) => isCallTimeoutError(e) && e.budgetMs === 50,
    );
    assert.ok(performance.now() - started < 350, 'answered at its own budget, not when the slot freed');
    assert.equal(ran, false);
    await assert.rejects(blocker);
  });

  describe('slow calls', () => {
    /** A pino logger keeping its records, with the service's request-id mixin left out on purpose. */
    function recording() {
      const lines: Record<string, unknown>[] = [];
      const logger = pino(
        { level: 'info' },
        new Writable({
          write(chunk: Buffer, _e, done) {
            for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
            done();
          },
        }),
      );
      return { lines, logger };
    }

    it('the threshold is half the budget, never more than the cap', () => {
      assert.equal(slowAfterMs(250), 125);
      assert.equal(slowAfterMs(2500), 1250);
      assert.equal(slowAfterMs(30_000), SLOW_CALL_CAP_MS);
    });

    it('a hung call is logged and counted once while it is still waiting, before its timeout', async () => {
      const { lines, logger } = recording();
      const slow: SlowCallEvent[] = [];
      // 800 ms: slow at 400 ms, noticed within a 250 ms scan, well before the timeout.
      const { p, calls } = policy({ timeoutMs: 800, logger, onSlowCall: (e) => slow.push(e) });
      const failed = assert.rejects(
        runInContext(requestCtx(5000), () => p.execute('get', hang)),
        (e: unknown) => isCallTimeoutError(e),
      );
      // Noticed while the call still waits: nothing has reported an outcome yet.
      while (slow.length === 0) await new Promise((r) => setTimeout(r, 20));
      assert.equal(calls.length, 0, 'the slow-call record comes before the timeout');
      await failed;
      assert.equal(slow.length, 1);
      assert.equal(slow[0].dependency, 'cache');
      assert.equal(slow[0].op, 'get');
      assert.equal(slow[0].requestId, 'req-1');
      assert.ok(slow[0].waitedMs >= 400 && slow[0].waitedMs < 800, `waited ${slow[0].waitedMs} ms`);
      const logged = lines.filter((l) => l.outcome === 'slow');
      assert.equal(logged.length, 1);
      assert.equal(logged[0].requestId, 'req-1');
      assert.equal(logged[0].dependency, 'cache');
      assert.match(String(logged[0].msg), /^cache get still waiting after .* of its 800 ms budget$/);
    });

    it('a quick call is never slow; many hung calls at once are each counted and logged in one line', async () => {
      const { lines, logger } = recording();
      const slow: SlowCallEvent[] = [];
      const { p } = policy({ timeoutMs: 600, concurrency: 10, logger, onSlowCall: (e) => slow.push(e) });
      assert.equal(await p.execute('get', () => Promise.resolve(1)), 1);
      await Promise.all(Array.from({ length: 5 }, () => assert.rejects(p.execute('get', hang))));
      assert.equal(slow.length, 5, 'each hung call counted once');
      assert.equal(lines.filter((l) => l.outcome === 'slow').length, 1, 'one line a second per dependency');
    });

    it('breaker lines say what went wrong in operator words, not "last: Error"', async () => {
      const { lines, logger } = recording();
      const { p } = policy({ logger, consecutiveFailures: 2, isDependencyFailure: () => true });
      for (let i = 0; i < 2; i++)
        await assert.rejects(
          p.execute('get', () => Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"))),
        );
      const open = lines.find((l) => l.to === 'open');
      assert.ok(open, 'the breaker opened');
      assert.match(String(open.reason), /^2 consecutive failures, last: Redis not connected/);
      assert.doesNotMatch(String(open.msg), /enableOfflineQueue|last: Error/);
    });
  });
});
