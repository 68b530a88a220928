-- Events (the outbox) and webhook delivery.
--
-- An event and its deliveries are inserted by the transaction of the effect
-- (`tally_emit_event` in functions/events.sql, sent with the COMMIT), so an
-- event exists if and only if its effect committed. The dispatcher leases due
-- deliveries with FOR UPDATE SKIP LOCKED, outside any write transaction, and
-- reports each attempt under its lease.

-- The number of the customer's last event: `tally_emit_event` takes the next
-- one under the customer's row lock, which every write to the customer's
-- points holds already, so sequences have no gaps and follow commit order.
ALTER TABLE customers ADD COLUMN event_sequence BIGINT NOT NULL DEFAULT 0;

CREATE TABLE events (
    id TEXT COLLATE "C" PRIMARY KEY,
    program_id TEXT COLLATE "C" NOT NULL REFERENCES programs (id),
    type TEXT NOT NULL,
    customer_id TEXT COLLATE "C",
    sequence BIGINT,
    idempotency_key TEXT,
    -- The resource's JSON text exactly as the API sent it (JSONB would reorder
    -- its keys), delivered byte for byte on every attempt.
    data TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX events_by_program ON events (program_id, id);
CREATE INDEX events_by_customer ON events (program_id, customer_id, id);

CREATE TABLE webhook_endpoints (
    id TEXT COLLATE "C" PRIMARY KEY,
    program_id TEXT COLLATE "C" NOT NULL REFERENCES programs (id),
    url TEXT NOT NULL,
    -- NULL: every type.
    event_types TEXT[],
    description TEXT,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason TEXT,
    -- Sealed with the node key when one is configured (see the server's
    -- `webhooks::secrets`): a dump alone cannot forge signatures.
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_by_program ON webhook_endpoints (program_id, id);

CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    program_id TEXT COLLATE "C" NOT NULL,
    endpoint_id TEXT COLLATE "C" NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id TEXT COLLATE "C" NOT NULL REFERENCES events (id),
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    -- Attempts reported so far.
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_token TEXT,
    leased_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';

CREATE TABLE webhook_attempts (
    id BIGSERIAL PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    endpoint_id TEXT COLLATE "C" NOT NULL,
    event_id TEXT COLLATE "C" NOT NULL,
    attempt INTEGER NOT NULL,
    attempted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    status_code INTEGER,
    error TEXT,
    latency_ms BIGINT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX webhook_attempts_by_endpoint ON webhook_attempts (endpoint_id, id);
