import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

import { errors } from '../errors/index.ts';
import { requestLoggerOf } from '../logger.ts';
import { type RequestContext, runInContext } from '../resilience/deadline.ts';
import { sendProblem } from './problem.ts';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
  }
}

/** Routes that are probes or scrapes (the ops dashboard polls /ops/data): no request log line, no HTTP metrics. */
export const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics', '/ops/data']);

export interface LifecycleOptions {
  requestTimeoutMs: number;
  maxInflight: number;
  logger: Logger;
  /** Told about every finished request (metrics, /ops). */
  onFinished?: (e: {
    method: string;
    route: string;
    statusCode: number;
    durationMs: number;
    requestId: string;
    timedOut: boolean;
    code?: string;
    dependency?: string;
  }) => void;
  /** Told when a request passes its deadline. */
  onDeadline?: (ctx: RequestContext) => void;
  /** With tracing on: the request's span and trace id (src/infra/telemetry). */
  traceOf?: (request: FastifyRequest) => { span: object; traceId: string } | undefined;
}

// A caller's x-request-id is kept when it is a sane token; anything else gets a new id.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A request's id: the caller's x-request-id when sane, else a new one (Fastify's genReqId and the hit lane). */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** The fields of the one line a finished request writes (SPEC.md "Logging"). */
export interface Completion {
  requestId: string;
  method: string;
  route: string;
  statusCode: number;
  durationMs: number;
  code?: string;
  /** For a 503, the dependency the request was waiting on: the culprit. */
  dependency?: string;
  /** Answered past its deadline (for metrics; not a field of the line). */
  timedOut: boolean;
}

/**
 * Writes a finished request's line and tells onFinished (metrics, /ops): one place for
 * both ways a request is answered (Fastify's lifecycle below, and the hit lane).
 */
export function completionWriter(o: Pick<LifecycleOptions, 'logger' | 'onFinished'>) {
  const requestLog = requestLoggerOf(o.logger);
  return (rec: Completion, ip: string | undefined, traceId?: string): void => {
    if (QUIET_ROUTES.has(rec.route)) return;
    // Written field by field (no spread: a hot path's object copies show in its profile);
    // an undefined field (code, dependency, traceId with tracing off) is left out of the line.
    const line = {
      requestId: rec.requestId,
      method: rec.method,
      route: rec.route,
      statusCode: rec.statusCode,
      durationMs: rec.durationMs,
      code: rec.code,
      dependency: rec.dependency,
      ip,
      traceId,
    };
    if (rec.statusCode >= 500) requestLog.warn(line, 'request completed');
    else requestLog.info(line, 'request completed');
    o.onFinished?.(rec);
  };
}

/** In-flight requests of this process, for the supervisor's hang report and /ops. */
export const inflight = new Set<RequestContext>();

/**
 * Gives every request its context (request id, deadline, abort signal), enforces the
 * deadline and the in-flight cap, and writes the one completion log line per request.
 */
export function registerLifecycle(app: FastifyInstance, o: LifecycleOptions): void {
  const timers = new WeakMap<FastifyRequest, { timer: NodeJS.Timeout; timedOut: boolean }>();
  const requestLog = requestLoggerOf(o.logger);
  const complete = completionWriter(o);

  app.addHook('onRequest', (request, reply, done) => {
    // Made when first asked for: a request that calls no dependency (a cache hit) never
    // needs one, and an AbortController per request is a measurable share of such a request.
    let controller: AbortController | undefined;
    const abort = (reason: unknown) => {
      controller ??= new AbortController();
      if (!controller.signal.aborted) controller.abort(reason);
    };
    const started = performance.now();
    const ctx: RequestContext = {
      requestId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      startedAt: Date.now(),
      deadlineAt: started + o.requestTimeoutMs,
      get signal() {
        return (controller ??= new AbortController()).signal;
      },
    };
    request.ctx = ctx;
    if (o.traceOf) {
      const t = o.traceOf(request);
      if (t) {
        ctx.span = t.span;
        ctx.traceId = t.traceId;
      }
    }
    void reply.header('x-request-id', request.id);
    if (inflight.size >= o.maxInflight) {
      // Requests stuck on I/O are invisible to event-loop metrics; this cap is what
      // stops them piling up without bound.
      sendProblem(reply, request, errors.overloaded());
      return;
    }
    inflight.add(ctx);
    const state = { timedOut: false, timer: undefined as unknown as NodeJS.Timeout };
    // The belt to the dependency budgets' braces: if nothing answered by the deadline
    // (the handler waits on something without a budget), answer 503 now and abort
    // whatever is still running for this request.
    state.timer = setTimeout(() => {
      state.timedOut = true;
      abort(errors.deadlineExceeded(ctx.currentCall?.dependency ?? ctx.lastDependency));
      o.onDeadline?.(ctx);
      if (!reply.sent) sendProblem(reply, request, errors.deadlineExceeded(ctx.currentCall?.dependency ?? ctx.lastDependency));
    }, o.requestTimeoutMs);
    state.timer.unref();
    timers.set(request, state);
    // A client that goes away mid-request stops the work done for it.
    // onResponse only runs for a response that finished, so an abandoned request is
    // accounted for here, or it would hold its in-flight slot for ever.
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished) return;
      abort(new Error('client closed the connection'));
      clearTimeout(state.timer);
      inflight.delete(ctx);
      const route = request.routeOptions.url ?? 'unmatched';
      if (!QUIET_ROUTES.has(route)) {
        requestLog.info(
          {
            requestId: request.id,
            method: request.method,
            route,
            statusCode: 499,
            durationMs: Math.round(reply.elapsedTime),
            code: 'client_closed',
            ...(ctx.traceId ? { traceId: ctx.traceId } : {}),
          },
          'request aborted by the client',
        );
      }
    });
    runInContext(ctx, done);
  });

  // Body parsing may have left the async context; re-enter it before the handler.
  app.addHook('preHandler', (request, _reply, done) => {
    runInContext(request.ctx, done);
  });

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
    const ctx = request.ctx;
    const state = timers.get(request);
    if (state) clearTimeout(state.timer);
    if (ctx) inflight.delete(ctx);
    const timedOut = state?.timedOut === true || ctx?.problemCode === 'deadline_exceeded';
    const statusCode = reply.statusCode;
    complete(
      {
        requestId: request.id,
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        statusCode,
        durationMs: Math.round(reply.elapsedTime),
        code: ctx?.problemCode,
        dependency: statusCode >= 500 ? ctx?.lastDependency : undefined,
        timedOut,
      },
      // The client's address as TRUST_PROXY resolves it: X-Forwarded-For only from a trusted proxy.
      request.ip,
      ctx?.traceId,
    );
    done();
  });
}
