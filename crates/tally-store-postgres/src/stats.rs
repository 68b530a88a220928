//! The program-wide reads of the operator's overview and queues, over the
//! counters (folded and not yet folded) and the index of `migrations/0006_program_stats.sql`.

use chrono::{DateTime, Utc};
use tally_core::model::{Redemption, RedemptionStatus};
use tally_store::{COUNT_LIMIT, Page, ProgramStats, StoreResult};

use crate::rows::{REDEMPTION_COLUMNS, RedemptionRow, convert_all};
use crate::{PgStore, map_err};

impl PgStore {
    pub(crate) async fn read_program_stats(&self, program_id: &str) -> StoreResult<ProgramStats> {
        // The folded totals (one row each) plus the changes not folded yet (a
        // few seconds' worth, by `program_counter_changes_by_program`), and a
        // count of at most COUNT_LIMIT index entries.
        let sql = "WITH today AS (SELECT (now() AT TIME ZONE 'UTC')::date AS day), \
             unfolded AS (SELECT * FROM program_counter_changes WHERE program_id = $1), \
             folded AS (SELECT customer_count, points_outstanding FROM program_counters WHERE program_id = $1), \
             daily AS (SELECT purchases, redemptions FROM program_daily_counters \
                 WHERE program_id = $1 AND day = (SELECT day FROM today)) \
             SELECT \
               (COALESCE((SELECT customer_count FROM folded), 0) + COALESCE((SELECT SUM(customers) FROM unfolded), 0))::bigint, \
               (COALESCE((SELECT points_outstanding FROM folded), 0) + COALESCE((SELECT SUM(points) FROM unfolded), 0))::bigint, \
               (SELECT count(*) FROM (SELECT 1 FROM redemptions \
                  WHERE status = 'pending' AND program_id = $1 LIMIT $2) p), \
               (COALESCE((SELECT redemptions FROM daily), 0) \
                 + COALESCE((SELECT SUM(redemptions) FROM unfolded WHERE day = (SELECT day FROM today)), 0))::bigint, \
               (COALESCE((SELECT purchases FROM daily), 0) \
                 + COALESCE((SELECT SUM(purchases) FROM unfolded WHERE day = (SELECT day FROM today)), 0))::bigint, \
               ((SELECT day FROM today)::timestamp AT TIME ZONE 'UTC')";
        let (customers, points_outstanding, redemptions_pending, redemptions_today, purchases_today, day_started_at): (
            i64,
            i64,
            i64,
            i64,
            i64,
            DateTime<Utc>,
        ) = sqlx::query_as(sql).bind(program_id).bind(COUNT_LIMIT).fetch_one(&self.pool).await.map_err(map_err)?;
        Ok(ProgramStats {
            customers,
            points_outstanding,
            redemptions_pending,
            redemptions_today,
            purchases_today,
            day_started_at,
        })
    }

    pub(crate) async fn fold_stats_counters(&self, batch: u32) -> StoreResult<u64> {
        let (moved,): (i64,) = sqlx::query_as("SELECT tally_fold_counters($1)")
            .bind(i32::try_from(batch).unwrap_or(i32::MAX))
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(u64::try_from(moved).unwrap_or(0))
    }

    pub(crate) async fn read_redemptions_by_status(
        &self,
        program_id: &str,
        status: RedemptionStatus,
        page: &Page,
    ) -> StoreResult<Vec<Redemption>> {
        let sql = format!(
            "SELECT {REDEMPTION_COLUMNS} FROM redemptions WHERE status = $2 AND program_id = $1 \
             AND ($3::text IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
        );
        let rows: Vec<RedemptionRow> = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(status.as_str())
            .bind(&page.starting_after)
            .bind(i64::from(page.limit) + 1)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        convert_all(rows)
    }
}
