/**
 * The one named policy of each dependency, with every breaker, bulkhead and timeout
 * number and the reason for it. The front doors (src/infra/database, src/infra/cache,
 * src/infra/paystack) build their dependency's policy here and nowhere else.
 */
import type { Logger } from 'pino';

import type { Config } from '../config/index.ts';
import type { Dependency } from '../errors/index.ts';
import {
  type BreakerState,
  createDependencyPolicy,
  type DependencyCallEvent,
  type DependencyPolicy,
  type SlowCallEvent,
} from './policy.ts';

/** What telemetry needs from every dependency: its logs, its calls and its breaker's changes. */
export interface DependencyHooks {
  logger: Logger;
  onCall?: (e: DependencyCallEvent) => void;
  /** A call still waiting past its slow threshold (src/resilience/policy.ts). */
  onSlowCall?: (e: SlowCallEvent) => void;
  onStateChange?: (dependency: Dependency, from: BreakerState, to: BreakerState) => void;
}

/** The breaker settings every dependency shares (BREAKER_* in the config table). */
type BreakerSettings = Pick<Config, 'replyMarginMs' | 'breakerConsecutiveFailures' | 'breakerHalfOpenMs'>;

/** A short stable code for an error, for logs and metrics: its own code, else its class name. */
export function errorCode(err: unknown): string {
  return (err as { code?: string }).code ?? (err as Error).name ?? 'error';
}

function common(config: BreakerSettings, hooks: DependencyHooks) {
  return {
    replyMarginMs: config.replyMarginMs,
    consecutiveFailures: config.breakerConsecutiveFailures,
    halfOpenMs: config.breakerHalfOpenMs,
    logger: hooks.logger,
    onCall: hooks.onCall,
    onSlowCall: hooks.onSlowCall,
    onStateChange: hooks.onStateChange,
  };
}

export interface DatabasePolicySettings extends BreakerSettings {
  statementTimeoutMs: number;
  poolMax: number;
  /** Which errors say the server or the connection is unwell (SQLSTATE classes, socket errors). */
  isConnectionFailure: (err: unknown) => boolean;
  errorCode: (err: unknown) => string;
}

export function databasePolicy(s: DatabasePolicySettings, hooks: DependencyHooks): DependencyPolicy {
  return createDependencyPolicy({
    ...common(s, hooks),
    dependency: 'database',
    timeoutMs: s.statementTimeoutMs,
    // One call per pooled connection, and a short queue: beyond that the pool would
    // only make callers wait, so they get a fast 503 instead.
    concurrency: s.poolMax,
    queue: s.poolMax * 4,
    // The server's statement_timeout should answer first; the client-side timer
    // fires 100 ms later, for a server that does not (a pooler, a frozen host).
    safetyMs: 100,
    isDependencyFailure: s.isConnectionFailure,
    errorCode: s.errorCode,
  });
}

export function cachePolicy(
  config: BreakerSettings & Pick<Config, 'redisCommandTimeoutMs'>,
  hooks: DependencyHooks,
  /** The store's own words for a failure, which know how long the connection has been down. */
  describe?: (err: unknown) => string,
): DependencyPolicy {
  return createDependencyPolicy({
    ...common(config, hooks),
    dependency: 'cache',
    describe,
    timeoutMs: config.redisCommandTimeoutMs,
    // Redis answers in well under a millisecond when healthy; more than 100 calls
    // in flight means it is not, and waiting in a queue would only add latency.
    concurrency: 100,
    queue: 0,
    // Every cache error is the cache's: a miss is not an error, and nothing it is asked can be refused as the caller's fault.
    isDependencyFailure: () => true,
    errorCode,
  });
}

export function paystackPolicy(
  config: BreakerSettings & Pick<Config, 'paystackTimeoutMs'>,
  hooks: DependencyHooks,
  isOutage: (err: unknown) => boolean,
): DependencyPolicy {
  return createDependencyPolicy({
    ...common(config, hooks),
    dependency: 'paystack',
    timeoutMs: config.paystackTimeoutMs,
    // The client's own per-attempt timer fires first and names the phase; this is the net.
    safetyMs: 200,
    // Paystack calls take hundreds of ms; 50 in flight per process is far above need,
    // and a hung Paystack cannot hold more than that many requests hostage.
    concurrency: 50,
    queue: 0,
    // Only outages count (5xx, timeouts, refused connections); a declined card is one payment's story.
    isDependencyFailure: isOutage,
    errorCode,
  });
}

/**
 * How long one send may take in all, connection to the server's answer to the message:
 * connect and greeting may each take up to SMTP_TIMEOUT_MS on a slow provider, and the
 * commands after them are a few quick round trips; a send still going after twice the
 * stage timeout is treated as hung (its connection is closed and the row retried).
 */
export const mailSendBudgetMs = (config: Pick<Config, 'smtpTimeoutMs'>): number => config.smtpTimeoutMs * 2;

/** Sends in flight per process: the sender's batch (src/mail/sender.ts) runs at most this many at once. */
export const MAIL_CONCURRENCY = 10;

export function mailPolicy(
  config: BreakerSettings & Pick<Config, 'smtpTimeoutMs'>,
  hooks: DependencyHooks,
  isOutage: (err: unknown) => boolean,
  mailErrorCode: (err: unknown) => string = errorCode,
): DependencyPolicy {
  return createDependencyPolicy({
    ...common(config, hooks),
    dependency: 'mail',
    timeoutMs: mailSendBudgetMs(config),
    // The transport's own stage timeouts (SMTP_TIMEOUT_MS each) fire first and name the
    // stage; this is the net, and its signal closes the connection.
    safetyMs: 200,
    // Only the background sender sends, a batch at a time; no queue, since a send that
    // cannot start now is simply retried at the next poll.
    concurrency: MAIL_CONCURRENCY,
    queue: 0,
    // A server that is away, slow or answering 4xx is unwell; a 5xx about one recipient
    // or one message is that message's story and must not stop everyone's mail.
    isDependencyFailure: isOutage,
    // The SMTP reply code when there was one (smtp_451), else the transport's own code.
    errorCode: mailErrorCode,
  });
}

/**
 * The trace export's bounds (src/infra/telemetry). Exporting never touches a request: a
 * span is handed to an in-memory queue when it ends, and a timer sends the queue in
 * batches. A collector that is down, slow or hung costs at most the queue below plus the
 * batch in flight; what does not fit is dropped and counted (it360_trace_spans_dropped_total).
 */
export const TRACE_EXPORT = {
  // A request makes about five spans (its own, three or four dependency calls, Paystack's
  // HTTP exchange): 4096 spans hold about a second of a busy worker (800 requests/s),
  // enough to ride out a collector's hiccup, and stay a few MB of heap (a span is about
  // 1 KB) when the collector is gone for good.
  maxQueueSize: 4096,
  // One export of at most 512 spans is a POST of some 0.5-1 MB of JSON: under the usual
  // 4 MB receive limit of collectors and vendors, and large enough that a busy worker
  // sends a few requests a second, not hundreds.
  maxExportBatchSize: 512,
  // A span reaches the backend within about a second of its end: an operator looking at
  // an incident sees the requests of the last second. Idle, the timer does not run.
  scheduledDelayMillis: 1000,
  // A healthy collector takes a batch in milliseconds; 5 s covers its GC pause or a slow
  // network. Longer would not lose fewer spans (the queue is full within a second of a
  // hang either way), only hold the batch in flight longer.
  exportTimeoutMillis: 5000,
  // The processor's own wait is a little longer than the exporter's, so the exporter
  // always reports first (and its failure is counted) and one batch is in flight at a time.
  processorTimeoutMarginMillis: 500,
  // One scheduled export plus the flush at shutdown; beyond that an export fails at once
  // instead of opening another socket to a collector that is not answering.
  concurrencyLimit: 2,
  // At shutdown the last second's spans are worth waiting for, but not past this: well
  // inside GRACEFUL_TIMEOUT_MS (30 s) and the supervisor's patience, so a hung collector
  // never holds a worker's exit.
  shutdownFlushMillis: 2000,
} as const;
