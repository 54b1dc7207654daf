-- The start of a payment initialization in one round trip. POST /payments/initialize
-- used to ask five statements one after the other (the course, the enrollment, the open
-- attempt, the insert, the caller's email), each its own round trip to the server; this
-- function asks them all, in that order, and inserts the new attempt only where the
-- service would have: the course exists, is published and costs something, the caller
-- is not enrolled in it, and has no pending attempt for it.
--
-- What to make of the answer stays in the service (src/payments/checkout.ts): 404 for a
-- course it cannot see, 409 when enrolled, the free-course enrollment, and waiting for,
-- answering or superseding an open attempt. A concurrent initialize that inserted first
-- makes the insert do nothing (the one-pending index, as insertPending's 'conflict'):
-- then neither an open nor an inserted attempt comes back and the service looks again.
--
-- One row always: the course's columns prefixed c_ (null when there is no such course),
-- `enrolled`, `email` (null when the user row is gone), `inserted`, and the open or
-- inserted attempt under the payments table's own column names (all null when none).
CREATE FUNCTION payment_checkout_begin(p_user uuid, p_course uuid, p_reference text, p_next_check_ms double precision)
RETURNS TABLE (
  c_id uuid, c_slug text, c_title text, c_description text, c_price bigint, c_currency text,
  c_is_published boolean, c_instructor_id uuid, c_created_at timestamptz, c_updated_at timestamptz,
  enrolled boolean, email text, inserted boolean,
  id uuid, reference text, user_id uuid, course_id uuid, amount bigint, currency text, status text,
  authorization_url text, access_code text, paystack_transaction_id bigint, paid_at timestamptz,
  gateway_response text, flagged text, refunded_amount bigint, init_in_flight boolean,
  check_attempts integer, next_check_at timestamptz, created_at timestamptz, updated_at timestamptz
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  crs courses;
  pay payments;
  v_enrolled boolean;
  v_email text;
  v_inserted boolean := false;
BEGIN
  SELECT * INTO crs FROM courses WHERE courses.id = p_course;
  v_enrolled := EXISTS (
    SELECT 1 FROM enrollments
     WHERE enrollments.user_id = p_user AND enrollments.course_id = p_course AND enrollments.ended_at IS NULL);
  SELECT users.email INTO v_email FROM users WHERE users.id = p_user;
  IF crs.id IS NOT NULL AND crs.is_published AND crs.price > 0 AND NOT v_enrolled THEN
    SELECT * INTO pay FROM payments
     WHERE payments.user_id = p_user AND payments.course_id = p_course AND payments.status = 'pending';
    IF NOT FOUND THEN
      -- The price comes from the course row, never the client. In flight from the start:
      -- its Paystack initialize is about to be called.
      INSERT INTO payments (reference, user_id, course_id, amount, currency, init_in_flight, next_check_at)
      VALUES (p_reference, p_user, p_course, crs.price, crs.currency, true,
              now() + make_interval(secs => p_next_check_ms / 1000))
      ON CONFLICT DO NOTHING
      RETURNING * INTO pay;
      v_inserted := FOUND;
    END IF;
  END IF;
  RETURN QUERY SELECT
    crs.id, crs.slug, crs.title, crs.description, crs.price, crs.currency,
    crs.is_published, crs.instructor_id, crs.created_at, crs.updated_at,
    v_enrolled, v_email, v_inserted,
    pay.id, pay.reference, pay.user_id, pay.course_id, pay.amount, pay.currency, pay.status,
    pay.authorization_url, pay.access_code, pay.paystack_transaction_id, pay.paid_at,
    pay.gateway_response, pay.flagged, pay.refunded_amount, pay.init_in_flight,
    pay.check_attempts, pay.next_check_at, pay.created_at, pay.updated_at;
END
$$;
