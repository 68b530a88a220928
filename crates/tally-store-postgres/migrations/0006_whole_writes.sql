-- Whole writes: a redemption and a purchase in one round trip each, and the
-- idempotency record saved in the round trip of the COMMIT.
--
-- The steps are those of `tally_store::writes` (the reference every backend
-- must agree with), run here because each statement sent on its own is a
-- round trip: a pair of context switches on CPUs that PostgreSQL and the
-- nodes share. PL/pgSQL under READ COMMITTED takes a fresh snapshot for each
-- statement, so the functions see what the same statements sent one by one
-- would see; races are still decided by the same conditional statements.
--
-- Ids are made by the application and passed in (ids are made in one place).
-- Each function answers one row whose `outcome` says what happened: the
-- resource's columns for 'created', 'existing' and 'replayed', else a refusal
-- (the caller rolls back, which also undoes a stock already taken).
-- `#variable_conflict use_column`: the result's columns share names with the
-- tables' columns; inside statements a name means the column.

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

CREATE FUNCTION tally_record_purchase(
    for_program TEXT, for_customer TEXT, for_cents BIGINT, for_currency TEXT, for_external_id TEXT,
    for_points BIGINT, for_key TEXT, for_fingerprint TEXT, new_transaction_id TEXT, new_lot_id TEXT,
    new_ledger_id TEXT
)
RETURNS TABLE (
    outcome TEXT, id TEXT, customer_id TEXT, spend_amount_cents BIGINT, currency TEXT, points BIGINT,
    external_id TEXT, status TEXT, voided_amount_cents BIGINT, voided_points BIGINT,
    idempotency_fingerprint TEXT, created_at TIMESTAMPTZ
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    made transactions%ROWTYPE;
    earned NUMERIC;
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
        IF NOT EXISTS (SELECT 1 FROM customers c WHERE c.program_id = for_program AND c.id = for_customer) THEN
            answer := 'customer_not_found';
        ELSIF for_points IS NOT NULL THEN
            earned := for_points;
        ELSE
            -- The earning rule as this transaction sees it, rounded down.
            SELECT div(for_cents::NUMERIC * p.points_per_currency_unit, 100) INTO earned
                FROM programs p WHERE p.id = for_program;
            IF earned > 9223372036854775807 OR earned < -9223372036854775808 THEN
                answer := 'earning_overflow';
            END IF;
        END IF;
    END IF;
    IF answer = 'created' THEN
        INSERT INTO transactions (id, program_id, customer_id, spend_amount_cents, currency, points, external_id,
                                  idempotency_key, idempotency_fingerprint)
            VALUES (new_transaction_id, for_program, for_customer, for_cents, for_currency, earned::BIGINT,
                    for_external_id, for_key, for_fingerprint)
            ON CONFLICT (program_id, external_id) DO NOTHING
            RETURNING * INTO made;
        IF NOT FOUND THEN
            -- The receipt was recorded before: answer with the first purchase.
            SELECT * INTO made FROM transactions t
                WHERE t.program_id = for_program AND t.external_id = for_external_id;
            answer := 'existing';
        ELSE
            balance_after := tally_credit(for_program, for_customer, earned::BIGINT, new_lot_id);
            IF balance_after IS NULL THEN
                answer := 'balance_overflow';
            ELSE
                INSERT INTO ledger_entries (id, program_id, customer_id, points, balance_after, operation,
                                            transaction_id)
                    VALUES (new_ledger_id, for_program, for_customer, earned::BIGINT, balance_after, 'earn', made.id);
            END IF;
        END IF;
    END IF;
    RETURN QUERY SELECT answer, made.id, made.customer_id, made.spend_amount_cents, made.currency, made.points,
        made.external_id, made.status, made.voided_amount_cents, made.voided_points, made.idempotency_fingerprint,
        made.created_at;
END
$$;

-- The executor's last step: the record, then COMMIT, sent together as one
-- simple query. A live record already holding the key (only possible if the
-- key's lock was bypassed) raises, so the COMMIT after it never runs; the
-- SQLSTATE is this schema's own, read as `StoreError::RecordExists`.
CREATE FUNCTION tally_save_record(
    for_program TEXT, for_key TEXT, for_method TEXT, for_path TEXT, for_fingerprint TEXT, for_status INTEGER,
    for_headers JSONB, for_body BYTEA, for_resource TEXT, retention_hours INTEGER
)
RETURNS VOID
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO idempotency_records
        (program_id, key, method, path, fingerprint, status, headers, body, resource_id, created_at, expires_at)
        VALUES (for_program, for_key, for_method, for_path, for_fingerprint, for_status, for_headers, for_body,
                for_resource, now(), now() + make_interval(hours => retention_hours))
        ON CONFLICT (program_id, key) DO UPDATE SET method = excluded.method, path = excluded.path,
            fingerprint = excluded.fingerprint, status = excluded.status, headers = excluded.headers,
            body = excluded.body, resource_id = excluded.resource_id, created_at = excluded.created_at,
            expires_at = excluded.expires_at
        WHERE idempotency_records.expires_at <= now();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'a live idempotency record holds key % already', for_key USING ERRCODE = 'TY001';
    END IF;
END
$$;
