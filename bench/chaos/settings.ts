import { VARIABLES, type VarName } from '../../src/config/variables.ts';

/** One scenario's clock: load before the fault, with it, and after it is removed. */
export interface Timing {
  beforeMs: number;
  faultMs: number;
  afterMs: number;
}

export interface Change {
  name: string;
  from: string;
  to: string;
  why: string;
}

export interface Mode {
  name: 'default' | 'quick';
  /** Service environment beyond the production basics. */
  env: Record<string, string>;
  /** Every setting that differs from the service's default, with its reason (printed at start). */
  changes: Change[];
  timing: Timing;
  /** The frozen-worker scenario must outlast WORKER_TIMEOUT_MS and the replacement's boot. */
  workerTiming: Timing;
  /** The simulator's delay in the "Paystack slow" scenario. */
  slowDelayMs: number;
  /** The SMTP sink's delay before every reply in the "SMTP slow" scenario. */
  smtpSlowDelayMs: number;
  /** How long a mail scenario waits, after its fault ends, for every message queued during it to arrive. */
  mailDeliverMaxMs: number;
  /** A request not answered this long after it was sent counts as unanswered. */
  clientTimeoutMs: number;
  /** How long a Paystack scenario waits, after the load, for the reconciler to settle the fault's rows. */
  settleMaxMs: number;
  /** Unrecorded load on a freshly started service before its first scenario. */
  warmUpMs: number;
  /** Between scenarios: how long to wait for breakers to close and workers to be ready. */
  recoverMaxMs: number;
  requestTimeoutMs: number;
  workerTimeoutMs: number;
  breakerHalfOpenMs: number;
  dbLockTimeoutMs: number;
}

const def = (name: VarName): string => (VARIABLES[name] as { default?: string }).default ?? '';

/**
 * Settings for a run. Default mode keeps every time budget at the service's defaults and
 * changes only what the bench must see happen within minutes (the reconciler's sweep) or
 * must not see expire (token lifetime). Quick mode also shortens the budgets that decide
 * how long a fault takes to show and to clear, so ten scenarios fit in about two minutes.
 */
export function modeFor(quick: boolean): Mode {
  const requestTimeoutMs = quick ? 5000 : Number(def('REQUEST_TIMEOUT_MS'));
  const env: Record<string, string> = {};
  const changes: Change[] = [];
  const set = (name: VarName, to: number | string, why: string) => {
    const from = def(name);
    if (String(to) === from) return;
    env[name] = String(to);
    changes.push({ name, from: from || '(unset)', to: String(to), why });
  };
  if (quick) {
    set(
      'REQUEST_TIMEOUT_MS',
      requestTimeoutMs,
      "short enough that a 4 s fault window shows every timeout's outcome; not 3 s: on two saturated cores other users' logins under the login flood take 2.5-3.6 s",
    );
    set('WORKER_TIMEOUT_MS', 6000, 'the frozen worker must be killed inside an 8 s fault window; must exceed REQUEST_TIMEOUT_MS');
    set('PAYSTACK_TIMEOUT_MS', 2000, 'must stay below REQUEST_TIMEOUT_MS - REPLY_MARGIN_MS (4750)');
    set('PAYSTACK_VERIFY_WAIT_MS', 1000, 'kept at a third of the Paystack attempt, as by default');
    set('DB_CONNECT_TIMEOUT_MS', 2000, 'must stay below REQUEST_TIMEOUT_MS - REPLY_MARGIN_MS (4750)');
    set('BREAKER_HALF_OPEN_MS', 1000, 'recovery must be visible within a 3 s after-phase');
    set('SMTP_TIMEOUT_MS', 2000, 'a send stuck on the hung SMTP server must give up within a 4 s fault window, as 10 s does within 20 s');
  }
  // The sweep must run several times within a scenario; 250 ms also sets its back-off
  // base, so re-checks of abandoned checkouts stay within what two workers sweep.
  set('RECONCILE_INTERVAL_MS', 250, "the sweep must settle the fault's rows within the run, not a minute later");
  // Above the request deadline: an initialize still in flight (Paystack slow) can never
  // be expired by the sweep before it lands.
  set('RECONCILE_MIN_AGE_MS', requestTimeoutMs + 1000, 'rows must become due within the run; kept above REQUEST_TIMEOUT_MS');
  // The load plays many clients on loopback: each says who it is in X-Forwarded-For, as a
  // proxy in front of the service would, so per-address limits see many addresses.
  set('TRUST_PROXY', '127.0.0.1', 'the load plays many client addresses on loopback through X-Forwarded-For, as behind a proxy');
  // Tokens are minted once at set-up and must outlive the whole run.
  set('JWT_ACCESS_TTL_S', 3600, 'tokens minted at set-up must outlive the run');

  const workerTimeoutMs = Number(env.WORKER_TIMEOUT_MS ?? def('WORKER_TIMEOUT_MS'));
  const breakerHalfOpenMs = Number(env.BREAKER_HALF_OPEN_MS ?? def('BREAKER_HALF_OPEN_MS'));
  const reconcileMinAgeMs = Number(env.RECONCILE_MIN_AGE_MS);
  // The 3 s: slow, yet inside the 8 s Paystack budget; quick mode keeps it inside its 2 s one.
  const slowDelayMs = quick ? 1500 : 3000;
  if (quick)
    changes.push({
      name: 'Paystack slow delay',
      from: '3000',
      to: String(slowDelayMs),
      why: 'must stay below the shortened PAYSTACK_TIMEOUT_MS (2000), as 3 s is below 8 s',
    });
  return {
    name: quick ? 'quick' : 'default',
    env,
    changes,
    // Default: 10 s of healthy load is enough for stable rates; 20 s of fault covers a
    // Paystack attempt (8 s) timing out twice and the breaker opening and half-opening.
    // Quick: 3 s / 4 s / 3 s, the least that still shows each phase's rate.
    timing: quick ? { beforeMs: 3000, faultMs: 4000, afterMs: 3000 } : { beforeMs: 10_000, faultMs: 20_000, afterMs: 10_000 },
    // The freeze must last past WORKER_TIMEOUT_MS plus the replacement's boot (about 5 s
    // here); the after-phase shows both workers serving again.
    workerTiming: quick
      ? { beforeMs: 3000, faultMs: 8000, afterMs: 5000 }
      : { beforeMs: 10_000, faultMs: workerTimeoutMs + 10_000, afterMs: 10_000 },
    slowDelayMs,
    // Slow yet inside SMTP_TIMEOUT_MS (2 s quick, 10 s default) per reply: a message takes
    // four replies, so a slow provider's several seconds per message.
    smtpSlowDelayMs: quick ? 1000 : 3000,
    // The bound: every message queued during the fault arrives within 60 s after it ends.
    mailDeliverMaxMs: 60_000,
    // Long enough for V8 to optimise every route's hot path: throughput here still
    // doubled between the 4th and the 9th second of load on a fresh service.
    warmUpMs: quick ? 8000 : 15_000,
    // The deadline plus 2 s of slack for the answer to travel: anything later was never
    // going to come.
    clientTimeoutMs: requestTimeoutMs + 2000,
    // A fault's last rows become due RECONCILE_MIN_AGE_MS after they were made, the
    // breaker needs BREAKER_HALF_OPEN_MS to let the sweep through, plus 5 s of sweeping.
    settleMaxMs: reconcileMinAgeMs + breakerHalfOpenMs + 5000,
    // A breaker half-opens after BREAKER_HALF_OPEN_MS; a replacement worker boots in
    // about 5 s; a reconnecting Redis client backs off up to 2 s.
    recoverMaxMs: Math.max(breakerHalfOpenMs, 5000) + 10_000,
    requestTimeoutMs,
    workerTimeoutMs,
    breakerHalfOpenMs,
    dbLockTimeoutMs: Number(def('DB_LOCK_TIMEOUT_MS')),
  };
}
