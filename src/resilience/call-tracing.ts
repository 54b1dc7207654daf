import type { RequestContext } from './deadline.ts';
import type { DependencyCallEvent } from './policy.ts';

/**
 * Where the policy wrapper and background tasks find the tracer, when tracing is on
 * (src/infra/telemetry installs one). Nothing here imports OpenTelemetry: with tracing
 * off the slot stays empty, and a dependency call pays one property read for it.
 */
export interface CallSpan {
  /** Runs the call with its span active, so what it does (an HTTP request) is a child of it. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Ends the span with the call's outcome. */
  end(e: DependencyCallEvent): void;
}

export interface CallTracer {
  /** A span for one dependency call, under the request's (or task's) span; undefined outside any. */
  call(dependency: DependencyCallEvent['dependency'], op: string, ctx: RequestContext | undefined): CallSpan | undefined;
  /** Runs one unit of background work under a root span of its own (sets `ctx.traceId` when given). */
  task<T>(name: string, id: string, ctx: RequestContext | undefined, fn: () => Promise<T>): Promise<T>;
}

export const tracing: { tracer?: CallTracer } = {};

/** Runs background work as a traced task when tracing is on; just runs it otherwise. */
export function asTask<T>(name: string, id: string, fn: () => Promise<T>): Promise<T> {
  const t = tracing.tracer;
  return t ? t.task(name, id, undefined, fn) : fn();
}
