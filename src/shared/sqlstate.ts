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

/**
 * What a SQLSTATE means to an operator, for logs, /ops and /readyz. Codes first, then
 * their class (the first two characters) for codes not listed one by one.
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const MEANINGS: Record<string, string> = {
  '55P03': 'a lock was not granted in time (lock_timeout): another session holds the row or table',
  '57014': 'the statement ran past its time limit (statement_timeout) or was cancelled',
  '53300': 'the server has too many connections (max_connections reached)',
  '53400': 'a configured server limit was reached',
  '53100': 'the server is out of disk space',
  '53200': 'the server is out of memory',
  '57P01': 'the server is shutting down (administrator command)',
  '57P02': 'the server crashed and is restarting (crash shutdown)',
  '57P03': 'the server cannot accept connections now (starting up or in recovery)',
  '40001': 'a transaction could not be serialized with a concurrent one',
  '40P01': 'a deadlock was detected between sessions',
  '23505': 'a unique constraint refused the row',
  '28P01': 'the password was refused',
  '3D000': 'the database does not exist',
  '42P01': 'a table does not exist (migrations not applied?)',
  '25006': 'the server is read-only (a standby)',
};
const CLASS_MEANINGS: Record<string, string> = {
  '08': 'the connection to the server failed',
  '53': 'the server ran out of a resource',
  '57': 'the server stopped the work (operator intervention)',
  '58': 'the server hit a system error (I/O)',
  '40': 'the transaction was rolled back',
  '23': 'a constraint refused the row',
  '28': 'the login was refused',
  '42': 'the statement is invalid (syntax or a missing object)',
  XX: 'the server hit an internal error',
};

/** Operator words for a SQLSTATE, or undefined when it is not one we know. */
export function sqlStateMeaning(code: string): string | undefined {
  if (!/^[0-9A-Z]{5}$/.test(code)) return undefined;
  return MEANINGS[code] ?? CLASS_MEANINGS[code.slice(0, 2)];
}
