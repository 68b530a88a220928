//! The program-wide reads of the operator's overview and queues, over the
//! counters and the index of `migrations/0003_program_stats.sql`.

use crate::now_ms;
use crate::rows::REDEMPTION_COLUMNS;

/// The program's overview (`fetch::program_stats`): the program and the count limit.
pub(crate) fn program_stats() -> String {
    format!(
        "WITH today AS (SELECT {now} / 86400000 AS day) \
         SELECT \
           COALESCE((SELECT customer_count FROM program_counters WHERE program_id = ?1), 0), \
           COALESCE((SELECT CAST(points_outstanding AS INTEGER) FROM program_counters WHERE program_id = ?1), 0), \
           (SELECT count(*) FROM (SELECT 1 FROM redemptions \
              WHERE program_id = ?1 AND status = 'pending' LIMIT ?2)), \
           COALESCE((SELECT redemptions FROM program_daily_counters d, today \
              WHERE d.program_id = ?1 AND d.day = today.day), 0), \
           COALESCE((SELECT purchases FROM program_daily_counters d, today \
              WHERE d.program_id = ?1 AND d.day = today.day), 0), \
           (SELECT day FROM today) * 86400000",
        now = now_ms!()
    )
}

/// The program's redemptions in one status, newest first: the program, the
/// status, the cursor and the limit (`fetch::paged`).
pub(crate) fn by_status() -> String {
    format!(
        "SELECT {REDEMPTION_COLUMNS} FROM redemptions INDEXED BY redemptions_by_status \
         WHERE program_id = ?1 AND status = ?2 AND (?3 IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?4"
    )
}

/// For `tally verify`: the overview's counters against the rows they count
/// (the checks this backend adds to `tally_store::verify::CHECKS`).
pub(crate) const COUNTER_CHECKS: [(&str, &str); 2] = [
    (
        "program counters differ from its customers",
        // Summed in two halves, which cannot overflow; a program whose balances add up to
        // (nearly) more than 64 bits hold is compared by its customer count alone.
        "WITH actual AS (SELECT program_id, count(*) AS n, \
                 CASE WHEN abs(TOTAL(balance)) < 9.0e18 \
                   THEN SUM(balance >> 32) * 4294967296 + SUM(balance & 4294967295) END AS p \
               FROM customers GROUP BY program_id) \
             SELECT a.program_id, a.program_id, 'customers ' || a.n || ', points ' || COALESCE(a.p, 'beyond 64 bits') || '; counted ' || \
               COALESCE(c.customer_count, 0) || ', ' || COALESCE(c.points_outstanding, 0) \
             FROM actual a LEFT JOIN program_counters c ON c.program_id = a.program_id \
             WHERE (?1 IS NULL OR a.program_id = ?1) \
               AND (COALESCE(c.customer_count, 0) <> a.n \
                 OR (a.p IS NOT NULL AND COALESCE(c.points_outstanding, 0) <> a.p))",
    ),
    (
        "daily counters differ from the day's purchases and redemptions",
        "WITH actual AS (SELECT program_id, day, SUM(pu) AS pu, SUM(r) AS r FROM ( \
                 SELECT program_id, created_at / 86400000 AS day, 1 AS pu, 0 AS r FROM transactions \
                 UNION ALL SELECT program_id, created_at / 86400000, 0, 1 FROM redemptions) \
               GROUP BY program_id, day) \
             SELECT a.program_id, 'day ' || a.day, 'purchases ' || a.pu || ', redemptions ' || a.r || \
               '; counted ' || COALESCE(d.purchases, 0) || ', ' || COALESCE(d.redemptions, 0) \
             FROM actual a LEFT JOIN program_daily_counters d ON d.program_id = a.program_id AND d.day = a.day \
             WHERE (?1 IS NULL OR a.program_id = ?1) \
               AND (COALESCE(d.purchases, 0) <> a.pu OR COALESCE(d.redemptions, 0) <> a.r)",
    ),
];
