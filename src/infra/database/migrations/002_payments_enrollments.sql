-- Payments: a state machine whose row (our unique reference, the amount and currency
-- we expect) is committed before Paystack is ever called, so any crash or timeout
-- leaves a row that the reconciler can finish.
CREATE TABLE payments (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reference               text NOT NULL UNIQUE,
  user_id                 uuid NOT NULL REFERENCES users (id),
  course_id               uuid NOT NULL REFERENCES courses (id),
  amount                  bigint NOT NULL CHECK (amount >= 0),
  currency                text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  status                  text NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'success', 'failed', 'abandoned', 'expired', 'refund_pending', 'refunded')),
  authorization_url       text,
  access_code             text,
  paystack_transaction_id bigint,
  paid_at                 timestamptz,
  gateway_response        text,
  -- Set when Paystack's answer cannot be trusted to fulfil (amount or currency
  -- mismatch): a person must look; the reconciler leaves the row alone.
  flagged                 text,
  refunded_amount         bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
  refund_amount           bigint CHECK (refund_amount > 0),
  paystack_refund_id      bigint,
  refund_requested_at     timestamptz,
  -- The reconciler's bookkeeping: when to look again, and how many times it has.
  check_attempts          integer NOT NULL DEFAULT 0,
  next_check_at           timestamptz NOT NULL DEFAULT now(),
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);
-- One open attempt per user and course: a second initialize finds it instead.
CREATE UNIQUE INDEX payments_one_pending_idx ON payments (user_id, course_id) WHERE status = 'pending';
CREATE INDEX payments_sweep_idx ON payments (next_check_at) WHERE status IN ('pending', 'refund_pending', 'failed', 'abandoned');
CREATE INDEX payments_user_idx ON payments (user_id, created_at);

-- Enrollments: at most one active enrollment per user and course, and at most one
-- enrollment per payment. These constraints, not timing, make fulfilment exactly-once.
CREATE TABLE enrollments (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL REFERENCES users (id),
  course_id         uuid NOT NULL REFERENCES courses (id),
  payment_reference text REFERENCES payments (reference),
  enrolled_at       timestamptz NOT NULL DEFAULT now(),
  ended_at          timestamptz
);
CREATE UNIQUE INDEX enrollments_active_idx ON enrollments (user_id, course_id) WHERE ended_at IS NULL;
CREATE UNIQUE INDEX enrollments_payment_idx ON enrollments (payment_reference);

-- Webhook events as received. Paystack sends no event id and retries deliveries, so
-- duplicates are deduplicated on (event, reference, status). Stored before the 200 is
-- sent; processed after, and again by the reconciler if a crash got in between.
CREATE TABLE webhook_events (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event        text NOT NULL,
  reference    text NOT NULL,
  status       text NOT NULL,
  payload      jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz,
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text,
  UNIQUE (event, reference, status)
);
CREATE INDEX webhook_events_pending_idx ON webhook_events (received_at) WHERE processed_at IS NULL;
