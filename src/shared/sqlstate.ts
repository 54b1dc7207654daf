/** PostgreSQL error codes (SQLSTATE) the service acts on, named once. */
export const SQLSTATE = {
  /** A UNIQUE constraint refused the row (a taken email or slug, a duplicate reference). */
  uniqueViolation: '23505',
  /** statement_timeout fired on the server. */
  queryCanceled: '57014',
  /** lock_timeout: the row or table is held by someone else. */
  lockNotAvailable: '55P03',
  /** Class 08: the connection itself failed. */
  connectionExceptionClass: '08',
  /** The server is shutting down, cannot take connections now, or has too many. */
  serverUnavailable: ['57P01', '57P02', '57P03', '53300', '53400'] as readonly string[],
} as const;

/** True when `err` is a database error carrying `code`. */
export function hasSqlState(err: unknown, code: string): boolean {
  return (err as { code?: string } | undefined)?.code === code;
}
