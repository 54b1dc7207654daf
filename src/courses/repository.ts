import type { ChangeFeed } from '../infra/changes/feed.ts';
import type { Database, Queryable } from '../infra/database/client.ts';
import { likePattern, pagedQuery } from '../shared/paging.ts';
import { SQLSTATE } from '../shared/sqlstate.ts';
import type { Page } from '../shared/types.ts';
import type { Course, CourseChanges } from './types.ts';

/** A courses row as the driver returns it (other modules' statements that read courses convert with toCourse). */
export interface CourseRow {
  id: string;
  slug: string;
  title: string;
  description: string;
  price: number;
  currency: string;
  is_published: boolean;
  instructor_id: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, slug, title, description, price, currency, is_published, instructor_id, created_at, updated_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toCourse(r: CourseRow): Course {
  return {
    id: r.id,
    slug: r.slug,
    title: r.title,
    description: r.description,
    price: Number(r.price),
    currency: r.currency,
    isPublished: r.is_published,
    instructorId: r.instructor_id,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** The courses table belongs to this module; payments and enrollments ask it. */
export function createCourseRepository(db: Database, feed: ChangeFeed) {
  async function write<T>(op: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let change;
    const out = await db.transaction(op, async (tx) => {
      const r = await fn(tx);
      change = await feed.publish(tx, ['courses']);
      return r;
    });
    if (change) feed.apply(change);
    return out;
  }

  return {
    async listPublished(q: { page: number; pageSize: number; search?: string }): Promise<Page<Course>> {
      const values: unknown[] = [];
      let filter = 'WHERE is_published';
      if (q.search) {
        values.push(likePattern(q.search));
        filter += ` AND title ILIKE $1`;
      }
      return pagedQuery<CourseRow, Course>(db, {
        op: 'courses.list',
        table: 'courses',
        columns: COLUMNS,
        filter,
        values,
        orderBy: 'created_at, id',
        page: q.page,
        pageSize: q.pageSize,
        map: toCourse,
      });
    },

    async findByIdOrSlug(idOrSlug: string): Promise<Course | undefined> {
      const rows = UUID.test(idOrSlug)
        ? await db.query<CourseRow>('courses.find_by_id', `SELECT ${COLUMNS} FROM courses WHERE id = $1`, [idOrSlug])
        : await db.query<CourseRow>('courses.find_by_slug', `SELECT ${COLUMNS} FROM courses WHERE slug = $1`, [idOrSlug]);
      return rows[0] && toCourse(rows[0]);
    },

    async findByIds(ids: string[]): Promise<Course[]> {
      if (ids.length === 0) return [];
      const rows = await db.query<CourseRow>('courses.find_by_ids', `SELECT ${COLUMNS} FROM courses WHERE id = ANY($1::uuid[])`, [ids]);
      return rows.map(toCourse);
    },

    async create(c: {
      title: string;
      slug: string;
      description: string;
      price: number;
      currency: string;
      isPublished: boolean;
      instructorId: string;
    }): Promise<Course | 'slug_taken'> {
      try {
        return await write('courses.create', async (tx) => {
          const rows = await tx.query<CourseRow>(
            'courses.create',
            `INSERT INTO courses (title, slug, description, price, currency, is_published, instructor_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
            [c.title, c.slug, c.description, c.price, c.currency, c.isPublished, c.instructorId],
          );
          return toCourse(rows[0]);
        });
      } catch (err) {
        if ((err as { code?: string }).code === SQLSTATE.uniqueViolation) return 'slug_taken';
        throw err;
      }
    },

    async update(id: string, c: CourseChanges): Promise<Course | undefined | 'slug_taken'> {
      const sets: string[] = ['updated_at = now()'];
      const values: unknown[] = [id];
      const add = (col: string, v: unknown) => {
        values.push(v);
        sets.push(`${col} = $${values.length}`);
      };
      if (c.title !== undefined) add('title', c.title);
      if (c.slug !== undefined) add('slug', c.slug);
      if (c.description !== undefined) add('description', c.description);
      if (c.price !== undefined) add('price', c.price);
      if (c.currency !== undefined) add('currency', c.currency);
      if (c.isPublished !== undefined) add('is_published', c.isPublished);
      try {
        return await write('courses.update', async (tx) => {
          const rows = await tx.query<CourseRow>(
            'courses.update',
            `UPDATE courses SET ${sets.join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`,
            values,
          );
          return rows[0] && toCourse(rows[0]);
        });
      } catch (err) {
        if ((err as { code?: string }).code === SQLSTATE.uniqueViolation) return 'slug_taken';
        throw err;
      }
    },

    async slugExists(slug: string): Promise<boolean> {
      const rows = await db.query('courses.slug_exists', 'SELECT 1 FROM courses WHERE slug = $1', [slug]);
      return rows.length > 0;
    },
  };
}

export type CourseRepository = ReturnType<typeof createCourseRepository>;
