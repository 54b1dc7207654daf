import { AsyncLocalStorage } from 'node:async_hooks';

import { type Dependency, errors } from '../errors/index.ts';
import { tracing } from './call-tracing.ts';

/**
 * The request context travels with every request through AsyncLocalStorage, so a
 * dependency call deep in a repository knows how much time its request has left
 * without every function passing a deadline along. Outside a request (migrations,
 * the reconciler, CLI) there is no context and calls use their own timeouts.
 */
export interface RequestContext {
  requestId: string;
  method: string;
  route: string;
  startedAt: number;
  /** performance.now() value after which the request has failed. */
  deadlineAt: number;
  /** Aborted when the request passes its deadline or the client goes away. */
  signal: AbortSignal;
  /** The dependency call the request is waiting on right now, for the supervisor and /ops. */
  currentCall?: { dependency: Dependency; op: string; startedAt: number };
  /** The last dependency the request waited on, so a timeout can name it. */
  lastDependency?: Dependency;
  /** The problem code the request was answered with, if it failed. */
  problemCode?: string;
  /** With tracing on: the request's trace, for log lines and problem bodies. */
  traceId?: string;
  /** With tracing on: the request's (or task's) span, parent of its dependency calls' spans. */
  span?: object;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runInContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/**
 * Runs `fn` outside any request. A timer or a client's event fires in the context
 * where it was armed: ioredis arms its socket and reconnect timers while serving some
 * request's command, so its connection events, and anything logged from them, would
 * carry that unrelated request's id. Log lines about a dependency itself, and timers
 * that outlive one request, are made here.
 */
export function outsideRequest<T>(fn: () => T): T {
  return storage.exit(fn);
}

/** Milliseconds left before the current request's deadline; Infinity outside a request. */
export function timeLeftMs(): number {
  const ctx = storage.getStore();
  return ctx ? ctx.deadlineAt - performance.now() : Infinity;
}

/**
 * The budget for one dependency call: `min(ownTimeoutMs, time left - margin)`.
 * Throws deadline_exceeded instead of starting a call that could not finish in time.
 */
export function callBudgetMs(ownTimeoutMs: number, marginMs: number, dependency: Dependency): number {
  const left = timeLeftMs() - marginMs;
  if (left === Infinity) return ownTimeoutMs;
  if (left <= 0) throw errors.deadlineExceeded(dependency);
  return Math.max(1, Math.floor(Math.min(ownTimeoutMs, left)));
}

/**
 * Runs background work (the reconciler, webhook processing) under a deadline of its
 * own, so its dependency calls are bounded like a request's and its log lines carry
 * an id that ties them together.
 */
export function runWithDeadline<T>(id: string, route: string, ms: number, fn: () => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const started = performance.now();
  const timer = setTimeout(() => controller.abort(new Error(`${route} ran past its ${ms} ms deadline`)), ms);
  timer.unref();
  const ctx: RequestContext = {
    requestId: id,
    method: 'TASK',
    route,
    startedAt: Date.now(),
    deadlineAt: started + ms,
    signal: controller.signal,
  };
  const tracer = tracing.tracer;
  // With tracing on, each unit of background work is a trace of its own.
  const run = tracer ? () => tracer.task(route, id, ctx, () => storage.run(ctx, fn)) : () => storage.run(ctx, fn);
  return run().finally(() => clearTimeout(timer));
}
