-- Pending points: a program's holding period. A purchase's points wait in a
-- pending lot beside the balance until `points_pending_days` have passed;
-- the release job then credits them (a `release` ledger entry). The ledger
-- keeps both sums: `points` is the change of the available balance,
-- `pending_points` the change of the pending total.
ALTER TABLE programs ADD COLUMN points_pending_days INTEGER NOT NULL DEFAULT 0
    CHECK (points_pending_days BETWEEN 0 AND 365);
ALTER TABLE customers ADD COLUMN pending_earned INTEGER NOT NULL DEFAULT 0 CHECK (pending_earned >= 0);
ALTER TABLE ledger_entries ADD COLUMN pending_points INTEGER NOT NULL DEFAULT 0;

-- A purchase is released once: the database decides, whatever the job does.
CREATE UNIQUE INDEX ledger_release_once ON ledger_entries (program_id, transaction_id) WHERE operation = 'release';

CREATE TABLE pending_lots (
    id TEXT PRIMARY KEY,
    program_id TEXT NOT NULL REFERENCES programs (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    transaction_id TEXT NOT NULL UNIQUE REFERENCES transactions (id),
    points INTEGER NOT NULL CHECK (points > 0),
    -- What is still pending: voids take from it, the release empties it.
    remaining INTEGER NOT NULL CHECK (remaining BETWEEN 0 AND points),
    releases_at INTEGER NOT NULL,
    released_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX pending_lots_due ON pending_lots (releases_at) WHERE released_at IS NULL AND remaining > 0;
CREATE INDEX pending_lots_of_customer ON pending_lots (program_id, customer_id, releases_at)
    WHERE released_at IS NULL AND remaining > 0;

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
ALTER TABLE customers ADD COLUMN tier_since INTEGER;
-- As counted at the last evaluation (`tier_evaluated_at`).
ALTER TABLE customers ADD COLUMN qualifying_points INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN tier_evaluated_at INTEGER;
ALTER TABLE transactions ADD COLUMN tier TEXT;
ALTER TABLE transactions ADD COLUMN earn_multiplier_percent INTEGER NOT NULL DEFAULT 100;
ALTER TABLE ledger_entries ADD COLUMN qualifying_points INTEGER NOT NULL DEFAULT 0;
CREATE INDEX ledger_qualifying ON ledger_entries (program_id, customer_id, created_at) WHERE qualifying_points <> 0;
CREATE INDEX customers_tier_review ON customers (tier_evaluated_at) WHERE tier IS NOT NULL OR qualifying_points > 0;

CREATE TABLE tier_changes (
    id TEXT PRIMARY KEY,
    program_id TEXT NOT NULL REFERENCES programs (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    from_tier TEXT,
    to_tier TEXT,
    reason TEXT NOT NULL CHECK (reason IN ('upgrade', 'downgrade')),
    qualifying_points INTEGER NOT NULL,
    transaction_id TEXT REFERENCES transactions (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX tier_changes_by_customer ON tier_changes (program_id, customer_id, id);
