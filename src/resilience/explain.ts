/**
 * Dependency errors in an operator's words, in one place: breaker transition logs,
 * connection-state logs, /readyz and /ops all say what went wrong through
 * `explainError`, never with a client library's internal message ("Stream isn't
 * writeable and enableOfflineQueue options is false") or a bare class name ("Error").
 */
import type { Dependency } from '../errors/index.ts';
import { sqlStateMeaning } from '../shared/sqlstate.ts';

const NAMES: Record<Dependency, string> = { database: 'PostgreSQL', cache: 'Redis', paystack: 'Paystack', mail: 'The SMTP server' };

/** The dependency as an operator knows it: "PostgreSQL", "Redis", "Paystack". */
export const dependencyName = (d: Dependency): string => NAMES[d];

/** What the caller knows beyond the error itself, to make the sentence precise. */
export interface ExplainHints {
  /** The dependency's own per-call timeout (e.g. REDIS_COMMAND_TIMEOUT_MS). */
  timeoutMs?: number;
  /** When the dependency's connection went down (ms since the epoch), if it is down now. */
  downSince?: number;
  /** Why the connection went down, in these words, when it is down now. */
  downReason?: string;
  /** For `downSince`; defaults to Date.now(). */
  now?: number;
}

/** "12 s", "250 ms", "2.5 s": short durations an operator reads at a glance. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10) return `${Math.round(s * 10) / 10} s`;
  if (s < 120) return `${Math.round(s)} s`;
  return `${Math.round(s / 60)} min`;
}

// Socket-level codes from Node (net, dns, tls) and undici, as any client passes them on.
const SOCKET_CODES: Record<string, string> = {
  ECONNREFUSED: 'refused the connection (not running, or wrong host or port)',
  ECONNRESET: 'closed the connection abruptly',
  EPIPE: 'closed the connection while we were still writing',
  ETIMEDOUT: 'did not answer the connection attempt in time',
  EHOSTUNREACH: 'host is unreachable',
  ENETUNREACH: 'network is unreachable',
  ENOTFOUND: 'host name does not resolve (DNS)',
  EAI_AGAIN: 'host name could not be resolved just now (DNS)',
  UND_ERR_CONNECT_TIMEOUT: 'did not accept the connection in time',
  UND_ERR_HEADERS_TIMEOUT: 'accepted the request but sent no answer in time',
  UND_ERR_BODY_TIMEOUT: 'started answering and then stalled',
  UND_ERR_SOCKET: 'closed the connection mid-request',
};

interface Described {
  name?: string;
  message?: string;
  code?: unknown;
  reason?: unknown;
  budgetMs?: unknown;
  op?: unknown;
  dependency?: unknown;
  cause?: unknown;
}

const within = (h: ExplainHints) => (h.timeoutMs !== undefined ? ` (command timeout ${formatDuration(h.timeoutMs)})` : '');
const downFor = (h: ExplainHints) =>
  h.downSince !== undefined ? ` for ${formatDuration(Math.max(0, (h.now ?? Date.now()) - h.downSince))}` : '';

/** ioredis's own messages, which say how the client failed rather than what is wrong with Redis. */
function redisWords(message: string, h: ExplainHints): string | undefined {
  if (message.startsWith("Stream isn't writeable") || message === 'Connection is closed.') {
    // The call failed at once because the connection is down: say why it is down.
    if (h.downReason?.startsWith('Redis not answering'))
      return `Redis not answering${downFor(h)}${within(h)}; calls fail at once until it reconnects`;
    if (h.downReason) return `${h.downReason}; down${downFor(h)}, calls fail at once until it reconnects`;
    return `Redis not connected${downFor(h)}: reconnecting in the background, calls fail at once meanwhile`;
  }
  if (message === 'Command timed out') return `Redis not answering${downFor(h)}${within(h)}`;
  const socket = /^Socket timeout\. Expecting data, but didn't receive any in (\d+)ms/.exec(message);
  if (socket) return `Redis not answering: the connection was silent for ${formatDuration(Number(socket[1]))} and is being reopened`;
  if (message.startsWith('Reached the max retries per request limit'))
    return `Redis connection lost${downFor(h)} with a command pending: the command was dropped, not resent`;
  return undefined;
}

/**
 * One sentence naming the dependency and what went wrong, in operator words. Knows the
 * policy's own errors (timeout, breaker, bulkhead), PostgreSQL SQLSTATEs, socket codes
 * and ioredis's messages; anything else keeps its own message after the dependency's name.
 */
export function explainError(dependency: Dependency, err: unknown, hints: ExplainHints = {}): string {
  const name = NAMES[dependency];
  const e = (err ?? {}) as Described;
  const message = typeof e.message === 'string' ? e.message : String(err);
  const code = typeof e.code === 'string' ? e.code : undefined;

  // The API's own error wrapping a dependency's (dependency_unavailable, deadline_exceeded): the cause says what happened.
  if (e.name === 'AppError' && e.cause) return explainError(dependency, e.cause, hints);
  // The dependency policy's own errors (src/resilience/policy.ts), recognised by name so
  // this module stays below policy.ts.
  if (e.name === 'CallTimeoutError' && typeof e.budgetMs === 'number')
    return `${name} did not answer ${String(e.op)} within its ${formatDuration(e.budgetMs)} budget`;
  if (e.name === 'CallRejectedError')
    return e.reason === 'bulkhead_full'
      ? `${name}: too many calls already waiting; new ones are refused until some finish`
      : `${name} calls refused without trying: the breaker is open after repeated failures`;
  if (e.name === 'CallAbortedError') return `${name} call abandoned: the request ended (deadline passed or client gone)`;

  if (dependency === 'cache') {
    const words = redisWords(message, hints);
    if (words) return words;
  }
  if (code && SOCKET_CODES[code]) return `${name} ${SOCKET_CODES[code]}${downFor(hints)} (${code})`;
  if (dependency === 'database' && code) {
    const meaning = sqlStateMeaning(code);
    if (meaning) return `PostgreSQL: ${meaning} (SQLSTATE ${code})`;
  }
  if (dependency === 'database' && /timeout exceeded when trying to connect/i.test(message))
    return `PostgreSQL did not accept a connection in time${downFor(hints)}`;
  if (dependency === 'database' && /Connection terminated/i.test(message)) return `PostgreSQL closed the connection${downFor(hints)}`;
  // Clients that wrap a socket error (Paystack's, ioredis's connect) keep it as the cause.
  if (e.cause && typeof e.cause === 'object') {
    const inner = (e.cause as Described).code;
    if (typeof inner === 'string' && SOCKET_CODES[inner] && !message.includes(SOCKET_CODES[inner]))
      return `${name} ${SOCKET_CODES[inner]}${downFor(hints)} (${inner})`;
  }
  // Clients whose messages already name the dependency and the operation (Paystack's).
  if (message.toLowerCase().startsWith(name.toLowerCase())) return message;
  return `${name}: ${message || e.name || 'unknown error'}${code && !message.includes(code) ? ` (${code})` : ''}`;
}
