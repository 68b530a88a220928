//! Exports on SQLite: a read transaction on a reader connection per export,
//! paged by id (see `tally_store::exports`). WAL keeps the transaction on the
//! state of its first read while the writer goes on committing.
//!
//! While an export runs, its snapshot pins the WAL: the background checkpoint
//! cannot start the WAL over (its RESTART pass gives up after its patience
//! and tries again next round), so the WAL grows with the writes made during
//! the export and is cut back once the export has ended. The export also
//! holds one of the reader pool's connections for its whole length.

use async_trait::async_trait;
use sqlx::{Sqlite, Transaction};
use tally_core::model::LedgerEntry;
use tally_store::StoreResult;
use tally_store::exports::{EXPORTED_CUSTOMER_COLUMNS, ExportRange, ExportedCustomer, Exports, Pages, sql_pages};

use crate::rows::{LEDGER_COLUMNS, LedgerRow};
use crate::{SqliteStore, map_err};

/// `+program_id` keeps SQLite's planner off the indexes that start with the
/// program (by customer, by key): with one of them it would sort the
/// program's whole ledger for every page. The walk follows the primary key
/// instead, each page reading forward from the cursor.
const LEDGER_PAGE: &str = "WHERE +program_id = ?1 AND (?2 IS NULL OR created_at >= ?2) \
     AND (?3 IS NULL OR created_at < ?3) AND id > ?4 ORDER BY id LIMIT ?5";

/// `customers_by_program (program_id, id)` serves this walk directly.
const CUSTOMER_PAGE: &str = "WHERE program_id = ?1 AND (?2 IS NULL OR created_at >= ?2) \
     AND (?3 IS NULL OR created_at < ?3) AND id > ?4 ORDER BY id LIMIT ?5";

/// The range as SQLite stores timestamps: integer milliseconds.
fn millis(range: ExportRange) -> (Option<i64>, Option<i64>) {
    (range.from.map(|t| t.timestamp_millis()), range.to.map(|t| t.timestamp_millis()))
}

impl SqliteStore {
    /// A read transaction on a reader connection. SQLite's BEGIN is
    /// deferred: the snapshot is taken by the first page's query.
    ///
    /// Opened in a task of its own: a download cancelled while BEGIN is in
    /// flight would otherwise leave sqlx's `Transaction` unaware that it is
    /// open (upstream sqlx #4385), and the reader would go back to the pool
    /// inside a read transaction, pinning an old snapshot for whoever uses it
    /// next. The task always runs to a whole `Transaction` or to an error.
    async fn snapshot(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        let reader = self.reader.clone();
        match tokio::spawn(async move { reader.begin().await.map_err(map_err) }).await {
            Ok(opened) => opened,
            Err(e) => Err(tally_store::StoreError::Other(format!("the task opening an export failed: {e}"))),
        }
    }
}

#[async_trait]
impl Exports for SqliteStore {
    async fn export_ledger(&self, program_id: &str, range: ExportRange) -> StoreResult<Pages<LedgerEntry>> {
        let sql = format!("SELECT {LEDGER_COLUMNS} FROM ledger_entries {LEDGER_PAGE}");
        Ok(sql_pages::<_, _, LedgerRow, _>(
            self.snapshot().await?,
            sql,
            program_id,
            millis(range),
            |e: &LedgerEntry| &e.id,
            map_err,
        ))
    }

    async fn export_customers(&self, program_id: &str, range: ExportRange) -> StoreResult<Pages<ExportedCustomer>> {
        let sql = format!("SELECT {EXPORTED_CUSTOMER_COLUMNS} FROM customers {CUSTOMER_PAGE}");
        Ok(sql_pages::<_, _, ExportedCustomer<i64>, _>(
            self.snapshot().await?,
            sql,
            program_id,
            millis(range),
            |c: &ExportedCustomer| &c.id,
            map_err,
        ))
    }
}
