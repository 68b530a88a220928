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
use tally_store::exports::{
    EXPORT_PAGE, EXPORTED_CUSTOMER_COLUMNS, ExportRange, ExportedCustomer, Exports, Pages, keyset,
};

use crate::rows::{LEDGER_COLUMNS, LedgerRow, convert_all};
use crate::{SqliteStore, map_err};

type ExportedCustomerRow = tally_store::exports::ExportedCustomerRow<i64>;

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

/// The keyset walk of one export: `sql` reads the page after a cursor, with
/// the program, the range and the page size bound as the page queries above
/// expect them; `R` is the row it reads, `T` what the export hands out.
fn pages<R, T>(
    tx: Transaction<'static, Sqlite>,
    sql: String,
    program_id: &str,
    range: ExportRange,
    id: fn(&T) -> &str,
) -> Pages<T>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin + 'static,
    T: TryFrom<R, Error = tally_store::StoreError> + Send + 'static,
{
    let (program, (from, to)) = (program_id.to_owned(), millis(range));
    let fetch = move |mut tx: Transaction<'static, Sqlite>, cursor: String| {
        let (sql, program) = (sql.clone(), program.clone());
        async move {
            let rows: Result<Vec<R>, _> = sqlx::query_as(&sql)
                .bind(&program)
                .bind(from)
                .bind(to)
                .bind(&cursor)
                .bind(i64::from(EXPORT_PAGE))
                .fetch_all(&mut *tx)
                .await;
            (tx, rows.map_err(map_err).and_then(convert_all))
        }
    };
    keyset(tx, fetch, id)
}

#[async_trait]
impl Exports for SqliteStore {
    async fn export_ledger(&self, program_id: &str, range: ExportRange) -> StoreResult<Pages<LedgerEntry>> {
        let sql = format!("SELECT {LEDGER_COLUMNS} FROM ledger_entries {LEDGER_PAGE}");
        Ok(pages::<LedgerRow, _>(self.snapshot().await?, sql, program_id, range, |e: &LedgerEntry| &e.id))
    }

    async fn export_customers(&self, program_id: &str, range: ExportRange) -> StoreResult<Pages<ExportedCustomer>> {
        let sql = format!("SELECT {EXPORTED_CUSTOMER_COLUMNS} FROM customers {CUSTOMER_PAGE}");
        Ok(pages::<ExportedCustomerRow, _>(self.snapshot().await?, sql, program_id, range, |c: &ExportedCustomer| {
            &c.id
        }))
    }
}
