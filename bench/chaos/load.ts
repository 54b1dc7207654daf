import http from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROUTES = [
  'userList',
  'courseList',
  'userDetail',
  'paymentInit',
  'login',
  'loginVictim',
  'lessonRead',
  'progressMark',
  'register',
  'forgot',
] as const;
export type Route = (typeof ROUTES)[number];

export const ROUTE_LABEL: Record<Route, string> = {
  userList: 'GET /users (admin list, cached)',
  courseList: 'GET /courses (public, cached)',
  userDetail: 'GET /users/:id (admin)',
  paymentInit: 'POST /payments/initialize',
  login: 'POST /auth/login (other users, each from their own address)',
  loginVictim: 'POST /auth/login (owner of the guessed account, own addresses)',
  lessonRead: 'GET /lessons/:id (enrolled student, body cached)',
  progressMark: 'PUT /lessons/:id/progress (enrolled student)',
  register: 'POST /auth/register (writes a verification mail)',
  forgot: 'POST /auth/password/forgot (writes a reset mail)',
};

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadType {
  route: Route;
  connections: number;
  /** Each connection starts a request at most this often (payments are a small, paced share). */
  paceMs?: number;
  next(): RequestSpec;
}

export const OUTCOME_OK = 0;
export const OUTCOME_ERROR = 1;
export const OUTCOME_TIMEOUT = 2;

/** One request, as the client saw it. Times in ms since the load started. */
export interface Sample {
  route: number;
  start: number;
  latency: number;
  /** 0 when no answer came (error or timeout). */
  status: number;
  outcome: number;
  socket: number;
  /** problem+json `code` of a non-2xx answer. */
  code?: string;
  error?: string;
}

export interface LoadOptions {
  origin: string;
  types: LoadType[];
  durationMs: number;
  clientTimeoutMs: number;
  /**
   * A connection is closed and replaced once it is about this old (checked between requests):
   * real clients come and go, and a kernel that handed one worker most of the first
   * connections does not decide the whole run's spread.
   */
  connectionLifetimeMs: number;
}

export interface LoadRun {
  /** performance.now() at the start; sample times are relative to it. */
  t0: number;
  /** Date.now() at the same instant, to place log records. */
  wall0: number;
  samples: Sample[];
  /** Sockets open right now: id → client port. */
  openSockets(): Map<number, number>;
  done: Promise<void>;
}

/**
 * A bounded closed-loop load: each connection sends one request, waits for its answer
 * (or the client timeout), records it, and sends the next, until the duration is over.
 * Every response's start time and latency is recorded, so phases and per-second series
 * can be computed afterwards.
 */
export function startLoad(o: LoadOptions): LoadRun {
  const url = new URL(o.origin);
  const t0 = performance.now();
  const wall0 = Date.now();
  const end = t0 + o.durationMs;
  const samples: Sample[] = [];
  const socketIds = new WeakMap<Socket, number>();
  const open = new Map<number, number>();
  let socketSeq = 0;

  function track(s: Socket): number {
    let id = socketIds.get(s);
    if (id !== undefined) return id;
    id = ++socketSeq;
    socketIds.set(s, id);
    const sid = id;
    const note = () => open.set(sid, s.localPort ?? 0);
    if (s.localPort) note();
    else s.once('connect', note);
    s.once('close', () => open.delete(sid));
    return id;
  }

  function once(
    agent: http.Agent,
    spec: RequestSpec,
  ): Promise<{ status: number; outcome: number; socket: number; code?: string; error?: string }> {
    return new Promise((resolve) => {
      let socket = 0;
      let settled = false;
      const finish = (r: { status: number; outcome: number; code?: string; error?: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...r, socket });
      };
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: spec.method,
          path: spec.path,
          headers: spec.body === undefined ? spec.headers : { ...spec.headers, 'content-length': Buffer.byteLength(spec.body) },
          agent,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => {
            // Only error bodies are read: their problem code says which dependency failed.
            if (!ok) chunks.push(c);
          });
          res.on('end', () => {
            let code: string | undefined;
            if (!ok) {
              try {
                code = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code?: string }).code;
              } catch {
                code = undefined;
              }
            }
            finish({ status, outcome: OUTCOME_OK, code });
          });
          res.on('error', (err) =>
            finish({ status: 0, outcome: OUTCOME_ERROR, error: (err as NodeJS.ErrnoException).code ?? err.message }),
          );
        },
      );
      req.on('socket', (s: Socket) => {
        socket = track(s);
      });
      req.on('error', (err) => finish({ status: 0, outcome: OUTCOME_ERROR, error: (err as NodeJS.ErrnoException).code ?? err.message }));
      const timer = setTimeout(() => {
        finish({ status: 0, outcome: OUTCOME_TIMEOUT, error: 'client timeout' });
        req.destroy();
      }, o.clientTimeoutMs);
      req.end(spec.body);
    });
  }

  async function connectionLoop(routeIndex: number, t: LoadType, c: number): Promise<void> {
    // Paced connections start spread over one pace interval, so their requests are too.
    if (t.paceMs !== undefined) await sleep((c * t.paceMs) / t.connections);
    const newAgent = () => new http.Agent({ keepAlive: true, maxSockets: 1 });
    let agent = newAgent();
    let bornAt = performance.now();
    let lastSocket = 0;
    // Each connection's life is drawn from 0.5-1.5 × the lifetime: connections that all
    // started together must not all be replaced at the same instants.
    const lifetime = () => o.connectionLifetimeMs * (0.5 + Math.random());
    let lifeMs = lifetime();
    // Bounded by the duration: no request starts after `end`, and each one ends by the client timeout.
    while (performance.now() < end) {
      const spec = t.next();
      const started = performance.now();
      const r = await once(agent, spec);
      const latency = performance.now() - started;
      if (r.socket !== lastSocket) {
        lastSocket = r.socket;
        bornAt = started;
        lifeMs = lifetime();
      }
      samples.push({
        route: routeIndex,
        start: started - t0,
        latency,
        status: r.status,
        outcome: r.outcome,
        socket: r.socket,
        code: r.code,
        error: r.error,
      });
      if (r.outcome !== OUTCOME_OK || performance.now() - bornAt > lifeMs) {
        agent.destroy();
        agent = newAgent();
      }
      // After a failed connection, a short pause so a refused port is not hammered in a spin.
      if (r.outcome === OUTCOME_ERROR) await sleep(50);
      if (t.paceMs !== undefined) {
        const wait = started + t.paceMs - performance.now();
        if (wait > 0) await sleep(Math.min(wait, Math.max(0, end - performance.now())));
      }
    }
    agent.destroy();
  }

  const loops: Promise<void>[] = [];
  // Samples name their request type by its place in ROUTES, whatever the order of `types`.
  for (const t of o.types) {
    for (let c = 0; c < t.connections; c++) loops.push(connectionLoop(ROUTES.indexOf(t.route), t, c));
  }
  return {
    t0,
    wall0,
    samples,
    openSockets: () => new Map(open),
    done: Promise.all(loops).then(() => undefined),
  };
}
