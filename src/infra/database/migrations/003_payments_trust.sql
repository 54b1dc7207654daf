-- Payments you can trust: one live checkout per (user, course), flagged as a status of
-- its own, refunds as rows of their own, and refund webhooks keyed by the refund.

-- A payment whose verify reported another amount or currency is `flagged`: never
-- fulfilled, not pending (so a new attempt is allowed), listed for a person. The
-- `flagged` column keeps the reason text.
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
  CHECK (status IN ('pending', 'success', 'failed', 'abandoned', 'expired', 'flagged', 'refund_pending', 'refunded'));
UPDATE payments SET status = 'flagged', updated_at = now()
 WHERE flagged IS NOT NULL AND status IN ('pending', 'failed', 'abandoned', 'expired');

-- True from the insert until the attempt's Paystack initialize has finished (with a
-- checkout URL or a failure). An attempt in flight is never superseded; the row's age
-- (REQUEST_TIMEOUT_MS + 5 s) tells when the request that made it is certainly over.
ALTER TABLE payments ADD COLUMN init_in_flight boolean NOT NULL DEFAULT false;

-- Refunds, one row each. A payment's refunded_amount is the sum of its processed
-- refunds, kept in the same transaction that marks one processed.
CREATE TABLE refunds (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  payment_reference  text NOT NULL REFERENCES payments (reference),
  -- Paystack's id, once known: never recorded twice, so a lookup after a lost answer
  -- cannot take an older refund of the same payment for the one asked now.
  paystack_refund_id bigint UNIQUE,
  amount             bigint NOT NULL CHECK (amount > 0),
  -- requested: asked of Paystack (or about to be), no answer with an id yet;
  -- pending: Paystack has it under paystack_refund_id; processed / failed: final.
  status             text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'pending', 'processed', 'failed')),
  -- admin: asked by an admin; second_charge: the automatic refund of a second charge.
  kind               text NOT NULL DEFAULT 'admin' CHECK (kind IN ('admin', 'second_charge')),
  note               text,
  requested_at       timestamptz NOT NULL DEFAULT now(),
  processed_at       timestamptz,
  updated_at         timestamptz NOT NULL DEFAULT now()
);
-- One refund open at a time per payment (the payment is refund_pending meanwhile).
CREATE UNIQUE INDEX refunds_one_open_idx ON refunds (payment_reference) WHERE status IN ('requested', 'pending');
-- A second charge is refunded automatically once: this row is the fact, whoever learns of it.
CREATE UNIQUE INDEX refunds_second_charge_idx ON refunds (payment_reference) WHERE kind = 'second_charge';

-- Existing refunds: what was processed (one row with the total; the last known id),
-- and the refund in progress.
INSERT INTO refunds (payment_reference, paystack_refund_id, amount, status, requested_at, processed_at)
SELECT reference, CASE WHEN status = 'refunded' THEN paystack_refund_id END, refunded_amount, 'processed',
       COALESCE(refund_requested_at, updated_at), updated_at
  FROM payments WHERE refunded_amount > 0;
INSERT INTO refunds (payment_reference, paystack_refund_id, amount, status, requested_at)
SELECT reference, paystack_refund_id, refund_amount, CASE WHEN paystack_refund_id IS NULL THEN 'requested' ELSE 'pending' END,
       COALESCE(refund_requested_at, updated_at)
  FROM payments WHERE status = 'refund_pending' AND refund_amount IS NOT NULL;
ALTER TABLE payments DROP COLUMN refund_amount, DROP COLUMN paystack_refund_id, DROP COLUMN refund_requested_at;

-- Webhook events deduplicated on a key of their own: a charge event by (event,
-- reference, status) as before, a refund event by the refund's own id, so the second
-- and third refund.processed of one payment are not taken for the first.
ALTER TABLE webhook_events ADD COLUMN event_key text;
UPDATE webhook_events SET event_key = event || ':' || reference || ':' || status;
ALTER TABLE webhook_events ALTER COLUMN event_key SET NOT NULL;
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_event_reference_status_key;
CREATE UNIQUE INDEX webhook_events_key_idx ON webhook_events (event_key);
