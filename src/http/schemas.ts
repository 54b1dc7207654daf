import { type TSchema, Type } from 'typebox';

import { DEFAULT_PAGE, DEFAULT_PAGE_SIZE } from '../shared/paging.ts';

export const Problem = Type.Object(
  {
    type: Type.String({ description: 'a URL naming the kind of problem; its last segment is `code`' }),
    title: Type.String(),
    status: Type.Integer({ description: 'the HTTP status, repeated' }),
    detail: Type.String({ description: 'what went wrong, for a person' }),
    code: Type.String({ description: 'stable machine-readable code (validation_failed, unauthorized, rate_limited, ...)' }),
    requestId: Type.String({ description: 'the x-request-id of this request, for support and the logs' }),
    traceId: Type.Optional(
      Type.String({
        description: 'the W3C trace id of this request, when the service exports traces (OpenTelemetry)',
        pattern: '^[0-9a-f]{32}$',
      }),
    ),
    errors: Type.Optional(
      Type.Array(Type.Object({ path: Type.String(), message: Type.String() }), { description: 'the fields at fault (400 only)' }),
    ),
  },
  { $id: 'Problem', description: 'An RFC 9457 problem, sent as application/problem+json' },
);

/** Every status a problem may carry, and what it means for any operation that declares it. */
const PROBLEM_MEANINGS: Record<number, string> = {
  400: 'The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault',
  401: 'Missing, invalid or expired credentials',
  403: 'Signed in, but not allowed to do this',
  404: 'Not found, or not visible to this caller',
  409: 'Conflicts with the current state',
  413: 'The request body is over the limit',
  415: 'The body is not application/json',
  429: 'Too many requests from this caller; Retry-After says when to try again',
  503: 'Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again',
};

const PROBLEM_EXAMPLE = {
  type: 'https://it360acad.dev/problems/validation_failed',
  title: 'Validation failed',
  status: 400,
  detail: 'The request body is invalid',
  code: 'validation_failed',
  requestId: '6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60',
  errors: [{ path: 'body.email', message: 'must match format "email"' }],
};

const RETRY_AFTER = { 'retry-after': { type: 'integer', minimum: 1, description: 'seconds to wait before trying again' } };

/** One error response: always application/problem+json (src/http/problem.ts is the only way errors leave). */
function problemResponse(status: number, description: string) {
  return {
    description,
    ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
    content: {
      'application/problem+json': { schema: Type.Ref('Problem'), ...(status === 400 ? { example: PROBLEM_EXAMPLE } : {}) },
    },
  };
}

export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: DEFAULT_PAGE })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_PAGE_SIZE })),
};

export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
/** A course named by its id or its slug: every path under /api/v1/courses/ (SPEC.md). */
export const IdOrSlugParams = Type.Object(
  { idOrSlug: Type.String({ minLength: 1, maxLength: 100, description: "the course's id (a UUID) or its slug" }) },
  { additionalProperties: false },
);

// Names and addresses reach mail bodies (names) and a mail header (the address): no
// control characters at all (CR/LF would be header injection), and a name has a
// visible character.
const NO_CONTROLS = '[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029]';
export const Name = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: `^${NO_CONTROLS}*[^\\s\\u0000-\\u001F\\u007F-\\u009F]${NO_CONTROLS}*$`,
});
export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254, pattern: `^${NO_CONTROLS}+$` });
export const Password = Type.String({ minLength: 8, maxLength: 128 });

/**
 * Error responses: 400 and 503 (every route may give them) and the statuses named, each
 * with its usual meaning or, as `[status, description]`, what it means for this operation.
 */
export function problems(...statuses: (number | [number, string])[]) {
  const out: Record<number, ReturnType<typeof problemResponse>> = {};
  for (const s of [400, ...statuses, 503]) {
    const [status, description] = Array.isArray(s) ? s : [s, PROBLEM_MEANINGS[s]];
    if (!description) throw new Error(`no meaning written for status ${status}`);
    out[status] = problemResponse(status, description);
  }
  return out;
}

/**
 * A success response: its description, and its JSON body with an example (the main
 * bodies have one, so the reference shows a realistic answer).
 */
export function ok(description: string, schema: TSchema, example?: unknown) {
  return { description, content: { 'application/json': { schema: named(schema), ...(example === undefined ? {} : { example }) } } };
}

/** A schema with an $id (User, Course, ...) by reference, so the document names it once under components. */
export function named(schema: TSchema): TSchema {
  const id = (schema as { $id?: unknown }).$id;
  return typeof id === 'string' ? Type.Ref(id) : schema;
}

/** The answer to a cached read whose ETag the caller already holds (src/http/cached-reply.ts). */
export function notModified() {
  return { description: 'Not modified: If-None-Match named the current ETag (no body)', type: 'null' as const };
}

/** A success response without a body (204). */
export function noContent(description: string) {
  return { description, type: 'null' as const };
}

export function pageOf<T extends ReturnType<typeof Type.Object>>(item: T) {
  return Type.Object({ items: Type.Array(named(item)), page: Type.Integer(), pageSize: Type.Integer(), total: Type.Integer() });
}
