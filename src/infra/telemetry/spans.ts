import { type Context, context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';

import type { Dependency } from '../../errors/index.ts';
import type { CallSpan, CallTracer } from '../../resilience/call-tracing.ts';
import type { RequestContext } from '../../resilience/deadline.ts';
import type { DependencyCallEvent } from '../../resilience/policy.ts';

/**
 * The attributes of a dependency call's span. Ours are `it360.*`; the database and the
 * cache also carry the semantic conventions' `db.system.name`, so a backend that groups
 * spans by database recognises them.
 */
export const ATTR = {
  dependency: 'it360.dependency',
  op: 'it360.op',
  outcome: 'it360.outcome',
  budgetMs: 'it360.budget_ms',
  timeLeftMs: 'it360.time_left_ms',
  errorCode: 'it360.error_code',
  requestId: 'it360.request_id',
  task: 'it360.task',
  taskId: 'it360.task_id',
} as const;

const DB_SYSTEM: Partial<Record<Dependency, string>> = { database: 'postgresql', cache: 'redis' };

/**
 * The outcome as a person reads it: the policy's outcome with the rejection's reason
 * (`rejected` alone would not say whether the breaker or the bulkhead refused).
 */
function outcomeOf(e: DependencyCallEvent): string {
  if (e.outcome !== 'rejected') return e.outcome;
  if (e.errorCode === 'breaker_open') return 'rejected_breaker_open';
  if (e.errorCode === 'bulkhead_full') return 'rejected_bulkhead_full';
  return `rejected_${e.errorCode ?? 'unknown'}`;
}

/** The span a call made now belongs under: the active one if it is this request's, else the request's own. */
function parentOf(ctx: RequestContext | undefined): Context | undefined {
  const active = context.active();
  const activeSpan = trace.getSpan(active);
  const own = ctx?.span as Span | undefined;
  if (activeSpan && (!own || activeSpan.spanContext().traceId === ctx?.traceId)) return active;
  // Outside any request or task (start-up, pollers with nothing to do) a call makes no span:
  // a trace of its own for every idle poll would bury the ones that matter.
  return own ? trace.setSpan(active, own) : undefined;
}

export function createCallTracer(tracer: Tracer): CallTracer {
  return {
    call(dependency, op, ctx) {
      const parent = parentOf(ctx);
      if (!parent) return undefined;
      const attributes: Record<string, string | number> = { [ATTR.dependency]: dependency, [ATTR.op]: op };
      const db = DB_SYSTEM[dependency];
      if (db) attributes['db.system.name'] = db;
      if (ctx && ctx.deadlineAt !== Infinity) attributes[ATTR.timeLeftMs] = Math.round(ctx.deadlineAt - performance.now());
      const span = tracer.startSpan(`${dependency} ${op}`, { kind: SpanKind.CLIENT, attributes }, parent);
      const active = trace.setSpan(parent, span);
      const s: CallSpan = {
        run: (fn) => context.with(active, fn),
        end(e) {
          span.setAttribute(ATTR.outcome, outcomeOf(e));
          span.setAttribute(ATTR.budgetMs, e.budgetMs);
          if (e.errorCode) span.setAttribute(ATTR.errorCode, e.errorCode);
          if (e.outcome !== 'ok')
            span.setStatus({
              code: SpanStatusCode.ERROR,
              message: `${dependency} ${op} ${outcomeOf(e)}${e.errorCode ? ` (${e.errorCode})` : ''}`,
            });
          span.end();
        },
      };
      return s;
    },

    task(name, id, ctx, fn) {
      // A root of its own: background work is its own story, not the tail of whichever
      // request or sweep started it; a link leads back to that one.
      const from = trace.getSpan(context.active());
      const span = tracer.startSpan(
        `task ${name}`,
        {
          kind: SpanKind.INTERNAL,
          root: true,
          attributes: { [ATTR.task]: name, [ATTR.taskId]: id },
          links: from ? [{ context: from.spanContext() }] : undefined,
        },
        ROOT_CONTEXT,
      );
      if (ctx) {
        ctx.span = span;
        ctx.traceId = span.spanContext().traceId;
      }
      return context.with(trace.setSpan(ROOT_CONTEXT, span), async () => {
        try {
          return await fn();
        } catch (err) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          throw err;
        } finally {
          span.end();
        }
      });
    },
  };
}
