import { randomBytes } from 'node:crypto';

import type { Database, Queryable } from '../infra/database/client.ts';
import type { Certificate, CourseStudent, Progress } from './types.ts';

interface CountsRow {
  course_id: string;
  total: number;
  done: number;
  last_at: Date | null;
  certificate_id: string | null;
}

/** A student's completed lessons of a course (only lessons it still has), the latest completion, and a standing certificate. */
const DONE = `LEFT JOIN LATERAL (
    SELECT count(*)::int AS done, max(p.completed_at) AS last_at FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id
    WHERE p.user_id = $1 AND l.course_id = c.course_id) d ON true
  LEFT JOIN certificates x ON x.user_id = $1 AND x.course_id = c.course_id AND x.revoked_at IS NULL`;

export function toProgress(r: CountsRow): Progress {
  const complete = r.total > 0 && r.done >= r.total;
  return {
    courseId: r.course_id,
    completedLessons: r.done,
    totalLessons: r.total,
    // Rounded down: 100 only when every lesson is done.
    percent: r.total === 0 ? 0 : Math.floor((100 * r.done) / r.total),
    completedAt: complete && r.last_at ? r.last_at.toISOString() : null,
    certificateId: r.certificate_id,
  };
}

async function counts(q: Queryable, userId: string, courseIds: string[]): Promise<Progress[]> {
  const rows = await q.query<CountsRow>(
    'progress.counts',
    `SELECT c.course_id, (SELECT count(*)::int FROM lessons l WHERE l.course_id = c.course_id) AS total, d.done, d.last_at, x.id AS certificate_id
     FROM unnest($2::uuid[]) AS c(course_id) ${DONE}`,
    [userId, courseIds],
  );
  return rows.map(toProgress);
}

/** A new certificate id: 128 random bits, base64url (22 characters). */
export const newCertificateId = () => randomBytes(16).toString('base64url');

/**
 * Progress and certificates belong to this module. Access is never cached: whether a
 * student is enrolled, and whether a certificate stands, are read here on every request,
 * so a full refund takes effect in every process the moment it commits.
 */
export function createProgressRepository(db: Database) {
  return {
    async progress(userId: string, courseIds: string[]): Promise<Map<string, Progress>> {
      if (courseIds.length === 0) return new Map();
      return new Map((await counts(db, userId, courseIds)).map((p) => [p.courseId, p]));
    },

    /**
     * Marks a lesson complete or not for an enrolled student, and issues the certificate
     * when that completes the course. The student's enrollment row is locked first, so two
     * tabs completing the last two lessons at once are counted one after the other (one of
     * them sees the course complete), and a refund ending the enrollment waits or wins.
     */
    async set(userId: string, courseId: string, lessonId: string, completed: boolean): Promise<Progress | 'not_enrolled' | 'lesson_gone'> {
      return db.transaction('progress.set', async (tx) => {
        const enrolled = await tx.query(
          'progress.lock_enrollment',
          'SELECT 1 FROM enrollments WHERE user_id = $1 AND course_id = $2 AND ended_at IS NULL FOR UPDATE',
          [userId, courseId],
        );
        if (enrolled.length === 0) return 'not_enrolled';
        if (completed) {
          // Only a lesson of this course that still exists; completing twice keeps the first time.
          const rows = await tx.query(
            'progress.complete',
            `INSERT INTO lesson_progress (user_id, lesson_id) SELECT $1, id FROM lessons WHERE id = $2 AND course_id = $3
             ON CONFLICT DO NOTHING RETURNING lesson_id`,
            [userId, lessonId, courseId],
          );
          if (rows.length === 0) {
            const exists = await tx.query('progress.lesson_exists', 'SELECT 1 FROM lessons WHERE id = $1 AND course_id = $2', [
              lessonId,
              courseId,
            ]);
            if (exists.length === 0) return 'lesson_gone';
          }
        } else {
          await tx.query('progress.uncomplete', 'DELETE FROM lesson_progress WHERE user_id = $1 AND lesson_id = $2', [userId, lessonId]);
        }
        const [p] = await counts(tx, userId, [courseId]);
        if (p.totalLessons > 0 && p.completedLessons >= p.totalLessons && !p.certificateId) {
          // Issued once per (student, course). One revoked by a refund stands again (same id)
          // when the student, enrolled again, completes the course again.
          const issued = await tx.query<{ id: string }>(
            'certificates.issue',
            `INSERT INTO certificates (id, user_id, course_id) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, course_id) DO UPDATE SET revoked_at = NULL WHERE certificates.revoked_at IS NOT NULL
             RETURNING id`,
            [newCertificateId(), userId, courseId],
          );
          p.certificateId = issued[0]?.id ?? null;
        }
        return p;
      });
    },

    /** Revokes a student's certificate of a course (inside the transaction that ends the enrollment). */
    async revoke(tx: Queryable, userId: string, courseId: string): Promise<void> {
      await tx.query(
        'certificates.revoke',
        'UPDATE certificates SET revoked_at = now() WHERE user_id = $1 AND course_id = $2 AND revoked_at IS NULL',
        [userId, courseId],
      );
    },

    async certificate(id: string): Promise<Certificate | undefined> {
      const rows = await db.query<{
        id: string;
        first_name: string;
        last_name: string;
        title: string;
        issued_at: Date;
        revoked_at: Date | null;
      }>(
        'certificates.find',
        `SELECT x.id, u.first_name, u.last_name, c.title, x.issued_at, x.revoked_at
         FROM certificates x JOIN users u ON u.id = x.user_id JOIN courses c ON c.id = x.course_id WHERE x.id = $1`,
        [id],
      );
      const r = rows[0];
      return (
        r && {
          id: r.id,
          studentName: `${r.first_name} ${r.last_name}`,
          courseTitle: r.title,
          issuedAt: r.issued_at.toISOString(),
          revoked: r.revoked_at !== null,
        }
      );
    },

    /** A course's active students with their progress, a page of them, and the counts of all. */
    async students(
      courseId: string,
      page: number,
      pageSize: number,
    ): Promise<{ items: CourseStudent[]; total: number; completed: number }> {
      const rows = await db.query<CountsRow & { user_id: string; first_name: string; last_name: string; email: string; enrolled_at: Date }>(
        'progress.students',
        `SELECT u.id AS user_id, u.first_name, u.last_name, u.email, e.enrolled_at, e.course_id,
           (SELECT count(*)::int FROM lessons l WHERE l.course_id = e.course_id) AS total, d.done, d.last_at, x.id AS certificate_id
         FROM enrollments e JOIN users u ON u.id = e.user_id
         LEFT JOIN LATERAL (
           SELECT count(*)::int AS done, max(p.completed_at) AS last_at FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id
           WHERE p.user_id = e.user_id AND l.course_id = e.course_id) d ON true
         LEFT JOIN certificates x ON x.user_id = e.user_id AND x.course_id = e.course_id AND x.revoked_at IS NULL
         WHERE e.course_id = $1 AND e.ended_at IS NULL ORDER BY e.enrolled_at, e.id LIMIT $2 OFFSET $3`,
        [courseId, pageSize, (page - 1) * pageSize],
      );
      const n = await db.query<{ total: number; completed: number }>(
        'progress.students_count',
        `SELECT count(*)::int AS total,
           count(*) FILTER (WHERE t.n > 0 AND (SELECT count(*) FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id
             WHERE p.user_id = e.user_id AND l.course_id = e.course_id) >= t.n)::int AS completed
         FROM enrollments e CROSS JOIN (SELECT count(*) AS n FROM lessons WHERE course_id = $1) t
         WHERE e.course_id = $1 AND e.ended_at IS NULL`,
        [courseId],
      );
      return {
        items: rows.map((r) => ({
          user: { id: r.user_id, firstName: r.first_name, lastName: r.last_name, email: r.email },
          enrolledAt: r.enrolled_at.toISOString(),
          progress: toProgress(r),
        })),
        total: n[0]?.total ?? 0,
        completed: n[0]?.completed ?? 0,
      };
    },
  };
}

export type ProgressRepository = ReturnType<typeof createProgressRepository>;
