import type { ChangeFeed } from '../infra/changes/feed.ts';
import type { Database, Queryable } from '../infra/database/client.ts';
import type { Lesson, LessonFields, LessonSummary } from './types.ts';

interface LessonRow {
  id: string;
  course_id: string;
  position: number;
  title: string;
  kind: 'text' | 'video';
  duration_s: number;
  is_preview: boolean;
  body_markdown: string | null;
  body_html: string | null;
  video_url: string | null;
  created_at: Date;
  updated_at: Date;
}

const SUMMARY = 'id, course_id, position, title, kind, duration_s, is_preview, created_at, updated_at';
const COLUMNS = `${SUMMARY}, body_markdown, body_html, video_url`;

function toSummary(r: LessonRow): LessonSummary {
  return {
    id: r.id,
    courseId: r.course_id,
    position: r.position,
    title: r.title,
    kind: r.kind,
    durationS: r.duration_s,
    isPreview: r.is_preview,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function toLesson(r: LessonRow): Lesson {
  return { ...toSummary(r), bodyMarkdown: r.body_markdown, bodyHtml: r.body_html, videoUrl: r.video_url };
}

/**
 * The lessons table belongs to this module. Every write bumps the "lessons" cache scope in
 * its own transaction (src/infra/changes/feed.ts), so cached outlines and bodies are never
 * read after it. Writes that move positions first lock the course row (NO KEY UPDATE: it
 * does not block payments or enrollments that merely reference the course), so appends,
 * deletes and reorders of one course happen one at a time.
 */
export function createLessonRepository(db: Database, feed: ChangeFeed) {
  async function write<T>(op: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let change;
    const out = await db.transaction(op, async (tx) => {
      const r = await fn(tx);
      change = await feed.publish(tx, ['lessons']);
      return r;
    });
    if (change) feed.apply(change);
    return out;
  }

  const lockCourse = (tx: Queryable, courseId: string) =>
    tx.query('lessons.lock_course', 'SELECT 1 FROM courses WHERE id = $1 FOR NO KEY UPDATE', [courseId]);

  const outline = async (q: Queryable, courseId: string) =>
    (await q.query<LessonRow>('lessons.outline', `SELECT ${SUMMARY} FROM lessons WHERE course_id = $1 ORDER BY position`, [courseId])).map(
      toSummary,
    );

  return {
    outline: (courseId: string) => outline(db, courseId),

    async find(id: string): Promise<Lesson | undefined> {
      const rows = await db.query<LessonRow>('lessons.find', `SELECT ${COLUMNS} FROM lessons WHERE id = $1`, [id]);
      return rows[0] && toLesson(rows[0]);
    },

    /** Appends a lesson at the end of its course. */
    async create(courseId: string, f: LessonFields): Promise<Lesson> {
      return write('lessons.create', async (tx) => {
        await lockCourse(tx, courseId);
        const rows = await tx.query<LessonRow>(
          'lessons.create',
          `INSERT INTO lessons (course_id, position, title, kind, body_markdown, body_html, video_url, duration_s, is_preview)
           SELECT $1, COALESCE(max(position), 0) + 1, $2, $3, $4, $5, $6, $7, $8 FROM lessons WHERE course_id = $1
           RETURNING ${COLUMNS}`,
          [courseId, f.title, f.kind, f.bodyMarkdown, f.bodyHtml, f.videoUrl, f.durationS, f.isPreview],
        );
        return toLesson(rows[0]);
      });
    },

    /** Writes a lesson's fields (never its position: a reorder running beside it keeps its order). */
    async update(id: string, f: LessonFields): Promise<Lesson | undefined> {
      return write('lessons.update', async (tx) => {
        const rows = await tx.query<LessonRow>(
          'lessons.update',
          `UPDATE lessons SET title = $2, kind = $3, body_markdown = $4, body_html = $5, video_url = $6, duration_s = $7, is_preview = $8,
             updated_at = now()
           WHERE id = $1 RETURNING ${COLUMNS}`,
          [id, f.title, f.kind, f.bodyMarkdown, f.bodyHtml, f.videoUrl, f.durationS, f.isPreview],
        );
        return rows[0] && toLesson(rows[0]);
      });
    },

    /** Deletes a lesson (its progress rows go with it) and closes the gap in the positions. */
    async delete(courseId: string, id: string): Promise<boolean> {
      return write('lessons.delete', async (tx) => {
        await lockCourse(tx, courseId);
        const gone = await tx.query<{ position: number }>(
          'lessons.delete',
          'DELETE FROM lessons WHERE id = $1 AND course_id = $2 RETURNING position',
          [id, courseId],
        );
        if (gone.length === 0) return false;
        await tx.query('lessons.close_gap', 'UPDATE lessons SET position = position - 1 WHERE course_id = $1 AND position > $2', [
          courseId,
          gone[0].position,
        ]);
        return true;
      });
    },

    /** Puts the course's lessons in the given order; 'not_permutation' when the ids are not exactly its lessons. */
    async reorder(courseId: string, lessonIds: string[]): Promise<LessonSummary[] | 'not_permutation'> {
      return write('lessons.reorder', async (tx) => {
        await lockCourse(tx, courseId);
        const current = await tx.query<{ id: string }>('lessons.ids', 'SELECT id FROM lessons WHERE course_id = $1', [courseId]);
        const have = new Set(current.map((r) => r.id));
        const given = new Set(lessonIds.map((s) => s.toLowerCase()));
        if (given.size !== lessonIds.length || given.size !== have.size || [...given].some((id) => !have.has(id))) return 'not_permutation';
        // One statement: the unique (course, position) is checked at its end, so any permutation passes.
        await tx.query(
          'lessons.reorder',
          `UPDATE lessons l SET position = o.ord, updated_at = now()
           FROM unnest($2::uuid[]) WITH ORDINALITY AS o(id, ord) WHERE l.id = o.id AND l.course_id = $1 AND l.position <> o.ord`,
          [courseId, lessonIds],
        );
        return outline(tx, courseId);
      });
    },
  };
}

export type LessonRepository = ReturnType<typeof createLessonRepository>;
