-- A debit with its lot spend, and a credit with its new lot: one round trip
-- each where they took two.
--
-- They have to be functions rather than one statement with data-modifying
-- CTEs: every part of a single statement reads one snapshot, taken before the
-- customer's row lock is granted, so a spend could read lots as they were
-- before a concurrent redemption of the same customer changed them. PL/pgSQL
-- under READ COMMITTED takes a fresh snapshot for each statement, so the lot
-- spend, run after the debit has locked the customer's row, sees every change
-- committed before that lock was granted: the same order of events as two
-- statements sent one after the other.
--
-- Both answer the new balance, or NULL when the guard refused (not enough
-- points, a bigint that would overflow, no such customer); nothing is changed
-- then. Parameter names start with `for_`, so none is mistaken for a column.

-- `allow_negative`: a void's debit under the 'allow_negative' policy, which may
-- take the balance below zero (but not past the bigint's range).
CREATE FUNCTION tally_debit(for_program TEXT, for_customer TEXT, for_points BIGINT, allow_negative BOOLEAN)
RETURNS BIGINT
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    new_balance BIGINT;
    owed BIGINT;
    lot RECORD;
BEGIN
    UPDATE customers SET balance = balance - for_points, lifetime_spent = lifetime_spent + for_points
        WHERE program_id = for_program AND id = for_customer
          AND lifetime_spent <= 9223372036854775807 - for_points
          AND CASE WHEN allow_negative THEN balance >= -9223372036854775807 - 1 + for_points
                   ELSE balance >= for_points END
        RETURNING balance INTO new_balance;
    IF new_balance IS NULL THEN
        RETURN NULL;
    END IF;
    -- Oldest lots first, as far as they reach. The loop's cursor fetches lots
    -- a few at a time and stops once the debit is covered, so a customer with
    -- thousands of unspent lots costs what the lots actually spent cost, not
    -- a pass over all of them.
    owed := for_points;
    FOR lot IN
        SELECT l.id, l.remaining FROM point_lots l
        WHERE l.program_id = for_program AND l.customer_id = for_customer AND l.remaining > 0
        ORDER BY l.id
    LOOP
        EXIT WHEN owed <= 0;
        UPDATE point_lots SET remaining = remaining - LEAST(lot.remaining, owed) WHERE id = lot.id;
        owed := owed - LEAST(lot.remaining, owed);
    END LOOP;
    RETURN new_balance;
END
$$;

-- `lot_id`: the id of the lot the credit starts, made by the caller (ids are
-- made in one place, the application). Only what does not pay back a negative
-- balance becomes a lot, expiring per the program's rule.
CREATE FUNCTION tally_credit(for_program TEXT, for_customer TEXT, for_points BIGINT, lot_id TEXT)
RETURNS BIGINT
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    new_balance BIGINT;
BEGIN
    UPDATE customers SET balance = balance + for_points, lifetime_earned = lifetime_earned + for_points
        WHERE program_id = for_program AND id = for_customer
          AND balance <= 9223372036854775807 - for_points
          AND lifetime_earned <= 9223372036854775807 - for_points
        RETURNING balance INTO new_balance;
    IF new_balance IS NOT NULL AND LEAST(for_points, new_balance) > 0 THEN
        INSERT INTO point_lots (id, program_id, customer_id, points, remaining, expires_at)
            SELECT lot_id, for_program, for_customer, LEAST(for_points, new_balance), LEAST(for_points, new_balance),
                   now() + make_interval(days => points_expire_after_days)
            FROM programs WHERE id = for_program;
    END IF;
    RETURN new_balance;
END
$$;

-- Locks the customer's row: the first step of every change of their points,
-- so concurrent writes to one customer queue in one order. False when there
-- is no such customer.
CREATE FUNCTION tally_lock_customer(for_program TEXT, for_customer TEXT)
RETURNS BOOLEAN
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM 1 FROM customers c WHERE c.program_id = for_program AND c.id = for_customer FOR UPDATE;
    RETURN FOUND;
END
$$;
