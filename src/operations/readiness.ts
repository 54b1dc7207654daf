import type { Dependency } from '../errors/index.ts';
import { dependencyName, explainError, formatDuration } from '../resilience/explain.ts';
import type { BreakerState, DependencyPolicy } from '../resilience/policy.ts';

export interface CheckResult {
  status: 'ok' | 'degraded' | 'down';
  latencyMs?: number;
  breaker: BreakerState;
  detail?: string;
}

export interface ReadinessDeps {
  database: { policy: DependencyPolicy; probe: (timeoutMs: number) => Promise<void> };
  cache: {
    policy: DependencyPolicy;
    probe: (timeoutMs: number) => Promise<void>;
    kind: 'redis' | 'memory';
    /** A failed probe in operator words, knowing the connection's state (the store's `explain`). */
    explain?: (err: unknown) => string;
  };
  paystack?: { policy: DependencyPolicy; recentFailureRatio?: () => number | undefined };
  /** Mail is judged like Paystack, from its breaker and recent sends; the built-in mailbox is always ok. */
  mail?: { policy: DependencyPolicy; recentFailureRatio?: () => number | undefined; kind: 'smtp' | 'mailbox' };
  /** False while the change feed is down: the cache is bypassed, so the service is degraded. */
  feedHealthy: () => boolean;
}

// Readiness probes must answer well inside a load balancer's probe timeout (typically
// 1–5 s): each dependency gets at most 1 s.
export const PROBE_TIMEOUT_MS = 1000;

/** A probe that gave no answer at all within its bound. */
class ProbeTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

async function timed(
  probe: (ms: number) => Promise<void>,
  timeoutMs: number,
  dependency: Dependency,
  explain: (err: unknown) => string = (err) => explainError(dependency, err),
): Promise<{ ok: boolean; latencyMs: number; detail?: string }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(timeoutMs),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new ProbeTimeoutError(timeoutMs)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    // Operator words (src/resilience/explain.ts), never a client library's internal message.
    const detail =
      err instanceof ProbeTimeoutError
        ? `${dependencyName(dependency)}: no answer to the readiness probe within ${formatDuration(err.timeoutMs)}`
        : explain(err);
    return { ok: false, latencyMs: Math.round(performance.now() - started), detail };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * SPEC.md's readiness: database and cache probed within a bound, Paystack judged from
 * its breaker and recent calls (probing it would spend its rate limit). Only an
 * unusable database makes the service "down"; anything else is "degraded".
 */
export async function checkReadiness(
  d: ReadinessDeps,
): Promise<{ status: 'ok' | 'degraded' | 'down'; checks: Record<string, CheckResult> }> {
  const [db, cache] = await Promise.all([
    timed(d.database.probe, PROBE_TIMEOUT_MS, 'database'),
    timed(d.cache.probe, PROBE_TIMEOUT_MS, 'cache', d.cache.explain),
  ]);
  const checks: Record<string, CheckResult> = {
    database: {
      status: db.ok ? 'ok' : 'down',
      latencyMs: db.latencyMs,
      breaker: d.database.policy.state(),
      ...(db.detail ? { detail: db.detail } : {}),
    },
    cache: {
      status: cache.ok && d.feedHealthy() ? 'ok' : 'degraded',
      latencyMs: cache.latencyMs,
      breaker: d.cache.policy.state(),
      ...(cache.detail ? { detail: cache.detail } : !d.feedHealthy() ? { detail: 'change feed down: cache bypassed' } : {}),
    },
  };
  if (d.paystack) {
    const ratio = d.paystack.recentFailureRatio?.();
    const state = d.paystack.policy.state();
    checks.paystack = { status: state === 'closed' && (ratio === undefined || ratio < 0.5) ? 'ok' : 'degraded', breaker: state };
  }
  if (d.mail) {
    // Mail is sent in the background: an SMTP server in trouble delays mail, never a
    // request, so it makes the service degraded at worst, never down.
    const ratio = d.mail.recentFailureRatio?.();
    const state = d.mail.policy.state();
    const ok = d.mail.kind === 'mailbox' || (state === 'closed' && (ratio === undefined || ratio < 0.5));
    checks.mail = {
      status: ok ? 'ok' : 'degraded',
      breaker: state,
      ...(d.mail.kind === 'mailbox' ? { detail: 'built-in mailbox' } : ok ? {} : { detail: 'SMTP failing: mail is queued and retried' }),
    };
  }
  const status = checks.database.status === 'down' ? 'down' : Object.values(checks).some((c) => c.status !== 'ok') ? 'degraded' : 'ok';
  return { status, checks };
}
