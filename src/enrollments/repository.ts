import type { Database, Queryable } from '../infra/database/client.ts';

export interface Enrollment {
  courseId: string;
  enrolledAt: string;
  paymentReference: string | null;
}

/** The enrollments table belongs to this module; payments ask it, inside their own transactions. */
export interface EnrollmentHooks {
  /** Inside the transaction that ended an enrollment (a full refund): what else ends with it. */
  onEnded?: (tx: Queryable, e: { userId: string; courseId: string }) => Promise<void>;
}

export function createEnrollmentRepository(db: Database, hooks: EnrollmentHooks = {}) {
  return {
    /** Enrolls once: a second call for the same payment, or an active enrollment, changes nothing. */
    async enroll(tx: Queryable, e: { userId: string; courseId: string; paymentReference: string }): Promise<boolean> {
      const rows = await tx.query(
        'enrollments.create',
        'INSERT INTO enrollments (user_id, course_id, payment_reference) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id',
        [e.userId, e.courseId, e.paymentReference],
      );
      return rows.length === 1;
    },

    /** Ends the enrollment bought by a payment (a full refund), and with it access and the certificate. */
    async endForPayment(tx: Queryable, paymentReference: string): Promise<void> {
      const ended = await tx.query<{ user_id: string; course_id: string }>(
        'enrollments.end',
        'UPDATE enrollments SET ended_at = now() WHERE payment_reference = $1 AND ended_at IS NULL RETURNING user_id, course_id',
        [paymentReference],
      );
      for (const e of ended) await hooks.onEnded?.(tx, { userId: e.user_id, courseId: e.course_id });
    },

    /** The payment holding the active enrollment of (user, course): its reference, null when granted without one, undefined when none. */
    async activeHolder(tx: Queryable, userId: string, courseId: string): Promise<string | null | undefined> {
      const rows = await tx.query<{ payment_reference: string | null }>(
        'enrollments.active_holder',
        'SELECT payment_reference FROM enrollments WHERE user_id = $1 AND course_id = $2 AND ended_at IS NULL',
        [userId, courseId],
      );
      return rows.length === 0 ? undefined : rows[0].payment_reference;
    },

    async isEnrolled(userId: string, courseId: string): Promise<boolean> {
      const rows = await db.query(
        'enrollments.is_enrolled',
        'SELECT 1 FROM enrollments WHERE user_id = $1 AND course_id = $2 AND ended_at IS NULL',
        [userId, courseId],
      );
      return rows.length > 0;
    },

    async listActive(userId: string): Promise<Enrollment[]> {
      const rows = await db.query<{ course_id: string; enrolled_at: Date; payment_reference: string | null }>(
        'enrollments.list',
        'SELECT course_id, enrolled_at, payment_reference FROM enrollments WHERE user_id = $1 AND ended_at IS NULL ORDER BY enrolled_at, id',
        [userId],
      );
      return rows.map((r) => ({ courseId: r.course_id, enrolledAt: r.enrolled_at.toISOString(), paymentReference: r.payment_reference }));
    },
  };
}

export type EnrollmentRepository = ReturnType<typeof createEnrollmentRepository>;
