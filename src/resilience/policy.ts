import {
  BrokenCircuitError,
  bulkhead,
  BulkheadRejectedError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isTaskCancelledError,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import type { Logger } from 'pino';

import type { Dependency } from '../errors/index.ts';
import { tracing } from './call-tracing.ts';
import { callBudgetMs, currentContext, outsideRequest } from './deadline.ts';
import { explainError, formatDuration } from './explain.ts';

export type CallOutcome = 'ok' | 'error' | 'timeout' | 'rejected';
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

export interface DependencyCallEvent {
  dependency: Dependency;
  op: string;
  outcome: CallOutcome;
  elapsedMs: number;
  budgetMs: number;
  errorCode?: string;
  requestId?: string;
  route?: string;
}

/** A call still waiting past its slow threshold (see `slowAfterMs`): logged once and counted. */
export interface SlowCallEvent {
  dependency: Dependency;
  op: string;
  /** How long it had been waiting when it was noticed. */
  waitedMs: number;
  budgetMs: number;
  requestId?: string;
  route?: string;
  /** With tracing on: the request's trace (the line is written outside the request's context). */
  traceId?: string;
}

export interface PolicyOptions {
  dependency: Dependency;
  /** The dependency's own per-call timeout; the request's time left may clip it. */
  timeoutMs: number;
  replyMarginMs: number;
  consecutiveFailures: number;
  halfOpenMs: number;
  /** Concurrent calls allowed; calls beyond `concurrency + queue` are rejected at once. */
  concurrency: number;
  queue: number;
  /**
   * Added to the client-side timeout beyond the budget handed to the call, for
   * dependencies that enforce the budget themselves (PostgreSQL's statement_timeout):
   * the server should answer first, the client-side timer is the safety net.
   */
  safetyMs?: number;
  /**
   * Which errors say "the dependency is unwell" and count towards opening the
   * breaker. Errors about one request (a lock timeout on one table, a constraint
   * violation, a 4xx) must not take the dependency away from every other request.
   */
  isDependencyFailure: (err: unknown) => boolean;
  /** A short stable code for an error, for logs and metrics. */
  errorCode: (err: unknown) => string;
  /** An error in operator words, for the breaker's log lines; src/resilience/explain.ts by default. */
  describe?: (err: unknown) => string;
  logger: Logger;
  onCall?: (e: DependencyCallEvent) => void;
  /** A call is still waiting past its slow threshold (once per call). */
  onSlowCall?: (e: SlowCallEvent) => void;
  onStateChange?: (dependency: Dependency, from: BreakerState, to: BreakerState) => void;
}

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/** Raised when a dependency call is refused before it starts (breaker open or bulkhead full). */
export class CallRejectedError extends Error {
  constructor(
    readonly dependency: Dependency,
    readonly reason: 'breaker_open' | 'bulkhead_full',
    cause: unknown,
  ) {
    super(`${dependency} call rejected: ${reason}`, { cause });
    this.name = 'CallRejectedError';
  }
}
export const isCallRejectedError = (e: unknown): e is CallRejectedError => e instanceof CallRejectedError;

/** Raised when a dependency call runs out of its budget. */
export class CallTimeoutError extends Error {
  constructor(
    readonly dependency: Dependency,
    readonly op: string,
    readonly budgetMs: number,
    readonly byDeadline: boolean,
  ) {
    super(`${dependency} ${op} timed out after ${budgetMs} ms`);
    this.name = 'CallTimeoutError';
  }
}
export const isCallTimeoutError = (e: unknown): e is CallTimeoutError => e instanceof CallTimeoutError;

/**
 * Raised when the caller stopped waiting (its client went away, or its deadline passed)
 * and the call failed because of that: not the dependency's fault, so it never counts
 * towards opening the breaker.
 */
export class CallAbortedError extends Error {
  constructor(
    readonly dependency: Dependency,
    readonly op: string,
    cause: unknown,
  ) {
    super(`${dependency} ${op} abandoned by its caller`, { cause });
    this.name = 'CallAbortedError';
  }
}
export const isCallAbortedError = (e: unknown): e is CallAbortedError => e instanceof CallAbortedError;

export interface DependencyPolicy {
  readonly dependency: Dependency;
  /**
   * Runs one call under the dependency's timeout (clipped to the request's time left),
   * breaker and bulkhead. `fn` must stop when `signal` aborts. Throws CallRejectedError,
   * CallTimeoutError, or the call's own error.
   */
  execute<T>(op: string, fn: (signal: AbortSignal, budgetMs: number) => Promise<T>, opts?: { timeoutMs?: number }): Promise<T>;
  state(): BreakerState;
  /** True when a call now would be refused without waiting: the cheap check the cache uses. */
  isOpen(): boolean;
  /**
   * The caller skipped a call because `isOpen()` said it would be refused: with tracing on,
   * a span records the refusal as execute() would have; nothing else (metrics count the
   * caller's own outcome, such as a cache bypass).
   */
  skipped(op: string): void;
}

// ---------------------------------------------------------------------------------
// Slow calls: a hung dependency is named while its calls are still waiting, not only
// when they time out (a hung Paystack used to show up 8 s after the fault, at its
// timeout). A call is slow once it has waited half its budget, and never later than
// SLOW_CALL_CAP_MS: half the budget scales with each dependency's own timeout (Redis
// 125 ms, a lock wait 1.25 s, Paystack 4 s) without another setting to tune, and the cap
// keeps background calls with long budgets (30 s statements) within the 5 s in which
// an operator should see a record naming the dependency.
// ---------------------------------------------------------------------------------

/**
 * No call waits longer than this before it is reported slow, whatever its budget: with the
 * 250 ms scan below, a record names any hung dependency within 5 s of the fault, even one
 * whose budget is the 30 s of background statements.
 */
export const SLOW_CALL_CAP_MS = 4000;
/** When a call with this budget counts as slow: half its budget, at most SLOW_CALL_CAP_MS. */
export const slowAfterMs = (budgetMs: number): number => Math.min(budgetMs / 2, SLOW_CALL_CAP_MS);
// One shared timer scans the calls in flight, instead of one timer per call: the hot
// path only adds and deletes a Set entry. 250 ms is fine enough for thresholds of 125 ms
// and more, and costs nothing measurable (it stops when no call is in flight).
const SCAN_EVERY_MS = 250;
// A hung dependency makes every call slow at once; one log line per dependency per
// second names it, the rest are counted (metrics, /ops) and summed into the next line.
const SLOW_LOG_EVERY_MS = 1000;

interface InFlightCall {
  slowAt: number;
  started: number;
  op: string;
  budgetMs: number;
  requestId?: string;
  route?: string;
  traceId?: string;
  owner: SlowReporter;
}
interface SlowReporter {
  dependency: Dependency;
  slow(call: InFlightCall, waitedMs: number): void;
}

const inFlight = new Set<InFlightCall>();
let scanner: NodeJS.Timeout | undefined;

function scanSlowCalls(): void {
  const now = performance.now();
  for (const c of inFlight) {
    if (now < c.slowAt) continue;
    inFlight.delete(c);
    c.owner.slow(c, Math.round(now - c.started));
  }
  if (inFlight.size === 0 && scanner) {
    clearInterval(scanner);
    scanner = undefined;
  }
}

function watchCall(c: InFlightCall): void {
  inFlight.add(c);
  if (scanner) return;
  // Armed outside the request, so the scan (and the lines it logs) carries no request's context.
  scanner = outsideRequest(() => setInterval(scanSlowCalls, SCAN_EVERY_MS));
  scanner.unref();
}

function slowReporter(o: PolicyOptions): SlowReporter {
  let lastLogAt = -Infinity;
  let unlogged = 0;
  return {
    dependency: o.dependency,
    slow(c, waitedMs) {
      const e: SlowCallEvent = {
        dependency: o.dependency,
        op: c.op,
        waitedMs,
        budgetMs: c.budgetMs,
        requestId: c.requestId,
        route: c.route,
      };
      if (c.traceId) e.traceId = c.traceId;
      o.onSlowCall?.(e);
      const now = performance.now();
      if (now - lastLogAt < SLOW_LOG_EVERY_MS) {
        unlogged++;
        return;
      }
      lastLogAt = now;
      o.logger.warn(
        { ...e, outcome: 'slow', ...(unlogged > 0 ? { alsoSlowSinceLastLine: unlogged } : {}) },
        `${o.dependency} ${c.op} still waiting after ${formatDuration(waitedMs)} of its ${formatDuration(c.budgetMs)} budget`,
      );
      unlogged = 0;
    },
  };
}

/**
 * One named policy per dependency (database, cache, Paystack): timeout, circuit breaker
 * and bulkhead from cockatiel. Retries are not here: only the caller knows whether an
 * operation is idempotent, so retries wrap `execute` where they are safe.
 */
export function createDependencyPolicy(o: PolicyOptions): DependencyPolicy {
  // A call that timed out counts as a failure: a dependency that cannot answer in
  // time is, for us, down.
  const breaker = circuitBreaker(
    handleWhen((e) => isCallTimeoutError(e) || o.isDependencyFailure(e)),
    {
      halfOpenAfter: o.halfOpenMs,
      breaker: new ConsecutiveBreaker(o.consecutiveFailures),
    },
  );
  const bulk = bulkhead(o.concurrency, o.queue);
  let state: BreakerState = 'closed';
  let openedAt = 0;
  let lastFailure = '';
  const describe = o.describe ?? ((err: unknown) => explainError(o.dependency, err));
  let lastFailureCode = '';
  breaker.onBreak((reason) => {
    lastFailure = 'error' in reason ? describe(reason.error) : 'isolated by an operator';
    lastFailureCode = 'error' in reason ? o.errorCode(reason.error) : 'isolated';
  });
  const slowCalls = slowReporter(o);
  breaker.onStateChange((s) => {
    const to = STATE_NAMES[s];
    const from = state;
    state = to;
    if (to === 'open') openedAt = performance.now();
    // Logged once per transition, never per request: this is the line an operator
    // searches for when a dependency goes away and comes back.
    const reason =
      to === 'open'
        ? `${o.consecutiveFailures} consecutive failures, last: ${lastFailure}`
        : to === 'half-open'
          ? `${o.halfOpenMs} ms elapsed, trying one call`
          : to === 'closed'
            ? 'trial call succeeded'
            : 'isolated';
    o.logger[to === 'open' ? 'error' : 'warn'](
      { dependency: o.dependency, from, to, reason, ...(to === 'open' ? { errorCode: lastFailureCode } : {}) },
      `breaker ${o.dependency} ${from} -> ${to}: ${reason}`,
    );
    o.onStateChange?.(o.dependency, from, to);
  });

  return {
    dependency: o.dependency,
    state: () => state,
    // Open until the half-open delay has passed: after that the next call must reach
    // execute(), which is where cockatiel lets one trial call through.
    isOpen: () => (state === 'open' && performance.now() - openedAt < o.halfOpenMs) || state === 'isolated',
    skipped(op) {
      const ctx = currentContext();
      tracing.tracer?.call(o.dependency, op, ctx)?.end({
        dependency: o.dependency,
        op,
        outcome: 'rejected',
        elapsedMs: 0,
        budgetMs: 0,
        errorCode: state === 'isolated' ? 'isolated' : 'breaker_open',
        requestId: ctx?.requestId,
        route: ctx?.route,
      });
    },
    async execute<T>(op: string, fn: (signal: AbortSignal, budgetMs: number) => Promise<T>, opts?: { timeoutMs?: number }): Promise<T> {
      const ctx = currentContext();
      const own = opts?.timeoutMs ?? o.timeoutMs;
      // With tracing off (the slot empty) this is the whole cost: no span, no context.
      const span = tracing.tracer?.call(o.dependency, op, ctx);
      const started = performance.now();
      let budgetMs = own;
      const report = (outcome: CallOutcome, errorCode?: string) => {
        const elapsedMs = Math.round(performance.now() - started);
        const e = { dependency: o.dependency, op, outcome, elapsedMs, budgetMs, errorCode, requestId: ctx?.requestId, route: ctx?.route };
        o.onCall?.(e);
        span?.end(e);
      };
      try {
        budgetMs = callBudgetMs(own, o.replyMarginMs, o.dependency);
      } catch (err) {
        report('rejected', 'deadline');
        throw err;
      }
      const byDeadline = budgetMs < own;
      // Outermost timeout: it covers the wait in the bulkhead queue as well as the call.
      // Aggressive: the caller gets its answer at the budget even if the call ignores
      // the signal; the signal still tells the call to stop.
      const policy = wrap(timeout(budgetMs + (o.safetyMs ?? 0), TimeoutStrategy.Aggressive), breaker, bulk);
      const watched: InFlightCall = {
        slowAt: started + slowAfterMs(budgetMs),
        started,
        op,
        budgetMs,
        requestId: ctx?.requestId,
        route: ctx?.route,
        traceId: ctx?.traceId,
        owner: slowCalls,
      };
      watchCall(watched);
      const previous = ctx?.currentCall;
      if (ctx) {
        ctx.currentCall = { dependency: o.dependency, op, startedAt: Date.now() };
        ctx.lastDependency = o.dependency;
      }
      try {
        const result = await policy.execute(async ({ signal }) => {
          if (signal.aborted) throw new CallTimeoutError(o.dependency, op, budgetMs, byDeadline);
          // The request's own signal (client gone, deadline passed) also stops the call,
          // but only the timeout's signal makes the failure count against the dependency.
          const combined = ctx ? AbortSignal.any([signal, ctx.signal]) : signal;
          try {
            return await (span ? span.run(() => fn(combined, budgetMs)) : fn(combined, budgetMs));
          } catch (err) {
            if (signal.aborted) throw new CallTimeoutError(o.dependency, op, budgetMs, byDeadline);
            if (ctx?.signal.aborted) throw new CallAbortedError(o.dependency, op, err);
            throw err;
          }
        });
        report('ok');
        return result;
      } catch (err) {
        if (isBrokenCircuitError(err) || err instanceof BrokenCircuitError) {
          report('rejected', 'breaker_open');
          throw new CallRejectedError(o.dependency, 'breaker_open', err);
        }
        if (isBulkheadRejectedError(err) || err instanceof BulkheadRejectedError) {
          report('rejected', 'bulkhead_full');
          throw new CallRejectedError(o.dependency, 'bulkhead_full', err);
        }
        if (isTaskCancelledError(err) || err instanceof TaskCancelledError || isCallTimeoutError(err)) {
          report('timeout', byDeadline ? 'deadline' : 'timeout');
          throw new CallTimeoutError(o.dependency, op, budgetMs, byDeadline);
        }
        if (isCallAbortedError(err)) {
          report('rejected', 'caller_gone');
          throw err;
        }
        const code = o.errorCode(err);
        report('error', code);
        throw err;
      } finally {
        inFlight.delete(watched);
        if (ctx) ctx.currentCall = previous;
      }
    },
  };
}
