import type { Queryable } from '../infra/database/client.ts';
import { paymentReceiptMail, type ReceiptFacts, type RefundFacts, refundProcessedMail } from '../mail/messages.ts';
import type { MailOutbox } from '../mail/types.ts';
import type { UserRepository } from '../users/repository.ts';
import { type AccountTokenRepository, newVerifyLink } from './account-tokens.ts';

/**
 * The mails payments cause, addressed from the account (the payments module asks; it does
 * not read the users table). Each is written inside the transaction the payment module
 * opened for the event. An unverified account gets, once, a fresh verification link with
 * a receipt: the once is recorded on the account (users.verify_reminded_at), claimed in the
 * same transaction.
 */
export function createPaymentNotices(deps: {
  users: UserRepository;
  accountTokens: AccountTokenRepository;
  outbox: MailOutbox;
  publicUrl: () => string;
  emailVerifyTtlS: number;
}) {
  const { users, accountTokens, outbox } = deps;
  return {
    async receipt(tx: Queryable, r: ReceiptFacts & { userId: string }): Promise<void> {
      const user = await users.findByIdIn(tx, r.userId);
      if (!user) return;
      let reminder;
      if (user.emailVerifiedAt === null && (await users.claimVerifyReminder(tx, user.id))) {
        reminder = await newVerifyLink(accountTokens, tx, user, deps.emailVerifyTtlS);
      }
      await outbox.enqueue(
        tx,
        paymentReceiptMail({ email: user.email, userId: user.id, firstName: user.firstName }, deps.publicUrl(), r, reminder),
      );
    },

    async refund(tx: Queryable, r: RefundFacts & { userId: string }): Promise<void> {
      const user = await users.findByIdIn(tx, r.userId);
      if (!user) return;
      await outbox.enqueue(tx, refundProcessedMail({ email: user.email, userId: user.id, firstName: user.firstName }, r));
    },
  };
}

export type PaymentNoticesService = ReturnType<typeof createPaymentNotices>;
