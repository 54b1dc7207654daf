import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

import { AppError, errors, type FieldError, isAppError } from '../errors/index.ts';
import { BODY_DRAIN_MAX_BYTES, BODY_DRAIN_MAX_MS, drainBody } from './body-limit.ts';

export const PROBLEM_TYPE_BASE = 'https://it360acad.dev/problems/';

/** Maps Fastify's own errors (parsing, limits, validation) onto the catalogue. */
function fromFastify(err: FastifyError): AppError | undefined {
  if (err.validation) {
    const fieldErrors: FieldError[] = err.validation.map((v) => {
      const base = (v.instancePath || '').replace(/\//g, '.').replace(/^\./, '');
      const missing = v.keyword === 'required' ? String((v.params as { missingProperty?: string }).missingProperty ?? '') : '';
      const extra =
        v.keyword === 'additionalProperties' ? String((v.params as { additionalProperty?: string }).additionalProperty ?? '') : '';
      const field = [err.validationContext, base, missing || extra].filter(Boolean).join('.');
      const message = extra ? 'is not an allowed field' : (v.message ?? 'is invalid');
      return { path: field, message };
    });
    return errors.validation(`The request ${err.validationContext ?? 'input'} is invalid`, fieldErrors);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', { detail: 'Send application/json' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', { detail: 'The request body is too large' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.validation('The JSON body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.validation('The body is not valid JSON');
    case 'FST_ERR_BAD_URL':
      return errors.validation('The URL is not valid (bad percent-encoding)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      // No identifier, slug or reference of ours comes near the router's 200 characters.
      return errors.validation('A path segment is too long');
  }
  if (err instanceof SyntaxError || err.name === 'SyntaxError') return errors.validation('The body is not valid JSON');
  const status = err.statusCode ?? 500;
  if (status === 413) return new AppError('payload_too_large', { detail: 'The request body is too large' });
  if (status === 415) return new AppError('unsupported_media_type', { detail: 'Send application/json' });
  if (status >= 400 && status < 500) return errors.validation(err.message || 'The request is invalid');
  return undefined;
}

export function toProblem(err: unknown): AppError {
  if (isAppError(err)) return err;
  return fromFastify(err as FastifyError) ?? new AppError('internal', { cause: err });
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, e: AppError): FastifyReply {
  if (e.retryAfterS !== undefined) void reply.header('retry-after', String(e.retryAfterS));
  if (request.ctx) request.ctx.problemCode = e.code;
  if (e.dependency && request.ctx) request.ctx.lastDependency = e.dependency;
  const body: Record<string, unknown> = {
    type: `${PROBLEM_TYPE_BASE}${e.code}`,
    title: e.title,
    status: e.status,
    // 5xx bodies never carry internals: the detail of an internal error is the title.
    detail: e.status >= 500 && e.code === 'internal' ? 'An unexpected error occurred; it has been logged' : e.detail,
    code: e.code,
    requestId: request.id,
  };
  // With tracing on, the trace to open in the tracing backend.
  if (request.ctx?.traceId) body.traceId = request.ctx.traceId;
  if (e.errors) body.errors = e.errors;
  return reply.status(e.status).type('application/problem+json').send(body);
}

/**
 * For errors the router raises before any hook has run (a malformed percent-encoding, an
 * over-long path segment): the same problem+json, and the x-request-id header the
 * lifecycle hooks would otherwise have set.
 */
export function frameworkErrorHandler(logger: Logger) {
  const handle = errorHandler(logger);
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    void reply.header('x-request-id', request.id);
    void handle(err, request, reply);
  };
}

/** The one error handler: every error leaves as problem+json; 5xx details go to the log only. */
export function errorHandler(logger: Logger) {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(err);
    if (problem.status >= 500) {
      const cause = isAppError(err) ? (err.cause ?? err) : err;
      const level = problem.code === 'internal' ? 'error' : 'warn';
      logger[level](
        {
          err: cause,
          code: problem.code,
          dependency: problem.dependency,
          method: request.method,
          route: request.routeOptions.url ?? request.url,
        },
        problem.code === 'internal' ? 'unhandled error' : `answered ${problem.status} ${problem.code}`,
      );
    }
    if (problem.code === 'payload_too_large' && !request.raw.complete) return answerAfterDrain(reply, request, problem);
    return sendProblem(reply, request, problem);
  };
}

/**
 * A 413 goes out once the rest of the body has been read and thrown away (within
 * body-limit.ts's bounds), so a client still sending sees it rather than a broken pipe;
 * past the bounds it goes out at once and the connection closes under the sender.
 * Fastify has already marked the reply `Connection: close`.
 */
async function answerAfterDrain(reply: FastifyReply, request: FastifyRequest, problem: AppError): Promise<undefined> {
  // Never past the request's own deadline (its timer would answer 503 instead); 100 ms
  // leaves the answer time to be written.
  const left = request.ctx ? request.ctx.deadlineAt - performance.now() - 100 : BODY_DRAIN_MAX_MS;
  const outcome = await drainBody(request.raw, BODY_DRAIN_MAX_BYTES, Math.min(BODY_DRAIN_MAX_MS, left));
  if (outcome !== 'aborted' && !reply.sent) sendProblem(reply, request, problem);
  return undefined;
}
