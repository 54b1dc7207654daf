import type pg from 'pg';
import type { TestRedis } from '../../test/helpers/redis.ts';
import { rawClient } from '../../test/helpers/db.ts';
import type { LoadRun, Route } from './load.ts';
import { clientPortsHeldBy, onCleanup } from './procs.ts';
import type { Mode } from './settings.ts';
import { silentServerOn, type Service, type Simulator } from './stack.ts';

export interface FaultContext {
  mode: Mode;
  redis: TestRedis;
  sim: Simulator;
  dbUrl: string;
  service: Service;
  load: LoadRun;
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
  /** Which service instance: the normal one, or one started with CACHE_DISABLED=true. */
  service: 'main' | 'no-cache';
  kind: 'none' | 'cache' | 'database' | 'paystack' | 'worker';
  apply(ctx: FaultContext): Promise<ActiveFault>;
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
    // Everything that reads `users` on a cache miss, and payment initialization, whose
    // insert references a user row.
    touches: ['userList', 'userDetail', 'paymentInit'],
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
  { id: 'paystack-hung', title: 'Paystack hung (no answer)', touches: ['paymentInit'], service: 'main', kind: 'paystack', apply: (ctx) => paystackMode(ctx, { mode: 'hang' }) },
  {
    id: 'paystack-slow',
    title: 'Paystack slow',
    touches: ['paymentInit'],
    service: 'main',
    kind: 'paystack',
    apply: (ctx) => paystackMode(ctx, { mode: 'slow', delayMs: ctx.mode.slowDelayMs }),
  },
  { id: 'paystack-500', title: 'Paystack answering 500', touches: ['paymentInit'], service: 'main', kind: 'paystack', apply: (ctx) => paystackMode(ctx, { mode: 'fail', failStatus: 500 }) },
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
  { id: 'no-cache', title: 'No cache configured (CACHE_DISABLED=true; baseline)', touches: [], service: 'no-cache', kind: 'none', apply: nothing },
];
