import type { Role } from '../auth/tokens.ts';

export type { Role };

export interface User {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  role: Role;
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface UserWithSecrets extends User {
  passwordHash: string;
  tokenVersion: number;
}

export interface UserListQuery {
  page: number;
  pageSize: number;
  role?: Role;
  isActive?: boolean;
  search?: string;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

/** Who is asking: set by the auth hook, passed to services explicitly. */
export interface Caller {
  id: string;
  role: Role;
  /** The session of the access token that authenticated the caller. */
  sessionId?: string;
}
