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

mod connections;
mod durability;
mod errors;
mod events;
mod exports;
mod holds_and_tiers;
mod opening;
mod rows;
mod statements;
mod stats;
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
    Balance, Coupon, Customer, IdempotencyRecord, LedgerEntry, PendingLot, PointLot, Program, ProgramSettings,
    Redemption, Reward, TierChange, Transaction,
};
use tally_store::{Claim, CustomerFilter, KeyLock, Page, PoolStats, Store, StoreError, StoreResult, StoreTx};

use connections::*;
pub(crate) use errors::{map_err, map_rusqlite_err};
use rows::*;
use tally_store::rows::fetch;

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
             idempotency_retention_hours, require_idempotency_key, rate_limit_per_minute, points_pending_days, \
             tiers, tier_period, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, {}) RETURNING {PROGRAM_COLUMNS}",
            now_ms!()
        );
        let id = IdKind::Program.generate();
        let tiers = tally_store::rows::tiers_json(&settings.tiers)?;
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
                        settings.points_pending_days,
                        tiers,
                        settings.tier_period.as_str(),
                    ],
                    ProgramRow::from_rusqlite,
                )
            })
            .await?;
        self.durable.durable().await?;
        row.try_into()
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
        fetch::found::<_, CustomerRow, _>(&self.reader, &sql, program_id, id, map_err).await
    }

    async fn customers(&self, program_id: &str, filter: &CustomerFilter, page: &Page) -> StoreResult<Vec<Customer>> {
        let sql = format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE program_id = ?1 \
             AND (?2 IS NULL OR email = ?2) AND (?3 IS NULL OR phone = ?3) AND (?4 IS NULL OR id < ?4) \
             ORDER BY id DESC LIMIT ?5"
        );
        let filters = [filter.email.as_deref(), filter.phone.as_deref()];
        fetch::paged::<_, CustomerRow, _>(&self.reader, &sql, program_id, &filters, page, map_err).await
    }

    async fn balance(&self, program_id: &str, customer_id: &str) -> StoreResult<Option<Balance>> {
        let sql = format!(
            "SELECT c.balance, c.lifetime_earned, c.lifetime_spent, \
               (SELECT COALESCE(SUM(r.points_spent), 0) FROM redemptions r \
                 WHERE r.program_id = c.program_id AND r.customer_id = c.id AND r.status = 'pending'), \
               (SELECT COALESCE(SUM(l.remaining), 0) FROM point_lots l \
                 WHERE l.program_id = c.program_id AND l.customer_id = c.id AND l.remaining > 0 \
                   AND l.expires_at IS NOT NULL AND l.expires_at <= {} + 30 * 86400000), \
               c.pending_earned, \
               (SELECT SUM(h.remaining) FROM pending_lots h \
                 WHERE h.program_id = c.program_id AND h.customer_id = c.id AND h.released_at IS NULL \
                   AND h.remaining > 0 AND h.releases_at = ({NEXT_RELEASE})), \
               ({NEXT_RELEASE}), c.tier, c.tier_since, c.qualifying_points \
             FROM customers c WHERE c.program_id = ?1 AND c.id = ?2",
            now_ms!()
        );
        fetch::balance::<_, Stamp>(&self.reader, &sql, program_id, customer_id, map_err).await
    }

    async fn ledger(&self, program_id: &str, customer_id: &str, page: &Page) -> StoreResult<Vec<LedgerEntry>> {
        let sql = of_customer(LEDGER_COLUMNS, "ledger_entries");
        fetch::paged::<_, LedgerRow, _>(&self.reader, &sql, program_id, &[Some(customer_id)], page, map_err).await
    }

    async fn transaction(&self, program_id: &str, id: &str) -> StoreResult<Option<Transaction>> {
        let sql = format!("SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE program_id = ?1 AND id = ?2");
        fetch::found::<_, TransactionRow, _>(&self.reader, &sql, program_id, id, map_err).await
    }

    async fn reward(&self, program_id: &str, id: &str) -> StoreResult<Option<Reward>> {
        let sql = format!("SELECT {REWARD_COLUMNS} FROM rewards WHERE program_id = ?1 AND id = ?2");
        fetch::found::<_, RewardRow, _>(&self.reader, &sql, program_id, id, map_err).await
    }

    async fn rewards(&self, program_id: &str, page: &Page) -> StoreResult<Vec<Reward>> {
        let sql = format!(
            "SELECT {REWARD_COLUMNS} FROM rewards WHERE program_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3"
        );
        fetch::paged::<_, RewardRow, _>(&self.reader, &sql, program_id, &[], page, map_err).await
    }

    async fn redemption(&self, program_id: &str, id: &str) -> StoreResult<Option<Redemption>> {
        let sql = format!("SELECT {REDEMPTION_COLUMNS} FROM redemptions WHERE program_id = ?1 AND id = ?2");
        fetch::found::<_, RedemptionRow, _>(&self.reader, &sql, program_id, id, map_err).await
    }

    async fn redemptions(&self, program_id: &str, customer_id: &str, page: &Page) -> StoreResult<Vec<Redemption>> {
        let sql = of_customer(REDEMPTION_COLUMNS, "redemptions");
        fetch::paged::<_, RedemptionRow, _>(&self.reader, &sql, program_id, &[Some(customer_id)], page, map_err).await
    }

    async fn coupon(&self, program_id: &str, code: &str) -> StoreResult<Option<Coupon>> {
        let sql = format!("SELECT {COUPON_COLUMNS} FROM coupons WHERE program_id = ?1 AND code = ?2");
        fetch::found::<_, CouponRow, _>(&self.reader, &sql, program_id, code, map_err).await
    }

    async fn program_stats(&self, program_id: &str) -> StoreResult<tally_store::ProgramStats> {
        fetch::program_stats::<_, Stamp>(&self.reader, &stats::program_stats(), program_id, map_err).await
    }

    async fn redemptions_in(&self, program_id: &str, query: &tally_store::StatusPage) -> StoreResult<Vec<Redemption>> {
        let tally_store::StatusPage { status, page } = query;
        let status = Some(status.as_str());
        fetch::paged::<_, RedemptionRow, _>(&self.reader, &stats::by_status(), program_id, &[status], page, map_err)
            .await
    }

    async fn due_lots(&self, limit: u32) -> StoreResult<Vec<(String, PointLot)>> {
        let sql = format!(
            "SELECT program_id, id, customer_id, remaining, expires_at FROM point_lots \
             WHERE expired_at IS NULL AND remaining > 0 AND expires_at <= {} ORDER BY expires_at, id LIMIT ?1",
            now_ms!()
        );
        fetch::due_lots::<_, Stamp>(&self.reader, &sql, limit, map_err).await
    }

    async fn due_tier_reviews(&self, limit: u32) -> StoreResult<Vec<(String, String)>> {
        let sql = format!(
            "SELECT program_id, id FROM customers \
             WHERE (tier IS NOT NULL OR qualifying_points > 0) \
               AND (tier_evaluated_at IS NULL OR tier_evaluated_at <= {} - 86400000) \
             ORDER BY tier_evaluated_at NULLS FIRST, id LIMIT ?1",
            now_ms!()
        );
        sqlx::query_as(&sql).bind(i64::from(limit)).fetch_all(&self.reader).await.map_err(map_err)
    }

    async fn tier_history(&self, program_id: &str, customer_id: &str, page: &Page) -> StoreResult<Vec<TierChange>> {
        let sql = of_customer(TIER_CHANGE_COLUMNS, "tier_changes");
        fetch::paged::<_, TierChangeRow, _>(&self.reader, &sql, program_id, &[Some(customer_id)], page, map_err).await
    }

    async fn due_releases(&self, limit: u32) -> StoreResult<Vec<(String, PendingLot)>> {
        let sql = format!(
            "SELECT program_id, id, customer_id, transaction_id, remaining, releases_at FROM pending_lots \
             WHERE released_at IS NULL AND remaining > 0 AND releases_at <= {} ORDER BY releases_at, id LIMIT ?1",
            now_ms!()
        );
        fetch::due_releases::<_, Stamp>(&self.reader, &sql, limit, map_err).await
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
}

/// One page of a customer's rows of `table` (its `columns`), newest first:
/// the program, the customer, the cursor and the limit (`fetch::paged`).
fn of_customer(columns: &str, table: &str) -> String {
    format!(
        "SELECT {columns} FROM {table} WHERE program_id = ?1 AND customer_id = ?2 \
         AND (?3 IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?4"
    )
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

    async fn make_tier_reviews_due(&self) {
        let sql = format!(
            "UPDATE customers SET tier_evaluated_at = {} - 2 * 86400000 WHERE tier_evaluated_at IS NOT NULL",
            now_ms!()
        );
        self.execute_raw(&sql).await.expect("make tier reviews due");
    }

    async fn age_ledger(&self, days: i32) {
        // The ledger is append-only by trigger; a test that moves time takes
        // the update trigger away for the one statement (SQLite cannot turn a
        // trigger off), then puts it back as the migration made it.
        self.execute_raw("DROP TRIGGER ledger_is_append_only_update").await.expect("drop the trigger");
        let sql = format!("UPDATE ledger_entries SET created_at = created_at - {days} * 86400000");
        self.execute_raw(&sql).await.expect("age the ledger");
        self.execute_raw(
            "CREATE TRIGGER ledger_is_append_only_update BEFORE UPDATE ON ledger_entries \
             BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END",
        )
        .await
        .expect("restore the trigger");
    }

    async fn tamper(&self, sql: &str) {
        self.execute_raw(sql).await.expect("tamper");
    }

    async fn make_holds_due(&self) {
        // Same clock as `due_releases` and `release_lot`.
        let sql = format!("UPDATE pending_lots SET releases_at = {} - 1000 WHERE released_at IS NULL", now_ms!());
        self.execute_raw(&sql).await.expect("make holds due");
    }
}

/// When the customer's earliest pending points are released (`balance`).
const NEXT_RELEASE: &str = "SELECT MIN(n.releases_at) FROM pending_lots n \
     WHERE n.program_id = c.program_id AND n.customer_id = c.id AND n.released_at IS NULL AND n.remaining > 0";

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
