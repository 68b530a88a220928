//! Tally on PostgreSQL, shared by any number of stateless nodes.
//!
//! The in-flight lock of an idempotency key is a transaction-scoped advisory
//! lock (`pg_try_advisory_xact_lock`) taken by the write transaction itself: it
//! is visible to every node on the database, it ends exactly when the
//! transaction commits or rolls back, and a node that dies mid-request loses
//! its session and with it the lock. No lease, no timer, nothing to clean up.
//! Exactly-once itself is still decided by the database: the record's primary
//! key and the resources' unique key columns.
//!
//! Transactions run at READ COMMITTED. Every write that could race is a single
//! conditional statement (`UPDATE … WHERE balance >= $n`, `INSERT … ON CONFLICT`),
//! which READ COMMITTED re-evaluates against the committed row after waiting
//! for a concurrent writer; stricter levels would only turn those waits into
//! serialization failures for the caller to retry.

mod errors;
mod events;
mod exports;
mod holds_and_tiers;
mod reads;
mod release;
mod rows;
mod schema;
pub mod scratch;
mod statements;
mod stats;
mod tx;
mod writes;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{FromRow, PgConnection};
use tally_core::ids::IdKind;
use tally_core::model::{
    Balance, Coupon, Customer, IdempotencyRecord, LedgerEntry, PendingLot, PointLot, Program, ProgramSettings,
    Redemption, Reward, TierChange, Transaction,
};
use tally_store::{CustomerFilter, KeyLock, Page, PoolStats, Store, StoreError, StoreResult, StoreTx};

pub(crate) use errors::map_err;
use release::Releases;
use rows::*;
use tally_store::rows::fetch;

/// Explicit rather than the server default, which an operator may have set to
/// SERIALIZABLE (see the module comment for why READ COMMITTED is the choice).
const BEGIN: &str = "BEGIN ISOLATION LEVEL READ COMMITTED";

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    releases: Arc<Releases>,
}

impl PgStore {
    /// Connects to a `postgres://` URL and runs migrations.
    pub async fn connect(url: &str, max_connections: u32) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            // sqlx pings every connection it hands out, a round trip before
            // each transaction and each read. A connection that died while
            // idle fails its first statement instead, which is `Unavailable`
            // (503, retry-safe, nothing committed), and is then discarded.
            .test_before_acquire(false)
            // Short, so an unreachable database answers 503 quickly instead of
            // holding requests (and their clients' retries) for half a minute.
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(map_err)?;
        schema::apply(&pool).await?;
        Ok(Self { pool, releases: Arc::default() })
    }

    /// BEGIN and the key's claim: the body of `begin`, run in a task that is never cancelled.
    async fn open(&self, key: Option<KeyLock>) -> StoreResult<tx::PgTx> {
        let conn = self.pool.acquire().await.map_err(map_err)?;
        let Some(lock) = key else {
            return tx::PgTx::begin(conn, BEGIN).await;
        };
        let lock_id = lock.lock_id();
        // `try`: a duplicate is answered at once (409, or the caller's own wait
        // loop), never queued on a connection behind the first request.
        let (mut tx, mut claimed) = match claim_with_begin(&lock) {
            Some(sql) => {
                let (tx, rows) = tx::PgTx::begin_and_fetch(conn, &sql).await?;
                let row = rows.first().ok_or_else(|| StoreError::Other("tally_claim_key answered no row".into()))?;
                let claimed = claim_from(ClaimRow::from_row(row).map_err(map_err)?)?;
                (tx, claimed)
            }
            // A key no literal can hold (a NUL; the API never accepts one):
            // BEGIN, then the claim with the key as a parameter.
            None => {
                let mut tx = tx::PgTx::begin(conn, BEGIN).await?;
                let claimed = try_claim(tx.conn(), &lock).await?;
                (tx, claimed)
            }
        };
        if claimed.is_none() {
            // The holder may be this node's own dropped transaction (see
            // `release`): wait for its rollback. That rollback may also have
            // ended between the try above and this check (no gate left to
            // wait on), so try once more either way.
            self.releases.wait(lock_id).await;
            claimed = try_claim(tx.conn(), &lock).await?;
        }
        let Some(record) = claimed else {
            // Awaited rather than left to the drop, so the connection is clean
            // before it goes back to the pool.
            tx.rollback().await;
            return Err(StoreError::KeyInUse);
        };
        tx.hold_key(lock_id, self.releases.clone());
        tx.prefetch_record(&lock, record);
        Ok(tx)
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Runs a statement outside the domain's transactions: for tests that need
    /// to move time (e.g. expire a record) without waiting.
    pub async fn execute_raw(&self, sql: &str) -> StoreResult<u64> {
        Ok(sqlx::query(sql).execute(&self.pool).await.map_err(map_err)?.rows_affected())
    }
}

/// Claims the key's lock; if it was free, also reads the key's live record
/// (one round trip, see `tally_claim_key`). `None`: another transaction holds it.
async fn try_claim(conn: &mut PgConnection, lock: &KeyLock) -> StoreResult<Option<Option<IdempotencyRecord>>> {
    let row: ClaimRow = sqlx::query_as("SELECT * FROM tally_claim_key($1, $2, $3)")
        .bind(lock.lock_id())
        .bind(&lock.program_id)
        .bind(&lock.key)
        .fetch_one(conn)
        .await
        .map_err(map_err)?;
    claim_from(row)
}

fn claim_from(row: ClaimRow) -> StoreResult<Option<Option<IdempotencyRecord>>> {
    if !row.claimed {
        return Ok(None);
    }
    Ok(Some(row.record().map(IdempotencyRecord::try_from).transpose()?))
}

/// BEGIN and the key's claim as one simple query, so a keyed write opens in
/// one round trip instead of two. The simple protocol takes no parameters,
/// so the program id and the key are written as literals (`literal`); `None`
/// if one cannot be, and then `open` sends the two separately.
fn claim_with_begin(lock: &KeyLock) -> Option<String> {
    Some(format!(
        "{BEGIN}; SELECT * FROM tally_claim_key({}, {}, {})",
        lock.lock_id(),
        literal(&lock.program_id)?,
        literal(&lock.key)?
    ))
}

/// `value` as an escape-string literal (`E'…'`), which PostgreSQL reads the
/// same way whatever its `standard_conforming_strings`: inside it only the
/// backslash and the quote mean anything, and both are doubled. `None` for a
/// NUL, which no PostgreSQL text value can hold.
pub(crate) fn literal(value: &str) -> Option<String> {
    if value.contains('\0') {
        return None;
    }
    let mut out = String::with_capacity(value.len() + 3);
    out.push_str("E'");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("''"),
            c => out.push(c),
        }
    }
    out.push('\'');
    Some(out)
}

/// Splits a bigint advisory-lock key the way `pg_locks` shows it: high half in
/// `classid`, low half in `objid` (both unsigned 32-bit).
fn lock_halves(lock_id: i64) -> (i64, i64) {
    let bits = lock_id as u64;
    ((bits >> 32) as i64, (bits & 0xffff_ffff) as i64)
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats {
            max: self.pool.options().get_max_connections(),
            open: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
        }
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(map_err)?;
        Ok(())
    }

    async fn begin(&self, key: Option<&KeyLock>) -> StoreResult<Box<dyn StoreTx>> {
        // In a task of its own, because a request future may be dropped at any
        // await point. Dropped while BEGIN was in flight, sqlx 0.8's `begin`
        // (and 0.9.0's) forgets the transaction it opened and the pool hands
        // the session on inside it (upstream sqlx issues #4385 and #4393); a
        // claim cut short likewise leaves its lock to whoever the transaction
        // reaches. The task always runs to a `PgTx`, or to a rolled-back or
        // closed session: if the caller is gone by then, the task drops that
        // `PgTx`, whose `Drop` rolls it back and tells `releases` about its
        // lock, exactly as for a request that drops its transaction later.
        let store = self.clone();
        let key = key.cloned();
        match tokio::spawn(async move { store.open(key).await }).await {
            Ok(opened) => Ok(Box::new(opened?)),
            Err(e) => Err(StoreError::Other(format!("the task opening a transaction failed: {e}"))),
        }
    }

    async fn create_program(&self, name: &str, settings: &ProgramSettings) -> StoreResult<Program> {
        let sql = format!(
            "INSERT INTO programs (id, name, points_per_currency_unit, void_policy, points_expire_after_days, \
             idempotency_retention_hours, require_idempotency_key, rate_limit_per_minute, points_pending_days, tiers, \
             tier_period) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {PROGRAM_COLUMNS}"
        );
        let row: ProgramRow = sqlx::query_as(&sql)
            .bind(IdKind::Program.generate())
            .bind(name)
            .bind(settings.points_per_currency_unit)
            .bind(settings.void_policy.as_str())
            .bind(settings.points_expire_after_days)
            .bind(settings.idempotency_retention_hours)
            .bind(settings.require_idempotency_key)
            .bind(settings.rate_limit_per_minute)
            .bind(settings.points_pending_days)
            .bind(tally_store::rows::tiers_json(&settings.tiers)?)
            .bind(settings.tier_period.as_str())
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        row.try_into()
    }

    async fn create_token(&self, program_id: &str, token_hash: &str) -> StoreResult<String> {
        let id = IdKind::Token.generate();
        sqlx::query("INSERT INTO api_tokens (id, program_id, token_hash) VALUES ($1, $2, $3)")
            .bind(&id)
            .bind(program_id)
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(id)
    }

    async fn program_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<(Program, String)>> {
        let row: Option<TokenProgramRow> = sqlx::query_as(
            "SELECT p.*, t.id AS token_id FROM programs p JOIN api_tokens t ON t.program_id = p.id \
             WHERE t.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        row.map(|r| Ok((Program::try_from(r.program)?, r.token_id))).transpose()
    }

    async fn customer(&self, program_id: &str, id: &str) -> StoreResult<Option<Customer>> {
        reads::customer(&self.pool, program_id, id).await
    }

    async fn customers(&self, program_id: &str, filter: &CustomerFilter, page: &Page) -> StoreResult<Vec<Customer>> {
        let sql = format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE program_id = $1 \
             AND ($2::text IS NULL OR email = $2) AND ($3::text IS NULL OR phone = $3) \
             AND ($4::text IS NULL OR id < $4) \
             ORDER BY id DESC LIMIT $5"
        );
        let filters = [filter.email.as_deref(), filter.phone.as_deref()];
        fetch::paged::<_, CustomerRow, _>(&self.pool, &sql, program_id, &filters, page, map_err).await
    }

    async fn balance(&self, program_id: &str, customer_id: &str) -> StoreResult<Option<Balance>> {
        // SUM(bigint) is numeric in PostgreSQL; the cast brings it back to i64.
        let sql = "SELECT c.balance, c.lifetime_earned, c.lifetime_spent, \
               (SELECT COALESCE(SUM(r.points_spent), 0)::bigint FROM redemptions r \
                 WHERE r.program_id = c.program_id AND r.customer_id = c.id AND r.status = 'pending'), \
               (SELECT COALESCE(SUM(l.remaining), 0)::bigint FROM point_lots l \
                 WHERE l.program_id = c.program_id AND l.customer_id = c.id AND l.remaining > 0 \
                   AND l.expires_at <= now() + interval '30 days'), \
               c.pending_earned, next.points, next.releases_at, c.tier, c.tier_since, c.qualifying_points \
             FROM customers c LEFT JOIN LATERAL ( \
               SELECT SUM(h.remaining)::bigint AS points, h.releases_at FROM pending_lots h \
               WHERE h.program_id = c.program_id AND h.customer_id = c.id AND h.released_at IS NULL \
                 AND h.remaining > 0 \
               GROUP BY h.releases_at ORDER BY h.releases_at LIMIT 1) next ON true \
             WHERE c.program_id = $1 AND c.id = $2";
        fetch::balance::<_, Stamp>(&self.pool, sql, program_id, customer_id, map_err).await
    }

    async fn ledger(&self, program_id: &str, customer_id: &str, page: &Page) -> StoreResult<Vec<LedgerEntry>> {
        let sql = of_customer(LEDGER_COLUMNS, "ledger_entries");
        fetch::paged::<_, LedgerRow, _>(&self.pool, &sql, program_id, &[Some(customer_id)], page, map_err).await
    }

    async fn transaction(&self, program_id: &str, id: &str) -> StoreResult<Option<Transaction>> {
        reads::transaction(&self.pool, program_id, id).await
    }

    async fn reward(&self, program_id: &str, id: &str) -> StoreResult<Option<Reward>> {
        reads::reward(&self.pool, program_id, id).await
    }

    async fn rewards(&self, program_id: &str, page: &Page) -> StoreResult<Vec<Reward>> {
        let sql = format!(
            "SELECT {REWARD_COLUMNS} FROM rewards WHERE program_id = $1 AND ($2::text IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
        );
        fetch::paged::<_, RewardRow, _>(&self.pool, &sql, program_id, &[], page, map_err).await
    }

    async fn redemption(&self, program_id: &str, id: &str) -> StoreResult<Option<Redemption>> {
        reads::redemption(&self.pool, program_id, id).await
    }

    async fn redemptions(&self, program_id: &str, customer_id: &str, page: &Page) -> StoreResult<Vec<Redemption>> {
        let sql = of_customer(REDEMPTION_COLUMNS, "redemptions");
        fetch::paged::<_, RedemptionRow, _>(&self.pool, &sql, program_id, &[Some(customer_id)], page, map_err).await
    }

    async fn idempotency_record(&self, program_id: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
        reads::record(&self.pool, program_id, key).await
    }

    async fn key_in_flight(&self, lock: &KeyLock) -> StoreResult<bool> {
        // Looked up in pg_locks rather than probed with a try-lock: a probe holds
        // the lock for a moment, and a first attempt arriving in that moment
        // would be refused as a duplicate.
        let lock_id = lock.lock_id();
        // A dropped transaction is not running, even while its rollback is in transit.
        self.releases.wait(lock_id).await;
        let (high, low) = lock_halves(lock_id);
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_locks \
               WHERE locktype = 'advisory' AND granted \
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                 AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 1)",
        )
        .bind(high)
        .bind(low)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)
    }

    async fn sweep_expired_keys(&self, batch: u32) -> StoreResult<u64> {
        // By primary key with SKIP LOCKED: sweepers on several nodes take
        // disjoint batches, and none waits on a row a request is replacing.
        // Oldest first, which is also what keeps the cost at the expired rows:
        // without the ORDER BY, a LIMIT invites a sequential scan that expects
        // to meet expired rows early, and reads every live record when there
        // are none (always, on a table whose statistics were never gathered).
        let done = sqlx::query(
            "DELETE FROM idempotency_records WHERE (program_id, key) IN \
             (SELECT program_id, key FROM idempotency_records WHERE expires_at <= now() \
              ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)",
        )
        .bind(i64::from(batch))
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected())
    }

    async fn coupon(&self, program_id: &str, code: &str) -> StoreResult<Option<Coupon>> {
        reads::coupon(&self.pool, program_id, code).await
    }

    async fn program_stats(&self, program_id: &str) -> StoreResult<tally_store::ProgramStats> {
        fetch::program_stats::<_, Stamp>(&self.pool, stats::PROGRAM_STATS, program_id, map_err).await
    }

    async fn fold_counters(&self, batch: u32) -> StoreResult<u64> {
        self.fold_stats_counters(batch).await
    }

    async fn redemptions_in(&self, program_id: &str, query: &tally_store::StatusPage) -> StoreResult<Vec<Redemption>> {
        let tally_store::StatusPage { status, page } = query;
        let status = Some(status.as_str());
        fetch::paged::<_, RedemptionRow, _>(&self.pool, &stats::by_status(), program_id, &[status], page, map_err).await
    }

    async fn due_lots(&self, limit: u32) -> StoreResult<Vec<(String, PointLot)>> {
        let sql = "SELECT program_id, id, customer_id, remaining, expires_at FROM point_lots \
             WHERE expired_at IS NULL AND remaining > 0 AND expires_at <= now() ORDER BY expires_at, id LIMIT $1";
        fetch::due_lots::<_, Stamp>(&self.pool, sql, limit, map_err).await
    }

    async fn due_tier_reviews(&self, limit: u32) -> StoreResult<Vec<(String, String)>> {
        sqlx::query_as(
            "SELECT program_id, id FROM customers \
             WHERE (tier IS NOT NULL OR qualifying_points > 0) \
               AND (tier_evaluated_at IS NULL OR tier_evaluated_at <= now() - interval '1 day') \
             ORDER BY tier_evaluated_at NULLS FIRST, id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)
    }

    async fn tier_history(&self, program_id: &str, customer_id: &str, page: &Page) -> StoreResult<Vec<TierChange>> {
        let sql = of_customer(TIER_CHANGE_COLUMNS, "tier_changes");
        fetch::paged::<_, TierChangeRow, _>(&self.pool, &sql, program_id, &[Some(customer_id)], page, map_err).await
    }

    async fn due_releases(&self, limit: u32) -> StoreResult<Vec<(String, PendingLot)>> {
        let sql = "SELECT program_id, id, customer_id, transaction_id, remaining, releases_at FROM pending_lots \
             WHERE released_at IS NULL AND remaining > 0 AND releases_at <= now() ORDER BY releases_at, id LIMIT $1";
        fetch::due_releases::<_, Stamp>(&self.pool, sql, limit, map_err).await
    }
}

/// One page of a customer's rows of `table` (its `columns`), newest first:
/// the program, the customer, the cursor and the limit (`fetch::paged`).
fn of_customer(columns: &str, table: &str) -> String {
    format!(
        "SELECT {columns} FROM {table} WHERE program_id = $1 AND customer_id = $2 \
         AND ($3::text IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
    )
}

/// Lets the shared conformance suite expire records without waiting an hour.
#[async_trait]
impl tally_store::conformance::Harness for PgStore {
    async fn expire_idempotency_records(&self) {
        // By the database's clock, the one every expiry check reads.
        self.execute_raw("UPDATE idempotency_records SET expires_at = now() - interval '1 second'")
            .await
            .expect("expire idempotency records");
    }

    async fn make_lots_due(&self) {
        // Same clock as `due_lots` and `expire_lot`; lots without a date stay undated.
        self.execute_raw("UPDATE point_lots SET expires_at = now() - interval '1 second' WHERE expires_at IS NOT NULL")
            .await
            .expect("make lots due");
    }

    async fn make_tier_reviews_due(&self) {
        self.execute_raw(
            "UPDATE customers SET tier_evaluated_at = now() - interval '2 days' WHERE tier_evaluated_at IS NOT NULL",
        )
        .await
        .expect("make tier reviews due");
    }

    async fn age_ledger(&self, days: i32) {
        // The ledger is append-only by trigger; a test that moves time turns
        // the triggers off for its own transaction (as replication does).
        let sql = format!(
            "BEGIN; SET LOCAL session_replication_role = replica; \
             UPDATE ledger_entries SET created_at = created_at - interval '{days} days'; COMMIT;"
        );
        sqlx::raw_sql(&sql).execute(&self.pool).await.expect("age the ledger");
    }

    async fn tamper(&self, sql: &str) {
        self.execute_raw(sql).await.expect("tamper");
    }

    async fn make_holds_due(&self) {
        // Same clock as `due_releases` and `tally_release_lot`.
        self.execute_raw("UPDATE pending_lots SET releases_at = now() - interval '1 second' WHERE released_at IS NULL")
            .await
            .expect("make holds due");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_halves_match_pg_locks_layout() {
        assert_eq!(lock_halves(0), (0, 0));
        assert_eq!(lock_halves(1), (0, 1));
        assert_eq!(lock_halves(-1), (0xffff_ffff, 0xffff_ffff));
        assert_eq!(lock_halves(i64::MIN), (0x8000_0000, 0));
        assert_eq!(lock_halves(0x1234_5678_9abc_def0), (0x1234_5678, 0x9abc_def0));
    }

    #[test]
    fn literals_double_quotes_and_backslashes() {
        assert_eq!(literal("abc-123").as_deref(), Some("E'abc-123'"));
        assert_eq!(literal(r"a'b\c").as_deref(), Some(r"E'a''b\\c'"));
        assert_eq!(literal(r"\'; DROP TABLE programs; --").as_deref(), Some(r"E'\\''; DROP TABLE programs; --'"));
        assert_eq!(literal("nul\0"), None);
    }
}
