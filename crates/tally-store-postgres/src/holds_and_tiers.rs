//! The pending-point and tier primitives (`HoldsAndTiersTx`) of a write transaction.

use async_trait::async_trait;
use tally_core::ids::IdKind;
use tally_core::model::{TierChange, TierPeriod};
use tally_store::{Hold, HoldsAndTiersTx, NewTierChange, StoreResult, TierState, TierUpdate};

use crate::map_err;
use crate::rows::*;
use crate::tx::PgTx;

#[async_trait]
impl HoldsAndTiersTx for PgTx {
    async fn hold(&mut self, program_id: &str, h: &Hold<'_>) -> StoreResult<Option<i64>> {
        sqlx::query_scalar("SELECT tally_hold($1, $2, $3, $4, $5)")
            .bind(program_id)
            .bind(h.customer_id)
            .bind(h.transaction_id)
            .bind(h.points)
            .bind(IdKind::PointLot.generate())
            .fetch_one(self.conn())
            .await
            .map_err(map_err)
    }

    async fn take_held(&mut self, program_id: &str, transaction_id: &str, points: i64) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT tally_take_held($1, $2, $3)")
            .bind(program_id)
            .bind(transaction_id)
            .bind(points)
            .fetch_one(self.conn())
            .await
            .map_err(map_err)
    }

    async fn release_lot(&mut self, program_id: &str, lot_id: &str) -> StoreResult<Option<(String, i64)>> {
        sqlx::query_as("SELECT * FROM tally_release_lot($1, $2)")
            .bind(program_id)
            .bind(lot_id)
            .fetch_optional(self.conn())
            .await
            .map_err(map_err)
    }

    async fn tier_state(&mut self, program_id: &str, customer_id: &str) -> StoreResult<Option<TierState>> {
        let row: Option<(Option<String>, i64, bool)> = sqlx::query_as(
            "SELECT tier, qualifying_points, COALESCE(tier_evaluated_at > now() - interval '1 day', false) \
             FROM customers WHERE program_id = $1 AND id = $2",
        )
        .bind(program_id)
        .bind(customer_id)
        .fetch_optional(self.conn())
        .await
        .map_err(map_err)?;
        Ok(row.map(|(tier, qualifying_points, reviewed_recently)| TierState {
            tier,
            qualifying_points,
            reviewed_recently,
        }))
    }

    async fn qualifying_points(&mut self, program_id: &str, customer_id: &str, period: TierPeriod) -> StoreResult<i64> {
        sqlx::query_scalar(
            // Clamped: voids of purchases that left the period can take the
            // sum below zero, and purchases and held points together past
            // the bigint range (SUM of bigint is numeric, so it cannot overflow).
            "SELECT GREATEST(LEAST(COALESCE(SUM(qualifying_points), 0), 9223372036854775807), 0)::bigint \
             FROM ledger_entries \
             WHERE program_id = $1 AND customer_id = $2 AND qualifying_points <> 0 \
               AND created_at >= CASE WHEN $3 = 'calendar_year' THEN date_trunc('year', now(), 'UTC') \
                                      ELSE now() - interval '365 days' END",
        )
        .bind(program_id)
        .bind(customer_id)
        .bind(period.as_str())
        .fetch_one(self.conn())
        .await
        .map_err(map_err)
    }

    async fn set_tier(&mut self, program_id: &str, customer_id: &str, u: &TierUpdate<'_>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE customers SET tier = $3, qualifying_points = $4, \
               tier_since = CASE WHEN $5 THEN CASE WHEN $3::text IS NULL THEN NULL ELSE now() END ELSE tier_since END, \
               tier_evaluated_at = CASE WHEN $6 THEN now() ELSE tier_evaluated_at END \
             WHERE program_id = $1 AND id = $2",
        )
        .bind(program_id)
        .bind(customer_id)
        .bind(u.tier)
        .bind(u.qualifying_points)
        .bind(u.changed)
        .bind(u.reviewed)
        .execute(self.conn())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn insert_tier_change(&mut self, program_id: &str, c: &NewTierChange) -> StoreResult<TierChange> {
        let sql = format!(
            "INSERT INTO tier_changes (id, program_id, customer_id, from_tier, to_tier, reason, qualifying_points, \
               transaction_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {TIER_CHANGE_COLUMNS}"
        );
        let row: TierChangeRow = sqlx::query_as(&sql)
            .bind(IdKind::TierChange.generate())
            .bind(program_id)
            .bind(&c.customer_id)
            .bind(&c.from_tier)
            .bind(&c.to_tier)
            .bind(c.reason.as_str())
            .bind(c.qualifying_points)
            .bind(&c.transaction_id)
            .fetch_one(self.conn())
            .await
            .map_err(map_err)?;
        row.try_into()
    }
}
