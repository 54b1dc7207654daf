import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { hashPassword } from './auth/passwords.ts';
import { normalizeEmail } from './auth/service.ts';
import type { CourseRepository } from './courses/repository.ts';
import type { UserRepository } from './users/repository.ts';

/** Creates the first admin from BOOTSTRAP_ADMIN_EMAIL/PASSWORD once, if no admin exists. */
export async function ensureBootstrapAdmin(users: UserRepository, email: string, password: string, logger: Logger): Promise<'created' | 'exists'> {
  if ((await users.countAdmins()) > 0) return 'exists';
  const created = await users.create({ email: normalizeEmail(email), firstName: 'Admin', lastName: 'User', passwordHash: await hashPassword(password), role: 'admin' });
  if (created === 'email_taken') {
    // The account exists as a non-admin: promote it rather than fail the start.
    const existing = await users.findByEmail(normalizeEmail(email));
    if (existing) await users.update(existing.id, { role: 'admin', isActive: true });
  }
  // The password is never logged; only the fact and the email.
  logger.info({ email: normalizeEmail(email) }, 'bootstrap admin created');
  return 'created';
}

export const DEMO_ADMIN_EMAIL = 'admin@it360acad.local';
const DEMO_INSTRUCTOR_EMAIL = 'instructor@it360acad.local';

/**
 * Embedded mode only: a demo admin with a random password (printed once, to the
 * terminal, never to the log), an instructor and a few published courses.
 */
export async function seedDemoData(users: UserRepository, courses: CourseRepository, print: (s: string) => void): Promise<void> {
  if ((await users.countAdmins()) > 0) return;
  const password = randomBytes(9).toString('base64url');
  await users.create({ email: DEMO_ADMIN_EMAIL, firstName: 'Demo', lastName: 'Admin', passwordHash: await hashPassword(password), role: 'admin' });
  const instructor = await users.create({
    email: DEMO_INSTRUCTOR_EMAIL,
    firstName: 'Ada',
    lastName: 'Instructor',
    passwordHash: await hashPassword(randomBytes(12).toString('base64url')),
    role: 'instructor',
  });
  if (instructor !== 'email_taken') {
    const demo = [
      { title: 'Introduction to Linux', slug: 'intro-to-linux', price: 0, description: 'The shell, files, processes and permissions. Free.' },
      { title: 'Networking Fundamentals', slug: 'networking-fundamentals', price: 2_500_000, description: 'TCP/IP, DNS, routing and troubleshooting.' },
      { title: 'Cloud Engineering with AWS', slug: 'cloud-engineering-aws', price: 7_500_000, description: 'Compute, storage, IAM and infrastructure as code.' },
    ];
    for (const c of demo) await courses.create({ ...c, currency: 'NGN', isPublished: true, instructorId: instructor.id });
  }
  print(`\n  Demo admin created: ${DEMO_ADMIN_EMAIL} / ${password}\n  (shown once; it is not stored anywhere in clear)\n`);
}
