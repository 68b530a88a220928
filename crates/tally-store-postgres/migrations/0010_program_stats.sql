-- What the console's overview shows (`GET /api/v1/stats`), kept so that reading
-- it costs the same on a program of ten customers or ten million.
--
-- Counts of a whole program (customers, points outstanding) and of its days
-- (purchases and redemptions by UTC day of the database clock) are kept by
-- triggers in the writing transaction itself: they commit or roll back with
-- the change they count, and no code path that writes a customer, a purchase
-- or a redemption can forget them.
--
-- A trigger never updates a counter row. Under MVCC every update of a row
-- leaves a dead version behind, and a row that every write of a program
-- updated would make those writes queue on its lock and leave chains of dead
-- versions for each lookup to walk until vacuum comes (the growth test in
-- tests/growth.rs measures exactly that). Instead each counted change appends
-- one row to `program_counter_changes`, which no write reads; a maintenance
-- task of every node folds them into `program_counters` and
-- `program_daily_counters` every few seconds (`tally_fold_counters` in
-- functions/stats.sql), and a read adds the program's changes not folded yet
-- (a few seconds' worth) to the folded totals.
--
-- The pending redemptions are a bounded count over `redemptions_by_status`,
-- the index the pending queue (`GET /api/v1/redemptions?status=pending`) is
-- read through. That index leads with `status`, not `program_id`: a lookup by
-- `(program_id, idempotency_key)` then has only the unique key index whose
-- leading columns it names (see 0003_customer_indexes.sql for why that matters).

CREATE TABLE program_counters (
    program_id TEXT COLLATE "C" PRIMARY KEY REFERENCES programs (id),
    customer_count BIGINT NOT NULL DEFAULT 0,
    -- NUMERIC: every balance fits in a BIGINT, their sum need not, and a
    -- counter must never be why a write fails.
    points_outstanding NUMERIC NOT NULL DEFAULT 0
);

-- `day`: the UTC date of the counted row's created_at (the database clock).
CREATE TABLE program_daily_counters (
    program_id TEXT COLLATE "C" NOT NULL REFERENCES programs (id),
    day DATE NOT NULL,
    purchases BIGINT NOT NULL DEFAULT 0,
    redemptions BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (program_id, day)
);

-- Append-only between folds; no foreign key, so an insert reads nothing.
CREATE TABLE program_counter_changes (
    program_id TEXT COLLATE "C" NOT NULL,
    day DATE NOT NULL,
    customers BIGINT NOT NULL DEFAULT 0,
    points NUMERIC NOT NULL DEFAULT 0,
    purchases BIGINT NOT NULL DEFAULT 0,
    redemptions BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX program_counter_changes_by_program ON program_counter_changes (program_id);

CREATE FUNCTION tally_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'customers' THEN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO program_counter_changes (program_id, day, customers, points)
                VALUES (NEW.program_id, (now() AT TIME ZONE 'UTC')::date, 1, NEW.balance);
        ELSIF TG_OP = 'UPDATE' THEN
            INSERT INTO program_counter_changes (program_id, day, points)
                VALUES (NEW.program_id, (now() AT TIME ZONE 'UTC')::date, NEW.balance::numeric - OLD.balance);
        ELSE
            INSERT INTO program_counter_changes (program_id, day, customers, points)
                VALUES (OLD.program_id, (now() AT TIME ZONE 'UTC')::date, -1, -(OLD.balance::numeric));
        END IF;
    ELSIF TG_TABLE_NAME = 'transactions' THEN
        INSERT INTO program_counter_changes (program_id, day, purchases)
            VALUES (NEW.program_id, (NEW.created_at AT TIME ZONE 'UTC')::date, 1);
    ELSE
        INSERT INTO program_counter_changes (program_id, day, redemptions)
            VALUES (NEW.program_id, (NEW.created_at AT TIME ZONE 'UTC')::date, 1);
    END IF;
    RETURN NULL;
END $$;

-- Triggers first: creating them locks the tables against writes until this
-- migration commits, so the backfill below misses nothing and counts nothing twice.
CREATE TRIGGER customers_counted AFTER INSERT OR DELETE ON customers
    FOR EACH ROW EXECUTE FUNCTION tally_count_change();
CREATE TRIGGER customers_counted_balance AFTER UPDATE OF balance ON customers
    FOR EACH ROW WHEN (NEW.balance IS DISTINCT FROM OLD.balance) EXECUTE FUNCTION tally_count_change();
CREATE TRIGGER transactions_counted AFTER INSERT ON transactions
    FOR EACH ROW EXECUTE FUNCTION tally_count_change();
CREATE TRIGGER redemptions_counted AFTER INSERT ON redemptions
    FOR EACH ROW EXECUTE FUNCTION tally_count_change();

INSERT INTO program_counters (program_id, customer_count, points_outstanding)
    SELECT program_id, count(*), COALESCE(SUM(balance), 0) FROM customers GROUP BY program_id;
INSERT INTO program_daily_counters (program_id, day, purchases)
    SELECT program_id, (created_at AT TIME ZONE 'UTC')::date, count(*) FROM transactions GROUP BY 1, 2;
INSERT INTO program_daily_counters AS d (program_id, day, redemptions)
    SELECT program_id, (created_at AT TIME ZONE 'UTC')::date, count(*) FROM redemptions GROUP BY 1, 2
    ON CONFLICT (program_id, day) DO UPDATE SET redemptions = EXCLUDED.redemptions;

CREATE INDEX redemptions_by_status ON redemptions (status, program_id, id);
