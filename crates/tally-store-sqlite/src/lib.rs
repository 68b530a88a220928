//! Tally on one SQLite file.
//!
//! Writes go through exactly one connection, each transaction opened with
//! `BEGIN IMMEDIATE`: SQLite admits one writer at a time anyway, and queueing
//! writers in process (a fair async mutex, first come first served) avoids
//! `SQLITE_BUSY` storms and read-to-write upgrade failures. Reads use a separate
//! pool and never wait for writers (WAL).
//!
//! The writer runs its statements synchronously, in place, on the calling
//! task's thread (rusqlite), while the readers stay on sqlx. sqlx runs every
//! SQLite connection on a worker thread of its own and makes each statement a
//! round trip over channels, two thread wake-ups each way. For the one writer,
//! which everything queues behind, that was most of the cost: a purchase (a
//! dozen statements) held it for about a millisecond, 46 context switches,
//! mostly waiting for threads to wake. Run in place, a statement takes
//! microseconds: it only appends to the WAL in the OS cache (`synchronous=NORMAL`
//! and no checkpoint in the commit, see below), so blocking a runtime worker for
//! it costs less than the hop it saves. What would block for longer never runs
//! on the writer: the fsync that makes commits durable (`durability`) and the
//! WAL checkpoint (a background task with a connection of its own, every
//! `CHECKPOINT_EVERY`, never inside a commit; see `checkpoint`).
//!
//! Commits are made durable in groups (see `durability`): the writer does not
//! wait for the disk, the committer does, and one fsync covers every commit
//! made before it began.
//!
//! One SQLite file is served by one process. The in-flight lock of an
//! idempotency key is an in-process set, so the process is the whole world, and
//! a crash takes its locks with it. Exactly-once itself is still decided by the
//! database: the record's primary key and the resources' unique key columns.
//! (Another process writing the same file, e.g. a command-line tool, is still
//! safe, only slow: the writer waits for its lock for up to the busy timeout,
//! on the thread that runs it.)

mod durability;
mod rows;
mod tx;
#[cfg(test)]
mod writer_tests;

use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use async_trait::async_trait;
use sqlx::ConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use tally_core::ids::IdKind;
use tally_core::model::{
    Balance, Coupon, Customer, IdempotencyRecord, LedgerEntry, PointLot, Program, ProgramSettings, Redemption, Reward,
    Transaction,
};
use tally_store::{
    Claim, CustomerFilter, KeyLock, Page, PoolStats, Store, StoreError, StoreResult, StoreTx, Violation,
};

use rows::*;

/// SQL for "now" in integer milliseconds, by SQLite's clock.
macro_rules! now_ms {
    () => {
        "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
    };
}
pub(crate) use now_ms;

/// How long any connection waits for another process's lock on the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the background task copies the WAL back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);
/// WAL frames (pages) beyond which a checkpoint makes the WAL start over (see
/// `checkpoint`); SQLite's own automatic checkpoint uses the same number.
const RESTART_AFTER_FRAMES: i64 = 1000;
/// How long the checkpoint that restarts the WAL waits for readers to leave it
/// (it holds the writer meanwhile); if they have not, the next round tries again.
const CHECKPOINT_PATIENCE: Duration = Duration::from_millis(10);
/// The size the WAL file is cut back to when it starts over (it grows again
/// under load between checkpoints; without a limit it would keep its largest size).
const JOURNAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;
/// Prepared statements the writer keeps (the write path uses a few dozen).
const STATEMENT_CACHE: usize = 128;
/// Read-only connections in the reader pool.
const READERS: u32 = 4;

/// Read-only connections that answer the stored-response lookup in place.
const IN_PLACE_READERS: usize = 2;

/// The one write connection; its lock is the queue of writers.
pub(crate) type Writer = Arc<tokio::sync::Mutex<rusqlite::Connection>>;

#[derive(Clone)]
pub struct SqliteStore {
    writer: Writer,
    reader: SqlitePool,
    /// For the one read every keyed request makes (see `InPlaceReaders`).
    records: Arc<InPlaceReaders>,
    in_flight: Arc<Mutex<HashSet<KeyLock>>>,
    durable: Arc<durability::GroupSync>,
    /// Set by `close`: the writer refuses work from then on.
    closed: Arc<AtomicBool>,
    /// Held while this store serves (`open_for_serving`), so no second
    /// server process can open the file to write beside it.
    _serving: Option<Arc<std::fs::File>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and runs migrations.
    pub async fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        Self::connect(options).await
    }

    /// Opens the file for a serving process: only one may serve a file at a
    /// time. What keeps a key's in-flight mark — and a reply hidden until its
    /// fsync ends — lives in this process, so a second server on the same
    /// file would see neither, and could execute a key twice or replay a
    /// reply that is not yet durable. The guard is an exclusive lock on a
    /// file beside the database (`<file>-serving.lock`), which the operating
    /// system releases when the process ends, however it ends. Commands that
    /// only read or administer (`verify`, `program create`) open the file
    /// without it.
    pub async fn open_for_serving(path: impl AsRef<Path>) -> StoreResult<Self> {
        let path = path.as_ref();
        let mut lock_path = path.as_os_str().to_owned();
        lock_path.push("-serving.lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| StoreError::Other(format!("cannot open {}: {e}", Path::new(&lock_path).display())))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Other(format!(
                    "another process is serving {} (it holds {}): a SQLite file is served by one process; \
                     stop the other one, or run several nodes on PostgreSQL",
                    path.display(),
                    Path::new(&lock_path).display()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(StoreError::Other(format!("cannot lock {}: {e}", Path::new(&lock_path).display())));
            }
        }
        let mut store = Self::open(path).await?;
        store._serving = Some(Arc::new(lock));
        Ok(store)
    }

    /// Opens a `sqlite:` URL (e.g. `sqlite://tally.db`).
    pub async fn open_url(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url).map_err(map_err)?;
        Self::connect(
            options
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(BUSY_TIMEOUT),
        )
        .await
    }

    async fn connect(options: SqliteConnectOptions) -> StoreResult<Self> {
        // A committed redemption must survive a power cut, not just a process
        // crash, before anyone is told it happened. NORMAL here only moves the
        // fsync out of the writer's way: `durability` makes every commit
        // durable before `commit` returns, one fsync for many commits.
        let options = options.synchronous(SqliteSynchronous::Normal);
        let path = options.get_filename().to_owned();
        let durable = Arc::new(durability::GroupSync::new(&path));

        // Migrations run through sqlx, on a connection of their own, before the
        // writer opens: it then never sees the schema change under it.
        let migrator = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await
            .map_err(map_err)?;
        let migrated = sqlx::migrate!("./migrations").run(&migrator).await;
        migrator.close().await;
        migrated.map_err(|e| StoreError::Other(e.to_string()))?;

        let (writer, records) = tokio::task::spawn_blocking(move || {
            let writer = open_writer(&path)?;
            Ok::<_, rusqlite::Error>((writer, InPlaceReaders::open(&path, IN_PLACE_READERS)?))
        })
        .await
        .map_err(|e| StoreError::Other(format!("the task opening the writer failed: {e}")))?
        .map_err(map_rusqlite_err)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options.clone().read_only(true))
            .await
            .map_err(map_err)?;
        let checkpointer = options.clone().busy_timeout(CHECKPOINT_PATIENCE).connect().await.map_err(map_err)?;

        let store = Self {
            writer: Arc::new(tokio::sync::Mutex::new(writer)),
            reader,
            records: Arc::new(records),
            in_flight: Arc::default(),
            durable,
            closed: Arc::default(),
            _serving: None,
        };
        // A `Weak` of the writer: the task must not keep the store alive.
        tokio::spawn(checkpoint(checkpointer, Arc::downgrade(&store.writer), store.closed.clone()));
        Ok(store)
    }

    /// Closes the store; later calls fail as `Unavailable` (tests use it to
    /// make storage unreachable). A transaction already begun may still finish.
    pub async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.reader.close().await;
    }

    /// Runs a statement on the writer, outside the domain's transactions: for
    /// tests that need to move time (e.g. expire a record) without waiting.
    pub async fn execute_raw(&self, sql: &str) -> StoreResult<u64> {
        self.write(|conn| {
            let mut statement = conn.prepare(sql)?;
            if statement.column_count() == 0 {
                return Ok(statement.execute([])? as u64);
            }
            let mut rows = statement.query([])?;
            while rows.next()?.is_some() {}
            drop(rows);
            Ok(if statement.readonly() { 0 } else { conn.changes() })
        })
        .await
    }

    fn check_open(&self) -> StoreResult<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Unavailable("the SQLite store is closed".to_owned()));
        }
        Ok(())
    }

    /// Runs `work` on the writer in autocommit mode (one statement, its own
    /// transaction), after any transaction ahead of it in the queue.
    async fn write<T>(&self, work: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>) -> StoreResult<T> {
        self.check_open()?;
        let conn = self.writer.lock().await;
        self.check_open()?;
        rollback_leftover(&conn).and_then(|()| work(&conn)).map_err(map_rusqlite_err)
    }
}

/// Rolls back a transaction the writer was left inside. That cannot happen (a
/// transaction that ends commits or rolls back, see `SqliteTx`'s `Drop`), but
/// if it ever did, every later write would fail or, worse, join it.
fn rollback_leftover(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
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
fn open_writer(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
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
struct InPlaceReaders {
    connections: Vec<Mutex<rusqlite::Connection>>,
    next: std::sync::atomic::AtomicUsize,
}

impl InPlaceReaders {
    fn open(path: &Path, count: usize) -> rusqlite::Result<Self> {
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
    fn read<T>(&self, read: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>) -> rusqlite::Result<T> {
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
async fn checkpoint(
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

/// Translates sqlx errors into the store's vocabulary. Connection trouble is
/// `Unavailable` (retry-safe: nothing was committed), never a generic error.
pub(crate) fn map_err(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::Database(db) => {
            if db.is_unique_violation() {
                return StoreError::Conflict("unique");
            }
            // SQLITE_BUSY (5) and SQLITE_LOCKED (6): another process holds the file.
            if matches!(db.code().as_deref(), Some("5" | "6" | "517" | "262")) {
                return StoreError::Unavailable(db.message().to_owned());
            }
            StoreError::Other(db.message().to_owned())
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed => {
            StoreError::Unavailable(err.to_string())
        }
        _ => StoreError::Other(err.to_string()),
    }
}

/// `map_err` for the writer's rusqlite errors, in the same vocabulary.
pub(crate) fn map_rusqlite_err(err: rusqlite::Error) -> StoreError {
    use rusqlite::ffi;
    match &err {
        rusqlite::Error::SqliteFailure(failure, message) => {
            let message = message.clone().unwrap_or_else(|| failure.to_string());
            if matches!(failure.extended_code, ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY) {
                return StoreError::Conflict("unique");
            }
            // SQLITE_BUSY and SQLITE_LOCKED, with their extended codes: another process holds the file.
            if matches!(failure.code, ffi::ErrorCode::DatabaseBusy | ffi::ErrorCode::DatabaseLocked) {
                return StoreError::Unavailable(message);
            }
            StoreError::Other(message)
        }
        _ => StoreError::Other(err.to_string()),
    }
}

/// Releases a key's in-flight mark when its transaction ends, however it ends.
pub(crate) struct InFlightGuard {
    set: Arc<Mutex<HashSet<KeyLock>>>,
    lock: KeyLock,
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.set.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&self.lock);
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn pool_stats(&self) -> PoolStats {
        // The writer counts as one connection: open until the store closes,
        // idle when no transaction or statement holds it.
        let reader = &self.reader;
        let writer_open = u32::from(!self.closed.load(Ordering::Acquire));
        let writer_idle = writer_open.min(u32::from(self.writer.try_lock().is_ok()));
        PoolStats {
            max: 1 + reader.options().get_max_connections(),
            open: writer_open + reader.size(),
            idle: writer_idle + u32::try_from(reader.num_idle()).unwrap_or(u32::MAX),
        }
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await.map_err(map_err)?;
        Ok(())
    }

    async fn begin(&self, key: Option<&KeyLock>) -> StoreResult<Box<dyn StoreTx>> {
        self.check_open()?;
        let guard = match key {
            Some(lock) => {
                let mut set = self.in_flight.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                if !set.insert(lock.clone()) {
                    return Err(StoreError::KeyInUse);
                }
                Some(InFlightGuard { set: self.in_flight.clone(), lock: lock.clone() })
            }
            None => None,
        };
        // Waits its turn for the writer (dropping this future while it waits
        // leaves the queue cleanly). From BEGIN on, nothing awaits until the
        // transaction object exists, and every statement runs to completion
        // synchronously: a dropped future can never leave the writer
        // mid-statement, and a dropped transaction rolls back (`SqliteTx`'s
        // `Drop`). sqlx's `begin_with` was not cancellation-safe and had to be
        // run in a task of its own; this needs nothing of the kind.
        let conn = self.writer.clone().lock_owned().await;
        self.check_open()?;
        rollback_leftover(&conn).map_err(map_rusqlite_err)?;
        conn.prepare_cached("BEGIN IMMEDIATE").and_then(|mut begin| begin.execute([])).map_err(map_rusqlite_err)?;
        Ok(Box::new(tx::SqliteTx::new(conn, guard, self.durable.clone())))
    }

    /// Looks on a reader first: a replay then never queues behind the one
    /// writer. Only a key with no stored response goes on to claim the lock,
    /// and looks again under it.
    async fn claim(&self, lock: &KeyLock) -> StoreResult<Claim> {
        if let Some(record) = Store::idempotency_record(self, &lock.program_id, &lock.key).await? {
            return Ok(Claim::Completed(record));
        }
        tally_store::claim_then_look(self, lock).await
    }

    async fn create_program(&self, name: &str, settings: &ProgramSettings) -> StoreResult<Program> {
        let sql = format!(
            "INSERT INTO programs (id, name, points_per_currency_unit, void_policy, points_expire_after_days, \
             idempotency_retention_hours, require_idempotency_key, rate_limit_per_minute, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, {}) RETURNING {PROGRAM_COLUMNS}",
            now_ms!()
        );
        let id = IdKind::Program.generate();
        let row = self
            .write(|conn| {
                conn.prepare_cached(&sql)?.query_row(
                    rusqlite::params![
                        id,
                        name,
                        settings.points_per_currency_unit,
                        settings.void_policy.as_str(),
                        settings.points_expire_after_days,
                        settings.idempotency_retention_hours,
                        settings.require_idempotency_key,
                        settings.rate_limit_per_minute,
                    ],
                    ProgramRow::from_rusqlite,
                )
            })
            .await?;
        self.durable.durable().await?;
        row.try_into()
    }

    async fn program(&self, id: &str) -> StoreResult<Option<Program>> {
        let sql = format!("SELECT {PROGRAM_COLUMNS} FROM programs WHERE id = ?1");
        let row: Option<ProgramRow> =
            sqlx::query_as(&sql).bind(id).fetch_optional(&self.reader).await.map_err(map_err)?;
        row.map(Program::try_from).transpose()
    }

    async fn programs(&self) -> StoreResult<Vec<Program>> {
        let sql = format!("SELECT {PROGRAM_COLUMNS} FROM programs ORDER BY id");
        let rows: Vec<ProgramRow> = sqlx::query_as(&sql).fetch_all(&self.reader).await.map_err(map_err)?;
        convert_all(rows)
    }

    async fn create_token(&self, program_id: &str, token_hash: &str) -> StoreResult<String> {
        let id = IdKind::Token.generate();
        let sql = format!(
            "INSERT INTO api_tokens (id, program_id, token_hash, created_at) VALUES (?1, ?2, ?3, {})",
            now_ms!()
        );
        self.write(|conn| conn.prepare_cached(&sql)?.execute(rusqlite::params![id, program_id, token_hash])).await?;
        // Printed once and never again: it must not be lost after it was shown.
        self.durable.durable().await?;
        Ok(id)
    }

    async fn program_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<(Program, String)>> {
        let row: Option<TokenProgramRow> = sqlx::query_as(
            "SELECT p.*, t.id AS token_id FROM programs p JOIN api_tokens t ON t.program_id = p.id \
             WHERE t.token_hash = ?1",
        )
        .bind(token_hash)
        .fetch_optional(&self.reader)
        .await
        .map_err(map_err)?;
        row.map(|r| Ok((Program::try_from(r.program)?, r.token_id))).transpose()
    }

    async fn customer(&self, program_id: &str, id: &str) -> StoreResult<Option<Customer>> {
        let sql = format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE program_id = ?1 AND id = ?2");
        let row: Option<CustomerRow> =
            sqlx::query_as(&sql).bind(program_id).bind(id).fetch_optional(&self.reader).await.map_err(map_err)?;
        Ok(row.map(Customer::from))
    }

    async fn customers(&self, program_id: &str, filter: &CustomerFilter, page: &Page) -> StoreResult<Vec<Customer>> {
        let sql = format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE program_id = ?1 \
             AND (?2 IS NULL OR email = ?2) AND (?3 IS NULL OR phone = ?3) AND (?4 IS NULL OR id < ?4) \
             ORDER BY id DESC LIMIT ?5"
        );
        let rows: Vec<CustomerRow> = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(&filter.email)
            .bind(&filter.phone)
            .bind(&page.starting_after)
            .bind(i64::from(page.limit) + 1)
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?;
        Ok(rows.into_iter().map(Customer::from).collect())
    }

    async fn balance(&self, program_id: &str, customer_id: &str) -> StoreResult<Option<Balance>> {
        let sql = format!(
            "SELECT c.balance, c.lifetime_earned, c.lifetime_spent, \
               (SELECT COALESCE(SUM(r.points_spent), 0) FROM redemptions r \
                 WHERE r.program_id = c.program_id AND r.customer_id = c.id AND r.status = 'pending'), \
               (SELECT COALESCE(SUM(l.remaining), 0) FROM point_lots l \
                 WHERE l.program_id = c.program_id AND l.customer_id = c.id AND l.remaining > 0 \
                   AND l.expires_at IS NOT NULL AND l.expires_at <= {} + 30 * 86400000) \
             FROM customers c WHERE c.program_id = ?1 AND c.id = ?2",
            now_ms!()
        );
        let row: Option<(i64, i64, i64, i64, i64)> = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(customer_id)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)?;
        Ok(row.map(|(available, lifetime_earned, lifetime_spent, pending, expiring_soon)| Balance {
            customer_id: customer_id.to_owned(),
            available,
            pending,
            lifetime_earned,
            lifetime_spent,
            expiring_soon,
        }))
    }

    async fn ledger(&self, program_id: &str, customer_id: &str, page: &Page) -> StoreResult<Vec<LedgerEntry>> {
        let sql = format!(
            "SELECT {LEDGER_COLUMNS} FROM ledger_entries WHERE program_id = ?1 AND customer_id = ?2 \
             AND (?3 IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?4"
        );
        let rows: Vec<LedgerRow> = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(customer_id)
            .bind(&page.starting_after)
            .bind(i64::from(page.limit) + 1)
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?;
        convert_all(rows)
    }

    async fn transaction(&self, program_id: &str, id: &str) -> StoreResult<Option<Transaction>> {
        let sql = format!("SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE program_id = ?1 AND id = ?2");
        let row: Option<TransactionRow> =
            sqlx::query_as(&sql).bind(program_id).bind(id).fetch_optional(&self.reader).await.map_err(map_err)?;
        row.map(Transaction::try_from).transpose()
    }

    async fn reward(&self, program_id: &str, id: &str) -> StoreResult<Option<Reward>> {
        let sql = format!("SELECT {REWARD_COLUMNS} FROM rewards WHERE program_id = ?1 AND id = ?2");
        let row: Option<RewardRow> =
            sqlx::query_as(&sql).bind(program_id).bind(id).fetch_optional(&self.reader).await.map_err(map_err)?;
        row.map(Reward::try_from).transpose()
    }

    async fn rewards(&self, program_id: &str, page: &Page) -> StoreResult<Vec<Reward>> {
        let sql = format!(
            "SELECT {REWARD_COLUMNS} FROM rewards WHERE program_id = ?1 AND (?2 IS NULL OR id < ?2) \
             ORDER BY id DESC LIMIT ?3"
        );
        let rows: Vec<RewardRow> = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(&page.starting_after)
            .bind(i64::from(page.limit) + 1)
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?;
        convert_all(rows)
    }

    async fn redemption(&self, program_id: &str, id: &str) -> StoreResult<Option<Redemption>> {
        let sql = format!("SELECT {REDEMPTION_COLUMNS} FROM redemptions WHERE program_id = ?1 AND id = ?2");
        let row: Option<RedemptionRow> =
            sqlx::query_as(&sql).bind(program_id).bind(id).fetch_optional(&self.reader).await.map_err(map_err)?;
        row.map(Redemption::try_from).transpose()
    }

    async fn redemptions(&self, program_id: &str, customer_id: &str, page: &Page) -> StoreResult<Vec<Redemption>> {
        let sql = format!(
            "SELECT {REDEMPTION_COLUMNS} FROM redemptions WHERE program_id = ?1 AND customer_id = ?2 \
             AND (?3 IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?4"
        );
        let rows: Vec<RedemptionRow> = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(customer_id)
            .bind(&page.starting_after)
            .bind(i64::from(page.limit) + 1)
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?;
        convert_all(rows)
    }

    async fn coupon(&self, program_id: &str, code: &str) -> StoreResult<Option<Coupon>> {
        let sql = format!("SELECT {COUPON_COLUMNS} FROM coupons WHERE program_id = ?1 AND code = ?2");
        let row: Option<CouponRow> =
            sqlx::query_as(&sql).bind(program_id).bind(code).fetch_optional(&self.reader).await.map_err(map_err)?;
        row.map(Coupon::try_from).transpose()
    }

    async fn due_lots(&self, limit: u32) -> StoreResult<Vec<(String, PointLot)>> {
        let sql = format!(
            "SELECT program_id, id, customer_id, remaining, expires_at FROM point_lots \
             WHERE expired_at IS NULL AND remaining > 0 AND expires_at <= {} ORDER BY expires_at, id LIMIT ?1",
            now_ms!()
        );
        let rows: Vec<LotRow> =
            sqlx::query_as(&sql).bind(i64::from(limit)).fetch_all(&self.reader).await.map_err(map_err)?;
        Ok(rows.into_iter().map(|r| (r.program_id.clone(), PointLot::from(r))).collect())
    }

    async fn idempotency_record(&self, program_id: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
        // A key still in flight may have committed its record without that
        // commit being on disk yet (see `durability`): not a response to show
        // anyone before it is. The caller sees the key as in flight instead.
        let lock = KeyLock { program_id: program_id.to_owned(), key: key.to_owned() };
        if self.in_flight.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).contains(&lock) {
            return Ok(None);
        }
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM idempotency_records WHERE program_id = ?1 AND key = ?2 AND expires_at > {}",
            now_ms!()
        );
        self.check_open()?;
        let row = self
            .records
            .read(|conn| {
                use rusqlite::OptionalExtension;
                conn.prepare_cached(&sql)?
                    .query_row(rusqlite::params![program_id, key], RecordRow::from_rusqlite)
                    .optional()
            })
            .map_err(map_rusqlite_err)?;
        row.map(IdempotencyRecord::try_from).transpose()
    }

    async fn key_in_flight(&self, lock: &KeyLock) -> StoreResult<bool> {
        Ok(self.in_flight.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).contains(lock))
    }

    async fn sweep_expired_keys(&self, batch: u32) -> StoreResult<u64> {
        let sql = format!(
            "DELETE FROM idempotency_records WHERE rowid IN \
             (SELECT rowid FROM idempotency_records WHERE expires_at <= {} LIMIT ?1)",
            now_ms!()
        );
        let deleted = self.write(|conn| conn.prepare_cached(&sql)?.execute([i64::from(batch)])).await?;
        Ok(deleted as u64)
    }

    async fn verify(&self, program_id: Option<&str>) -> StoreResult<Vec<Violation>> {
        let checks: [(&str, &str); 7] = [
            (
                "balance differs from the sum of its ledger",
                "SELECT c.program_id, c.id, 'balance ' || c.balance || ' but ledger sums to ' || \
                   COALESCE((SELECT SUM(l.points) FROM ledger_entries l WHERE l.customer_id = c.id), 0) \
                 FROM customers c WHERE (?1 IS NULL OR c.program_id = ?1) AND c.balance <> \
                   COALESCE((SELECT SUM(l.points) FROM ledger_entries l WHERE l.customer_id = c.id), 0)",
            ),
            (
                "negative balance in a program that does not allow it",
                "SELECT c.program_id, c.id, 'balance ' || c.balance FROM customers c \
                 JOIN programs p ON p.id = c.program_id \
                 WHERE (?1 IS NULL OR c.program_id = ?1) AND c.balance < 0 AND p.void_policy <> 'allow_negative'",
            ),
            (
                "unspent lots differ from the balance",
                "SELECT c.program_id, c.id, 'balance ' || c.balance || ' but unspent lots hold ' || \
                   COALESCE((SELECT SUM(l.remaining) FROM point_lots l WHERE l.customer_id = c.id), 0) \
                 FROM customers c WHERE (?1 IS NULL OR c.program_id = ?1) AND MAX(c.balance, 0) <> \
                   COALESCE((SELECT SUM(l.remaining) FROM point_lots l WHERE l.customer_id = c.id), 0)",
            ),
            (
                "redemption points differ from its ledger entries",
                "SELECT r.program_id, r.id, 'spent ' || r.points_spent || ' status ' || r.status FROM redemptions r \
                 WHERE (?1 IS NULL OR r.program_id = ?1) AND \
                   COALESCE((SELECT SUM(l.points) FROM ledger_entries l WHERE l.redemption_id = r.id), 0) <> \
                   CASE WHEN r.status = 'cancelled' THEN 0 ELSE -r.points_spent END",
            ),
            (
                "negative stock",
                "SELECT program_id, id, 'stock ' || stock FROM rewards \
                 WHERE (?1 IS NULL OR program_id = ?1) AND stock < 0",
            ),
            (
                "idempotency key produced two redemptions",
                "SELECT k.program_id, k.key, 'record names ' || k.resource_id || ' but the key made ' || r.id \
                 FROM idempotency_records k JOIN redemptions r \
                   ON r.program_id = k.program_id AND r.idempotency_key = k.key \
                 WHERE (?1 IS NULL OR k.program_id = ?1) AND substr(k.resource_id, 1, 4) = 'rdm_' AND k.resource_id <> r.id",
            ),
            (
                "idempotency key produced two purchases",
                "SELECT k.program_id, k.key, 'record names ' || k.resource_id || ' but the key made ' || t.id \
                 FROM idempotency_records k JOIN transactions t \
                   ON t.program_id = k.program_id AND t.idempotency_key = k.key \
                 WHERE (?1 IS NULL OR k.program_id = ?1) AND substr(k.resource_id, 1, 4) = 'txn_' AND k.resource_id <> t.id",
            ),
        ];
        let mut violations = Vec::new();
        for (problem, sql) in checks {
            let rows: Vec<(String, String, String)> =
                sqlx::query_as(sql).bind(program_id).fetch_all(&self.reader).await.map_err(map_err)?;
            violations.extend(rows.into_iter().map(|(program_id, subject, detail)| Violation {
                program_id,
                subject,
                problem: format!("{problem}: {detail}"),
            }));
        }
        Ok(violations)
    }
}

/// Lets the shared conformance suite expire records without waiting an hour.
#[async_trait]
impl tally_store::conformance::Harness for SqliteStore {
    async fn expire_idempotency_records(&self) {
        // A second in the past by SQLite's own clock, the clock every expiry check reads.
        let sql = format!("UPDATE idempotency_records SET expires_at = {} - 1000", now_ms!());
        self.execute_raw(&sql).await.expect("expire idempotency records");
    }

    async fn make_lots_due(&self) {
        // Same clock as `due_lots` and `expire_lot`; lots without a date stay undated.
        let sql = format!("UPDATE point_lots SET expires_at = {} - 1000 WHERE expires_at IS NOT NULL", now_ms!());
        self.execute_raw(&sql).await.expect("make lots due");
    }
}

#[cfg(test)]
mod cancellation {
    use super::*;

    /// A request cancelled while its transaction begins (its client hung up)
    /// must not leave the one writer connection inside a transaction nobody
    /// owns: every later write would fail.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_begin_cancelled_midway_leaves_the_writer_usable() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("tally.db")).await.unwrap();
        for i in 0..400u64 {
            // Poll the begin a few times, with the worker thread running in
            // between, then drop it: a cancellation at a different point each round.
            let mut begin = Box::pin(store.begin(None));
            for _ in 0..(i % 8) {
                let poll = std::future::poll_fn(|cx| std::task::Poll::Ready(begin.as_mut().poll(cx))).await;
                if poll.is_ready() {
                    break;
                }
                std::thread::sleep(Duration::from_micros(i % 50));
            }
            drop(begin);
            let next = tokio::time::timeout(Duration::from_secs(10), store.begin(None)).await;
            let tx = next.expect("a begin after a cancelled one does not hang");
            assert!(tx.is_ok(), "attempt {i}: a begin after a cancelled one fails: {:?}", tx.err());
        }
    }
}
