-- A customer's redemptions and ledger entries are found by the customer alone.
--
-- The indexes these replace began with program_id. A lookup by idempotency
-- key (`WHERE program_id = $1 AND idempotency_key = $2`) then had two indexes
-- to choose from: the unique (program_id, idempotency_key) one, and one whose
-- first column matched and whose rest was a filter. On an empty table both cost
-- the same; PostgreSQL picked the second for the generic plan it settles on
-- after five executions of a prepared statement, and kept it on that session
-- as the table grew (statistics that change would replan it, but nothing
-- guarantees an ANALYZE: autovacuum may be off, or not yet due). Each
-- redemption then read the program's whole history.
--
-- Customer ids are unique across programs, so program_id in front of them
-- narrowed nothing. Without it, the unique key index is the only one whose
-- first column a by-key lookup names, whatever the statistics say; the
-- per-customer lists (`WHERE program_id = $1 AND customer_id = $2 ORDER BY id
-- DESC LIMIT n`) read the same rows as before, and check program_id on them.
DROP INDEX redemptions_by_customer;
CREATE INDEX redemptions_by_customer ON redemptions (customer_id, id);
DROP INDEX ledger_by_customer;
CREATE INDEX ledger_by_customer ON ledger_entries (customer_id, id);
