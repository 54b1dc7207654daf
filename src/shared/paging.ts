import type { Page } from './types.ts';

/** What a paged query needs of the database (src/infra/database/client.ts Queryable). */
interface Queryable {
  query<R extends object = Record<string, unknown>>(op: string, text: string, values?: unknown[]): Promise<R[]>;
}

/** Page defaults for every list route (the query schema's own bounds: src/http/schemas.ts PageQuery). */
export const DEFAULT_PAGE = 1;
export const DEFAULT_PAGE_SIZE = 20;

/** The page a list route asks for, with the defaults applied. */
export function pageFrom(q: { page?: number; pageSize?: number }): { page: number; pageSize: number } {
  return { page: q.page ?? DEFAULT_PAGE, pageSize: q.pageSize ?? DEFAULT_PAGE_SIZE };
}

/** Escapes LIKE wildcards so a search for "50%" means the text "50%". */
export function likePattern(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface PagedQuery<Row, T> {
  /** Names the statement in logs and metrics; the count, when needed, is `<table>.count`. */
  op: string;
  table: string;
  columns: string;
  /** `WHERE …` (or empty), with placeholders $1..$n for `values`. */
  filter: string;
  values: unknown[];
  orderBy: string;
  page: number;
  pageSize: number;
  map: (row: Row) => T;
}

/**
 * One statement for items and total (one round trip, one snapshot); a page past the end
 * has no row to carry the total, so only then is it counted on its own.
 */
export async function pagedQuery<Row extends object, T>(db: Queryable, q: PagedQuery<Row, T>): Promise<Page<T>> {
  const values = [...q.values, q.pageSize, (q.page - 1) * q.pageSize];
  const rows = await db.query<Row & { total: number }>(
    q.op,
    `SELECT ${q.columns}, count(*) OVER () AS total FROM ${q.table} ${q.filter} ORDER BY ${q.orderBy} LIMIT $${values.length - 1} OFFSET $${values.length}`,
    values,
  );
  let total = rows[0]?.total ?? 0;
  if (rows.length === 0 && q.page > 1) {
    const c = await db.query<{ n: number }>(`${q.table}.count`, `SELECT count(*)::int AS n FROM ${q.table} ${q.filter}`, q.values);
    total = c[0]?.n ?? 0;
  }
  return { items: rows.map(q.map), page: q.page, pageSize: q.pageSize, total };
}
