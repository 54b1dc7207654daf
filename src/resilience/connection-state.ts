import type { Logger } from 'pino';

import type { Dependency } from '../errors/index.ts';
import { outsideRequest } from './deadline.ts';
import { type ExplainHints, formatDuration } from './explain.ts';

/**
 * A dependency's connection, told to the log on transitions only. A client that
 * reconnects in the background reports every failed attempt (ioredis: one error per
 * attempt, its reason alternating between a socket timeout and a command timeout on a
 * frozen server); logging each drowned the one line that mattered. Here: one line when
 * the connection goes down (since when, why, attempts so far), one "still down" summary
 * per `summaryEveryMs` while it stays down, one line when it is back. Never with a
 * request id: these lines are about the dependency, whichever request's call happened
 * to arm the client's timer.
 */

export interface ConnectionSnapshot {
  up: boolean;
  /** When the connection went down, ms since the epoch; absent while up. */
  downSince?: number;
  /** The latest failure, in operator words. */
  reason?: string;
  /** Reconnect attempts since it went down. */
  attempts: number;
}

export interface ConnectionState {
  /** The connection is usable (ioredis: `ready`). */
  up(): void;
  /** A failure or a close: the first after `up` is the transition that is logged. */
  down(err: unknown): void;
  /** A reconnect attempt is under way. */
  attempt(): void;
  snapshot(): ConnectionSnapshot;
  /** Hints for `explainError`: how long it has been down. */
  hints(): ExplainHints;
  close(): void;
}

export interface ConnectionStateOptions {
  dependency: Dependency;
  logger: Logger;
  /** The failure in operator words (src/resilience/explain.ts), given how long it has been down. */
  describe: (err: unknown, hints: ExplainHints) => string;
  /** How often a "still down" summary is logged while down; at most once a minute by default. */
  summaryEveryMs?: number;
}

// A dependency that stays down is worth one reminder a minute: often enough to see in a
// tail during an incident, rare enough that an hour-long outage is 60 lines, not 3600.
const SUMMARY_EVERY_MS = 60_000;

export function createConnectionState(o: ConnectionStateOptions): ConnectionState {
  const every = o.summaryEveryMs ?? SUMMARY_EVERY_MS;
  let up = false;
  let everUp = false;
  let downSince: number | undefined;
  let reason: string | undefined;
  let attempts = 0;
  let summary: NodeJS.Timeout | undefined;
  const base = { dependency: o.dependency, op: 'connection' };

  const stopSummary = () => {
    if (summary) clearInterval(summary);
    summary = undefined;
  };

  return {
    up() {
      if (up) return;
      up = true;
      stopSummary();
      if (downSince !== undefined) {
        const downForMs = Date.now() - downSince;
        outsideRequest(() =>
          o.logger.info(
            { ...base, state: 'up', downForMs, attempts },
            `${o.dependency} connection back after ${formatDuration(downForMs)} (${attempts} reconnect attempts)`,
          ),
        );
      }
      // The first connection is the start banner's story; nothing to say then.
      everUp = true;
      downSince = undefined;
      reason = undefined;
      attempts = 0;
    },

    down(err) {
      const wasDown = downSince !== undefined;
      if (!wasDown) downSince = Date.now();
      up = false;
      // The reason without a duration: the lines that show it say how long themselves.
      reason = o.describe(err, {});
      if (wasDown) return;
      outsideRequest(() => {
        o.logger.warn(
          { ...base, state: 'down', downSince: new Date(downSince!).toISOString(), reason, attempts },
          `${o.dependency} connection ${everUp ? 'down' : 'not established'}: ${reason}`,
        );
        // Armed outside any request, so the summaries carry no request's id either.
        summary = setInterval(() => {
          if (downSince === undefined) return stopSummary();
          const downForMs = Date.now() - downSince;
          o.logger.warn(
            { ...base, state: 'down', downSince: new Date(downSince).toISOString(), downForMs, reason, attempts },
            `${o.dependency} connection still down after ${formatDuration(downForMs)} and ${attempts} reconnect attempts: ${reason}`,
          );
        }, every);
        summary.unref();
      });
    },

    attempt() {
      if (downSince !== undefined) attempts++;
    },

    snapshot: () => ({ up, ...(downSince !== undefined ? { downSince, reason } : {}), attempts }),
    hints: () => (downSince !== undefined ? { downSince, downReason: reason } : {}),
    close: stopSummary,
  };
}
