import type { Role } from '../shared/types.ts';

export type { Role };

export interface User {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  role: Role;
  isActive: boolean;
  /** When the address was proven to be the account's (ISO time), or null. */
  emailVerifiedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A user as the API shows it: the public fields only, whatever else the row carried. */
export function toPublicUser(u: User): User {
  return {
    id: u.id,
    email: u.email,
    firstName: u.firstName,
    lastName: u.lastName,
    role: u.role,
    isActive: u.isActive,
    emailVerifiedAt: u.emailVerifiedAt,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  };
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
  emailVerified?: boolean;
  search?: string;
}
