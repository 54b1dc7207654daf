/**
 * Where log records go and in which form: JSON lines (what a log collector and
 * `npm run logs:summary` read) or pretty lines for a person at a terminal.
 *
 * Each process (the supervisor, each worker, the CLI) decides for itself, on its own
 * stdout, and pretty-prints its own records in-process, synchronously. Why here and not
 * elsewhere:
 * - Workers inherit the supervisor's stdout (src/supervisor/workers.ts forks them with
 *   stdio 'inherit'), so a worker's fd 1 is the same terminal and its own check gives the
 *   supervisor's answer; no decision has to be handed down.
 * - Synchronous, on the writing thread: a line is on the terminal before the next
 *   statement runs, so the `fatal` line written just before `process.exit` is never lost,
 *   and the supervisor's and the workers' records interleave whole (one write each), as
 *   the JSON lines do. A pino transport would add a thread per process and lines still
 *   in flight at exit; pretty-printing workers' output in the supervisor would mean piping
 *   their stdout through it (a process that, hung, would stall every worker's logging).
 * - The cost (formatting on the main thread) is paid only in the pretty format, which is
 *   for development: production writes JSON unless LOG_FORMAT=pretty says otherwise.
 */
import { isatty } from 'node:tty';

import type { DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';

import type { Config } from './config/index.ts';

export type LogFormat = 'json' | 'pretty';

/**
 * LOG_FORMAT when set; otherwise pretty for a terminal outside production, JSON
 * everywhere else (a production container with a TTY attached still writes JSON).
 */
export function chooseLogFormat(o: { logFormat: LogFormat | undefined; isProduction: boolean; isTTY: boolean }): LogFormat {
  if (o.logFormat) return o.logFormat;
  return o.isTTY && !o.isProduction ? 'pretty' : 'json';
}

/** The format this process writes in: decided on its own stdout (fd 1). */
export function processLogFormat(config: Pick<Config, 'logFormat' | 'isProduction'>): LogFormat {
  return chooseLogFormat({ logFormat: config.logFormat, isProduction: config.isProduction, isTTY: isatty(1) });
}

// C0 and C1 control characters but tab and newline, as pino-pretty's own message
// template strips them: a value from a client must not move the cursor or recolour the
// terminal. (A format function, needed below, does not get pino-pretty's stripping.)
const UNSAFE_CONTROL_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/**
 * The message line: `[requestId] dependency.op msg`, each part only when the record has
 * it. Those fields are left out of the field lines below it (`ignore`), so nothing is
 * printed twice; every other field is printed as pino-pretty does.
 */
export function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  const parts: string[] = [];
  if (log.requestId !== undefined) parts.push(`[${text(log.requestId)}]`);
  const where = [log.dependency, log.op]
    .filter((v) => v !== undefined && v !== '')
    .map(text)
    .join('.');
  if (where) parts.push(where);
  if (log[messageKey] !== undefined) parts.push(text(log[messageKey]));
  return parts.join(' ').replace(UNSAFE_CONTROL_CHARS, '');
}

/** A field's value as text: strings as they are, anything else as JSON. */
function text(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Pretty lines on fd 1; colours when pino-pretty finds them supported (a TTY, no NO_COLOR). */
function prettyStream(): DestinationStream {
  return pinoPretty({
    destination: 1,
    // Written before write() returns: see the module's comment.
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    messageFormat: prettyMessage,
    ignore: 'hostname,requestId,dependency,op',
  });
}

/**
 * The stream for createLogger (src/logger.ts) in this process: pretty lines on stdout, or
 * undefined for createLogger's own JSON stream on stdout.
 */
export function logDestination(config: Pick<Config, 'logFormat' | 'isProduction'>): DestinationStream | undefined {
  return processLogFormat(config) === 'pretty' ? prettyStream() : undefined;
}
