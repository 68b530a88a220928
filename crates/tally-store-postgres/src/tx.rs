//! The write transaction of the PostgreSQL backend.

use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use sqlx::{Executor, PgConnection, Postgres};
use tally_core::model::IdempotencyRecord;
use tally_store::events::NewEvent;
use tally_store::{KeyLock, ResourceKey, StoreError, StoreResult};

use crate::map_err;
use crate::release::Releases;

/// A transaction on a pooled session, opened with a plain BEGIN and ended by
/// this type alone, not by sqlx's `Transaction`: a `Transaction` cut short in
/// `begin` forgets it is open (see `PgStore::begin`), and one cut short in
/// `commit` queues a ROLLBACK behind the COMMIT (a "no transaction in
/// progress" warning), and neither can say "close this session instead".
///
/// The key's advisory lock, if any, belongs to this transaction and ends with
/// it: PostgreSQL releases it only once the commit is visible, so a retry never
/// sees "not in flight" before it can see the stored response.
pub(crate) struct PgTx {
    /// `None` only once committed, rolled back or dropped.
    pub(crate) conn: Option<PoolConnection<Postgres>>,
    /// COMMIT has been sent and its answer not yet read: if this is dropped
    /// now, whether the transaction committed is unknown, and a ROLLBACK
    /// could only warn; the session is closed instead (the server finishes
    /// the COMMIT, or rolls back, and releases the lock either way).
    committing: bool,
    /// The lock id held, and the node's registry to report its release to.
    key: Option<(i64, Arc<Releases>)>,
    /// The claimed key's record as read with the claim, for the first lookup.
    pub(crate) prefetched: Option<(KeyLock, Option<IdempotencyRecord>)>,
    /// Events emitted by this transaction, written with its COMMIT (see `events`).
    pub(crate) events: Vec<(String, NewEvent)>,
}

impl PgTx {
    fn opened(conn: PoolConnection<Postgres>) -> Self {
        Self { conn: Some(conn), committing: false, key: None, prefetched: None, events: Vec::new() }
    }

    /// Sends `begin` on `conn`. A session whose BEGIN failed is closed, not
    /// returned to the pool: whether it is inside a transaction is unknown.
    pub(crate) async fn begin(mut conn: PoolConnection<Postgres>, begin: &'static str) -> StoreResult<Self> {
        match conn.execute(begin).await {
            Ok(_) => Ok(Self::opened(conn)),
            Err(e) => {
                conn.close_on_drop();
                Err(map_err(e))
            }
        }
    }

    /// Sends `sql`, which opens the transaction with a BEGIN and then runs a
    /// statement, as one simple query: one round trip for both. Answers the
    /// statement's rows. On any error the session is closed, not returned to
    /// the pool: how far the string got is unknown.
    pub(crate) async fn begin_and_fetch(
        mut conn: PoolConnection<Postgres>,
        sql: &str,
    ) -> StoreResult<(Self, Vec<PgRow>)> {
        match conn.fetch_all(sql).await {
            Ok(rows) => Ok((Self::opened(conn), rows)),
            Err(e) => {
                conn.close_on_drop();
                Err(map_err(e))
            }
        }
    }

    /// Makes this transaction the holder of `lock_id`'s advisory lock.
    pub(crate) fn hold_key(&mut self, lock_id: i64, releases: Arc<Releases>) {
        self.key = Some((lock_id, releases));
    }

    /// Keeps the record read along with the key's claim, so the executor's
    /// lookup right after `begin` costs no round trip.
    pub(crate) fn prefetch_record(&mut self, lock: &KeyLock, record: Option<IdempotencyRecord>) {
        self.prefetched = Some((lock.clone(), record));
    }

    /// Commits. Without an answer from the server, whether it committed is
    /// unknown (`commit_err`): `self` drops with `committing` set and the
    /// session is closed; the client's retry with its key finds out.
    pub(crate) async fn commit_now(mut self: Box<Self>) -> StoreResult<()> {
        let events = match self.events_sql().await {
            Ok(events) => events,
            Err(e) => {
                PgTx::rollback(*self).await;
                return Err(e);
            }
        };
        self.commit_sql(&format!("{events}COMMIT")).await
    }

    /// Sends `sql`, a simple query that ends with the COMMIT (see `commit_now`).
    /// An error the server answered means nothing committed: a statement
    /// before the COMMIT failed, which skips it, or the COMMIT itself rolled
    /// back. Which of the two left the session in a failed transaction is not
    /// worth guessing on a path this rare: the session is closed, awaited, so
    /// the key's lock has ended when this returns.
    pub(crate) async fn commit_sql(mut self: Box<Self>, sql: &str) -> StoreResult<()> {
        self.committing = true;
        match self.conn().execute(sql).await {
            Ok(_) => {
                // The lock ended with the commit; the session goes back to the pool.
                self.committing = false;
                self.key = None;
                self.conn = None;
                Ok(())
            }
            Err(e @ sqlx::Error::Database(_)) => {
                self.end_now(true).await;
                Err(map_err(e))
            }
            Err(e) => Err(commit_err(e)),
        }
    }

    /// Rolls back now, awaited, so the key's advisory lock is released before
    /// this returns; the session goes back to the pool clean, or is closed.
    pub(crate) async fn rollback(self) {
        self.end_now(false).await;
    }

    /// Ends the transaction now (rolling back, or closing the session), and
    /// tells the node's registry when the key's lock has gone with it.
    async fn end_now(mut self, close: bool) {
        if let Some(conn) = self.conn.take() {
            let release = self.key.take().map(|(lock_id, releases)| releases.start(lock_id));
            end(conn, close).await;
            drop(release);
        }
    }

    pub(crate) fn conn(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("a transaction is open until commit or drop")
    }

    /// Debits `points` and spends them from the customer's lots, in one round
    /// trip (`tally_debit`, which says why it is a function).
    pub(crate) async fn debit_with(
        &mut self,
        program_id: &str,
        customer_id: &str,
        points: i64,
        allow_negative: bool,
    ) -> StoreResult<Option<i64>> {
        sqlx::query_scalar("SELECT tally_debit($1, $2, $3, $4)")
            .bind(program_id)
            .bind(customer_id)
            .bind(points)
            .bind(allow_negative)
            .fetch_one(self.conn())
            .await
            .map_err(map_err)
    }
}

/// Ends a transaction that is not to commit: ROLLBACK (after the answers of
/// any statement still in flight, which sqlx reads first), and the session
/// back to the pool; if that fails, or if a COMMIT's fate is unknown
/// (`committing`), the session is closed and never reused.
async fn end(mut conn: PoolConnection<Postgres>, committing: bool) {
    if !committing {
        match conn.execute("ROLLBACK").await {
            Ok(_) => return,
            // Closing ends the session, which rolls back and frees its locks.
            Err(e) => tracing::warn!(error = %e, "rollback failed; closing the session"),
        }
    }
    if let Err(e) = conn.close().await {
        tracing::debug!(error = %e, "closing a session after an unfinished transaction");
    }
}

impl Drop for PgTx {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            // Committed or rolled back already.
            return;
        };
        let committing = self.committing;
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // Outside a runtime nothing can await: drop the socket, which
            // ends the session, its transaction and its lock on the server.
            drop(conn.detach());
            return;
        };
        // There is no async drop: until the task below has ended the
        // transaction, the lock is still held, and `releases` says so.
        let release = self.key.take().map(|(lock_id, releases)| releases.start(lock_id));
        runtime.spawn(async move {
            end(conn, committing).await;
            drop(release);
        });
    }
}

/// A failed COMMIT. An error the server sent in reply says the commit did
/// not happen (PostgreSQL answers a COMMIT with an error only when it rolled
/// back, e.g. a serialization failure or its session being terminated), so
/// it maps as any other statement's error. Without a reply (the connection
/// broke after the COMMIT was sent) it may have reached the disk or not.
pub(crate) fn commit_err(err: sqlx::Error) -> StoreError {
    match err {
        sqlx::Error::Database(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => map_err(err),
        other => StoreError::OutcomeUnknown(other.to_string()),
    }
}

/// A conditional change of a finite stock: `sql` takes the program, the
/// reward and the quantity. Returns the rows it changed.
pub(crate) async fn change_stock(
    conn: &mut PgConnection,
    sql: &str,
    program_id: &str,
    reward_id: &str,
    quantity: i64,
) -> StoreResult<u64> {
    let done = sqlx::query(sql).bind(program_id).bind(reward_id).bind(quantity).execute(conn).await.map_err(map_err)?;
    Ok(done.rows_affected())
}

/// A keyed state change (`from` → `to`) of the row `id` names: `sql` takes the
/// program, the id, the two states and the moving key's key and fingerprint,
/// and returns the row when it moved.
pub(crate) async fn transition<R, T>(
    conn: &mut PgConnection,
    sql: &str,
    program_id: &str,
    id: &str,
    (from, to): (&str, &str),
    key: Option<&ResourceKey>,
) -> StoreResult<Option<T>>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    T: TryFrom<R, Error = StoreError>,
{
    let row: Option<R> = sqlx::query_as(sql)
        .bind(program_id)
        .bind(id)
        .bind(from)
        .bind(to)
        .bind(key.map(|k| &k.key))
        .bind(key.map(|k| &k.fingerprint))
        .fetch_optional(conn)
        .await
        .map_err(map_err)?;
    row.map(T::try_from).transpose()
}

/// The key a keyed state change left on its row (`moved_by_key`), if any.
pub(crate) async fn moved_by(
    conn: &mut PgConnection,
    sql: &str,
    program_id: &str,
    id: &str,
) -> StoreResult<Option<ResourceKey>> {
    let row: Option<(Option<String>, Option<String>)> =
        sqlx::query_as(sql).bind(program_id).bind(id).fetch_optional(conn).await.map_err(map_err)?;
    Ok(match row {
        Some((Some(key), Some(fingerprint))) => Some(ResourceKey { key, fingerprint }),
        _ => None,
    })
}
