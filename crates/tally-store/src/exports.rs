//! Exports: a program's whole ledger or customer list, for reconciling with
//! accounting, read page by page on one consistent snapshot.
//!
//! An export is a stream of pages that owns its snapshot: a read-only
//! transaction on a connection of its own (PostgreSQL: REPEATABLE READ READ
//! ONLY, whose snapshot is taken by the first page's query and kept by every
//! later one; SQLite: a read transaction on a reader connection, which WAL
//! keeps on the state of its first read). Pages follow each other by id
//! (keyset: `id > last id of the previous page`), so each page costs the same
//! however deep into the export it is, and memory holds one page at a time.
//!
//! Dropping the stream (the client went away mid-download) drops the
//! transaction: sqlx queues its ROLLBACK on the connection, and the pool's
//! release of the connection (a task sqlx spawns for it) pings the server
//! first, which sends the ROLLBACK and waits for its answer, so the connection
//! is idle and outside any transaction when it is next handed out. A
//! connection that cannot be cleaned that way is closed instead of reused.

use std::pin::Pin;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::Stream;
use tally_core::model::LedgerEntry;

use crate::StoreResult;

/// Rows per page: large enough that the round trips do not dominate, small
/// enough that a page is a few hundred kilobytes at most.
pub const EXPORT_PAGE: u32 = 1000;

/// An export: its pages in id order, each at most [`EXPORT_PAGE`] rows, ending
/// after the last row (or at the first error, which ends the stream).
pub type Pages<T> = Pin<Box<dyn Stream<Item = StoreResult<Vec<T>>> + Send>>;

/// Which rows by their `created_at`: `from` inclusive, `to` exclusive; `None`
/// leaves that side open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportRange {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// A customer as the export has it: the profile and the points totals. `T`
/// is the timestamp: UTC as the export hands it out, or as a backend stores
/// it while it reads the row (see `rows`; PostgreSQL reads `DateTime<Utc>`
/// itself, so its rows need no conversion).
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedCustomer<T = DateTime<Utc>> {
    pub id: String,
    pub created_at: T,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub name: Option<String>,
    pub balance: i64,
    pub lifetime_earned: i64,
    pub lifetime_spent: i64,
    /// Points in a holding period, not part of `balance`.
    pub pending_earned: i64,
}

pub const EXPORTED_CUSTOMER_COLUMNS: &str =
    "id, created_at, email, phone, name, balance, lifetime_earned, lifetime_spent, pending_earned";

/// SQLite's row (milliseconds) as the export hands it out. Only this one: a
/// generic impl over every [`Stamp`](crate::rows::Stamp) would overlap the
/// identity conversion PostgreSQL's rows use.
impl TryFrom<ExportedCustomer<i64>> for ExportedCustomer {
    type Error = crate::StoreError;
    fn try_from(r: ExportedCustomer<i64>) -> Result<Self, crate::StoreError> {
        use crate::rows::Stamp;
        Ok(ExportedCustomer {
            created_at: r.created_at.utc(),
            id: r.id,
            email: r.email,
            phone: r.phone,
            name: r.name,
            balance: r.balance,
            lifetime_earned: r.lifetime_earned,
            lifetime_spent: r.lifetime_spent,
            pending_earned: r.pending_earned,
        })
    }
}

/// Read-only, paged reads of a program's whole history. The snapshot is
/// opened before these return, so a store that cannot open one fails here
/// (and the API answers 503 before sending anything).
#[async_trait]
pub trait Exports: Send + Sync {
    /// The program's ledger entries created in `range`, oldest (smallest id) first.
    async fn export_ledger(&self, program_id: &str, range: ExportRange) -> StoreResult<Pages<LedgerEntry>>;
    /// The program's customers created in `range`, oldest (smallest id) first.
    async fn export_customers(&self, program_id: &str, range: ExportRange) -> StoreResult<Pages<ExportedCustomer>>;
}

/// The pages of a keyset walk over `conn` (a transaction): `fetch` reads the
/// page after a cursor (the last id of the page before; `""` for the first)
/// and hands the connection back with it. The walk ends after a short page,
/// and the connection is dropped with the stream (see the module's docs).
pub fn keyset<C, T, F, Fut>(conn: C, fetch: F, id: fn(&T) -> &str) -> Pages<T>
where
    C: Send + 'static,
    T: Send + 'static,
    F: FnMut(C, String) -> Fut + Send + 'static,
    Fut: Future<Output = (C, StoreResult<Vec<T>>)> + Send + 'static,
{
    struct Walk<C, F> {
        conn: C,
        fetch: F,
        cursor: String,
    }
    let start = Some(Walk { conn, fetch, cursor: String::new() });
    Box::pin(futures::stream::try_unfold(start, move |walk| async move {
        let Some(Walk { conn, mut fetch, cursor }) = walk else { return Ok(None) };
        let (conn, page) = fetch(conn, cursor).await;
        let page = page?;
        if page.is_empty() {
            return Ok(None);
        }
        // A full page may have a next one; a short page is the last, and
        // ending here drops the connection without another round trip.
        let next = match page.last() {
            Some(last) if page.len() >= EXPORT_PAGE as usize => Some(Walk { conn, fetch, cursor: id(last).to_owned() }),
            _ => None,
        };
        Ok(Some((page, next)))
    }))
}

/// A backend's keyset walk of one export, over its snapshot `tx`: `sql` reads
/// the page after a cursor and takes the program, the range's two ends (as
/// the backend stores time, `S`), the cursor and the page size, in that
/// order; `R` is the row it reads, `T` what the export hands out. Only the
/// SQL and the time's type differ between the backends.
#[cfg(feature = "sqlx")]
pub fn sql_pages<DB, S, R, T>(
    tx: sqlx::Transaction<'static, DB>,
    sql: String,
    program_id: &str,
    (from, to): (Option<S>, Option<S>),
    id: fn(&T) -> &str,
    map_err: fn(sqlx::Error) -> crate::StoreError,
) -> Pages<T>
where
    DB: sqlx::Database,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB> + Send,
    for<'c> &'c mut <DB as sqlx::Database>::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<S>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    S: Copy + Send + Sync + 'static,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    R: for<'r> sqlx::FromRow<'r, DB::Row> + Send + Unpin + 'static,
    T: TryFrom<R> + Send + 'static,
    crate::StoreError: From<T::Error>,
{
    let program = program_id.to_owned();
    let fetch = move |mut tx: sqlx::Transaction<'static, DB>, cursor: String| {
        let (sql, program) = (sql.clone(), program.clone());
        async move {
            let rows: Result<Vec<R>, _> = sqlx::query_as(&sql)
                .bind(program.as_str())
                .bind(from)
                .bind(to)
                .bind(cursor.as_str())
                .bind(i64::from(EXPORT_PAGE))
                .fetch_all(&mut *tx)
                .await;
            let page = rows
                .map_err(map_err)
                .and_then(|rows| rows.into_iter().map(|r| T::try_from(r).map_err(crate::StoreError::from)).collect());
            (tx, page)
        }
    };
    keyset(tx, fetch, id)
}
