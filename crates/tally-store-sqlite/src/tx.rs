//! The write transaction of the SQLite backend.
//!
//! It owns the writer (the lock on the one write connection) from `BEGIN
//! IMMEDIATE` until it commits or is dropped, and runs every statement
//! synchronously on it (see the crate's documentation for why).

use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, Params, Row, params};
use tally_core::ids::IdKind;
use tally_store::{ResourceKey, StoreError, StoreResult};
use tokio::sync::OwnedMutexGuard;

use crate::durability::GroupSync;
use crate::{InFlightGuard, map_rusqlite_err, now_ms};

pub(crate) struct SqliteTx {
    /// The writer, inside this transaction; `None` once committed (the
    /// transaction is finished and the writer free for the next one).
    pub(crate) conn: Option<OwnedMutexGuard<Connection>>,
    /// Held until the transaction has rolled back, or committed and reached
    /// the disk, so a retry never sees "not in flight" before it can see the
    /// stored response, nor the response before it is durable. Declared after
    /// `conn`, so it is released after the writer.
    pub(crate) in_flight: Option<InFlightGuard>,
    pub(crate) durable: Arc<GroupSync>,
}

impl SqliteTx {
    pub(crate) fn new(
        conn: OwnedMutexGuard<Connection>,
        in_flight: Option<InFlightGuard>,
        durable: Arc<GroupSync>,
    ) -> Self {
        Self { conn: Some(conn), in_flight, durable }
    }

    pub(crate) fn conn(&self) -> StoreResult<&Connection> {
        self.conn.as_deref().ok_or_else(|| StoreError::Other("the transaction has already committed".to_owned()))
    }

    /// Runs a statement that returns no rows; answers how many rows it changed.
    pub(crate) fn execute(&self, sql: &str, params: impl Params) -> StoreResult<usize> {
        self.conn()?.prepare_cached(sql).and_then(|mut statement| statement.execute(params)).map_err(map_rusqlite_err)
    }

    /// Runs a statement and decodes its first row, if it returns any.
    pub(crate) fn optional<T>(
        &self,
        sql: &str,
        params: impl Params,
        decode: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> StoreResult<Option<T>> {
        self.conn()?
            .prepare_cached(sql)
            .and_then(|mut statement| statement.query_row(params, decode).optional())
            .map_err(map_rusqlite_err)
    }

    /// Runs a statement and decodes its first row, which it must return.
    pub(crate) fn one<T>(
        &self,
        sql: &str,
        params: impl Params,
        decode: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> StoreResult<T> {
        self.conn()?
            .prepare_cached(sql)
            .and_then(|mut statement| statement.query_row(params, decode))
            .map_err(map_rusqlite_err)
    }
}

impl Drop for SqliteTx {
    /// A transaction dropped before it committed (an error, a panic, a
    /// cancelled request) rolls back here, synchronously, before the writer
    /// is released: the next transaction always finds it clean.
    fn drop(&mut self) {
        let Some(conn) = self.conn.as_deref() else { return };
        // A failed COMMIT may already have ended the transaction.
        if conn.is_autocommit() {
            return;
        }
        if let Err(e) = conn.prepare_cached("ROLLBACK").and_then(|mut rollback| rollback.execute([])) {
            tracing::warn!(error = %e, "rolling back a dropped SQLite transaction failed");
        }
    }
}

/// The first column, as a single value.
pub(crate) fn first<T: rusqlite::types::FromSql>(row: &Row<'_>) -> rusqlite::Result<T> {
    row.get(0)
}

impl SqliteTx {
    /// The key a keyed state change left on its row (`moved_by_key`), if any.
    pub(crate) fn moved_by(&self, sql: &str, program_id: &str, id: &str) -> StoreResult<Option<ResourceKey>> {
        let row = self.optional(sql, params![program_id, id], |row| {
            Ok((row.get::<_, Option<String>>(0)?, row.get::<_, Option<String>>(1)?))
        })?;
        Ok(match row {
            Some((Some(key), Some(fingerprint))) => Some(ResourceKey { key, fingerprint }),
            _ => None,
        })
    }

    /// Starts a lot of `points` (nothing when not positive), expiring per the program's rule.
    pub(crate) fn start_lot(&self, program_id: &str, customer_id: &str, points: i64) -> StoreResult<()> {
        if points <= 0 {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO point_lots (id, program_id, customer_id, points, remaining, expires_at, created_at) \
             SELECT ?1, ?2, ?3, ?4, ?4, {now} + points_expire_after_days * 86400000, {now} \
             FROM programs WHERE id = ?2",
            now = now_ms!()
        );
        self.execute(&sql, params![IdKind::PointLot.generate(), program_id, customer_id, points])?;
        Ok(())
    }

    /// Spends `points` from the customer's unspent lots, oldest first, as far
    /// as they reach. One statement: each lot gives what is still owed after the
    /// lots before it (a running total by window function).
    /// Debits `points` by `sql`, a conditional update of the customer (the
    /// program, the customer, the points) that returns the balance after,
    /// and spends them from the lots; `None` when the condition refused.
    pub(crate) fn debit_where(
        &self,
        sql: &str,
        program_id: &str,
        customer_id: &str,
        points: i64,
    ) -> StoreResult<Option<i64>> {
        let balance: Option<i64> = self.optional(sql, rusqlite::params![program_id, customer_id, points], first)?;
        if balance.is_some() {
            self.spend_lots(program_id, customer_id, points)?;
        }
        Ok(balance)
    }

    pub(crate) fn spend_lots(&self, program_id: &str, customer_id: &str, points: i64) -> StoreResult<()> {
        self.execute(
            "WITH ordered AS ( \
               SELECT id, SUM(remaining) OVER (ORDER BY id) - remaining AS before \
               FROM point_lots WHERE program_id = ?1 AND customer_id = ?2 AND remaining > 0 \
             ) \
             UPDATE point_lots SET remaining = point_lots.remaining - MIN(point_lots.remaining, ?3 - ordered.before) \
             FROM ordered WHERE point_lots.id = ordered.id AND ordered.before < ?3",
            params![program_id, customer_id, points],
        )?;
        Ok(())
    }
}
