import type pg from 'pg';

import { rawClient } from '../../test/helpers/db.ts';
import type { ReceiverProcess } from '../../test/helpers/otlp-receiver.ts';
import type { TestRedis } from '../../test/helpers/redis.ts';
import { type LoadRun, type LoadType, OUTCOME_OK, type RequestSpec, type Route, ROUTES, type Sample, startLoad } from './load.ts';
import { clientPortsHeldBy, onCleanup } from './procs.ts';
import { studentAddress } from './seed.ts';
import type { Mode } from './settings.ts';
import { OPS_TOKEN, type Service, silentServerOn, type Simulator, type Sink } from './stack.ts';

export interface FaultContext {
  mode: Mode;
  redis: TestRedis;
  sim: Simulator;
  sink: Sink;
  dbUrl: string;
  service: Service;
  load: LoadRun;
  /** The OTLP receiver the traced service exports to (the 'traced' service only). */
  collector?: ReceiverProcess;
}

export interface ActiveFault {
  remove(): Promise<void>;
  /** performance.now() when the fault took effect, when apply() did more after that. */
  appliedAt?: number;
  /** Sockets counted apart: connections already open on a frozen worker. */
  apart?: Set<number>;
  facts?: Record<string, unknown>;
}

export interface Scenario {
  id: string;
  title: string;
  /** Routes the fault takes away by design: a 5xx there is the promise kept, not broken. */
  touches: Route[];
  /**
   * Which service instance: the normal one, one started with CACHE_DISABLED=true, or the
   * normal one exporting traces to an OTLP receiver process (OTEL_EXPORTER_OTLP_ENDPOINT).
   */
  service: 'main' | 'no-cache' | 'traced';
  kind: 'none' | 'cache' | 'database' | 'paystack' | 'worker' | 'login' | 'mail' | 'tracing';
  /** Adds other users' logins (and the guessed account owner's) to the load, before, during and after. */
  logins?: boolean;
  /** Adds the routes that write an outbox row (registration, password-reset requests), before, during and after. */
  mail?: boolean;
  apply(ctx: FaultContext): Promise<ActiveFault>;
}

/**
 * The login flood's cast, among the seeded students (all with the seeded password):
 * three accounts the attacker registered, the account whose password is guessed, and
 * everyone else logging in as usual. Students 1-200 hold the payment load's tokens.
 */
const PASSWORD = 'student-password';
const FLOOD = { attackers: [996, 997, 998], victim: 999, usersFrom: 201, usersTo: 995 };
const ATTACKER_ADDRESS = '203.0.113.66';
// Twenty addresses guessing, each until its per-(account, address) limit stops it.
const GUESS_ADDRESSES = 20;
// The owner logs in from four addresses of their own (phone, laptop, work, home), one
// login every 2 s in all: within LOGIN_HASHES_PER_ACCOUNT (10 a minute per address).
const OWNER_ADDRESSES = 4;

const loginSpec = (student: number, password: string, from: string): RequestSpec => ({
  method: 'POST',
  path: '/api/v1/auth/login',
  headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
  body: JSON.stringify({ email: `student${student}@example.com`, password }),
});

/** Other users' logins, each from the user's own address, and the guessed account's owner. */
export function loginLoadTypes(): LoadType[] {
  let n = 0;
  let v = 0;
  const span = FLOOD.usersTo - FLOOD.usersFrom + 1;
  return [
    // Two connections, one login each per 200 ms: about ten a second, a busy morning.
    {
      route: 'login',
      connections: 2,
      paceMs: 200,
      next: () => {
        const k = FLOOD.usersFrom + (n++ % span);
        return loginSpec(k, PASSWORD, studentAddress(k));
      },
    },
    {
      route: 'loginVictim',
      connections: 1,
      paceMs: 2000,
      next: () => loginSpec(FLOOD.victim, PASSWORD, `192.0.2.${(v++ % OWNER_ADDRESSES) + 1}`),
    },
  ];
}

/**
 * The routes that write a mail to the outbox: registrations (each a new account from an
 * address of its own, under REGISTER_MAX_PER_ADDRESS) and password-reset requests
 * (rotating over students 201-995, each from their own address, so no reset limit per
 * address or per email is reached: at four a second one email comes round every 200 s).
 */
export function mailLoadTypes(runId: string): LoadType[] {
  let r = 0;
  let f = 0;
  const span = FLOOD.usersTo - FLOOD.usersFrom + 1;
  return [
    // One connection, one registration per 500 ms: each costs a password hash.
    {
      route: 'register',
      connections: 1,
      paceMs: 500,
      next: () => {
        const k = r++;
        return {
          method: 'POST',
          path: '/api/v1/auth/register',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `172.16.${(k >> 8) & 255}.${k & 255}` },
          body: JSON.stringify({
            email: `chaos-${runId}-${k}@example.com`,
            password: 'new-student-password',
            firstName: 'New',
            lastName: `Student ${k}`,
          }),
        };
      },
    },
    // One connection, one reset request per 250 ms.
    {
      route: 'forgot',
      connections: 1,
      paceMs: 250,
      next: () => {
        const k = FLOOD.usersFrom + (f++ % span);
        return {
          method: 'POST',
          path: '/api/v1/auth/password/forgot',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': studentAddress(k) },
          body: JSON.stringify({ email: `student${k}@example.com` }),
        };
      },
    },
  ];
}

function statusCounts(samples: Sample[], route: Route): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of samples) {
    if (x.route !== ROUTES.indexOf(route)) continue;
    const k = x.outcome === OUTCOME_OK ? String(x.status) : (x.error ?? 'failed');
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** The trace export's series from /metrics (every worker summed). */
async function traceExport(service: Service): Promise<Record<string, number>> {
  const res = await fetch(`${service.url}/metrics`, {
    headers: { authorization: `Bearer ${OPS_TOKEN}` },
    // Gathered from the workers within about a second; 5 s means the scrape itself is stuck.
    signal: AbortSignal.timeout(5000),
  });
  const out: Record<string, number> = {};
  for (const line of (await res.text()).split('\n')) {
    const m = /^(it360_trace_\w+)(\{reason="(\w+)"\})? (\S+)$/.exec(line);
    if (m) out[m[3] ? `${m[1].replace('it360_trace_', '')}.${m[3]}` : m[1].replace('it360_trace_', '')] = Number(m[4]);
  }
  return out;
}

const nothing = async (): Promise<ActiveFault> => ({ remove: async () => undefined });

async function paystackMode(ctx: FaultContext, body: Record<string, unknown>): Promise<ActiveFault> {
  await ctx.sim.control(body);
  return { remove: () => ctx.sim.control({ mode: 'normal' }) };
}

export const SCENARIOS: Scenario[] = [
  { id: 'healthy', title: 'Healthy (no fault)', touches: [], service: 'main', kind: 'none', apply: nothing },
  {
    id: 'redis-hung',
    title: 'Redis hung (SIGSTOP)',
    touches: [],
    service: 'main',
    kind: 'cache',
    async apply({ redis }) {
      redis.freeze();
      return { remove: async () => redis.thaw() };
    },
  },
  {
    id: 'redis-down',
    title: 'Redis down (killed)',
    touches: [],
    service: 'main',
    kind: 'cache',
    async apply({ redis }) {
      await redis.stop();
      return { remove: () => redis.startProcess() };
    },
  },
  {
    id: 'redis-silent',
    title: 'Redis silent (accepts TCP, never answers)',
    touches: [],
    service: 'main',
    kind: 'cache',
    async apply({ redis }) {
      await redis.stop();
      const silent = await silentServerOn(redis.port);
      return {
        async remove() {
          await silent.close();
          await redis.startProcess();
        },
      };
    },
  },
  {
    id: 'table-lock',
    title: 'Table lock on users (ACCESS EXCLUSIVE, another session)',
    // Everything that reads `users` on a cache miss, and payment initialization and progress
    // marks, whose inserts reference a user row (the foreign key's check locks it).
    touches: ['userList', 'userDetail', 'paymentInit', 'progressMark'],
    service: 'main',
    kind: 'database',
    async apply({ dbUrl }) {
      const c: pg.Client = await rawClient(dbUrl);
      const unregister = onCleanup('table lock session', () => c.end());
      // The lock itself waits only for statements already running on users.
      await c.query("SET lock_timeout = '5s'");
      await c.query('BEGIN');
      await c.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      return {
        async remove() {
          await c.query('ROLLBACK');
          unregister();
          await c.end();
        },
      };
    },
  },
  {
    id: 'paystack-hung',
    title: 'Paystack hung (no answer)',
    touches: ['paymentInit'],
    service: 'main',
    kind: 'paystack',
    apply: (ctx) => paystackMode(ctx, { mode: 'hang' }),
  },
  {
    id: 'paystack-slow',
    title: 'Paystack slow',
    touches: ['paymentInit'],
    service: 'main',
    kind: 'paystack',
    apply: (ctx) => paystackMode(ctx, { mode: 'slow', delayMs: ctx.mode.slowDelayMs }),
  },
  {
    id: 'paystack-500',
    title: 'Paystack answering 500',
    touches: ['paymentInit'],
    service: 'main',
    kind: 'paystack',
    apply: (ctx) => paystackMode(ctx, { mode: 'fail', failStatus: 500 }),
  },
  {
    id: 'worker-frozen',
    title: "A worker's event loop frozen (SIGSTOP)",
    touches: [],
    service: 'main',
    kind: 'worker',
    async apply({ service, load }) {
      const pids = service.workerPids();
      if (pids.length === 0) throw new Error('no worker processes found under the supervisor');
      // The worker holding most of the load's connections: the hardest case for the rest.
      const openPorts = new Set(load.openSockets().values());
      const ours = (ports: Set<number>) => [...ports].filter((p) => openPorts.has(p)).length;
      const held = pids.map((pid) => ({ pid, ours: ours(clientPortsHeldBy(pid, service.port)) }));
      held.sort((a, b) => b.ours - a.ours);
      const pid = held[0].pid;
      process.kill(pid, 'SIGSTOP');
      const appliedAt = performance.now();
      // Read after the stop: a stopped process accepts nothing more, so this set is final.
      const ports = clientPortsHeldBy(pid, service.port);
      const apart = new Set<number>();
      for (const [id, port] of load.openSockets()) if (ports.has(port)) apart.add(id);
      const unregister = onCleanup('frozen worker', () => {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // Already replaced.
        }
      });
      return {
        appliedAt,
        apart,
        facts: { frozenPid: pid, workers: pids, connectionsOnFrozenWorker: apart.size, connectionsOpen: load.openSockets().size },
        async remove() {
          unregister();
          try {
            process.kill(pid, 'SIGCONT');
          } catch {
            // The supervisor killed it, as it should.
          }
        },
      };
    },
  },
  {
    id: 'login-flood',
    title: 'Login flood: attacker accounts at full speed from one address, password guesses against one account from twenty',
    touches: [],
    service: 'main',
    kind: 'login',
    logins: true,
    async apply({ mode, service }) {
      let a = 0;
      let g = 0;
      // Its own closed loop, for the fault window only: sixteen connections logging in
      // to the attacker's own accounts with no pause (a 429 is answered at once, so this
      // is as fast as the service answers), and four guessing the owner's password.
      const attack = startLoad({
        origin: service.url,
        durationMs: mode.timing.faultMs,
        clientTimeoutMs: mode.clientTimeoutMs,
        connectionLifetimeMs: 1000,
        types: [
          {
            route: 'login',
            connections: 16,
            next: () => loginSpec(FLOOD.attackers[a++ % FLOOD.attackers.length], PASSWORD, ATTACKER_ADDRESS),
          },
          {
            route: 'loginVictim',
            connections: 4,
            next: () => loginSpec(FLOOD.victim, `guess-${g}`, `198.18.0.${(g++ % GUESS_ADDRESSES) + 1}`),
          },
        ],
      });
      const facts: Record<string, unknown> = { attackerConnections: 16, guessConnections: 4, guessAddresses: GUESS_ADDRESSES };
      return {
        facts,
        async remove() {
          await attack.done;
          // Answers the attacker got, by status: mostly 429 once over its share.
          facts.flood = statusCounts(attack.samples, 'login');
          facts.guesses = statusCounts(attack.samples, 'loginVictim');
        },
      };
    },
  },
  {
    id: 'smtp-hung',
    title: 'SMTP server hung (SIGSTOP)',
    touches: [],
    service: 'main',
    kind: 'mail',
    mail: true,
    async apply({ sink }) {
      sink.freeze();
      return { remove: async () => sink.thaw() };
    },
  },
  {
    id: 'smtp-refusing',
    title: 'SMTP server refusing (421 at connect)',
    touches: [],
    service: 'main',
    kind: 'mail',
    mail: true,
    async apply({ sink }) {
      await sink.fault('CONNECT', 421, { message: 'Service not available, try again later' });
      return { remove: () => sink.clearFaults() };
    },
  },
  {
    id: 'smtp-slow',
    title: 'SMTP server slow (every reply delayed)',
    touches: [],
    service: 'main',
    kind: 'mail',
    mail: true,
    async apply({ sink, mode }) {
      await sink.slow(mode.smtpSlowDelayMs);
      return { remove: () => sink.slow(0) };
    },
  },
  {
    id: 'collector-hung',
    title: 'Trace collector hung (SIGSTOP; the service exports traces to it)',
    touches: [],
    service: 'traced',
    kind: 'tracing',
    async apply({ collector, service }) {
      if (!collector) throw new Error('collector-hung needs the traced service');
      const before = await traceExport(service);
      collector.freeze();
      const facts: Record<string, unknown> = { before };
      return {
        facts,
        async remove() {
          // What the workers counted while the collector was frozen (summed over workers).
          facts.duringFault = await traceExport(service);
          collector.thaw();
        },
      };
    },
  },
  {
    id: 'no-cache',
    title: 'No cache configured (CACHE_DISABLED=true; baseline)',
    touches: [],
    service: 'no-cache',
    kind: 'none',
    apply: nothing,
  },
];
