-- Pending points: a purchase's points held for the program's holding period
-- (see migrations/0013_pending_points_and_tiers.sql). Every function here locks
-- the customer's row before a pending lot's, the order every points change
-- uses, so a void and a release of the same purchase never deadlock.

-- Holds a purchase's points for the program's holding period: the pending
-- total grows, a pending lot starts. Answers the (unchanged) balance, or NULL
-- when the pending total would overflow or there is no such customer.
CREATE FUNCTION tally_hold(for_program TEXT, for_customer TEXT, for_transaction TEXT, for_points BIGINT, lot_id TEXT)
RETURNS BIGINT
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    balance_now BIGINT;
BEGIN
    UPDATE customers c SET pending_earned = c.pending_earned + for_points
        WHERE c.program_id = for_program AND c.id = for_customer
          AND c.pending_earned <= 9223372036854775807 - for_points
        RETURNING c.balance INTO balance_now;
    IF balance_now IS NOT NULL THEN
        INSERT INTO pending_lots (id, program_id, customer_id, transaction_id, points, remaining, releases_at)
            SELECT lot_id, for_program, for_customer, for_transaction, for_points, for_points,
                   now() + make_interval(days => p.points_pending_days)
            FROM programs p WHERE p.id = for_program;
    END IF;
    RETURN balance_now;
END
$$;

-- Takes up to `for_points` back from a purchase's pending lot (a void in the
-- holding period): answers how many it took, 0 when the lot is released,
-- empty or absent.
CREATE FUNCTION tally_take_held(for_program TEXT, for_transaction TEXT, for_points BIGINT)
RETURNS BIGINT
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    owner TEXT;
    taken BIGINT;
BEGIN
    SELECT l.customer_id INTO owner FROM pending_lots l
        WHERE l.program_id = for_program AND l.transaction_id = for_transaction;
    IF owner IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM tally_lock_customer(for_program, owner);
    UPDATE pending_lots p SET remaining = p.remaining - LEAST(held.remaining, for_points)
        FROM (SELECT l.id, l.remaining FROM pending_lots l
              WHERE l.program_id = for_program AND l.transaction_id = for_transaction
                AND l.released_at IS NULL AND l.remaining > 0
              FOR UPDATE) held
        WHERE p.id = held.id
        RETURNING LEAST(held.remaining, for_points) INTO taken;
    IF taken IS NULL THEN
        RETURN 0;
    END IF;
    UPDATE customers c SET pending_earned = c.pending_earned - taken
        WHERE c.program_id = for_program AND c.id = owner;
    RETURN taken;
END
$$;

-- Ends a due pending lot (the caller has locked its customer): its points
-- leave the pending total. No row: released already, not due, or empty.
CREATE FUNCTION tally_release_lot(for_program TEXT, for_lot TEXT)
RETURNS TABLE (transaction_id TEXT, points BIGINT)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    purchase TEXT;
    owner TEXT;
    taken BIGINT;
BEGIN
    UPDATE pending_lots p SET remaining = 0, released_at = now()
        FROM (SELECT l.id, l.remaining FROM pending_lots l
              WHERE l.program_id = for_program AND l.id = for_lot
                AND l.released_at IS NULL AND l.remaining > 0 AND l.releases_at <= now()
              FOR UPDATE) due
        WHERE p.id = due.id
        RETURNING p.transaction_id, p.customer_id, due.remaining INTO purchase, owner, taken;
    IF taken IS NULL THEN
        RETURN;
    END IF;
    UPDATE customers c SET pending_earned = c.pending_earned - taken
        WHERE c.program_id = for_program AND c.id = owner;
    RETURN QUERY SELECT purchase, taken;
END
$$;

-- A release in one round trip: the steps of `tally_store::writes::release`
-- (see README.md for why whole writes are functions). No row: no such customer, or
-- the lot was released already, is not due, or is empty.
CREATE FUNCTION tally_release(for_program TEXT, for_customer TEXT, for_lot TEXT, new_lot_id TEXT,
                              new_ledger_id TEXT)
RETURNS SETOF ledger_entries
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    released RECORD;
    balance_after BIGINT;
BEGIN
    IF NOT tally_lock_customer(for_program, for_customer) THEN
        RETURN;
    END IF;
    SELECT * INTO released FROM tally_release_lot(for_program, for_lot);
    IF released.points IS NULL THEN
        RETURN;
    END IF;
    balance_after := tally_credit(for_program, for_customer, released.points, new_lot_id);
    IF balance_after IS NULL THEN
        RAISE EXCEPTION 'releasing lot % would overflow the balance', for_lot;
    END IF;
    RETURN QUERY INSERT INTO ledger_entries (id, program_id, customer_id, points, pending_points, balance_after,
                                             operation, transaction_id)
        VALUES (new_ledger_id, for_program, for_customer, released.points, -released.points, balance_after,
                'release', released.transaction_id)
        RETURNING *;
END
$$;
