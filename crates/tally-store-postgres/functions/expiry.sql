-- A lot's expiry in one round trip: the steps of `tally_store::writes::expire`
-- (see README.md for why whole writes are functions). The customer's row is locked
-- first, the order every points change uses; the lot's conditional update lets
-- exactly one node take it. No row: no such customer, or the lot was taken
-- already or is not due.
CREATE FUNCTION tally_expire_lot(for_program TEXT, for_customer TEXT, for_lot TEXT, new_ledger_id TEXT)
RETURNS SETOF ledger_entries
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    taken BIGINT;
    balance_after BIGINT;
BEGIN
    IF NOT tally_lock_customer(for_program, for_customer) THEN
        RETURN;
    END IF;
    UPDATE point_lots p SET remaining = 0, expired_at = now()
        FROM (SELECT l.id, l.remaining FROM point_lots l
              WHERE l.program_id = for_program AND l.id = for_lot AND l.customer_id = for_customer
                AND l.expired_at IS NULL AND l.remaining > 0 AND l.expires_at <= now()
              FOR UPDATE) due
        WHERE p.id = due.id
        RETURNING due.remaining INTO taken;
    IF taken IS NULL THEN
        RETURN;
    END IF;
    UPDATE customers c SET balance = c.balance - taken, lifetime_spent = c.lifetime_spent + taken
        WHERE c.program_id = for_program AND c.id = for_customer
        RETURNING c.balance INTO balance_after;
    RETURN QUERY INSERT INTO ledger_entries (id, program_id, customer_id, points, balance_after, operation)
        VALUES (new_ledger_id, for_program, for_customer, -taken, balance_after, 'expire')
        RETURNING *;
END
$$;
