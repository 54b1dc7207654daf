import type { ChangeFeed } from '../infra/changes/feed.ts';
import type { Database, Queryable } from '../infra/database/client.ts';
import { likePattern, pagedQuery } from '../shared/paging.ts';
import { SQLSTATE } from '../shared/sqlstate.ts';
import type { Page, Role } from '../shared/types.ts';
import { toPublicUser, type User, type UserListQuery, type UserWithSecrets } from './types.ts';

interface UserRow {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  role: Role;
  is_active: boolean;
  email_verified_at: Date | null;
  password_hash: string;
  token_version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'id, email, first_name, last_name, role, is_active, email_verified_at, password_hash, token_version, created_at, updated_at';

function toUser(r: UserRow): User {
  return {
    id: r.id,
    email: r.email,
    firstName: r.first_name,
    lastName: r.last_name,
    role: r.role,
    isActive: r.is_active,
    emailVerifiedAt: r.email_verified_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function toUserWithSecrets(r: UserRow): UserWithSecrets {
  return { ...toUser(r), passwordHash: r.password_hash, tokenVersion: r.token_version };
}

export interface NewUser {
  email: string;
  firstName: string;
  lastName: string;
  passwordHash: string;
  role: Role;
  /** Made by an operator (bootstrap, CLI, demo data), who vouches for the address. */
  emailVerified?: boolean;
}

/** A step another module runs inside a users transaction (a mail to enqueue, a token to use up). */
export type InTransaction<T = void> = (tx: Queryable, user: UserWithSecrets) => Promise<T>;

export interface UserChanges {
  firstName?: string;
  lastName?: string;
  role?: Role;
  isActive?: boolean;
}

/** What the users repository asks of the sessions' owner (the auth repository), inside its own transaction. */
export interface SessionEnder {
  /** Ends every session of a user; returns how many were live. */
  endAllSessionsOf(tx: Queryable, userId: string): Promise<number>;
}

/** The users table belongs to this module; other modules ask it. */
export function createUserRepository(db: Database, feed: ChangeFeed, sessions: SessionEnder) {
  async function write<T>(
    op: string,
    fn: (tx: Queryable) => Promise<T>,
    revoke: (result: T) => [string, number][] | undefined,
  ): Promise<T> {
    let change;
    const out = await db.transaction(op, async (tx) => {
      const result = await fn(tx);
      change = await feed.publish(tx, ['users'], revoke(result));
      return result;
    });
    // Committed: readers in this process see it from now on.
    if (change) feed.apply(change);
    return out;
  }

  return {
    /** Creates a user; `also` runs in the same transaction (registration's verification mail). */
    async create(u: NewUser, also?: InTransaction): Promise<User | 'email_taken'> {
      try {
        return await write(
          'users.create',
          async (tx) => {
            const rows = await tx.query<UserRow>(
              'users.create',
              `INSERT INTO users (email, first_name, last_name, password_hash, role, email_verified_at)
               VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::boolean THEN now() END) RETURNING ${COLUMNS}`,
              [u.email, u.firstName, u.lastName, u.passwordHash, u.role, u.emailVerified === true],
            );
            if (also) await also(tx, toUserWithSecrets(rows[0]));
            return toUser(rows[0]);
          },
          () => undefined,
        );
      } catch (err) {
        if ((err as { code?: string }).code === SQLSTATE.uniqueViolation) return 'email_taken';
        throw err;
      }
    },

    async findById(id: string): Promise<UserWithSecrets | undefined> {
      const rows = await db.query<UserRow>('users.find_by_id', `SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
      return rows[0] && toUserWithSecrets(rows[0]);
    },

    async findByEmail(email: string): Promise<UserWithSecrets | undefined> {
      const rows = await db.query<UserRow>('users.find_by_email', `SELECT ${COLUMNS} FROM users WHERE email = $1`, [email]);
      return rows[0] && toUserWithSecrets(rows[0]);
    },

    async tokenState(id: string): Promise<{ isActive: boolean; tokenVersion: number } | undefined> {
      const rows = await db.query<{ is_active: boolean; token_version: number }>(
        'users.token_state',
        'SELECT is_active, token_version FROM users WHERE id = $1',
        [id],
      );
      return rows[0] && { isActive: rows[0].is_active, tokenVersion: rows[0].token_version };
    },

    async list(q: UserListQuery): Promise<Page<User>> {
      const where: string[] = [];
      const values: unknown[] = [];
      if (q.role) {
        values.push(q.role);
        where.push(`role = $${values.length}`);
      }
      if (q.isActive !== undefined) {
        values.push(q.isActive);
        where.push(`is_active = $${values.length}`);
      }
      if (q.emailVerified !== undefined) where.push(q.emailVerified ? 'email_verified_at IS NOT NULL' : 'email_verified_at IS NULL');
      if (q.search) {
        values.push(likePattern(q.search));
        const p = `$${values.length}`;
        where.push(`(first_name ILIKE ${p} OR last_name ILIKE ${p} OR email ILIKE ${p} OR (first_name || ' ' || last_name) ILIKE ${p})`);
      }
      const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
      return pagedQuery<UserRow, User>(db, {
        op: 'users.list',
        table: 'users',
        columns: COLUMNS,
        filter,
        values,
        orderBy: 'created_at, id',
        page: q.page,
        pageSize: q.pageSize,
        map: toUser,
      });
    },

    /** Applies changes; a change of role or deactivation revokes the user's access tokens. */
    async update(id: string, c: UserChanges): Promise<User | undefined> {
      const sets: string[] = ['updated_at = now()'];
      const values: unknown[] = [id];
      const add = (col: string, v: unknown) => {
        values.push(v);
        sets.push(`${col} = $${values.length}`);
      };
      if (c.firstName !== undefined) add('first_name', c.firstName);
      if (c.lastName !== undefined) add('last_name', c.lastName);
      if (c.role !== undefined) add('role', c.role);
      if (c.isActive !== undefined) add('is_active', c.isActive);
      const revokes = c.role !== undefined || c.isActive === false;
      if (revokes) sets.push('token_version = token_version + 1');
      return write(
        'users.update',
        async (tx) => {
          const rows = await tx.query<UserRow>(
            'users.update',
            `UPDATE users SET ${sets.join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`,
            values,
          );
          if (revokes && rows[0]) await sessions.endAllSessionsOf(tx, id);
          return rows[0] && toUserWithSecrets(rows[0]);
        },
        (u) => (revokes && u ? [[u.id, u.tokenVersion]] : undefined),
      ).then((u) => u && toPublicUser(u));
    },

    /**
     * An operator's act (CLI create-admin on an existing account): sets the password,
     * makes the account an active admin with its address vouched for (verified), and ends every session it had (the token
     * version goes up, so its access tokens stop working in every process too).
     * Returns how many sessions were live.
     */
    async resetAsAdmin(id: string, passwordHash: string): Promise<{ sessionsEnded: number } | undefined> {
      return write(
        'users.reset_as_admin',
        async (tx) => {
          const rows = await tx.query<UserRow>(
            'users.reset_as_admin',
            `UPDATE users SET password_hash = $2, role = 'admin', is_active = true, email_verified_at = COALESCE(email_verified_at, now()), token_version = token_version + 1, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
            [id, passwordHash],
          );
          if (!rows[0]) return undefined;
          return { user: toUserWithSecrets(rows[0]), sessionsEnded: await sessions.endAllSessionsOf(tx, id) };
        },
        (r) => (r ? [[r.user.id, r.user.tokenVersion]] : undefined),
      ).then((r) => r && { sessionsEnded: r.sessionsEnded });
    },

    /**
     * Sets a password and ends every session of the account in one transaction (the token
     * version goes up, so its access tokens stop working in every process within the
     * change feed's bound). `resolve` names the account inside that transaction (a reset
     * uses its token up there) with the address it must still have; `markVerified` also
     * proves the address; `also` runs last in the transaction (a notice to enqueue).
     * Undefined when no account matches.
     */
    async setPassword(
      resolve: (tx: Queryable) => Promise<{ userId: string; email?: string } | undefined>,
      passwordHash: string,
      opts: { markVerified: boolean },
      also?: InTransaction,
    ): Promise<UserWithSecrets | undefined> {
      return write(
        'users.set_password',
        async (tx) => {
          const who = await resolve(tx);
          if (!who) return undefined;
          const rows = await tx.query<UserRow>(
            'users.set_password',
            `UPDATE users SET password_hash = $2, token_version = token_version + 1, updated_at = now(),
               email_verified_at = CASE WHEN $3::boolean THEN COALESCE(email_verified_at, now()) ELSE email_verified_at END
             WHERE id = $1 AND ($4::text IS NULL OR email = $4) RETURNING ${COLUMNS}`,
            [who.userId, passwordHash, opts.markVerified, who.email ?? null],
          );
          const user = rows[0] && toUserWithSecrets(rows[0]);
          if (!user) return undefined;
          await sessions.endAllSessionsOf(tx, user.id);
          if (also) await also(tx, user);
          return user;
        },
        (u) => (u ? [[u.id, u.tokenVersion]] : undefined),
      );
    },

    /**
     * Marks an address verified: `resolve` names the account and the address the proof was
     * for, inside the transaction (a verification token used up there). Undefined when no
     * account has that address any more.
     */
    async markVerified(resolve: (tx: Queryable) => Promise<{ userId: string; email: string } | undefined>): Promise<User | undefined> {
      return write(
        'users.mark_verified',
        async (tx) => {
          const who = await resolve(tx);
          if (!who) return undefined;
          const rows = await tx.query<UserRow>(
            'users.mark_verified',
            `UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()), updated_at = now()
             WHERE id = $1 AND email = $2 RETURNING ${COLUMNS}`,
            [who.userId, who.email],
          );
          return rows[0] && toUser(rows[0]);
        },
        () => undefined,
      );
    },

    /**
     * Claims the one reminder an unverified account gets with a payment receipt, inside
     * the caller's transaction: true exactly once per account (the conditional UPDATE
     * holds the row, so two receipts committing together cannot both claim it).
     */
    async claimVerifyReminder(tx: Queryable, userId: string): Promise<boolean> {
      const rows = await tx.query<{ id: string }>(
        'users.claim_verify_reminder',
        `UPDATE users SET verify_reminded_at = now() WHERE id = $1 AND email_verified_at IS NULL AND verify_reminded_at IS NULL RETURNING id`,
        [userId],
      );
      return rows.length === 1;
    },

    async findByIdIn(tx: Queryable, id: string): Promise<UserWithSecrets | undefined> {
      const rows = await tx.query<UserRow>('users.find_by_id', `SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
      return rows[0] && toUserWithSecrets(rows[0]);
    },

    async countAdmins(): Promise<number> {
      const rows = await db.query<{ n: number }>('users.count_admins', "SELECT count(*)::int AS n FROM users WHERE role = 'admin'");
      return rows[0]?.n ?? 0;
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
