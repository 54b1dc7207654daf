import { setTimeout as sleep } from 'node:timers/promises';

import pg from 'pg';

import { renderMarkdown } from '../../src/learning/markdown.ts';
import { seedUsers } from '../lib.ts';

export interface Seeded {
  /** Users whose detail the load asks for. */
  detailIds: string[];
  courseIds: string[];
  /** Lessons of a free course every seeded student is enrolled in (the learning load). */
  lessonIds: string[];
}

// Lessons of the learning course: enough that reads and marks spread over several rows.
const LESSONS = 8;

/**
 * About a thousand students (the user list has real pages to serve), an instructor and
 * published paid courses, straight into the migrated database. Cache versions are not
 * bumped: nothing has been read through the cache yet.
 */
export async function seed(dbUrl: string, o: { users: number; courses: number; detailUsers: number }): Promise<Seeded> {
  await seedUsers(dbUrl, o.users);
  // The local PostgreSQL answers at once; 3 s without a connection means it is not there.
  const c = new pg.Client({ connectionString: dbUrl, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    const ins = await c.query<{ id: string }>(
      `INSERT INTO users (email, first_name, last_name, role, password_hash)
       SELECT 'chaos-instructor@example.com', 'Chaos', 'Instructor', 'instructor', password_hash FROM users WHERE email = 'student1@example.com'
       ON CONFLICT (email) DO UPDATE SET role = 'instructor' RETURNING id`,
    );
    await c.query(
      `INSERT INTO courses (slug, title, description, price, currency, is_published, instructor_id)
       SELECT 'chaos-course-' || i, 'Chaos course ' || i, 'A course the chaos benchmark pays for.', 500000, 'NGN', true, $1
       FROM generate_series(1, $2::int) AS i ON CONFLICT (slug) DO NOTHING`,
      [ins.rows[0].id, o.courses],
    );
    // A free course with lessons, every student enrolled (as a free enrollment is: no payment).
    const learn = await c.query<{ id: string }>(
      `INSERT INTO courses (slug, title, description, price, currency, is_published, instructor_id)
       VALUES ('chaos-learning', 'Chaos learning', 'The course the chaos benchmark reads.', 0, 'NGN', true, $1)
       ON CONFLICT (slug) DO UPDATE SET title = EXCLUDED.title RETURNING id`,
      [ins.rows[0].id],
    );
    const body = (i: number) => `# Lesson ${i}\n\n${'Some *text* to read. '.repeat(200)}`;
    const have = await c.query('SELECT 1 FROM lessons WHERE course_id = $1', [learn.rows[0].id]);
    for (let i = 1; i <= LESSONS && have.rows.length === 0; i++)
      await c.query(
        `INSERT INTO lessons (course_id, position, title, kind, body_markdown, body_html, duration_s, is_preview)
         VALUES ($1, $2, $3, 'text', $4, $5, 600, $2 = 1)`,
        [learn.rows[0].id, i, `Lesson ${i}`, body(i), renderMarkdown(body(i))],
      );
    await c.query(`INSERT INTO enrollments (user_id, course_id) SELECT id, $1 FROM users WHERE role = 'student' ON CONFLICT DO NOTHING`, [
      learn.rows[0].id,
    ]);
    const lessons = await c.query<{ id: string }>('SELECT id FROM lessons WHERE course_id = $1 ORDER BY position', [learn.rows[0].id]);
    const users = await c.query<{ id: string }>(`SELECT id FROM users WHERE role = 'student' ORDER BY created_at, id LIMIT $1`, [
      o.detailUsers,
    ]);
    const courses = await c.query<{ id: string }>(`SELECT id FROM courses WHERE slug LIKE 'chaos-course-%' ORDER BY slug`);
    return { detailIds: users.rows.map((r) => r.id), courseIds: courses.rows.map((r) => r.id), lessonIds: lessons.rows.map((r) => r.id) };
  } finally {
    await c.end();
  }
}

/**
 * Logs in through the API. A 503 (a worker shedding load while it catches up after its
 * boot, or the password-hashing queue full) is retried briefly: set-up must not fail on
 * what a client would simply retry.
 */
export async function logIn(url: string, email: string, password: string, from?: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    // A login is one scrypt hash (~50 ms); 10 s covers a busy box many times over.
    const res = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      // The service believes X-Forwarded-For from loopback (TRUST_PROXY in settings.ts):
      // each student logs in from an address of their own, as real students do.
      headers: { 'content-type': 'application/json', ...(from ? { 'x-forwarded-for': from } : {}) },
      body: JSON.stringify({ email, password }),
      signal: AbortSignal.timeout(10_000),
    });
    if (res.ok) return ((await res.json()) as { accessToken: string }).accessToken;
    const body = await res.text();
    if ((res.status !== 503 && res.status !== 429) || attempt >= 30) throw new Error(`login of ${email} failed: ${res.status} ${body}`);
    // Set-up on a loaded machine (a test suite beside the run) can find the hashing queue
    // full or the deadline short: back off as a client would, honouring Retry-After,
    // 0.5 s growing to 2 s, 30 tries (about a minute) before the run gives up.
    const retryAfterMs = Number(res.headers.get('retry-after') ?? 0) * 1000;
    await sleep(Math.max(retryAfterMs, Math.min(2000, 250 * 2 ** Math.min(attempt, 3))));
  }
}

/** Student n's own client address (10.0.0.0/8, one per student). */
export function studentAddress(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** Logs students in, a few at a time (each login costs one scrypt hash). */
export async function loginStudents(url: string, n: number, concurrency: number): Promise<string[]> {
  const tokens: string[] = new Array<string>(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      tokens[i] = await logIn(url, `student${i + 1}@example.com`, 'student-password', studentAddress(i + 1));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return tokens;
}

/** Rows of payments made in a time window, by status. */
export async function paymentStatuses(dbUrl: string, fromWall: number, toWall: number): Promise<Record<string, number>> {
  // The local PostgreSQL answers at once; 3 s without a connection means it is not there.
  const c = new pg.Client({ connectionString: dbUrl, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    const r = await c.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM payments WHERE created_at >= to_timestamp($1::double precision / 1000) AND created_at < to_timestamp($2::double precision / 1000) GROUP BY status`,
      [fromWall, toWall],
    );
    return Object.fromEntries(r.rows.map((x) => [x.status, Number(x.n)]));
  } finally {
    await c.end();
  }
}

export interface OutboxFacts {
  /** Message-IDs of the rows the fault window's requests wrote. */
  messageIds: string[];
  statuses: Record<string, number>;
}

/** The outbox rows written between two wall-clock times (the mail scenarios' fault window). */
export async function outboxRows(dbUrl: string, fromWall: number, toWall: number): Promise<OutboxFacts> {
  // The local PostgreSQL answers at once; 3 s without a connection means it is not there.
  const c = new pg.Client({ connectionString: dbUrl, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    const r = await c.query<{ message_id: string; status: string }>(
      `SELECT message_id, status FROM mail_outbox WHERE created_at >= to_timestamp($1::double precision / 1000) AND created_at < to_timestamp($2::double precision / 1000)`,
      [fromWall, toWall],
    );
    const statuses: Record<string, number> = {};
    for (const x of r.rows) statuses[x.status] = (statuses[x.status] ?? 0) + 1;
    return { messageIds: r.rows.map((x) => x.message_id), statuses };
  } finally {
    await c.end();
  }
}
