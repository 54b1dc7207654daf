-- Accounts people can recover, and mail sent from a transactional outbox.

-- Null until the address is proven to be the account's (a verification link, a
-- password reset, or an operator vouching: bootstrap, CLI, demo data).
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
-- Staff accounts that exist now were made or promoted by an operator: they are vouched for.
UPDATE users SET email_verified_at = now() WHERE role IN ('instructor', 'admin');
CREATE INDEX users_email_verified_idx ON users ((email_verified_at IS NOT NULL));

-- Single-use tokens mailed to an address: password resets and email verifications.
-- Only a hash is stored; the token itself exists in the mail (sealed at rest) and the link.
CREATE TABLE account_tokens (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose     text NOT NULL CHECK (purpose IN ('password_reset', 'email_verify')),
  token_hash  text NOT NULL UNIQUE,
  -- The address the token was mailed to: a token for an address the account no longer has proves nothing.
  email       text NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);

-- Every message is a row written in the transaction of the event that causes it; a
-- background sender delivers rows oldest first. A claim pushes next_attempt_at ahead by
-- a lease, so a sender that dies mid-send leaves the row to be retried (same Message-ID).
CREATE TABLE mail_outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Stable per row: a retry after an ambiguous failure is recognisable as the same message.
  message_id      text NOT NULL UNIQUE,
  kind            text NOT NULL,
  user_id         uuid REFERENCES users (id) ON DELETE SET NULL,
  recipient       text NOT NULL,
  subject         text NOT NULL,
  -- Bodies of messages without a token, in clear.
  body_text       text,
  body_html       text,
  -- Bodies of messages that hold a token: AES-256-GCM, erased (with the clear ones) once sent.
  sealed          bytea,
  holds_token     boolean NOT NULL DEFAULT false,
  -- Not sent by then: dropped (the token in it has expired; the user asks again).
  expires_at      timestamptz,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'dropped')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX mail_outbox_failed_idx ON mail_outbox (created_at) WHERE status = 'failed';

-- The built-in mailbox (no SMTP_URL; never in production): what the sender delivered
-- there, in the database so every worker and a restart see the same mailbox. Bounded
-- by the mailbox itself (the newest 500 are kept).
CREATE TABLE dev_mailbox (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id   text NOT NULL,
  sender       text NOT NULL,
  recipient    text NOT NULL,
  subject      text NOT NULL,
  body_text    text NOT NULL,
  body_html    text,
  received_at  timestamptz NOT NULL DEFAULT now()
);

-- An unverified account gets one reminder (a fresh verification link) with a payment
-- receipt, once: this records that it was sent, claimed by a conditional UPDATE in the
-- transaction that writes the receipt.
ALTER TABLE users ADD COLUMN verify_reminded_at timestamptz;
