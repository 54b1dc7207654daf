import { errors } from '../errors/index.ts';
import type { Queryable } from '../infra/database/client.ts';
import { emailVerificationMail, passwordChangedMail, passwordResetMail, type Recipient } from '../mail/messages.ts';
import type { MailOutbox } from '../mail/types.ts';
import type { Caller } from '../shared/types.ts';
import type { UserRepository } from '../users/repository.ts';
import type { UserWithSecrets } from '../users/types.ts';
import { type AccountTokenRepository, hashAccountToken, mintAccountToken, newVerifyLink, plausibleAccountToken } from './account-tokens.ts';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords.ts';
import { createTimingMirror } from './timing.ts';

export interface RecoveryDeps {
  users: UserRepository;
  accountTokens: AccountTokenRepository;
  outbox: MailOutbox;
  /** The service's public origin, for the links in mails (read at call time). */
  publicUrl: () => string;
  passwordResetTtlS: number;
  emailVerifyTtlS: number;
}

const recipient = (u: { id: string; email: string; firstName: string }): Recipient => ({
  email: u.email,
  userId: u.id,
  firstName: u.firstName,
});

/**
 * Account recovery and proof of address: password change and reset, email verification.
 * Every mail is enqueued in the transaction of the event that causes it; no request
 * waits on SMTP.
 */
export function createAccountRecovery(deps: RecoveryDeps) {
  const { users, accountTokens, outbox } = deps;
  // How long a reset request's writing transaction takes for a known address; an unknown
  // address's lesser transaction is made to last as long (see forgotPassword).
  const forgotTiming = createTimingMirror();

  /** A verification link for the account's address, mailed: inside the caller's transaction. */
  async function mailVerification(tx: Queryable, user: { id: string; email: string; firstName: string }): Promise<void> {
    const link = await newVerifyLink(accountTokens, tx, user, deps.emailVerifyTtlS);
    await outbox.enqueue(tx, emailVerificationMail(recipient(user), deps.publicUrl(), link));
  }

  /** The notice that a password changed, to the account's address: inside the caller's transaction. */
  async function mailPasswordChanged(tx: Queryable, user: UserWithSecrets): Promise<void> {
    await outbox.enqueue(tx, passwordChangedMail(recipient(user), deps.publicUrl(), new Date()));
  }

  return {
    /** Registration's step inside its transaction: the account and its verification mail commit together. */
    mailVerification,

    /**
     * Checks the current password, sets the new one and ends every session of the account
     * (the caller's included), with the notice mailed in the same transaction. Returns the
     * account as it now is, for the caller to open a new session. A wrong current password
     * is 403 (the caller is authenticated; the act is refused).
     */
    async changePassword(caller: Caller, currentPassword: string, newPassword: string): Promise<UserWithSecrets> {
      const user = await users.findById(caller.id);
      if (!user || !user.isActive) throw errors.unauthorized('Invalid or expired access token');
      if (!(await verifyPassword(currentPassword, user.passwordHash))) throw errors.forbidden('The current password is wrong');
      const passwordHash = await hashPassword(newPassword);
      const changed = await users.setPassword(
        async () => ({ userId: user.id }),
        passwordHash,
        { markVerified: false },
        mailPasswordChanged,
      );
      if (!changed) throw errors.unauthorized('Invalid or expired access token');
      return changed;
    },

    /**
     * Mails a reset link to an active account with this address; for any other address it
     * does the same shape of work (the same look-up, a token minted and hashed, a mail
     * rendered, a transaction with the same round trips) and mails nothing. What the
     * lesser transaction saves (two inserts and the flush of their WAL at commit) it spends
     * waiting: the recent median difference between the two (timing.ts). Either way
     * the caller learns nothing, from the answer or its timing (bench/forgot.ts measures).
     */
    async forgotPassword(email: string): Promise<void> {
      const user = await users.findByEmail(email);
      const minted = mintAccountToken();
      const ttlS = deps.passwordResetTtlS;
      const target = user?.isActive ? user : undefined;
      const mail = passwordResetMail(target ? recipient(target) : { email }, deps.publicUrl(), {
        token: minted.token,
        expiresAt: new Date(Date.now() + ttlS * 1000),
        ttlS,
      });
      const startedAt = performance.now();
      await accountTokens.transaction('auth.forgot_password', async (tx) => {
        if (!target) {
          await accountTokens.rehearseInsert(tx, minted.hash, mail);
          return;
        }
        const { expiresAt } = await accountTokens.insert(tx, {
          userId: target.id,
          purpose: 'password_reset',
          email: target.email,
          hash: minted.hash,
          ttlS,
        });
        await outbox.enqueue(tx, { ...mail, expiresAt });
      });
      if (target) forgotTiming.record(performance.now() - startedAt);
      else await forgotTiming.matchAfter(startedAt);
    },

    /**
     * Uses a reset token up and sets the new password in one transaction: the address is
     * proven (verified), every session ends, and a notice is mailed. Exactly one of two
     * concurrent uses succeeds; the other (and any unknown, used or expired token) is
     * invalid_token.
     */
    async resetPassword(token: string, newPassword: string): Promise<void> {
      if (!plausibleAccountToken(token)) {
        // The same answer as an unknown token, for about the same price.
        await burnPasswordCheck(newPassword);
        throw errors.invalidToken();
      }
      const hash = hashAccountToken(token);
      // A token that is plainly unusable costs no password hash; the use below decides.
      if (!(await accountTokens.usable(hash, 'password_reset'))) throw errors.invalidToken();
      const passwordHash = await hashPassword(newPassword);
      const changed = await users.setPassword(
        (tx) => accountTokens.use(tx, hash, 'password_reset'),
        passwordHash,
        { markVerified: true },
        mailPasswordChanged,
      );
      if (!changed) throw errors.invalidToken();
    },

    /** Uses a verification token up and marks the address it was mailed to verified. */
    async verifyEmail(token: string): Promise<void> {
      if (!plausibleAccountToken(token)) throw errors.invalidToken();
      const hash = hashAccountToken(token);
      const verified = await users.markVerified((tx) => accountTokens.use(tx, hash, 'email_verify'));
      if (!verified) throw errors.invalidToken();
    },

    /**
     * A fresh verification link for the caller's address. Already verified: nothing is
     * sent and the answer is the same 202 (there is nothing to do, and nothing to tell).
     */
    async resendVerification(caller: Caller): Promise<{ sent: boolean }> {
      const user = await users.findById(caller.id);
      if (!user || !user.isActive) throw errors.unauthorized('Invalid or expired access token');
      if (user.emailVerifiedAt !== null) return { sent: false };
      await accountTokens.transaction('auth.resend_verification', (tx) => mailVerification(tx, user));
      return { sent: true };
    },
  };
}

export type AccountRecovery = ReturnType<typeof createAccountRecovery>;
