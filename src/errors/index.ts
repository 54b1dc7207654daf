/**
 * The error catalogue: every error the API can answer with has a stable `code`, an
 * HTTP status and a title. Code anywhere throws these; one handler (src/http/problem.ts)
 * renders them as application/problem+json. Anything else that escapes is a 500 whose
 * details are logged and never sent.
 */

export type Dependency = 'database' | 'cache' | 'paystack' | 'mail';

export interface FieldError {
  path: string;
  message: string;
}

const CATALOGUE = {
  validation_failed: { status: 400, title: 'Validation failed' },
  invalid_token: { status: 400, title: 'Invalid or expired link' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  email_unverified: { status: 403, title: 'Email not verified' },
  not_enrolled: { status: 403, title: 'Not enrolled' },
  not_found: { status: 404, title: 'Not found' },
  email_taken: { status: 409, title: 'Email already registered' },
  already_enrolled: { status: 409, title: 'Already enrolled' },
  conflict: { status: 409, title: 'Conflict' },
  payment_in_progress: { status: 409, title: 'Payment in progress' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  deadline_exceeded: { status: 503, title: 'Deadline exceeded' },
  dependency_unavailable: { status: 503, title: 'Dependency unavailable' },
  overloaded: { status: 503, title: 'Overloaded' },
} as const;

export type ErrorCode = keyof typeof CATALOGUE;

export interface AppErrorOptions {
  detail?: string;
  errors?: FieldError[];
  retryAfterS?: number;
  /** Which dependency was at fault, for logs and metrics (never sent to the client). */
  dependency?: Dependency;
  cause?: unknown;
}

export class AppError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly errors?: FieldError[];
  readonly retryAfterS?: number;
  readonly dependency?: Dependency;

  constructor(
    readonly code: ErrorCode,
    opts: AppErrorOptions = {},
  ) {
    super(opts.detail ?? CATALOGUE[code].title, { cause: opts.cause });
    this.name = 'AppError';
    this.status = CATALOGUE[code].status;
    this.title = CATALOGUE[code].title;
    this.detail = opts.detail ?? CATALOGUE[code].title;
    this.errors = opts.errors;
    this.retryAfterS = opts.retryAfterS ?? (this.status === 503 ? 1 : undefined);
    this.dependency = opts.dependency;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

export const errors = {
  validation: (detail: string, fieldErrors?: FieldError[]) => new AppError('validation_failed', { detail, errors: fieldErrors }),
  unauthorized: (detail = 'Missing or invalid credentials') => new AppError('unauthorized', { detail }),
  forbidden: (detail = 'You may not do this') => new AppError('forbidden', { detail }),
  notFound: (what = 'Resource') => new AppError('not_found', { detail: `${what} not found` }),
  emailTaken: () => new AppError('email_taken', { detail: 'An account with this email already exists' }),
  alreadyEnrolled: () => new AppError('already_enrolled', { detail: 'You are already enrolled in this course' }),
  conflict: (detail: string) => new AppError('conflict', { detail }),
  paymentInProgress: (retryAfterS: number) =>
    new AppError('payment_in_progress', {
      detail: 'A payment for this course is being started by another request; try again shortly',
      retryAfterS,
    }),
  emailUnverified: (detail = 'This account must verify its email first') => new AppError('email_unverified', { detail }),
  notEnrolled: (detail = 'You are not enrolled in this course') => new AppError('not_enrolled', { detail }),
  invalidToken: () => new AppError('invalid_token', { detail: 'This link is unknown, already used or expired; ask for a new one' }),
  rateLimited: (retryAfterS: number) => new AppError('rate_limited', { detail: 'Too many requests; try again later', retryAfterS }),
  deadlineExceeded: (dependency?: Dependency, cause?: unknown) =>
    new AppError('deadline_exceeded', { detail: 'The request ran out of time', dependency, cause, retryAfterS: 1 }),
  dependencyUnavailable: (dependency: Dependency, cause?: unknown, retryAfterS = 1) =>
    new AppError('dependency_unavailable', {
      detail: `A service this request needs is unavailable (${dependency})`,
      dependency,
      cause,
      retryAfterS,
    }),
  overloaded: () => new AppError('overloaded', { detail: 'The server is busy; try again shortly', retryAfterS: 1 }),
};
