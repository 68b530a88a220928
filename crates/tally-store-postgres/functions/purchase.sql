-- A purchase in one round trip: the steps of `tally_store::writes::record_purchase`
-- (see README.md for why whole writes are functions), with the holding period,
-- the tier's multiplier and the qualifying points: a purchase's points are held
-- when the program has a holding period (`tally_hold`, pending.sql); it earns at
-- the multiplier of the tier its customer holds when it is recorded, kept on the
-- purchase.

CREATE FUNCTION tally_record_purchase(
    for_program TEXT, for_customer TEXT, for_cents BIGINT, for_currency TEXT, for_external_id TEXT,
    for_points BIGINT, for_key TEXT, for_fingerprint TEXT, new_transaction_id TEXT, new_lot_id TEXT,
    new_ledger_id TEXT
)
RETURNS TABLE (
    outcome TEXT, id TEXT, customer_id TEXT, spend_amount_cents BIGINT, currency TEXT, points BIGINT,
    external_id TEXT, status TEXT, voided_amount_cents BIGINT, voided_points BIGINT, tier TEXT,
    earn_multiplier_percent INTEGER, idempotency_fingerprint TEXT, created_at TIMESTAMPTZ
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    made transactions%ROWTYPE;
    earned NUMERIC;
    hold_days INTEGER;
    held BIGINT := 0;
    tier_now TEXT;
    multiplier INTEGER := 100;
    balance_after BIGINT;
    answer TEXT := 'created';
BEGIN
    IF for_key IS NOT NULL THEN
        SELECT * INTO made FROM transactions t WHERE t.program_id = for_program AND t.idempotency_key = for_key;
        IF FOUND THEN
            answer := 'replayed';
        END IF;
    END IF;
    IF answer = 'created' THEN
        -- The earning rule and the holding period as this transaction sees them.
        SELECT div(for_cents::NUMERIC * p.points_per_currency_unit, 100), p.points_pending_days
            INTO earned, hold_days
            FROM programs p WHERE p.id = for_program;
        -- The tier the customer holds now, and what it multiplies the rule by.
        SELECT c.tier, COALESCE((SELECT (t ->> 'earn_multiplier_percent')::INTEGER
                                 FROM jsonb_array_elements(p.tiers::jsonb) t WHERE t ->> 'name' = c.tier), 100)
            INTO tier_now, multiplier
            FROM customers c JOIN programs p ON p.id = c.program_id
            WHERE c.program_id = for_program AND c.id = for_customer;
        IF NOT FOUND THEN
            answer := 'customer_not_found';
        ELSIF for_points IS NOT NULL THEN
            -- Points given by the client are taken as they are.
            earned := for_points;
            multiplier := 100;
        ELSE
            earned := div(earned * multiplier, 100);
            IF earned > 9223372036854775807 OR earned < -9223372036854775808 THEN
                answer := 'earning_overflow';
            END IF;
        END IF;
    END IF;
    IF answer = 'created' THEN
        INSERT INTO transactions (id, program_id, customer_id, spend_amount_cents, currency, points, external_id,
                                  idempotency_key, idempotency_fingerprint, tier, earn_multiplier_percent)
            VALUES (new_transaction_id, for_program, for_customer, for_cents, for_currency, earned::BIGINT,
                    for_external_id, for_key, for_fingerprint, tier_now, multiplier)
            ON CONFLICT (program_id, external_id) DO NOTHING
            RETURNING * INTO made;
        IF NOT FOUND THEN
            -- The receipt was recorded before: answer with the first purchase.
            SELECT * INTO made FROM transactions t
                WHERE t.program_id = for_program AND t.external_id = for_external_id;
            answer := 'existing';
        ELSE
            -- In a holding period the points wait beside the balance.
            IF hold_days > 0 AND earned > 0 THEN
                held := earned::BIGINT;
                balance_after := tally_hold(for_program, for_customer, made.id, held, new_lot_id);
            ELSE
                balance_after := tally_credit(for_program, for_customer, earned::BIGINT, new_lot_id);
            END IF;
            IF balance_after IS NULL THEN
                answer := 'balance_overflow';
            ELSE
                INSERT INTO ledger_entries (id, program_id, customer_id, points, pending_points, balance_after,
                                            operation, transaction_id, qualifying_points)
                    VALUES (new_ledger_id, for_program, for_customer, earned::BIGINT - held, held, balance_after,
                            'earn', made.id, earned::BIGINT);
            END IF;
        END IF;
    END IF;
    RETURN QUERY SELECT answer, made.id, made.customer_id, made.spend_amount_cents, made.currency, made.points,
        made.external_id, made.status, made.voided_amount_cents, made.voided_points, made.tier,
        made.earn_multiplier_percent, made.idempotency_fingerprint, made.created_at;
END
$$;
