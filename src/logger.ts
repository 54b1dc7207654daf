import pino, { type DestinationStream, type Logger } from 'pino';

import { currentContext } from './resilience/deadline.ts';

/**
 * JSON logs, one record per line, with `time`, `level`, `msg` and, inside a request,
 * `requestId` (taken from the request context, so repositories and clients need not
 * pass it). Secrets are redacted wherever they appear in a logged object.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'passwordHash',
  '*.passwordHash',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'secretKey',
  '*.secretKey',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.cookie',
  "*.headers['x-paystack-signature']",
  "*.headers['set-cookie']",
  'cookie',
  '*.cookie',
  "headers['x-paystack-signature']",
  'signature',
  '*.signature',
  // Configuration fields, should a config object (or part of one) ever be logged; the
  // URLs may carry a password.
  'jwtSecret',
  '*.jwtSecret',
  'opsToken',
  '*.opsToken',
  'paystackSecretKey',
  '*.paystackSecretKey',
  'bootstrapAdminPassword',
  '*.bootstrapAdminPassword',
  'databaseUrl',
  '*.databaseUrl',
  'databaseListenUrl',
  '*.databaseListenUrl',
  'redisUrl',
  '*.redisUrl',
];

const requestLoggers = new WeakMap<Logger, Logger>();

export function createLogger(level: string, destination?: DestinationStream): Logger {
  // One stream for both loggers below, so their lines never interleave mid-line.
  const dest = destination ?? pino.destination(process.stdout.fd || 1);
  const common = {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const logger = pino(
    {
      ...common,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      mixin() {
        const ctx = currentContext();
        return ctx ? { requestId: ctx.requestId } : {};
      },
    },
    dest,
  );
  requestLoggers.set(logger, pino(common, dest));
  return logger;
}

/**
 * The logger for the one line each request ends with: the same stream, level and fields,
 * without the redaction pass and the context lookup. That line's fields are fixed
 * (lifecycle.ts: requestId, method, route, status, duration, code, dependency, ip) and
 * carry no secret, so it pays what pino itself costs and nothing more.
 */
export function requestLoggerOf(logger: Logger): Logger {
  return requestLoggers.get(logger) ?? logger;
}

/**
 * Fastify makes a child logger for every request (`request.log`, bound to its id). A
 * pino child costs a bindings pass through the redaction on every request, and nothing
 * here logs through `request.log` (the context mixin adds `requestId` to every line made
 * inside a request), so the child is made only if something does log through it.
 */
class LazyChildLogger {
  private real?: Logger;
  constructor(
    private readonly parent: Logger,
    private readonly bindings: Record<string, unknown>,
  ) {}
  private get log(): Logger {
    return (this.real ??= this.parent.child(this.bindings));
  }
  get level(): string {
    return this.parent.level;
  }
  fatal(...a: Parameters<Logger['fatal']>) {
    this.log.fatal(...a);
  }
  error(...a: Parameters<Logger['error']>) {
    this.log.error(...a);
  }
  warn(...a: Parameters<Logger['warn']>) {
    this.log.warn(...a);
  }
  info(...a: Parameters<Logger['info']>) {
    this.log.info(...a);
  }
  debug(...a: Parameters<Logger['debug']>) {
    this.log.debug(...a);
  }
  trace(...a: Parameters<Logger['trace']>) {
    this.log.trace(...a);
  }
  silent() {}
  child(bindings: Record<string, unknown>, options?: Parameters<Logger['child']>[1]): Logger {
    return this.log.child(bindings, options) as unknown as Logger;
  }
}

export function lazyChildLogger(parent: Logger, bindings: Record<string, unknown>): Logger {
  return new LazyChildLogger(parent, bindings) as unknown as Logger;
}
