-- Claims an idempotency key's in-flight lock and, if it was free, reads the
-- key's live record: one round trip where a lock and then a lookup took two.
-- It has to be a function: a single SQL statement reads from a snapshot taken
-- before its lock is granted, and could miss a record committed by the
-- previous holder in between; PL/pgSQL under READ COMMITTED takes a fresh
-- snapshot for each statement, so the lookup sees every commit made before
-- the lock was granted. Exactly one row: `claimed`, and the record's columns
-- (NULL when not claimed or when the key has no live record).
CREATE FUNCTION tally_claim_key(lock_id BIGINT, for_program TEXT, for_key TEXT)
RETURNS TABLE (
    claimed BOOLEAN,
    key TEXT,
    method TEXT,
    path TEXT,
    fingerprint TEXT,
    status INTEGER,
    headers TEXT,
    body BYTEA,
    resource_id TEXT,
    created_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ
)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF NOT pg_try_advisory_xact_lock(lock_id) THEN
        RETURN QUERY SELECT false, NULL::TEXT, NULL::TEXT, NULL::TEXT, NULL::TEXT, NULL::INTEGER, NULL::TEXT,
            NULL::BYTEA, NULL::TEXT, NULL::TIMESTAMPTZ, NULL::TIMESTAMPTZ;
        RETURN;
    END IF;
    RETURN QUERY SELECT true, r.key, r.method, r.path, r.fingerprint, r.status, r.headers::TEXT, r.body,
            r.resource_id::TEXT, r.created_at, r.expires_at
        FROM (SELECT 1) AS one
        LEFT JOIN idempotency_records AS r
            ON r.program_id = for_program AND r.key = for_key AND r.expires_at > now();
END
$$;
