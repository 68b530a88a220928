-- Timestamps are INTEGER milliseconds since the Unix epoch, always taken from
-- SQLite's own clock, so every expiry decision has one clock and compares as integers.

CREATE TABLE programs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    points_per_currency_unit INTEGER NOT NULL DEFAULT 1,
    void_policy TEXT NOT NULL DEFAULT 'reject' CHECK (void_policy IN ('reject', 'allow_negative')),
    points_expire_after_days INTEGER,
    idempotency_retention_hours INTEGER NOT NULL DEFAULT 24 CHECK (idempotency_retention_hours BETWEEN 1 AND 720),
    require_idempotency_key INTEGER NOT NULL DEFAULT 1,
    rate_limit_per_minute INTEGER NOT NULL DEFAULT 600,
    created_at INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    program_id TEXT NOT NULL REFERENCES programs (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    program_id TEXT NOT NULL REFERENCES programs (id),
    email TEXT,
    phone TEXT,
    name TEXT,
    -- May go below zero only through a void under the program's
    -- 'allow_negative' policy; every other debit is a conditional update that
    -- refuses to. `tally verify` reports a negative balance anywhere else.
    balance INTEGER NOT NULL DEFAULT 0,
    lifetime_earned INTEGER NOT NULL DEFAULT 0,
    lifetime_spent INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (program_id, email),
    UNIQUE (program_id, phone)
);
CREATE INDEX customers_by_program ON customers (program_id, id);

CREATE TABLE transactions (
    id TEXT PRIMARY KEY,
    program_id TEXT NOT NULL REFERENCES programs (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    spend_amount_cents INTEGER NOT NULL CHECK (spend_amount_cents >= 0),
    currency TEXT NOT NULL,
    points INTEGER NOT NULL CHECK (points >= 0),
    external_id TEXT,
    status TEXT NOT NULL DEFAULT 'completed' CHECK (status IN ('completed', 'partially_voided', 'voided')),
    voided_amount_cents INTEGER NOT NULL DEFAULT 0 CHECK (voided_amount_cents BETWEEN 0 AND spend_amount_cents),
    voided_points INTEGER NOT NULL DEFAULT 0 CHECK (voided_points BETWEEN 0 AND points),
    idempotency_key TEXT,
    idempotency_fingerprint TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (program_id, external_id),
    UNIQUE (program_id, idempotency_key)
);

CREATE TABLE rewards (
    id TEXT PRIMARY KEY,
    program_id TEXT NOT NULL REFERENCES programs (id),
    name TEXT NOT NULL,
    cost_points INTEGER NOT NULL CHECK (cost_points >= 0),
    kind TEXT NOT NULL CHECK (kind IN ('item', 'voucher')),
    stock INTEGER CHECK (stock >= 0),
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX rewards_by_program ON rewards (program_id, id);

CREATE TABLE redemptions (
    id TEXT PRIMARY KEY,
    program_id TEXT NOT NULL REFERENCES programs (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    reward_id TEXT NOT NULL REFERENCES rewards (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    points_spent INTEGER NOT NULL CHECK (points_spent >= 0),
    status TEXT NOT NULL CHECK (status IN ('pending', 'fulfilled', 'cancelled')),
    coupon_code TEXT,
    idempotency_key TEXT,
    idempotency_fingerprint TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (program_id, idempotency_key)
);
CREATE INDEX redemptions_by_customer ON redemptions (program_id, customer_id, id);

-- Append-only: rows are inserted, never updated or deleted.
CREATE TABLE ledger_entries (
    id TEXT PRIMARY KEY,
    program_id TEXT NOT NULL REFERENCES programs (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    points INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    operation TEXT NOT NULL,
    transaction_id TEXT REFERENCES transactions (id),
    redemption_id TEXT REFERENCES redemptions (id),
    reason TEXT,
    token_id TEXT REFERENCES api_tokens (id),
    -- Manual adjustments keep their key here: the entry is their resource.
    idempotency_key TEXT,
    idempotency_fingerprint TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (program_id, idempotency_key)
);
CREATE INDEX ledger_by_customer ON ledger_entries (program_id, customer_id, id);
CREATE TRIGGER ledger_is_append_only_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER ledger_is_append_only_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;

CREATE TABLE coupons (
    id TEXT PRIMARY KEY,
    program_id TEXT NOT NULL REFERENCES programs (id),
    -- Unguessable and unique across programs, so a code alone never collides.
    code TEXT NOT NULL UNIQUE,
    redemption_id TEXT NOT NULL UNIQUE REFERENCES redemptions (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    reward_id TEXT NOT NULL REFERENCES rewards (id),
    status TEXT NOT NULL CHECK (status IN ('active', 'redeemed', 'void')),
    created_at INTEGER NOT NULL,
    redeemed_at INTEGER
);

-- Earned points not yet spent or expired. Spending takes the oldest first.
CREATE TABLE point_lots (
    id TEXT PRIMARY KEY,
    program_id TEXT NOT NULL REFERENCES programs (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    points INTEGER NOT NULL CHECK (points > 0),
    remaining INTEGER NOT NULL CHECK (remaining BETWEEN 0 AND points),
    expires_at INTEGER,
    expired_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX point_lots_unspent ON point_lots (program_id, customer_id, id) WHERE remaining > 0;
CREATE INDEX point_lots_due ON point_lots (expires_at) WHERE expired_at IS NULL AND remaining > 0;

CREATE TABLE idempotency_records (
    program_id TEXT NOT NULL REFERENCES programs (id),
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    resource_id TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (program_id, key)
);
CREATE INDEX idempotency_records_by_expiry ON idempotency_records (expires_at);
