import type { AccountTokenPurpose, AccountTokenRepository } from '../../../src/auth/account-tokens.ts';
import { hashPassword } from '../../../src/auth/passwords.ts';
import type { MailOutbox, OutgoingMail } from '../../../src/mail/types.ts';
import type { UserRepository } from '../../../src/users/repository.ts';
import type { UserWithSecrets } from '../../../src/users/types.ts';

const TX = Symbol('tx');

/** The users, account_tokens and mail_outbox tables in memory, with the repositories' guarded transitions. */
export function fakeAccounts() {
  const users = new Map<string, UserWithSecrets & { sessions: number }>();
  const tokens: { userId: string; purpose: AccountTokenPurpose; email: string; hash: string; expiresAt: number; usedAt?: number }[] = [];
  const outbox: OutgoingMail[] = [];
  const transactions: string[] = [];
  let inTx = false;
  const need = (tx: unknown, what: string) => {
    if (tx !== TX || !inTx) throw new Error(`${what} outside a transaction`);
  };
  async function transaction<T>(op: string, fn: (tx: never) => Promise<T>): Promise<T> {
    transactions.push(op);
    inTx = true;
    try {
      return await fn(TX as never);
    } finally {
      inTx = false;
    }
  }

  const userRepo = {
    findById: async (id: string) => users.get(id) && { ...users.get(id)! },
    findByEmail: async (email: string) => [...users.values()].find((u) => u.email === email),
    async setPassword(
      resolve: (tx: never) => Promise<{ userId: string; email?: string } | undefined>,
      passwordHash: string,
      opts: { markVerified: boolean },
      also?: (tx: never, u: UserWithSecrets) => Promise<void>,
    ) {
      return transaction('users.set_password', async (tx) => {
        const who = await resolve(tx);
        const u = who && users.get(who.userId);
        if (!u || (who.email !== undefined && u.email !== who.email)) return undefined;
        u.passwordHash = passwordHash;
        u.tokenVersion += 1;
        u.sessions = 0;
        if (opts.markVerified) u.emailVerifiedAt ??= new Date().toISOString();
        await also?.(tx, { ...u });
        return { ...u };
      });
    },
    async markVerified(resolve: (tx: never) => Promise<{ userId: string; email: string } | undefined>) {
      return transaction('users.mark_verified', async (tx) => {
        const who = await resolve(tx);
        const u = who && users.get(who.userId);
        if (!u || u.email !== who.email) return undefined;
        u.emailVerifiedAt ??= new Date().toISOString();
        return { ...u };
      });
    },
  } as unknown as UserRepository;

  const tokenRepo = {
    transaction,
    async insert(tx: unknown, t: { userId: string; purpose: AccountTokenPurpose; email: string; hash: string; ttlS: number }) {
      need(tx, 'token insert');
      const expiresAt = Date.now() + t.ttlS * 1000;
      tokens.push({ ...t, expiresAt });
      return { expiresAt: new Date(expiresAt) };
    },
    async rehearseInsert(tx: unknown) {
      need(tx, 'rehearsal');
    },
    usable: async (hash: string, purpose: AccountTokenPurpose) =>
      tokens.some((t) => t.hash === hash && t.purpose === purpose && t.usedAt === undefined && t.expiresAt > Date.now()),
    async use(tx: unknown, hash: string, purpose: AccountTokenPurpose) {
      need(tx, 'token use');
      const t = tokens.find((x) => x.hash === hash && x.purpose === purpose && x.usedAt === undefined && x.expiresAt > Date.now());
      if (!t) return undefined;
      t.usedAt = Date.now();
      return { userId: t.userId, email: t.email };
    },
  } as unknown as AccountTokenRepository;

  const mail: MailOutbox = {
    async enqueue(tx, m) {
      need(tx, 'enqueue');
      outbox.push(m);
      return { id: String(outbox.length), messageId: `<${outbox.length}@test>` };
    },
  };

  async function addUser(u: Partial<UserWithSecrets> & { id: string; email: string; password?: string }) {
    const row = {
      firstName: 'Ada',
      lastName: 'L',
      role: 'student' as const,
      isActive: true,
      emailVerifiedAt: null,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      tokenVersion: 0,
      sessions: 1,
      ...u,
      passwordHash: await hashPassword(u.password ?? 'the-password'),
    };
    users.set(u.id, row);
    return row;
  }

  return { users, tokens, outbox, transactions, userRepo, tokenRepo, mail, addUser };
}
