-- Writes an event and its deliveries; called in the effect's transaction.
CREATE FUNCTION tally_emit_event(
    for_program TEXT, event_id TEXT, event_type TEXT, for_customer TEXT, for_key TEXT, event_data TEXT
)
RETURNS VOID
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    next_sequence BIGINT;
BEGIN
    IF for_customer IS NOT NULL THEN
        UPDATE customers SET event_sequence = event_sequence + 1
            WHERE program_id = for_program AND id = for_customer
            RETURNING event_sequence INTO next_sequence;
    END IF;
    INSERT INTO events (id, program_id, type, customer_id, sequence, idempotency_key, data)
        VALUES (event_id, for_program, event_type, for_customer, next_sequence, for_key, event_data);
    INSERT INTO webhook_deliveries (program_id, endpoint_id, event_id)
        SELECT for_program, e.id, event_id FROM webhook_endpoints e
        WHERE e.program_id = for_program AND e.enabled
          AND (e.event_types IS NULL OR event_type = ANY (e.event_types));
END
$$;
