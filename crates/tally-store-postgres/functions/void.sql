-- A void in one round trip: the steps of `tally_store::writes::void` (see
-- README.md for why whole writes are functions). The purchase row's conditional
-- update decides between simultaneous voids, as before; the points it takes
-- back are `void_points` of tally-core, cumulative, in NUMERIC so the product
-- of points and cents never overflows: after the void the purchase has lost
-- floor(points × voided cents / spend cents) in total, all of it once voided
-- in full (or if it cost nothing). Points still pending go back first
-- (`tally_take_held`, pending.sql); only the rest is a debit. The points taken
-- back leave the customer's qualifying points too.

CREATE FUNCTION tally_void(
    for_program TEXT, for_transaction TEXT, for_amount BIGINT, for_key TEXT, for_fingerprint TEXT,
    new_ledger_id TEXT
)
RETURNS TABLE (
    outcome TEXT, detail BIGINT, id TEXT, customer_id TEXT, spend_amount_cents BIGINT, currency TEXT, points BIGINT,
    external_id TEXT, status TEXT, voided_amount_cents BIGINT, voided_points BIGINT, tier TEXT,
    earn_multiplier_percent INTEGER, idempotency_fingerprint TEXT, created_at TIMESTAMPTZ
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    keyed ledger_entries%ROWTYPE;
    current_row transactions%ROWTYPE;
    made transactions%ROWTYPE;
    take BIGINT;
    held BIGINT := 0;
    policy TEXT;
    balance BIGINT;
    answer TEXT := 'changed';
    answer_detail BIGINT;
BEGIN
    IF for_key IS NOT NULL THEN
        SELECT * INTO keyed FROM ledger_entries e WHERE e.program_id = for_program AND e.idempotency_key = for_key;
        IF FOUND THEN
            IF keyed.operation = 'void' AND keyed.transaction_id IS NOT NULL THEN
                SELECT * INTO made FROM transactions t
                    WHERE t.program_id = for_program AND t.id = keyed.transaction_id;
            END IF;
            IF made.id IS NULL THEN
                answer := 'key_used_elsewhere';
            ELSE
                answer := 'replayed';
                made.idempotency_fingerprint := keyed.idempotency_fingerprint;
            END IF;
        END IF;
    END IF;
    IF answer = 'changed' AND for_amount IS NOT NULL THEN
        -- Refused up front: an amount beyond what is left could overflow the sum below.
        SELECT * INTO current_row FROM transactions t WHERE t.program_id = for_program AND t.id = for_transaction;
        IF current_row.id IS NULL OR current_row.status = 'voided'
           OR for_amount > current_row.spend_amount_cents - current_row.voided_amount_cents THEN
            answer := 'refused';
        END IF;
    END IF;
    IF answer = 'changed' THEN
        UPDATE transactions t SET
            voided_amount_cents = t.voided_amount_cents
                + COALESCE(for_amount, t.spend_amount_cents - t.voided_amount_cents),
            status = CASE WHEN t.voided_amount_cents + COALESCE(for_amount, t.spend_amount_cents - t.voided_amount_cents)
                = t.spend_amount_cents THEN 'voided' ELSE 'partially_voided' END
            WHERE t.program_id = for_program AND t.id = for_transaction AND t.status <> 'voided'
              AND t.voided_amount_cents + COALESCE(for_amount, t.spend_amount_cents - t.voided_amount_cents)
                  <= t.spend_amount_cents
            RETURNING * INTO made;
        IF NOT FOUND THEN
            SELECT * INTO current_row FROM transactions t WHERE t.program_id = for_program AND t.id = for_transaction;
            answer := 'refused';
        END IF;
    END IF;
    IF answer = 'refused' THEN
        IF current_row.id IS NULL THEN
            answer := 'transaction_not_found';
        ELSIF current_row.status = 'voided' THEN
            answer := 'already_voided';
        ELSE
            answer := 'exceeds_purchase';
            answer_detail := current_row.spend_amount_cents - current_row.voided_amount_cents;
        END IF;
    END IF;
    IF answer = 'changed' THEN
        take := CASE WHEN made.spend_amount_cents = 0 OR made.voided_amount_cents >= made.spend_amount_cents
                     THEN made.points
                     ELSE div(made.points::NUMERIC * made.voided_amount_cents, made.spend_amount_cents)::BIGINT
                END - made.voided_points;
        IF take > 0 OR for_key IS NOT NULL THEN
            SELECT p.void_policy INTO policy FROM programs p WHERE p.id = for_program;
            -- Points still pending go back first; only the rest is a debit.
            IF take > 0 THEN
                held := tally_take_held(for_program, made.id, take);
            END IF;
            balance := tally_debit(for_program, made.customer_id, take - held, policy = 'allow_negative');
            IF balance IS NULL AND policy = 'allow_negative' THEN
                answer := 'balance_overflow';
            ELSIF balance IS NULL THEN
                answer := 'insufficient_points';
                answer_detail := take - held;
            ELSE
                INSERT INTO ledger_entries (id, program_id, customer_id, points, pending_points, balance_after,
                                            operation, transaction_id, idempotency_key, idempotency_fingerprint,
                                            qualifying_points)
                    VALUES (new_ledger_id, for_program, made.customer_id, -(take - held), -held, balance, 'void',
                            made.id, for_key, for_fingerprint, -take);
            END IF;
        END IF;
        IF answer = 'changed' THEN
            UPDATE transactions t SET voided_points = made.voided_points + take
                WHERE t.program_id = for_program AND t.id = made.id
                RETURNING * INTO made;
        END IF;
    END IF;
    IF answer NOT IN ('changed', 'replayed') THEN
        made := NULL;
    END IF;
    RETURN QUERY SELECT answer, answer_detail, made.id, made.customer_id, made.spend_amount_cents, made.currency,
        made.points, made.external_id, made.status, made.voided_amount_cents, made.voided_points, made.tier,
        made.earn_multiplier_percent, made.idempotency_fingerprint, made.created_at;
END
$$;
