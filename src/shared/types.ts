/** Types every domain speaks in; they belong to none of them. */

export type Role = 'student' | 'instructor' | 'admin';

/** Who is asking: set by the auth hook, passed to services explicitly. */
export interface Caller {
  id: string;
  role: Role;
  /** The session of the access token that authenticated the caller. */
  sessionId?: string;
}

/** One page of a list, with the total across all pages. */
export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}
