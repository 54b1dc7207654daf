/**
 * A typed client of the it360acad API for front ends and scripts.
 *
 * The request and response types come from the service's own openapi.json (see schema.ts);
 * the requests go through openapi-fetch, which checks paths, parameters and bodies against
 * those types at compile time and adds nothing at run time but a thin fetch wrapper.
 *
 *   const api = createClient({ baseUrl: 'https://api.example.com', accessToken: () => session?.accessToken });
 *   const { items } = await api.courses.list({ search: 'linux' });
 *   const me = await api.auth.me();                      // throws ApiError on a problem+json answer
 *   const { data, error } = await api.raw.GET('/api/v1/courses/{idOrSlug}', { params: { path: { idOrSlug: 'intro' } } });
 */
import createFetchClient, { type Client, type Middleware } from 'openapi-fetch';

import type { components, paths } from './schema.js';

export type { components, operations, paths } from './schema.js';

type Schemas = components['schemas'];
/** An error answer (RFC 9457 problem+json), as every route documents it. */
export type Problem = Schemas['Problem'];
export type User = Schemas['User'];
export type Course = Schemas['Course'];
export type Payment = Schemas['Payment'];
export type Lesson = Schemas['Lesson'];
export type LessonSummary = Schemas['LessonSummary'];
export type Progress = Schemas['Progress'];
export type Certificate = Schemas['Certificate'];

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
/** The JSON body an operation takes. */
export type RequestBody<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
/** The query parameters an operation takes. */
export type Query<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
/** What an operation answers on success (its 200, 201 or 202 JSON; undefined for a 204). */
export type ResponseBody<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: infer R }
    ? R extends { 200: { content: { 'application/json': infer B } } }
      ? B
      : R extends { 201: { content: { 'application/json': infer B } } }
        ? B
        : R extends { 202: { content: { 'application/json': infer B } } }
          ? B
          : undefined
    : never;

/** A session as register and login return it. */
export type Session = ResponseBody<'/api/v1/auth/login', 'post'>;
export type Tokens = ResponseBody<'/api/v1/auth/refresh', 'post'>;

/**
 * An answer outside 2xx. `problem` is the service's problem+json body; an answer that did not
 * carry one (a proxy's HTML 502, an empty body) gets a problem made from the status line, with
 * code `http_<status>`, so callers handle one shape.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly problem: Problem;
  readonly response: Response;

  constructor(problem: Problem, response: Response) {
    super(`${problem.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ''}`);
    this.status = response.status;
    this.problem = problem;
    this.response = response;
  }

  /** The service's machine-readable reason, e.g. `already_enrolled`, `invalid_credentials`. */
  get code(): string {
    return this.problem.code;
  }

  /** The request's id, to quote to the operator (it is in their logs under this id). */
  get requestId(): string {
    return this.problem.requestId;
  }
}

function isProblem(body: unknown): body is Problem {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return typeof b.status === 'number' && typeof b.title === 'string' && typeof b.code === 'string';
}

/** The ApiError for an answer outside 2xx, whatever its body was. */
export function toApiError(body: unknown, response: Response): ApiError {
  if (isProblem(body)) return new ApiError({ ...body, requestId: body.requestId ?? '', detail: body.detail ?? '' }, response);
  const text = typeof body === 'string' ? body.slice(0, 500) : '';
  return new ApiError(
    {
      type: 'about:blank',
      title: response.statusText || 'HTTP error',
      status: response.status,
      detail: text,
      code: `http_${response.status}`,
      requestId: response.headers.get('x-request-id') ?? '',
    },
    response,
  );
}

/** A result of any `api.raw` call, turned into its data or a thrown {@link ApiError}. */
export async function unwrap<D>(result: Promise<{ data?: D; error?: unknown; response: Response }>): Promise<D> {
  const r = await result;
  if (!r.response.ok) throw toApiError(r.error, r.response);
  return r.data as D;
}

export interface ClientOptions {
  /** Where the API is, e.g. `https://api.example.com` (paths start at `/api/v1/...`). */
  baseUrl: string;
  /**
   * The access token sent as `Authorization: Bearer`, or a function asked before each request
   * (so a front end can keep its session in one place and refresh it). Undefined: anonymous.
   * A request that sets its own Authorization header keeps it.
   */
  accessToken?: string | (() => string | undefined | Promise<string | undefined>);
  /**
   * Each request's time limit in milliseconds, default 30000: the service answers within
   * its own dependency budgets (seconds), so a request this old is lost (a dead network or
   * proxy) and the caller is better told than left waiting. 0 turns it off.
   */
  timeoutMs?: number;
  /** Another fetch (tests, server-side rendering, an instrumented fetch). */
  fetch?: typeof globalThis.fetch;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export type RawClient = Client<paths>;

export function createClient(options: ClientOptions) {
  const raw: RawClient = createFetchClient<paths>({
    baseUrl: options.baseUrl,
    fetch: options.fetch,
    headers: { accept: 'application/json, application/problem+json', ...options.headers },
  });

  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const middleware: Middleware = {
    async onRequest({ request }) {
      const token = typeof options.accessToken === 'function' ? await options.accessToken() : options.accessToken;
      if (token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
      if (timeoutMs > 0) return new Request(request, { signal: AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]) });
      return request;
    },
  };
  raw.use(middleware);

  return {
    /** The openapi-fetch client: every path of the API, typed, answering `{ data, error, response }`. */
    raw,

    auth: {
      /** Creates a student account and its first session. */
      register: (body: RequestBody<'/api/v1/auth/register', 'post'>) => unwrap(raw.POST('/api/v1/auth/register', { body })),
      login: (body: RequestBody<'/api/v1/auth/login', 'post'>) => unwrap(raw.POST('/api/v1/auth/login', { body })),
      /** New tokens for a refresh token (the old one stops working: keep the new pair). */
      refresh: (refreshToken: string) => unwrap(raw.POST('/api/v1/auth/refresh', { body: { refreshToken } })),
      /** Ends the session of `refreshToken`, or without it the session of the access token in use. */
      logout: (refreshToken?: string) =>
        unwrap(raw.POST('/api/v1/auth/logout', refreshToken === undefined ? {} : { body: { refreshToken } })),
      me: () => unwrap(raw.GET('/api/v1/auth/me')),
    },

    courses: {
      /** Published courses, a page at a time. */
      list: (query: Query<'/api/v1/courses', 'get'> = {}) => unwrap(raw.GET('/api/v1/courses', { params: { query } })),
      get: (idOrSlug: string) => unwrap(raw.GET('/api/v1/courses/{idOrSlug}', { params: { path: { idOrSlug } } })),
      /** Instructors and admins. */
      create: (body: RequestBody<'/api/v1/courses', 'post'>) => unwrap(raw.POST('/api/v1/courses', { body })),
      /** The course's lessons in order, without their bodies. */
      outline: (idOrSlug: string) => unwrap(raw.GET('/api/v1/courses/{idOrSlug}/lessons', { params: { path: { idOrSlug } } })),
      /** Instructors of the course and admins. */
      addLesson: (idOrSlug: string, body: RequestBody<'/api/v1/courses/{idOrSlug}/lessons', 'post'>) =>
        unwrap(raw.POST('/api/v1/courses/{idOrSlug}/lessons', { params: { path: { idOrSlug } }, body })),
      /** The caller's progress in the course (enrolled students). */
      progress: (idOrSlug: string) => unwrap(raw.GET('/api/v1/courses/{idOrSlug}/progress', { params: { path: { idOrSlug } } })),
    },

    lessons: {
      /** A lesson with its body (enrolled students; anyone for a preview). */
      get: (id: string) => unwrap(raw.GET('/api/v1/lessons/{id}', { params: { path: { id } } })),
      setCompleted: (id: string, completed: boolean) =>
        unwrap(raw.PUT('/api/v1/lessons/{id}/progress', { params: { path: { id } }, body: { completed } })),
    },

    payments: {
      /**
       * Starts paying for a course: send the student to `authorizationUrl`. A free course
       * enrolls at once (`status: 'success'`, no URL).
       */
      initialize: (body: RequestBody<'/api/v1/payments/initialize', 'post'>) => unwrap(raw.POST('/api/v1/payments/initialize', { body })),
      /** The payment's state, checked with Paystack when it can answer in time (after the checkout returns). */
      verify: (reference: string) => unwrap(raw.GET('/api/v1/payments/verify/{reference}', { params: { path: { reference } } })),
      list: (query: Query<'/api/v1/payments', 'get'> = {}) => unwrap(raw.GET('/api/v1/payments', { params: { query } })),
    },

    enrollments: {
      /** The caller's courses. */
      list: () => unwrap(raw.GET('/api/v1/enrollments')),
    },
  };
}

export type ApiClient = ReturnType<typeof createClient>;
