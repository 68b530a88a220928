-- The executor's last step: the record, then COMMIT, sent together as one
-- simple query. A live record already holding the key (only possible if the
-- key's lock was bypassed) raises, so the COMMIT after it never runs; the
-- SQLSTATE is this schema's own, read as `StoreError::RecordExists`.
CREATE FUNCTION tally_save_record(
    for_program TEXT, for_key TEXT, for_method TEXT, for_path TEXT, for_fingerprint TEXT, for_status INTEGER,
    for_headers JSONB, for_body BYTEA, for_resource TEXT, retention_hours INTEGER
)
RETURNS VOID
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO idempotency_records
        (program_id, key, method, path, fingerprint, status, headers, body, resource_id, created_at, expires_at)
        VALUES (for_program, for_key, for_method, for_path, for_fingerprint, for_status, for_headers, for_body,
                for_resource, now(), now() + make_interval(hours => retention_hours))
        ON CONFLICT (program_id, key) DO UPDATE SET method = excluded.method, path = excluded.path,
            fingerprint = excluded.fingerprint, status = excluded.status, headers = excluded.headers,
            body = excluded.body, resource_id = excluded.resource_id, created_at = excluded.created_at,
            expires_at = excluded.expires_at
        WHERE idempotency_records.expires_at <= now();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'a live idempotency record holds key % already', for_key USING ERRCODE = 'TY001';
    END IF;
END
$$;
