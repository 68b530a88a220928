-- The raw limit on SQLite: the same six statements as redeem.pgbench, in
-- SQLite's dialect, run by `tally-bench raw-sqlite` with rusqlite on one
-- connection (SQLite has one writer; BEGIN IMMEDIATE takes it, which is what
-- claims the key), each statement prepared once and reused. Named parameters
-- are bound by the runner; timestamps are milliseconds by SQLite's own clock,
-- as in the real schema. Statements end with a semicolon at the end of a line.
BEGIN IMMEDIATE;
SELECT count(*) FROM idempotency_records
 WHERE program_id = :program AND key = :key
   AND expires_at > CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER);
UPDATE customers SET balance = balance - :cost, lifetime_spent = lifetime_spent + :cost,
       event_sequence = event_sequence + 1
 WHERE program_id = :program AND email = :email AND balance >= :cost
 RETURNING id, balance, event_sequence;
INSERT INTO redemptions (id, program_id, customer_id, reward_id, quantity, points_spent, status,
                         idempotency_key, idempotency_fingerprint, created_at)
VALUES (:redemption, :program, :customer, :reward, 1, :cost, 'pending', :key, :fingerprint,
        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
INSERT INTO ledger_entries (id, program_id, customer_id, points, balance_after, operation, redemption_id,
                            created_at)
VALUES (:entry, :program, :customer, -:cost, :balance, 'redeem', :redemption,
        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
INSERT INTO idempotency_records (program_id, key, method, path, fingerprint, status, headers, body,
                                 resource_id, created_at, expires_at)
VALUES (:program, :key, 'POST', '/api/v1/redemptions', :fingerprint, 201,
        json_array(json_array('content-type', 'application/json'),
                   json_array('location', '/api/v1/redemptions/' || :redemption)),
        CAST(json_object('id', :redemption, 'customer_id', :customer, 'reward_id', :reward, 'quantity', 1,
                         'points_spent', :cost, 'status', 'pending', 'coupon_code', NULL,
                         'created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) AS BLOB),
        :redemption,
        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) + 24 * 3600000);
INSERT INTO events (id, program_id, type, customer_id, sequence, idempotency_key, data, created_at)
VALUES ('evt_' || substr(:redemption, 5), :program, 'redemption.created', :customer, :sequence, :key,
        json_object('id', :redemption, 'customer_id', :customer, 'reward_id', :reward, 'quantity', 1,
                    'points_spent', :cost, 'status', 'pending', 'coupon_code', NULL,
                    'created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
COMMIT;
