-- Pending points: a program's holding period. A purchase's points wait in a
-- pending lot beside the balance until `points_pending_days` have passed; the
-- release job then credits them (a `release` ledger entry). The ledger keeps
-- both sums: `points` is the change of the available balance,
-- `pending_points` the change of the pending total. The functions that hold,
-- take back and release pending points are in functions/pending.sql.
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
