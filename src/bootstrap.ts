import { randomBytes } from 'node:crypto';

import type { Logger } from 'pino';

import { hashPassword } from './auth/passwords.ts';
import { normalizeEmail } from './auth/service.ts';
import { ConfigError } from './config/index.ts';
import type { CourseRepository } from './courses/repository.ts';
import { DEMO_LESSONS } from './demo-lessons.ts';
import { lessonFields } from './learning/rules.ts';
import type { LessonFields } from './learning/types.ts';
import type { UserRepository } from './users/repository.ts';

/**
 * BOOTSTRAP_ADMIN_EMAIL/PASSWORD create the first admin, and apply only while no admin
 * exists (otherwise they are ignored, with a log line). An account that already has
 * that address and is not an admin was made by someone else's registration, maybe an
 * attacker who guessed the operator's address: it is never promoted, and start-up
 * refuses (a ConfigError, exit 78) so the operator settles it with `create-admin`.
 */
export async function ensureBootstrapAdmin(
  users: UserRepository,
  email: string,
  password: string,
  logger: Logger,
): Promise<'created' | 'exists'> {
  const address = normalizeEmail(email);
  if ((await users.countAdmins()) > 0) {
    logger.info({ email: address }, 'BOOTSTRAP_ADMIN_EMAIL ignored: an admin exists already');
    return 'exists';
  }
  const created = await users.create({
    email: address,
    firstName: 'Admin',
    lastName: 'User',
    passwordHash: await hashPassword(password),
    role: 'admin',
    // The operator vouches for the address.
    emailVerified: true,
  });
  if (created === 'email_taken') {
    const existing = await users.findByEmail(address);
    // A sibling worker starting at the same moment created it: that is the admin we wanted.
    if (existing?.role === 'admin') return 'exists';
    throw new ConfigError([
      `BOOTSTRAP_ADMIN_EMAIL ${address} belongs to an existing account that is not an admin; it is not promoted (whoever registered it chose its password). ` +
        `If the address is yours, run \`npm run create-admin -- ${address} --password-stdin\` (sets a new password, makes it an admin and ends its sessions); otherwise choose another BOOTSTRAP_ADMIN_EMAIL.`,
    ]);
  }
  // The password is never logged; only the fact and the email.
  logger.info({ email: address }, 'bootstrap admin created');
  return 'created';
}

/** A generated admin password: 18 random bytes, 144 bits, 24 characters. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

export type CreateAdminResult =
  | { outcome: 'created'; email: string; generatedPassword?: string }
  | { outcome: 'reset'; email: string; sessionsEnded: number }
  | { outcome: 'needs_password'; email: string };

/**
 * The CLI's `create-admin EMAIL`. A new address becomes an admin with the given
 * password, or a generated one (returned to be printed once). An existing account is
 * changed only with an explicit password: it is set, the account becomes an admin, and
 * every session it had ends (whoever held it before is out).
 */
export async function createAdmin(
  users: UserRepository,
  email: string,
  password: string | undefined,
  attempt = 1,
): Promise<CreateAdminResult> {
  // Each retry follows a concurrent change (a registration, a deletion); two are plenty.
  if (attempt > 3) throw new Error(`the account ${normalizeEmail(email)} kept changing while create-admin ran; try again`);
  const address = normalizeEmail(email);
  const existing = await users.findByEmail(address);
  if (!existing) {
    const generated = password === undefined ? generatePassword() : undefined;
    const created = await users.create({
      email: address,
      firstName: 'Admin',
      lastName: 'User',
      passwordHash: await hashPassword(password ?? generated!),
      role: 'admin',
      // The operator vouches for the address.
      emailVerified: true,
    });
    // Registered between the look-up and the insert: treat it as the existing account it now is.
    if (created === 'email_taken') return createAdmin(users, email, password, attempt + 1);
    return { outcome: 'created', email: address, generatedPassword: generated };
  }
  if (password === undefined) return { outcome: 'needs_password', email: address };
  const r = await users.resetAsAdmin(existing.id, await hashPassword(password));
  if (!r) return createAdmin(users, email, password, attempt + 1);
  return { outcome: 'reset', email: address, sessionsEnded: r.sessionsEnded };
}

export const DEMO_ADMIN_EMAIL = 'admin@it360acad.local';
const DEMO_INSTRUCTOR_EMAIL = 'instructor@it360acad.local';

/**
 * Embedded mode only: a demo admin with a random password (printed once, to the
 * terminal, never to the log), an instructor and a few published courses.
 */
export async function seedDemoData(
  users: UserRepository,
  courses: CourseRepository,
  lessons: { create(courseId: string, f: LessonFields): Promise<unknown>; videoHosts: readonly string[] },
  print: (s: string) => void,
): Promise<void> {
  if ((await users.countAdmins()) > 0) return;
  const password = randomBytes(9).toString('base64url');
  await users.create({
    email: DEMO_ADMIN_EMAIL,
    firstName: 'Demo',
    lastName: 'Admin',
    passwordHash: await hashPassword(password),
    role: 'admin',
    // The operator vouches for the address.
    emailVerified: true,
  });
  const instructor = await users.create({
    email: DEMO_INSTRUCTOR_EMAIL,
    firstName: 'Ada',
    lastName: 'Instructor',
    passwordHash: await hashPassword(randomBytes(12).toString('base64url')),
    role: 'instructor',
    emailVerified: true,
  });
  if (instructor !== 'email_taken') {
    const demo = [
      {
        title: 'Introduction to Linux',
        slug: 'intro-to-linux',
        price: 0,
        description: 'The shell, files, processes and permissions. Free.',
      },
      {
        title: 'Networking Fundamentals',
        slug: 'networking-fundamentals',
        price: 2_500_000,
        description: 'TCP/IP, DNS, routing and troubleshooting.',
      },
      {
        title: 'Cloud Engineering with AWS',
        slug: 'cloud-engineering-aws',
        price: 7_500_000,
        description: 'Compute, storage, IAM and infrastructure as code.',
      },
    ];
    for (const c of demo) {
      const course = await courses.create({ ...c, currency: 'NGN', isPublished: true, instructorId: instructor.id });
      if (course === 'slug_taken') continue;
      // A few real-looking lessons each, the first a preview: enroll in the free course and read it at once.
      for (const l of DEMO_LESSONS[c.slug] ?? []) await lessons.create(course.id, lessonFields(l, undefined, lessons.videoHosts));
    }
  }
  print(`\n  Demo admin created: ${DEMO_ADMIN_EMAIL} / ${password}\n  (shown once; it is not stored anywhere in clear)\n`);
}
