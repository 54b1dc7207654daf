import type { Role } from '../shared/types.ts';

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
