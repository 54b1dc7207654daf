-- An unverified account gets one reminder (a fresh verification link) with a payment
-- receipt, once: this records that it was sent, claimed by a conditional UPDATE in the
-- transaction that writes the receipt.
ALTER TABLE users ADD COLUMN verify_reminded_at timestamptz;
