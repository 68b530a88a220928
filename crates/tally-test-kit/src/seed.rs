//! Large data sets written straight with SQL, for tests that need more rows
//! than the API could make in their time.

use crate::Backend;

/// One statement that appends `count` ledger entries to `customer_id` of
/// `program_id`, all at the database's "now": alternately +1 and -1 point
/// (operation `adjustment`, reason `seeded`), so for an even `count` the
/// customer's balance, lots and lifetime totals stay as they were and
/// `tally verify` still holds. Ids are `led_seed` and ten digits, in order.
/// PostgreSQL writes them with `generate_series`, SQLite with a recursive CTE.
pub fn ledger_entries_sql(backend: Backend, program_id: &str, customer_id: &str, count: u64) -> String {
    assert!(count.is_multiple_of(2), "an even count keeps the balance");
    for id in [program_id, customer_id] {
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'), "not an id: {id}");
    }
    match backend {
        Backend::Postgres => format!(
            "INSERT INTO ledger_entries (id, program_id, customer_id, points, balance_after, operation, reason) \
             SELECT 'led_seed' || lpad(n::text, 10, '0'), '{program_id}', '{customer_id}', \
               CASE WHEN n % 2 = 1 THEN 1 ELSE -1 END, n % 2, 'adjustment', 'seeded' \
             FROM generate_series(1, {count}) AS n"
        ),
        Backend::Sqlite => format!(
            "INSERT INTO ledger_entries (id, program_id, customer_id, points, balance_after, operation, reason, \
               created_at) \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
             SELECT 'led_seed' || printf('%010d', i), '{program_id}', '{customer_id}', \
               CASE WHEN i % 2 = 1 THEN 1 ELSE -1 END, i % 2, 'adjustment', 'seeded', \
               CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) \
             FROM n"
        ),
    }
}
