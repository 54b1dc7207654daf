import { randomBytes } from 'node:crypto';

import { hashPassword } from '../../src/auth/passwords.ts';
import type { Role } from '../../src/users/types.ts';
import type { TestApp } from './app.ts';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
  accessToken: string;
  refreshToken: string;
  auth: { authorization: string };
}

let passwordHashCache: Promise<string> | undefined;
const PASSWORD = 'correct-horse-battery';

/** Creates a user with the given role straight through the repository, then logs in over HTTP. */
export async function makeUser(
  app: TestApp,
  role: Role = 'student',
  // Staff accounts are made verified (as the migration and every operator path make them);
  // students unverified, as registration leaves them.
  overrides: { firstName?: string; lastName?: string; email?: string; emailVerified?: boolean } = {},
): Promise<TestUser> {
  passwordHashCache ??= hashPassword(PASSWORD);
  const email = overrides.email ?? `${role}-${randomBytes(4).toString('hex')}@example.com`;
  const created = await app.c.users.create({
    email,
    firstName: overrides.firstName ?? 'Test',
    lastName: overrides.lastName ?? role,
    passwordHash: await passwordHashCache,
    role,
    emailVerified: overrides.emailVerified ?? role !== 'student',
  });
  if (created === 'email_taken') throw new Error('email taken');
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.body}`);
  const body = res.json();
  return {
    id: created.id,
    email,
    password: PASSWORD,
    role,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    auth: { authorization: `Bearer ${body.accessToken}` },
  };
}

export async function makeCourse(app: TestApp, owner: TestUser, overrides: Record<string, unknown> = {}) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/courses',
    headers: owner.auth,
    payload: { title: `Course ${randomBytes(3).toString('hex')}`, description: 'A course', price: 500000, isPublished: true, ...overrides },
  });
  if (res.statusCode !== 201) throw new Error(`course create failed: ${res.body}`);
  return res.json();
}
