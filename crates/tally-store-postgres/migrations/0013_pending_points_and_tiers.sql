-- Pending points: a program's holding period. A purchase's points wait in a
-- pending lot beside the balance until `points_pending_days` have passed; the
-- release job then credits them (a `release` ledger entry). The ledger keeps
-- both sums: `points` is the change of the available balance,
-- `pending_points` the change of the pending total. Every function here locks
-- the customer's row before a pending lot's, the order every points change
-- uses, so a void and a release of the same purchase never deadlock.
ALTER TABLE programs ADD COLUMN points_pending_days INTEGER NOT NULL DEFAULT 0
    CHECK (points_pending_days BETWEEN 0 AND 365);
ALTER TABLE customers ADD COLUMN pending_earned BIGINT NOT NULL DEFAULT 0 CHECK (pending_earned >= 0);
ALTER TABLE ledger_entries ADD COLUMN pending_points BIGINT NOT NULL DEFAULT 0;

-- A purchase is released once: the database decides, whatever the job does.
CREATE UNIQUE INDEX ledger_release_once ON ledger_entries (program_id, transaction_id) WHERE operation = 'release';

CREATE TABLE pending_lots (
    id TEXT COLLATE "C" PRIMARY KEY,
    program_id TEXT COLLATE "C" NOT NULL REFERENCES programs (id),
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    transaction_id TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES transactions (id),
    points BIGINT NOT NULL CHECK (points > 0),
    -- What is still pending: voids take from it, the release empties it.
    remaining BIGINT NOT NULL CHECK (remaining BETWEEN 0 AND points),
    releases_at TIMESTAMPTZ NOT NULL,
    released_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX pending_lots_due ON pending_lots (releases_at) WHERE released_at IS NULL AND remaining > 0;
CREATE INDEX pending_lots_of_customer ON pending_lots (program_id, customer_id, releases_at)
    WHERE released_at IS NULL AND remaining > 0;

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
    PERFORM 1 FROM customers c WHERE c.program_id = for_program AND c.id = owner FOR UPDATE;
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
-- (see 0006 for why whole writes are functions). No row: no such customer, or
-- the lot was released already, is not due, or is empty.
CREATE FUNCTION tally_release(for_program TEXT, for_customer TEXT, for_lot TEXT, new_lot_id TEXT,
                              new_ledger_id TEXT)
RETURNS SETOF ledger_entries
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    released RECORD;
    balance_after BIGINT;
BEGIN
    PERFORM 1 FROM customers c WHERE c.program_id = for_program AND c.id = for_customer FOR UPDATE;
    IF NOT FOUND THEN
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

-- Tiers: a program's levels, reached by qualifying points (points earned by
-- purchases in the program's period, less their voids, plus adjustments
-- marked qualifying). Each ledger entry says what it counts for in
-- `qualifying_points`; a purchase earns at the multiplier of the tier its
-- customer holds when it is recorded, kept on the purchase. Upgrades are
-- made in the purchase's (or adjustment's) transaction, downgrades by the
-- tier review; every change is a row of `tier_changes`.
ALTER TABLE programs ADD COLUMN tiers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE programs ADD COLUMN tier_period TEXT NOT NULL DEFAULT 'rolling_365_days'
    CHECK (tier_period IN ('rolling_365_days', 'calendar_year'));
ALTER TABLE customers ADD COLUMN tier TEXT;
ALTER TABLE customers ADD COLUMN tier_since TIMESTAMPTZ;
-- As counted at the last evaluation (`tier_evaluated_at`).
ALTER TABLE customers ADD COLUMN qualifying_points BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN tier_evaluated_at TIMESTAMPTZ;
ALTER TABLE transactions ADD COLUMN tier TEXT;
ALTER TABLE transactions ADD COLUMN earn_multiplier_percent INTEGER NOT NULL DEFAULT 100;
ALTER TABLE ledger_entries ADD COLUMN qualifying_points BIGINT NOT NULL DEFAULT 0;
CREATE INDEX ledger_qualifying ON ledger_entries (program_id, customer_id, created_at) WHERE qualifying_points <> 0;
CREATE INDEX customers_tier_review ON customers (tier_evaluated_at) WHERE tier IS NOT NULL OR qualifying_points > 0;

CREATE TABLE tier_changes (
    id TEXT COLLATE "C" PRIMARY KEY,
    program_id TEXT COLLATE "C" NOT NULL REFERENCES programs (id),
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    from_tier TEXT,
    to_tier TEXT,
    reason TEXT NOT NULL CHECK (reason IN ('upgrade', 'downgrade')),
    qualifying_points BIGINT NOT NULL,
    transaction_id TEXT COLLATE "C" REFERENCES transactions (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX tier_changes_by_customer ON tier_changes (program_id, customer_id, id);

-- The purchase (0006), the adjustment (0007) and the void (0008) with the
-- holding period, the tier's multiplier and the qualifying points: a
-- purchase's points are held when the program has a holding period; a void
-- takes pending points back before it debits the balance. Their result
-- types change, so they are made again.
DROP FUNCTION tally_record_purchase(TEXT, TEXT, BIGINT, TEXT, TEXT, BIGINT, TEXT, TEXT, TEXT, TEXT, TEXT);
DROP FUNCTION tally_void(TEXT, TEXT, BIGINT, TEXT, TEXT, TEXT);
DROP FUNCTION tally_adjust(TEXT, TEXT, BIGINT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT);

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
        PERFORM 1 FROM customers c WHERE c.program_id = for_program AND c.id = for_customer FOR UPDATE;
        IF NOT FOUND THEN
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
