/**
 * Payment initialization in `npm run bench`: `POST /api/v1/payments/initialize` for a
 * paid course, every request a (student, course) pair never asked before (so each one
 * inserts an attempt and calls Paystack, the full path), 16 connections, against the
 * Paystack simulator in a process of its own with no fault set (it answers at once).
 *
 * Students and their sessions go straight into the database and their access tokens are
 * signed with the run's JWT secret (what a login does, without a scrypt hash each: the
 * bench needs over a thousand of them). Target (issue 16): at least 400 req/s, p99 at
 * most 100 ms on this machine.
 */
import { randomBytes, randomUUID } from 'node:crypto';

import type autocannon from 'autocannon';
import pg from 'pg';

import { createTokenService } from '../src/auth/tokens.ts';
import { VARIABLES } from '../src/config/variables.ts';
import { JWT_SECRET } from './chaos/stack.ts';

export const PAYMENT_INIT_CONNECTIONS = 16;
export const PAYMENT_INIT_TARGET = { rps: 400, p99Ms: 100 };
export const PAYMENT_INIT_LABEL = `POST /api/v1/payments/initialize (paid course, fresh pairs, ${PAYMENT_INIT_CONNECTIONS} connections)`;

// The service's default per-user limit (PAYMENT_INIT_MAX_PER_USER, per 10 minutes), which
// the bench does not change: a 429 needs one attempt more than this in the window.
const LIMIT = Number(VARIABLES.PAYMENT_INIT_MAX_PER_USER.default);
// Requests per second the pairs are sized for: several times the target, more than two
// cores serve of a route that writes twice and calls Paystack. If a run is ever faster,
// the pairs run out and the summary says so (pairs are then reused, not fresh).
const CEILING_RPS = 3000;
// The access tokens' lifetime as the service has it (JWT_ACCESS_TTL_S default): far longer than a run.
const ACCESS_TTL_S = Number(VARIABLES.JWT_ACCESS_TTL_S.default);

export interface PaymentInitLoad {
  /** autocannon's per-request hook: the next fresh pair's token and body. */
  setupRequest: (req: autocannon.Request) => autocannon.Request;
  connections: number;
  /** Pairs handed out, and how many there were. */
  used(): { requests: number; pairs: number };
}

/**
 * Seeds LIMIT paid courses and enough students, and returns the load. Each student pays
 * for each course once, one after the other: at most LIMIT initializations per student
 * in the whole run, so the per-user limit never answers 429. How many students that
 * takes: the limit's share of the run, i.e. CEILING_RPS × run length / LIMIT
 * (3000 × 13 s / 20 = 1950, 1952 in whole groups, with the default 3 s warm-up and 10 s run).
 */
export async function paymentInitLoad(dbUrl: string, runSeconds: number): Promise<PaymentInitLoad> {
  // Rounded up to whole groups (see setupRequest).
  const students = Math.ceil((CEILING_RPS * runSeconds) / LIMIT / (2 * PAYMENT_INIT_CONNECTIONS)) * 2 * PAYMENT_INIT_CONNECTIONS;
  const tokens = createTokenService({ secret: JWT_SECRET, accessTtlS: ACCESS_TTL_S });
  // The local PostgreSQL answers at once; 3 s without a connection means it is not there.
  const c = new pg.Client({ connectionString: dbUrl, connectionTimeoutMillis: 3000 });
  await c.connect();
  let courseIds: string[];
  let sessions: { id: string; sid: string }[];
  try {
    const instructor = await c.query<{ id: string }>(
      `INSERT INTO users (email, first_name, last_name, role, password_hash)
       VALUES ('payinit-instructor@example.com', 'Payment', 'Instructor', 'instructor', 'x')
       ON CONFLICT (email) DO UPDATE SET role = 'instructor' RETURNING id`,
    );
    const courses = await c.query<{ id: string }>(
      `INSERT INTO courses (slug, title, description, price, currency, is_published, instructor_id)
       SELECT 'payinit-course-' || i, 'Payment course ' || i, 'A course the payment benchmark pays for.', 750000, 'NGN', true, $1
       FROM generate_series(1, $2::int) AS i
       ON CONFLICT (slug) DO UPDATE SET title = EXCLUDED.title RETURNING id`,
      [instructor.rows[0].id, LIMIT],
    );
    courseIds = courses.rows.map((r) => r.id);
    // No password: these students never log in; their sessions are made here.
    const users = await c.query<{ id: string }>(
      `INSERT INTO users (email, first_name, last_name, password_hash)
       SELECT 'payer' || i || '@example.com', 'Payer', 'Number ' || i, 'x' FROM generate_series(1, $1::int) AS i
       ON CONFLICT (email) DO UPDATE SET first_name = EXCLUDED.first_name RETURNING id`,
      [students],
    );
    sessions = users.rows.map((r) => ({ id: r.id, sid: randomUUID() }));
    await c.query(
      `INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at)
       SELECT u, f, h, now() + interval '1 hour' FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(u, f, h)`,
      [sessions.map((s) => s.id), sessions.map((s) => s.sid), sessions.map(() => randomBytes(32).toString('hex'))],
    );
  } finally {
    await c.end();
  }
  const bearer = sessions.map((s) => `Bearer ${tokens.signAccess({ sub: s.id, sid: s.sid, role: 'student', tv: 0 })}`);
  const bodies = courseIds.map((id) => JSON.stringify({ courseId: id }));
  const pairs = bearer.length * bodies.length;
  // Students go in groups of twice the connections, each paying for its next course in
  // turn: a student's requests are never in flight together, so its session is checked
  // in the database once per worker (as after a login), not by every request at once.
  const group = 2 * PAYMENT_INIT_CONNECTIONS;
  let next = 0;
  return {
    connections: PAYMENT_INIT_CONNECTIONS,
    setupRequest(req) {
      const k = next++ % pairs;
      const block = Math.floor(k / (group * bodies.length));
      const inBlock = k % (group * bodies.length);
      const student = (block * group + (inBlock % group)) % bearer.length;
      return {
        ...req,
        headers: { ...req.headers, 'content-type': 'application/json', authorization: bearer[student] },
        body: bodies[Math.floor(inBlock / group)],
      };
    },
    used: () => ({ requests: next, pairs }),
  };
}

/** The target lines for the summary, from the run's rows (this one found by its label). */
export function paymentInitSummary(rows: { endpoint: string; rps: number; p99: number }[], load: PaymentInitLoad): string {
  const row = rows.find((r) => r.endpoint === PAYMENT_INIT_LABEL);
  if (!row) return 'Payment initialization: not measured.';
  const u = load.used();
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  return (
    `Target (payment initialization): at least ${PAYMENT_INIT_TARGET.rps} req/s and p99 at most ${PAYMENT_INIT_TARGET.p99Ms} ms at ${PAYMENT_INIT_CONNECTIONS} connections.\n` +
    `- ${row.rps} req/s (${met(row.rps >= PAYMENT_INIT_TARGET.rps)}); p99 ${row.p99} ms (${met(row.p99 <= PAYMENT_INIT_TARGET.p99Ms)}); ` +
    `${Math.min(u.requests, u.pairs)} of ${u.pairs} fresh (student, course) pairs used${u.requests > u.pairs ? ' (RAN OUT: some pairs were asked twice)' : ''}`
  );
}
