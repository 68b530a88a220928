-- A redemption in one round trip: the steps of `tally_store::writes::redeem`
-- (see README.md for why whole writes are functions).

CREATE FUNCTION tally_redeem(
    for_program TEXT, for_customer TEXT, for_reward TEXT, for_quantity BIGINT, for_expected BIGINT,
    for_key TEXT, for_fingerprint TEXT, new_redemption_id TEXT, new_ledger_id TEXT, new_coupon_id TEXT,
    new_coupon_code TEXT
)
RETURNS TABLE (
    outcome TEXT, cost BIGINT, id TEXT, customer_id TEXT, reward_id TEXT, quantity BIGINT, points_spent BIGINT,
    status TEXT, coupon_code TEXT, idempotency_fingerprint TEXT, created_at TIMESTAMPTZ
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    made redemptions%ROWTYPE;
    wanted rewards%ROWTYPE;
    total NUMERIC;
    balance_after BIGINT;
    refusal TEXT;
BEGIN
    IF for_key IS NOT NULL THEN
        SELECT * INTO made FROM redemptions r WHERE r.program_id = for_program AND r.idempotency_key = for_key;
        IF FOUND THEN
            RETURN QUERY SELECT 'replayed'::TEXT, made.points_spent, made.id, made.customer_id, made.reward_id,
                made.quantity, made.points_spent, made.status, made.coupon_code, made.idempotency_fingerprint,
                made.created_at;
            RETURN;
        END IF;
    END IF;
    SELECT * INTO wanted FROM rewards w WHERE w.program_id = for_program AND w.id = for_reward;
    IF NOT FOUND THEN
        refusal := 'reward_not_found';
    ELSIF NOT wanted.active THEN
        refusal := 'reward_inactive';
    ELSE
        total := wanted.cost_points::NUMERIC * for_quantity;
        IF total > 9223372036854775807 OR total < -9223372036854775808 THEN
            refusal := 'cost_overflow';
        ELSIF for_expected IS NOT NULL AND for_expected <> total THEN
            refusal := 'price_mismatch';
        ELSE
            -- An unlimited reward's row is not touched: an update that changes
            -- nothing would still lock it, making every redemption of a popular
            -- reward wait for the one before it. Stock before points: the lock
            -- order (reward row, then customer row) is the same everywhere.
            IF wanted.stock IS NOT NULL THEN
                UPDATE rewards w SET stock = w.stock - for_quantity
                    WHERE w.program_id = for_program AND w.id = wanted.id
                      AND (w.stock IS NULL OR w.stock >= for_quantity);
                IF NOT FOUND THEN
                    refusal := 'out_of_stock';
                END IF;
            END IF;
            IF refusal IS NULL THEN
                balance_after := tally_debit(for_program, for_customer, total::BIGINT, false);
                IF balance_after IS NULL THEN
                    refusal := 'insufficient_points';
                END IF;
            END IF;
        END IF;
        -- A missing customer is reported before anything about points or stock.
        IF refusal IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.program_id = for_program AND c.id = for_customer) THEN
            refusal := 'customer_not_found';
        END IF;
    END IF;
    IF refusal IS NOT NULL THEN
        RETURN QUERY SELECT refusal, CASE WHEN total BETWEEN -9223372036854775808 AND 9223372036854775807
                                          THEN total::BIGINT END,
            NULL::TEXT, NULL::TEXT, NULL::TEXT, NULL::BIGINT, NULL::BIGINT, NULL::TEXT, NULL::TEXT, NULL::TEXT,
            NULL::TIMESTAMPTZ;
        RETURN;
    END IF;
    INSERT INTO redemptions (id, program_id, customer_id, reward_id, quantity, points_spent, status, coupon_code,
                             idempotency_key, idempotency_fingerprint)
        VALUES (new_redemption_id, for_program, for_customer, wanted.id, for_quantity, total::BIGINT, 'pending',
                CASE WHEN wanted.kind = 'voucher' THEN new_coupon_code END, for_key, for_fingerprint)
        RETURNING * INTO made;
    IF wanted.kind = 'voucher' THEN
        INSERT INTO coupons (id, program_id, code, redemption_id, customer_id, reward_id, status)
            VALUES (new_coupon_id, for_program, new_coupon_code, made.id, for_customer, wanted.id, 'active');
    END IF;
    INSERT INTO ledger_entries (id, program_id, customer_id, points, balance_after, operation, redemption_id)
        VALUES (new_ledger_id, for_program, for_customer, -total::BIGINT, balance_after, 'redeem', made.id);
    RETURN QUERY SELECT 'created'::TEXT, made.points_spent, made.id, made.customer_id, made.reward_id, made.quantity,
        made.points_spent, made.status, made.coupon_code, made.idempotency_fingerprint, made.created_at;
END
$$;
