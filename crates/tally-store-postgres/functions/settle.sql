-- A fulfil or cancel, and a coupon's use, in one round trip each: the steps
-- of `tally_store::writes::settle` and `use_coupon` (see README.md for why whole
-- writes are functions). Rows are locked in the order every write uses:
-- redemption, reward, coupon, customer.

CREATE FUNCTION tally_settle(
    for_program TEXT, for_redemption TEXT, to_status TEXT, for_key TEXT, for_fingerprint TEXT, new_lot_id TEXT,
    new_ledger_id TEXT
)
RETURNS TABLE (
    outcome TEXT, id TEXT, customer_id TEXT, reward_id TEXT, quantity BIGINT, points_spent BIGINT, status TEXT,
    coupon_code TEXT, idempotency_fingerprint TEXT, created_at TIMESTAMPTZ
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    made redemptions%ROWTYPE;
    balance BIGINT;
    answer TEXT := 'changed';
BEGIN
    UPDATE redemptions r SET status = to_status, moved_by_key = COALESCE(for_key, r.moved_by_key),
            moved_by_fingerprint = COALESCE(for_fingerprint, r.moved_by_fingerprint)
        WHERE r.program_id = for_program AND r.id = for_redemption AND r.status = 'pending'
        RETURNING * INTO made;
    IF NOT FOUND THEN
        SELECT * INTO made FROM redemptions r WHERE r.program_id = for_program AND r.id = for_redemption;
        IF NOT FOUND THEN
            answer := 'redemption_not_found';
        ELSIF for_key IS NOT NULL AND made.moved_by_key = for_key THEN
            -- This key made the move: a replay, with the move's fingerprint.
            answer := 'replayed';
            made.idempotency_fingerprint := made.moved_by_fingerprint;
        ELSIF made.status = 'fulfilled' THEN
            answer := 'already_fulfilled';
        ELSE
            answer := 'already_cancelled';
        END IF;
    ELSIF to_status = 'cancelled' THEN
        UPDATE rewards w SET stock = w.stock + made.quantity
            WHERE w.program_id = for_program AND w.id = made.reward_id AND w.stock IS NOT NULL;
        IF made.coupon_code IS NOT NULL THEN
            UPDATE coupons c SET status = 'void'
                WHERE c.program_id = for_program AND c.code = made.coupon_code AND c.status = 'active';
            IF NOT FOUND THEN
                answer := 'coupon_redeemed';
            END IF;
        END IF;
        IF answer = 'changed' THEN
            balance := tally_credit(for_program, made.customer_id, made.points_spent, new_lot_id);
            IF balance IS NULL THEN
                answer := 'balance_overflow';
            ELSE
                INSERT INTO ledger_entries (id, program_id, customer_id, points, balance_after, operation,
                                            redemption_id)
                    VALUES (new_ledger_id, for_program, made.customer_id, made.points_spent, balance, 'refund',
                            made.id);
            END IF;
        END IF;
    END IF;
    IF answer NOT IN ('changed', 'replayed') THEN
        made := NULL;
    END IF;
    RETURN QUERY SELECT answer, made.id, made.customer_id, made.reward_id, made.quantity, made.points_spent,
        made.status, made.coupon_code, made.idempotency_fingerprint, made.created_at;
END
$$;

CREATE FUNCTION tally_use_coupon(for_program TEXT, for_code TEXT, for_key TEXT, for_fingerprint TEXT)
RETURNS TABLE (
    outcome TEXT, id TEXT, code TEXT, redemption_id TEXT, customer_id TEXT, reward_id TEXT, status TEXT,
    created_at TIMESTAMPTZ, redeemed_at TIMESTAMPTZ, moved_by_fingerprint TEXT
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    used coupons%ROWTYPE;
    answer TEXT := 'changed';
BEGIN
    SELECT * INTO used FROM coupons c WHERE c.program_id = for_program AND c.code = for_code;
    IF NOT FOUND THEN
        answer := 'coupon_not_found';
    ELSE
        UPDATE redemptions r SET status = 'fulfilled'
            WHERE r.program_id = for_program AND r.id = used.redemption_id AND r.status = 'pending';
        UPDATE coupons c SET status = 'redeemed', redeemed_at = now(),
                moved_by_key = COALESCE(for_key, c.moved_by_key),
                moved_by_fingerprint = COALESCE(for_fingerprint, c.moved_by_fingerprint)
            WHERE c.program_id = for_program AND c.code = for_code AND c.status = 'active'
            RETURNING * INTO used;
        IF NOT FOUND THEN
            SELECT * INTO used FROM coupons c WHERE c.program_id = for_program AND c.code = for_code;
            IF NOT FOUND THEN
                answer := 'coupon_not_found';
            ELSIF for_key IS NOT NULL AND used.moved_by_key = for_key THEN
                answer := 'replayed';
            ELSIF used.status = 'redeemed' THEN
                answer := 'coupon_redeemed';
            ELSE
                answer := 'coupon_void';
            END IF;
        END IF;
    END IF;
    IF answer NOT IN ('changed', 'replayed') THEN
        used := NULL;
    END IF;
    RETURN QUERY SELECT answer, used.id, used.code, used.redemption_id, used.customer_id, used.reward_id, used.status,
        used.created_at, used.redeemed_at, used.moved_by_fingerprint;
END
$$;
