-- A manual adjustment in one round trip: the steps of
-- `tally_store::writes::adjust` (see README.md for why whole writes are
-- functions). The customer's row is locked first, as every change to a
-- customer's points does, so the lots the credit or debit touches never race.
-- `for_qualifying`: the adjustment counts towards the customer's tier (its
-- entry's `qualifying_points`).

CREATE FUNCTION tally_adjust(
    for_program TEXT, for_customer TEXT, for_points BIGINT, for_reason TEXT, for_token TEXT, for_key TEXT,
    for_fingerprint TEXT, new_lot_id TEXT, new_ledger_id TEXT, for_qualifying BOOLEAN
)
RETURNS TABLE (
    outcome TEXT, id TEXT, customer_id TEXT, points BIGINT, pending_points BIGINT, qualifying_points BIGINT,
    balance_after BIGINT, operation TEXT,
    transaction_id TEXT, redemption_id TEXT, reason TEXT, token_id TEXT, idempotency_fingerprint TEXT,
    created_at TIMESTAMPTZ
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    made ledger_entries%ROWTYPE;
    balance BIGINT;
    answer TEXT := 'created';
BEGIN
    IF for_key IS NOT NULL THEN
        SELECT * INTO made FROM ledger_entries e WHERE e.program_id = for_program AND e.idempotency_key = for_key;
        IF FOUND THEN
            answer := 'replayed';
        END IF;
    END IF;
    IF answer = 'created' THEN
        IF NOT tally_lock_customer(for_program, for_customer) THEN
            answer := 'customer_not_found';
        ELSIF for_points > 0 THEN
            balance := tally_credit(for_program, for_customer, for_points, new_lot_id);
            IF balance IS NULL THEN
                answer := 'balance_overflow';
            END IF;
        ELSE
            balance := tally_debit(for_program, for_customer, -for_points, false);
            IF balance IS NULL THEN
                answer := 'insufficient_points';
            END IF;
        END IF;
    END IF;
    IF answer = 'created' THEN
        INSERT INTO ledger_entries (id, program_id, customer_id, points, balance_after, operation, reason, token_id,
                                    idempotency_key, idempotency_fingerprint, qualifying_points)
            VALUES (new_ledger_id, for_program, for_customer, for_points, balance, 'adjustment', for_reason,
                    for_token, for_key, for_fingerprint, CASE WHEN for_qualifying THEN for_points ELSE 0 END)
            RETURNING * INTO made;
    END IF;
    RETURN QUERY SELECT answer, made.id, made.customer_id, made.points, made.pending_points, made.qualifying_points,
        made.balance_after,
        made.operation, made.transaction_id, made.redemption_id, made.reason, made.token_id, made.idempotency_fingerprint,
        made.created_at;
END
$$;
