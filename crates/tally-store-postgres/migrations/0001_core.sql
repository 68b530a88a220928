-- The same schema as the SQLite backend, in PostgreSQL's own types.
--
-- Timestamps are TIMESTAMPTZ set by the database (`DEFAULT now()`, or `now()`
-- in the statement), never by a node: several nodes share this database, and
-- every expiry decision must be judged by one clock.
--
-- Ids are ULID-based text whose byte order is creation order. Every column
-- holding an id is COLLATE "C": `ORDER BY id` and the `id < cursor` pagination
-- then follow byte order whatever the database's default collation is, the
-- primary key index serves them, and id columns compare with one another
-- without a collation conflict.

CREATE TABLE programs (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    points_per_currency_unit BIGINT NOT NULL DEFAULT 1,
    void_policy TEXT NOT NULL DEFAULT 'reject' CHECK (void_policy IN ('reject', 'allow_negative')),
    points_expire_after_days INTEGER,
    idempotency_retention_hours INTEGER NOT NULL DEFAULT 24 CHECK (idempotency_retention_hours BETWEEN 1 AND 720),
    require_idempotency_key BOOLEAN NOT NULL DEFAULT TRUE,
    rate_limit_per_minute INTEGER NOT NULL DEFAULT 600,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
    id TEXT COLLATE "C" PRIMARY KEY,
    program_id TEXT COLLATE "C" NOT NULL REFERENCES programs (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE customers (
    id TEXT COLLATE "C" PRIMARY KEY,
    program_id TEXT COLLATE "C" NOT NULL REFERENCES programs (id),
    email TEXT,
    phone TEXT,
    name TEXT,
    -- May go below zero only through a void under the program's
    -- 'allow_negative' policy; every other debit is a conditional update that
    -- refuses to. `tally verify` reports a negative balance anywhere else.
    balance BIGINT NOT NULL DEFAULT 0,
    lifetime_earned BIGINT NOT NULL DEFAULT 0,
    lifetime_spent BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (program_id, email),
    UNIQUE (program_id, phone)
);
CREATE INDEX customers_by_program ON customers (program_id, id);

CREATE TABLE transactions (
    id TEXT COLLATE "C" PRIMARY KEY,
    program_id TEXT COLLATE "C" NOT NULL REFERENCES programs (id),
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    spend_amount_cents BIGINT NOT NULL CHECK (spend_amount_cents >= 0),
    currency TEXT NOT NULL,
    points BIGINT NOT NULL CHECK (points >= 0),
    external_id TEXT,
    status TEXT NOT NULL DEFAULT 'completed' CHECK (status IN ('completed', 'partially_voided', 'voided')),
    voided_amount_cents BIGINT NOT NULL DEFAULT 0 CHECK (voided_amount_cents BETWEEN 0 AND spend_amount_cents),
    voided_points BIGINT NOT NULL DEFAULT 0 CHECK (voided_points BETWEEN 0 AND points),
    idempotency_key TEXT,
    idempotency_fingerprint TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (program_id, external_id),
    UNIQUE (program_id, idempotency_key)
);

CREATE TABLE rewards (
    id TEXT COLLATE "C" PRIMARY KEY,
    program_id TEXT COLLATE "C" NOT NULL REFERENCES programs (id),
    name TEXT NOT NULL,
    cost_points BIGINT NOT NULL CHECK (cost_points >= 0),
    kind TEXT NOT NULL CHECK (kind IN ('item', 'voucher')),
    stock BIGINT CHECK (stock >= 0),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX rewards_by_program ON rewards (program_id, id);

CREATE TABLE redemptions (
    id TEXT COLLATE "C" PRIMARY KEY,
    program_id TEXT COLLATE "C" NOT NULL REFERENCES programs (id),
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    reward_id TEXT COLLATE "C" NOT NULL REFERENCES rewards (id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    points_spent BIGINT NOT NULL CHECK (points_spent >= 0),
    status TEXT NOT NULL CHECK (status IN ('pending', 'fulfilled', 'cancelled')),
    coupon_code TEXT,
    idempotency_key TEXT,
    idempotency_fingerprint TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (program_id, idempotency_key)
);
CREATE INDEX redemptions_by_customer ON redemptions (program_id, customer_id, id);

-- Append-only: rows are inserted, never updated or deleted.
CREATE TABLE ledger_entries (
    id TEXT COLLATE "C" PRIMARY KEY,
    program_id TEXT COLLATE "C" NOT NULL REFERENCES programs (id),
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    points BIGINT NOT NULL,
    balance_after BIGINT NOT NULL,
    operation TEXT NOT NULL,
    transaction_id TEXT COLLATE "C" REFERENCES transactions (id),
    redemption_id TEXT COLLATE "C" REFERENCES redemptions (id),
    reason TEXT,
    token_id TEXT COLLATE "C" REFERENCES api_tokens (id),
    -- Manual adjustments keep their key here: the entry is their resource.
    idempotency_key TEXT,
    idempotency_fingerprint TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (program_id, idempotency_key)
);
CREATE INDEX ledger_by_customer ON ledger_entries (program_id, customer_id, id);

CREATE FUNCTION ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER ledger_is_append_only_update_delete BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();
-- Row triggers do not fire on TRUNCATE, which would empty the ledger in one statement.
CREATE TRIGGER ledger_is_append_only_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_is_append_only();

CREATE TABLE coupons (
    id TEXT COLLATE "C" PRIMARY KEY,
    program_id TEXT COLLATE "C" NOT NULL REFERENCES programs (id),
    -- Unguessable and unique across programs, so a code alone never collides.
    code TEXT NOT NULL UNIQUE,
    redemption_id TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES redemptions (id),
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    reward_id TEXT COLLATE "C" NOT NULL REFERENCES rewards (id),
    status TEXT NOT NULL CHECK (status IN ('active', 'redeemed', 'void')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    redeemed_at TIMESTAMPTZ
);

-- Earned points not yet spent or expired. Spending takes the oldest first.
-- Every change locks the customer's row first, so lot updates never race.
CREATE TABLE point_lots (
    id TEXT COLLATE "C" PRIMARY KEY,
    program_id TEXT COLLATE "C" NOT NULL REFERENCES programs (id),
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    points BIGINT NOT NULL CHECK (points > 0),
    remaining BIGINT NOT NULL CHECK (remaining BETWEEN 0 AND points),
    expires_at TIMESTAMPTZ,
    expired_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX point_lots_unspent ON point_lots (program_id, customer_id, id) WHERE remaining > 0;
CREATE INDEX point_lots_due ON point_lots (expires_at) WHERE expired_at IS NULL AND remaining > 0;

CREATE TABLE idempotency_records (
    program_id TEXT COLLATE "C" NOT NULL REFERENCES programs (id),
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    -- A JSON array of [name, value] pairs, in the order they are replayed.
    headers JSONB NOT NULL,
    body BYTEA NOT NULL,
    resource_id TEXT COLLATE "C",
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (program_id, key)
);
CREATE INDEX idempotency_records_by_expiry ON idempotency_records (expires_at);
