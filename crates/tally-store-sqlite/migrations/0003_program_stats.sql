-- What the console's overview shows (`GET /api/v1/stats`), kept so that reading
-- it costs the same on a program of ten customers or ten million.
--
-- Counts of a whole program (customers, points outstanding) and of its days
-- (purchases and redemptions by UTC day of the database clock) are counters
-- maintained by triggers in the writing transaction itself: they commit or
-- roll back with the change they count, and no code path that writes a
-- customer, a purchase or a redemption can forget them. SQLite has one writer,
-- so one row per program is no contention. The pending redemptions are a
-- bounded count over `redemptions_by_status`, the index the pending queue
-- (`GET /api/v1/redemptions?status=pending`) is read through.

CREATE TABLE program_counters (
    program_id TEXT PRIMARY KEY REFERENCES programs (id),
    customer_count INTEGER NOT NULL DEFAULT 0,
    points_outstanding INTEGER NOT NULL DEFAULT 0
);

-- `day`: days since the Unix epoch (created_at / 86400000), UTC.
CREATE TABLE program_daily_counters (
    program_id TEXT NOT NULL REFERENCES programs (id),
    day INTEGER NOT NULL,
    purchases INTEGER NOT NULL DEFAULT 0,
    redemptions INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (program_id, day)
);

INSERT INTO program_counters (program_id, customer_count, points_outstanding)
    SELECT program_id, count(*), COALESCE(SUM(balance), 0) FROM customers GROUP BY program_id;
INSERT INTO program_daily_counters (program_id, day, purchases)
    SELECT program_id, created_at / 86400000, count(*) FROM transactions GROUP BY 1, 2;
INSERT INTO program_daily_counters (program_id, day, redemptions)
    SELECT program_id, created_at / 86400000, count(*) FROM redemptions WHERE true GROUP BY 1, 2
    ON CONFLICT (program_id, day) DO UPDATE SET redemptions = excluded.redemptions;

CREATE TRIGGER customers_counted_insert AFTER INSERT ON customers
BEGIN
    INSERT INTO program_counters (program_id, customer_count, points_outstanding)
        VALUES (NEW.program_id, 1, NEW.balance)
        ON CONFLICT (program_id) DO UPDATE
        SET customer_count = customer_count + 1, points_outstanding = points_outstanding + excluded.points_outstanding;
END;
CREATE TRIGGER customers_counted_balance AFTER UPDATE OF balance ON customers WHEN NEW.balance <> OLD.balance
BEGIN
    -- The change first: `points_outstanding + NEW.balance` alone may pass the
    -- 64-bit range (SQLite would turn it into a REAL) when their sum does not.
    UPDATE program_counters SET points_outstanding = points_outstanding + (NEW.balance - OLD.balance)
        WHERE program_id = NEW.program_id;
END;
CREATE TRIGGER customers_counted_delete AFTER DELETE ON customers
BEGIN
    UPDATE program_counters
        SET customer_count = customer_count - 1, points_outstanding = points_outstanding - OLD.balance
        WHERE program_id = OLD.program_id;
END;
CREATE TRIGGER transactions_counted AFTER INSERT ON transactions
BEGIN
    INSERT INTO program_daily_counters (program_id, day, purchases)
        VALUES (NEW.program_id, NEW.created_at / 86400000, 1)
        ON CONFLICT (program_id, day) DO UPDATE SET purchases = purchases + 1;
END;
CREATE TRIGGER redemptions_counted AFTER INSERT ON redemptions
BEGIN
    INSERT INTO program_daily_counters (program_id, day, redemptions)
        VALUES (NEW.program_id, NEW.created_at / 86400000, 1)
        ON CONFLICT (program_id, day) DO UPDATE SET redemptions = redemptions + 1;
END;

-- The program's redemptions in one status, newest first (the pending queue).
CREATE INDEX redemptions_by_status ON redemptions (program_id, status, id);
