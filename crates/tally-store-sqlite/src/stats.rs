//! The program-wide reads of the operator's overview and queues, over the
//! counters and the index of `migrations/0003_program_stats.sql`.

use tally_core::model::{Redemption, RedemptionStatus};
use tally_store::{COUNT_LIMIT, Page, ProgramStats, StoreResult};

use crate::rows::{REDEMPTION_COLUMNS, RedemptionRow, convert_all, time};
use crate::{SqliteStore, map_err, now_ms};

impl SqliteStore {
    pub(crate) async fn read_program_stats(&self, program_id: &str) -> StoreResult<ProgramStats> {
        let sql = format!(
            "WITH today AS (SELECT {now} / 86400000 AS day) \
             SELECT \
               COALESCE((SELECT customer_count FROM program_counters WHERE program_id = ?1), 0), \
               COALESCE((SELECT points_outstanding FROM program_counters WHERE program_id = ?1), 0), \
               (SELECT count(*) FROM (SELECT 1 FROM redemptions \
                  WHERE program_id = ?1 AND status = 'pending' LIMIT ?2)), \
               COALESCE((SELECT redemptions FROM program_daily_counters d, today \
                  WHERE d.program_id = ?1 AND d.day = today.day), 0), \
               COALESCE((SELECT purchases FROM program_daily_counters d, today \
                  WHERE d.program_id = ?1 AND d.day = today.day), 0), \
               (SELECT day FROM today) * 86400000",
            now = now_ms!()
        );
        let (customers, points_outstanding, redemptions_pending, redemptions_today, purchases_today, day_start): (
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
        ) = sqlx::query_as(&sql).bind(program_id).bind(COUNT_LIMIT).fetch_one(&self.reader).await.map_err(map_err)?;
        Ok(ProgramStats {
            customers,
            points_outstanding,
            redemptions_pending,
            redemptions_today,
            purchases_today,
            day_started_at: time(day_start),
        })
    }

    pub(crate) async fn read_redemptions_by_status(
        &self,
        program_id: &str,
        status: RedemptionStatus,
        page: &Page,
    ) -> StoreResult<Vec<Redemption>> {
        let sql = format!(
            "SELECT {REDEMPTION_COLUMNS} FROM redemptions INDEXED BY redemptions_by_status \
             WHERE program_id = ?1 AND status = ?2 AND (?3 IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?4"
        );
        let rows: Vec<RedemptionRow> = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(status.as_str())
            .bind(&page.starting_after)
            .bind(i64::from(page.limit) + 1)
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?;
        convert_all(rows)
    }
}
