//! The pending-point and tier primitives (`HoldsAndTiersTx`) of a write transaction.

use async_trait::async_trait;
use rusqlite::params;
use tally_core::ids::IdKind;
use tally_core::model::{TierChange, TierPeriod};
use tally_store::{Hold, HoldsAndTiersTx, NewTierChange, StoreResult, TierState, TierUpdate};

use crate::now_ms;
use crate::rows::*;
use crate::tx::{SqliteTx, first};

#[async_trait]
impl HoldsAndTiersTx for SqliteTx {
    async fn hold(&mut self, program_id: &str, h: &Hold<'_>) -> StoreResult<Option<i64>> {
        let balance: Option<i64> = self.optional(
            "UPDATE customers SET pending_earned = pending_earned + ?3 \
             WHERE program_id = ?1 AND id = ?2 AND pending_earned <= 9223372036854775807 - ?3 RETURNING balance",
            params![program_id, h.customer_id, h.points],
            first,
        )?;
        if balance.is_some() {
            let sql = format!(
                "INSERT INTO pending_lots (id, program_id, customer_id, transaction_id, points, remaining, releases_at, \
                   created_at) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?5, {now} + points_pending_days * 86400000, {now} \
                 FROM programs WHERE id = ?2",
                now = now_ms!()
            );
            self.execute(
                &sql,
                params![IdKind::PointLot.generate(), program_id, h.customer_id, h.transaction_id, h.points],
            )?;
        }
        Ok(balance)
    }

    async fn take_held(&mut self, program_id: &str, transaction_id: &str, points: i64) -> StoreResult<i64> {
        // One writer: the read and the updates after it see the same lot.
        let held: Option<(String, String, i64)> = self.optional(
            "SELECT id, customer_id, MIN(remaining, ?3) FROM pending_lots \
             WHERE program_id = ?1 AND transaction_id = ?2 AND released_at IS NULL AND remaining > 0",
            params![program_id, transaction_id, points],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        let Some((lot_id, customer_id, taken)) = held else { return Ok(0) };
        self.execute("UPDATE pending_lots SET remaining = remaining - ?2 WHERE id = ?1", params![lot_id, taken])?;
        self.execute(
            "UPDATE customers SET pending_earned = pending_earned - ?3 WHERE program_id = ?1 AND id = ?2",
            params![program_id, customer_id, taken],
        )?;
        Ok(taken)
    }

    async fn release_lot(&mut self, program_id: &str, lot_id: &str) -> StoreResult<Option<(String, i64)>> {
        let now = now_ms!();
        let due: Option<(String, String, i64)> = self.optional(
            &format!(
                "SELECT transaction_id, customer_id, remaining FROM pending_lots WHERE program_id = ?1 AND id = ?2 \
                   AND released_at IS NULL AND remaining > 0 AND releases_at <= {now}"
            ),
            params![program_id, lot_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        let Some((transaction_id, customer_id, points)) = due else { return Ok(None) };
        self.execute(&format!("UPDATE pending_lots SET remaining = 0, released_at = {now} WHERE id = ?1"), [lot_id])?;
        self.execute(
            "UPDATE customers SET pending_earned = pending_earned - ?3 WHERE program_id = ?1 AND id = ?2",
            params![program_id, customer_id, points],
        )?;
        Ok(Some((transaction_id, points)))
    }

    async fn tier_state(&mut self, program_id: &str, customer_id: &str) -> StoreResult<Option<TierState>> {
        let sql = format!(
            "SELECT tier, qualifying_points, COALESCE(tier_evaluated_at > {} - 86400000, 0) \
             FROM customers WHERE program_id = ?1 AND id = ?2",
            now_ms!()
        );
        self.optional(&sql, params![program_id, customer_id], |row| {
            Ok(TierState { tier: row.get(0)?, qualifying_points: row.get(1)?, reviewed_recently: row.get(2)? })
        })
    }

    async fn qualifying_points(&mut self, program_id: &str, customer_id: &str, period: TierPeriod) -> StoreResult<i64> {
        let sql = format!(
            // Clamped to 0..=i64::MAX (see PostgreSQL's); TOTAL, a float,
            // because SQLite's SUM raises on overflow. Exact below 2^53.
            "SELECT CAST(MAX(MIN(TOTAL(qualifying_points), 9223372036854775807), 0) AS INTEGER) FROM ledger_entries \
             WHERE program_id = ?1 AND customer_id = ?2 AND qualifying_points <> 0 \
               AND created_at >= CASE WHEN ?3 = 'calendar_year' \
                   THEN CAST(strftime('%s', 'now', 'start of year') AS INTEGER) * 1000 \
                   ELSE {} - 365 * 86400000 END",
            now_ms!()
        );
        self.one(&sql, params![program_id, customer_id, period.as_str()], first)
    }

    async fn set_tier(&mut self, program_id: &str, customer_id: &str, u: &TierUpdate<'_>) -> StoreResult<()> {
        let sql = format!(
            "UPDATE customers SET tier = ?3, qualifying_points = ?4, \
               tier_since = CASE WHEN ?5 THEN CASE WHEN ?3 IS NULL THEN NULL ELSE {now} END ELSE tier_since END, \
               tier_evaluated_at = CASE WHEN ?6 THEN {now} ELSE tier_evaluated_at END \
             WHERE program_id = ?1 AND id = ?2",
            now = now_ms!()
        );
        self.execute(&sql, params![program_id, customer_id, u.tier, u.qualifying_points, u.changed, u.reviewed])?;
        Ok(())
    }

    async fn insert_tier_change(&mut self, program_id: &str, c: &NewTierChange) -> StoreResult<TierChange> {
        let sql = format!(
            "INSERT INTO tier_changes (id, program_id, customer_id, from_tier, to_tier, reason, qualifying_points, \
               transaction_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, {}) RETURNING {TIER_CHANGE_COLUMNS}",
            now_ms!()
        );
        let row = self.one(
            &sql,
            params![
                IdKind::TierChange.generate(),
                program_id,
                c.customer_id,
                c.from_tier,
                c.to_tier,
                c.reason.as_str(),
                c.qualifying_points,
                c.transaction_id,
            ],
            TierChangeRow::from_rusqlite,
        )?;
        row.try_into()
    }
}
