//! The store's own connections beside the sqlx reader pool: the one writer
//! (opened with rusqlite, run in place), the in-place readers for the
//! stored-response lookup, and the background WAL checkpoint.

use super::*;

/// Rolls back a transaction the writer was left inside. That cannot happen (a
/// transaction that ends commits or rolls back, see `SqliteTx`'s `Drop`), but
/// if it ever did, every later write would fail or, worse, join it.
pub(super) fn rollback_leftover(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    if conn.is_autocommit() {
        return Ok(());
    }
    tracing::warn!("the SQLite writer was left inside a transaction; rolling it back");
    conn.execute_batch("ROLLBACK")
}

/// Opens the writer with the pragmas the sqlx options gave it before: WAL,
/// `synchronous=NORMAL` (see `connect`), foreign keys, the busy timeout. The
/// WAL is never checkpointed by a commit (`wal_autocheckpoint=0`): that runs an
/// fsync or two, and would run on the thread holding the writer. The
/// background task in `checkpoint` does it instead.
pub(super) fn open_writer(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(path = %path.display(), mode, "the SQLite writer is not in WAL mode");
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Read-only connections used in place, like the writer, for the lookup every
/// keyed request makes before claiming its key (`idempotency_record`): through
/// the sqlx pool that one read cost a thread hop each way, and measured as a
/// large part of what a key adds to a first write once the writer itself ran
/// in place. The read is one primary-key lookup in WAL mode (it never waits
/// for the writer), so it holds a runtime worker for microseconds. The other
/// reads (lists, balances) stay on the pool, where their size does not matter.
pub(super) struct InPlaceReaders {
    connections: Vec<Mutex<rusqlite::Connection>>,
    next: std::sync::atomic::AtomicUsize,
}

impl InPlaceReaders {
    pub(super) fn open(path: &Path, count: usize) -> rusqlite::Result<Self> {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connections = (0..count)
            .map(|_| {
                let conn = rusqlite::Connection::open_with_flags(path, flags)?;
                conn.busy_timeout(BUSY_TIMEOUT)?;
                Ok(Mutex::new(conn))
            })
            .collect::<rusqlite::Result<_>>()?;
        Ok(Self { connections, next: Default::default() })
    }

    /// Runs `read` on a free connection (or waits the microseconds for one).
    pub(super) fn read<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let count = self.connections.len();
        let free = (0..count).find_map(|i| self.connections[(start + i) % count].try_lock().ok());
        let conn = match free {
            Some(conn) => conn,
            None => self.connections[start % count].lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
        };
        read(&conn)
    }
}

/// Copies the WAL back into the database file every `CHECKPOINT_EVERY`, on a
/// connection of its own (sqlx: it runs on a thread of its own, and a
/// checkpoint writes and fsyncs).
///
/// A PASSIVE checkpoint takes no lock that writers or readers wait for, so it
/// copies most of the WAL while writes go on. But under a steady stream of
/// writes that never lets the WAL start over: frames are appended while it
/// copies, and readers that began before it finished still use the WAL, so it
/// is never entirely in the database when the next transaction begins, and it
/// grows without bound (gigabytes in a minute of imports). So once it holds
/// `RESTART_AFTER_FRAMES`, a RESTART checkpoint follows while this task holds
/// the writer: no frame can be added, it copies the few written during the
/// first pass, and waits (at most `CHECKPOINT_PATIENCE`) for readers still in
/// the WAL; the next transaction then writes the WAL from its start again (cut
/// back to `JOURNAL_SIZE_LIMIT`). Writers wait for that second pass only, at
/// most once per `CHECKPOINT_EVERY`: it copies little, and its time is mostly
/// its two fsyncs (WAL, then database), some milliseconds; no runtime thread
/// blocks on it. (SQLite's automatic checkpoint, which this replaces, made a
/// commit wait for the same fsyncs every `RESTART_AFTER_FRAMES` frames, many
/// times a second under load.)
///
/// Stops when the store is dropped or closed.
pub(super) async fn checkpoint(
    mut conn: sqlx::SqliteConnection,
    writer: Weak<tokio::sync::Mutex<rusqlite::Connection>>,
    closed: Arc<AtomicBool>,
) {
    /// `(busy, frames in the WAL, frames copied)`.
    async fn pass(conn: &mut sqlx::SqliteConnection, sql: &str) -> Option<(i64, i64, i64)> {
        match sqlx::query_as(sql).fetch_one(conn).await {
            Ok(result) => Some(result),
            Err(e) => {
                tracing::warn!(error = %e, "SQLite WAL checkpoint failed");
                None
            }
        }
    }
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if closed.load(Ordering::Acquire) {
            break;
        }
        let Some(writer) = writer.upgrade() else { break };
        if let Some((_, frames, _)) = pass(&mut conn, "PRAGMA wal_checkpoint(PASSIVE)").await
            && frames >= RESTART_AFTER_FRAMES
        {
            let _writer = writer.lock().await;
            pass(&mut conn, "PRAGMA wal_checkpoint(RESTART)").await;
        }
    }
    if let Err(e) = sqlx::Connection::close(conn).await {
        tracing::debug!(error = %e, "closing the SQLite checkpoint connection");
    }
}
