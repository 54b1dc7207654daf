import pino, { type ChildLoggerOptions, type DestinationStream, type Logger } from 'pino';

import { currentContext } from './resilience/deadline.ts';

/**
 * JSON logs, one record per line, with `time`, `level`, `msg` and, inside a request,
 * `requestId` (taken from the request context, so repositories and clients need not
 * pass it), and `traceId` when tracing is on. Secrets are redacted wherever they appear
 * in a logged object. The entry points pass the stream from src/log-format.ts (pretty
 * lines in a terminal); without one, JSON lines on stdout.
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

let stampMs = -1;
let stamp = '';
/**
 * pino's isoTime (`,"time":"<ISO 8601>"`), the string made once per millisecond: a busy
 * worker writes several lines a millisecond, and a Date and its ISO string per line were
 * 2.4% of a cached read's CPU.
 */
function isoTime(): string {
  const now = Date.now();
  if (now !== stampMs) {
    stampMs = now;
    stamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return stamp;
}

/**
 * A worker's JSON lines on stdout, one write per event-loop turn: the lines a turn
 * produces (under load, the requests that finished in it) are joined and written
 * together when the turn ends (setImmediate), or at once past 64 KiB. A synchronous
 * write per line was 14% of a cached read's CPU under load (`npm run bench:profile`);
 * pino's async mode hands every line to libuv's thread pool instead, a wake-up per line
 * that cost nearly as much (11%). Lines are written when the process exits (including
 * on an uncaught exception); a SIGKILL loses at most the lines of the turn it lands
 * in. A hung worker's report comes from the supervisor's own channel, not from these.
 * Written here because pino's and sonic-boom's buffering flush on size or on a timer,
 * never per turn: a timer keeps lines back for its period on a quiet process.
 */
export function workerLogStream(fd: number = process.stdout.fd || 1): DestinationStream & { flush(cb?: () => void): void } {
  // sonic-boom does the writing itself (partial writes, EAGAIN on a full pipe).
  const out = pino.destination({ dest: fd, sync: true });
  let lines: string[] = [];
  let bytes = 0;
  let scheduled = false;
  const drain = () => {
    scheduled = false;
    if (lines.length === 0) return;
    const chunk = lines.length === 1 ? lines[0] : lines.join('');
    lines = [];
    bytes = 0;
    out.write(chunk);
  };
  process.on('exit', drain);
  return {
    write(line: string) {
      lines.push(line);
      bytes += line.length;
      // 64 KiB (some 250 request lines) at most held: one write of a size pipes take whole.
      if (bytes >= 64 * 1024) drain();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(drain);
      }
    },
    /** pino's logger.flush(): written now. */
    flush(cb?: () => void) {
      drain();
      cb?.();
    },
  };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  // One stream for both loggers below, so their lines never interleave mid-line.
  const dest = destination ?? pino.destination(process.stdout.fd || 1);
  const common = {
    level,
    base: { pid: process.pid },
    timestamp: isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const logger = pino(
    {
      ...common,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      mixin() {
        const ctx = currentContext();
        if (!ctx) return {};
        return ctx.traceId ? { requestId: ctx.requestId, traceId: ctx.traceId } : { requestId: ctx.requestId };
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

type Bindings = Record<string, unknown>;
type ChildOptions = ChildLoggerOptions<never>;

/**
 * A request's logger (Fastify's `request.log`), made only when the request first logs.
 * Fastify makes a pino child per request; with redaction on, pino runs the child's
 * bindings through the redactor, which was a few percent of a cached read that never
 * logs through it (its one line comes from lifecycle.ts). The child this makes when used
 * is the one Fastify would have made: same parent, bindings, options and redaction.
 */
class DeferredChildLogger {
  private made: Logger | undefined;
  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions,
  ) {}

  private get real(): Logger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.real.level;
  }

  set level(value: string) {
    this.real.level = value;
  }

  fatal(...args: Parameters<Logger['fatal']>): void {
    this.real.fatal(...args);
  }

  error(...args: Parameters<Logger['error']>): void {
    this.real.error(...args);
  }

  warn(...args: Parameters<Logger['warn']>): void {
    this.real.warn(...args);
  }

  info(...args: Parameters<Logger['info']>): void {
    this.real.info(...args);
  }

  debug(...args: Parameters<Logger['debug']>): void {
    this.real.debug(...args);
  }

  trace(...args: Parameters<Logger['trace']>): void {
    this.real.trace(...args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildOptions): Logger {
    return this.real.child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: see DeferredChildLogger. */
export function deferredChildLogger(parent: Logger, bindings: Bindings, options: ChildOptions): Logger {
  return new DeferredChildLogger(parent, bindings, options) as unknown as Logger;
}
