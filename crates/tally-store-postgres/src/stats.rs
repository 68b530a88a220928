//! The program-wide reads of the operator's overview and queues, over the
//! counters (folded and not yet folded) and the index of `migrations/0010_program_stats.sql`.

use tally_store::StoreResult;

use crate::rows::REDEMPTION_COLUMNS;
use crate::{PgStore, map_err};

// The folded totals (one row each) plus the changes not folded yet (a few
// seconds' worth, by `program_counter_changes_by_program`), and a count of at
// most COUNT_LIMIT index entries.
pub(crate) const PROGRAM_STATS: &str = "WITH today AS (SELECT (now() AT TIME ZONE 'UTC')::date AS day), \
     unfolded AS (SELECT * FROM program_counter_changes WHERE program_id = $1), \
     folded AS (SELECT customer_count, points_outstanding FROM program_counters WHERE program_id = $1), \
     daily AS (SELECT purchases, redemptions FROM program_daily_counters \
         WHERE program_id = $1 AND day = (SELECT day FROM today)) \
     SELECT \
       (COALESCE((SELECT customer_count FROM folded), 0) + COALESCE((SELECT SUM(customers) FROM unfolded), 0))::bigint, \
       LEAST(GREATEST(COALESCE((SELECT points_outstanding FROM folded), 0) \
         + COALESCE((SELECT SUM(points) FROM unfolded), 0), -9223372036854775808), 9223372036854775807)::bigint, \
       (SELECT count(*) FROM (SELECT 1 FROM redemptions \
          WHERE status = 'pending' AND program_id = $1 LIMIT $2) p), \
       (COALESCE((SELECT redemptions FROM daily), 0) \
         + COALESCE((SELECT SUM(redemptions) FROM unfolded WHERE day = (SELECT day FROM today)), 0))::bigint, \
       (COALESCE((SELECT purchases FROM daily), 0) \
         + COALESCE((SELECT SUM(purchases) FROM unfolded WHERE day = (SELECT day FROM today)), 0))::bigint, \
       ((SELECT day FROM today)::timestamp AT TIME ZONE 'UTC')";

/// The program's redemptions in one status, newest first: the program, the
/// status, the cursor and the limit (`fetch::paged`).
pub(crate) fn by_status() -> String {
    format!(
        "SELECT {REDEMPTION_COLUMNS} FROM redemptions WHERE status = $2 AND program_id = $1 \
         AND ($3::text IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
    )
}

impl PgStore {
    pub(crate) async fn fold_stats_counters(&self, batch: u32) -> StoreResult<u64> {
        let (moved,): (i64,) = sqlx::query_as("SELECT tally_fold_counters($1)")
            .bind(i32::try_from(batch).unwrap_or(i32::MAX))
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(u64::try_from(moved).unwrap_or(0))
    }
}

/// For `tally verify`: the overview's counters against the rows they count
/// (the checks this backend adds to `tally_store::verify::CHECKS`).
pub(crate) const COUNTER_CHECKS: [(&str, &str); 2] = [
    (
        "program counters differ from its customers",
        "WITH counted AS (SELECT program_id, SUM(c) AS c, SUM(p) AS p FROM ( \
                 SELECT program_id, customer_count AS c, points_outstanding AS p FROM program_counters \
                 UNION ALL SELECT program_id, customers, points FROM program_counter_changes) x \
               GROUP BY program_id), \
             actual AS (SELECT program_id, count(*) AS n, COALESCE(SUM(balance), 0) AS p \
               FROM customers GROUP BY program_id) \
             SELECT a.program_id::text, a.program_id::text, 'customers ' || a.n || ', points ' || a.p || \
               '; counted ' || COALESCE(k.c, 0) || ', ' || COALESCE(k.p, 0) \
             FROM actual a LEFT JOIN counted k ON k.program_id = a.program_id \
             WHERE ($1::text IS NULL OR a.program_id = $1) AND (COALESCE(k.c, 0) <> a.n OR COALESCE(k.p, 0) <> a.p)",
    ),
    (
        "daily counters differ from the day's purchases and redemptions",
        "WITH counted AS (SELECT program_id, day, SUM(pu) AS pu, SUM(r) AS r FROM ( \
                 SELECT program_id, day, purchases AS pu, redemptions AS r FROM program_daily_counters \
                 UNION ALL SELECT program_id, day, purchases, redemptions FROM program_counter_changes) x \
               GROUP BY program_id, day), \
             actual AS (SELECT program_id, day, SUM(pu) AS pu, SUM(r) AS r FROM ( \
                 SELECT program_id, (created_at AT TIME ZONE 'UTC')::date AS day, 1 AS pu, 0 AS r FROM transactions \
                 UNION ALL SELECT program_id, (created_at AT TIME ZONE 'UTC')::date, 0, 1 FROM redemptions) y \
               GROUP BY program_id, day) \
             SELECT a.program_id::text, 'day ' || a.day, 'purchases ' || a.pu || ', redemptions ' || a.r || \
               '; counted ' || COALESCE(k.pu, 0) || ', ' || COALESCE(k.r, 0) \
             FROM actual a LEFT JOIN counted k ON k.program_id = a.program_id AND k.day = a.day \
             WHERE ($1::text IS NULL OR a.program_id = $1) \
               AND (COALESCE(k.pu, 0) <> a.pu OR COALESCE(k.r, 0) <> a.r)",
    ),
];
