//! The storage contract of Tally.
//!
//! A [`Store`] hands out write transactions ([`StoreTx`]) made of small,
//! race-safe primitives: conditional updates and inserts that let a unique
//! constraint decide. Domain operations compose them; the idempotency record is
//! written through the same transaction as the effect, so the two commit or
//! vanish together.
//!
//! Every backend runs the one [`conformance`] suite.

pub mod conformance;
mod error;
pub mod events;
pub mod exports;
mod holds_and_tiers;
#[cfg(feature = "sqlx")]
pub mod reads;
pub mod rows;
mod stats;
mod types;
pub mod verify;
pub mod writes;

use async_trait::async_trait;
use tally_core::events::{DeliveryAttempt, Event, WebhookEndpoint};
use tally_core::model::{
    Balance, Coupon, Customer, IdempotencyRecord, LedgerEntry, PendingLot, PointLot, Program, ProgramSettings,
    Redemption, Reward, TierChange, Transaction,
};

pub use error::{StoreError, StoreResult};
pub use events::{EventFilter, Outbox, OutboxTx};
pub use exports::Exports;
pub use holds_and_tiers::HoldsAndTiersTx;
pub use stats::{COUNT_LIMIT, ProgramStats};
pub use types::*;
pub use writes::{
    Adjust, AdjustRefusal, Adjusted, Purchase, PurchaseRefusal, Purchased, Redeem, RedeemRefusal, Redeemed, Settle,
    SettleRefusal, Settled, TierReview, UseCoupon, Void, VoidRefusal, Voided,
};

/// The reads both backends share, outside transactions: written once, SQL
/// included, in `reads` and `events::reads`; a backend has them by saying
/// where it reads (`reads::ReadSource`).
#[async_trait]
pub trait SharedReads: Send + Sync {
    // --- programs ---
    async fn program(&self, id: &str) -> StoreResult<Option<Program>>;
    /// Every program, by id.
    async fn programs(&self) -> StoreResult<Vec<Program>>;
    // --- `tally verify` ([`verify::CHECKS`], then the backend's own) ---
    /// Every violated invariant, for every program or only `program_id`;
    /// empty means healthy.
    async fn verify(&self, program_id: Option<&str>) -> StoreResult<Vec<Violation>>;
    // --- the outbox ---
    /// The program's events, newest first.
    async fn events(&self, program_id: &str, filter: &EventFilter, page: &Page) -> StoreResult<Vec<Event>>;
    async fn event(&self, program_id: &str, id: &str) -> StoreResult<Option<Event>>;
    async fn webhook_endpoint(&self, program_id: &str, id: &str) -> StoreResult<Option<WebhookEndpoint>>;
    /// The program's endpoints, newest first.
    async fn webhook_endpoints(&self, program_id: &str, page: &Page) -> StoreResult<Vec<WebhookEndpoint>>;
    /// The attempts made to an endpoint, newest first (`Page::starting_after`
    /// is an attempt's `id`, as text).
    async fn delivery_attempts(
        &self,
        program_id: &str,
        endpoint: &str,
        page: &Page,
    ) -> StoreResult<Vec<DeliveryAttempt>>;
}

/// A storage backend. Reads outside a transaction go straight to the store;
/// every write goes through [`Store::begin`].
#[async_trait]
pub trait Store: SharedReads + Outbox + Exports + Send + Sync + 'static {
    /// `"sqlite"` or `"postgres"`, for logs and `/readyz`.
    fn backend(&self) -> &'static str;

    /// Cheap round trip proving storage answers.
    async fn ping(&self) -> StoreResult<()>;

    /// How busy the connection pool(s) are right now, for `/metrics`.
    fn pool_stats(&self) -> PoolStats;

    /// Starts a write transaction. With `key`, the transaction also holds the
    /// key's in-flight lock for exactly its own lifetime: a second `begin` with
    /// the same key, from any node, fails with [`StoreError::KeyInUse`] until
    /// this transaction commits or rolls back (or its process dies).
    async fn begin(&self, key: Option<&KeyLock>) -> StoreResult<Box<dyn StoreTx>>;

    /// Claims an idempotency key for a write: what the key's stored record
    /// says, or a transaction holding the key, or that another holds it.
    /// A `Completed` claim leaves no transaction open.
    ///
    /// The default claims first and reads the record under the lock (a store
    /// whose claim reads the record in the same round trip pays nothing for
    /// the read); a store may read first when replays are cheaper that way.
    async fn claim(&self, lock: &KeyLock) -> StoreResult<Claim> {
        claim_then_look(self, lock).await
    }

    // --- programs and tokens (administration) ---
    async fn create_program(&self, name: &str, settings: &ProgramSettings) -> StoreResult<Program>;
    /// Stores a token's hash (never the token) for a program.
    async fn create_token(&self, program_id: &str, token_hash: &str) -> StoreResult<String>;
    /// The program of a token, and the token's id (kept on what the token does by hand).
    async fn program_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<(Program, String)>>;

    // --- reads ---
    async fn customer(&self, program_id: &str, id: &str) -> StoreResult<Option<Customer>>;
    async fn customers(&self, program_id: &str, filter: &CustomerFilter, page: &Page) -> StoreResult<Vec<Customer>>;
    async fn balance(&self, program_id: &str, customer_id: &str) -> StoreResult<Option<Balance>>;
    async fn ledger(&self, program_id: &str, customer_id: &str, page: &Page) -> StoreResult<Vec<LedgerEntry>>;
    async fn transaction(&self, program_id: &str, id: &str) -> StoreResult<Option<Transaction>>;
    async fn reward(&self, program_id: &str, id: &str) -> StoreResult<Option<Reward>>;
    async fn rewards(&self, program_id: &str, page: &Page) -> StoreResult<Vec<Reward>>;
    async fn redemption(&self, program_id: &str, id: &str) -> StoreResult<Option<Redemption>>;
    async fn redemptions(&self, program_id: &str, customer_id: &str, page: &Page) -> StoreResult<Vec<Redemption>>;
    async fn coupon(&self, program_id: &str, code: &str) -> StoreResult<Option<Coupon>>;
    /// The program's overview (see [`ProgramStats`]).
    async fn program_stats(&self, program_id: &str) -> StoreResult<ProgramStats>;
    /// Moves up to `batch` of the changes counted for [`Store::program_stats`]
    /// into its totals; returns how many it moved. A store whose counters are
    /// kept in place by the writes themselves has nothing to fold.
    async fn fold_counters(&self, _batch: u32) -> StoreResult<u64> {
        Ok(0)
    }
    /// The program's redemptions in `page.status`, newest first.
    async fn redemptions_in(&self, program_id: &str, page: &StatusPage) -> StoreResult<Vec<Redemption>>;
    /// Unexpired lots whose date has passed, oldest first, across all programs.
    async fn due_lots(&self, limit: u32) -> StoreResult<Vec<(String, PointLot)>>;
    /// Pending lots whose holding period has ended and that still hold points,
    /// oldest release first, across all programs.
    async fn due_releases(&self, limit: u32) -> StoreResult<Vec<(String, PendingLot)>>;
    /// Customers whose tier is due for its review (holding a tier, or with
    /// qualifying points, and not evaluated for a day), as (program,
    /// customer), longest unreviewed first, across all programs.
    async fn due_tier_reviews(&self, limit: u32) -> StoreResult<Vec<(String, String)>>;
    /// A customer's tier changes, newest first.
    async fn tier_history(&self, program_id: &str, customer_id: &str, page: &Page) -> StoreResult<Vec<TierChange>>;

    // --- idempotency ---
    /// The unexpired record of a key (expiry judged by the database clock).
    async fn idempotency_record(&self, program_id: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>>;
    /// Whether a transaction holding the key's lock is running right now.
    async fn key_in_flight(&self, lock: &KeyLock) -> StoreResult<bool>;
    /// Deletes up to `batch` expired records; returns how many went.
    async fn sweep_expired_keys(&self, batch: u32) -> StoreResult<u64>;
}

/// [`Store::claim`] in the order "take the key's lock, then read its record
/// under it", which no concurrent commit can slip between.
pub async fn claim_then_look<S: Store + ?Sized>(store: &S, lock: &KeyLock) -> StoreResult<Claim> {
    let mut tx = match store.begin(Some(lock)).await {
        Ok(tx) => tx,
        Err(StoreError::KeyInUse) => return Ok(Claim::Held),
        Err(e) => return Err(e),
    };
    match tx.idempotency_record(&lock.program_id, &lock.key).await? {
        Some(record) => {
            tx.rollback().await?;
            Ok(Claim::Completed(record))
        }
        None => Ok(Claim::Fresh(tx)),
    }
}

/// What [`Store::claim`] found for a key.
pub enum Claim {
    /// The key has an unexpired stored response: replay it.
    Completed(IdempotencyRecord),
    /// The key is free and has no stored response: this transaction holds it.
    Fresh(Box<dyn StoreTx>),
    /// Another transaction holds the key right now (on any node).
    Held,
}

/// One write transaction. Dropping it without [`StoreTx::commit`] rolls it
/// back, but only [`StoreTx::rollback`] waits for that to happen.
#[async_trait]
pub trait StoreTx: OutboxTx + HoldsAndTiersTx + Send {
    /// Commits. An error whose commit may nevertheless have reached the disk
    /// is [`StoreError::OutcomeUnknown`]; any other error committed nothing.
    async fn commit(self: Box<Self>) -> StoreResult<()>;
    /// Rolls back and returns once the transaction (and its key's lock) has ended.
    async fn rollback(self: Box<Self>) -> StoreResult<()>;
    /// Saves the response of a key whose effect this transaction wrote (see
    /// [`StoreTx::save_idempotency_record`]), if there is one, and commits:
    /// the executor's last step. A backend may send both in one round trip.
    /// If the record cannot be saved, nothing commits and the transaction has
    /// ended when this returns.
    async fn commit_with_record(
        mut self: Box<Self>,
        program_id: &str,
        record: Option<&NewIdempotencyRecord>,
    ) -> StoreResult<()> {
        if let Some(record) = record
            && let Err(e) = self.save_idempotency_record(program_id, record).await
        {
            self.rollback().await?;
            return Err(e);
        }
        self.commit().await
    }

    // --- whole writes (`writes`: the default composes the primitives) ---
    async fn redeem(&mut self, program_id: &str, redeem: &Redeem) -> StoreResult<Redeemed> {
        writes::redeem(self, program_id, redeem).await
    }
    async fn record_purchase(&mut self, program_id: &str, purchase: &Purchase) -> StoreResult<Purchased> {
        writes::record_purchase(self, program_id, purchase).await
    }
    async fn adjust(&mut self, program_id: &str, adjustment: &Adjust) -> StoreResult<Adjusted> {
        writes::adjust(self, program_id, adjustment).await
    }
    async fn void(&mut self, program_id: &str, void: &Void) -> StoreResult<Voided> {
        writes::void(self, program_id, void).await
    }
    async fn settle(&mut self, program_id: &str, settle: &Settle) -> StoreResult<Settled<Redemption>> {
        writes::settle(self, program_id, settle).await
    }
    async fn use_coupon(&mut self, program_id: &str, coupon: &UseCoupon) -> StoreResult<Settled<Coupon>> {
        writes::use_coupon(self, program_id, coupon).await
    }
    async fn expire(&mut self, program_id: &str, customer_id: &str, lot_id: &str) -> StoreResult<Option<LedgerEntry>> {
        writes::expire(self, program_id, customer_id, lot_id).await
    }
    async fn release(&mut self, program_id: &str, customer_id: &str, lot_id: &str) -> StoreResult<Option<LedgerEntry>> {
        writes::release(self, program_id, customer_id, lot_id).await
    }
    async fn review_tier(
        &mut self,
        program_id: &str,
        customer_id: &str,
        review: &TierReview,
    ) -> StoreResult<Option<TierChange>> {
        writes::review_tier(self, program_id, customer_id, review).await
    }

    // --- idempotency ---
    async fn idempotency_record(&mut self, program_id: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>>;
    /// Saves the response of a key whose effect this transaction wrote; expires
    /// `record.retention_hours` from now by the database clock. Replaces an expired
    /// record of the same key that the sweeper has not removed yet.
    async fn save_idempotency_record(&mut self, program_id: &str, record: &NewIdempotencyRecord) -> StoreResult<()>;

    // --- programs ---
    /// The program as this transaction sees it (not a cached copy): what a
    /// write that depends on its settings (the earning rule) must read.
    async fn program(&mut self, program_id: &str) -> StoreResult<Option<Program>>;
    /// Changes the fields the patch sets, in one statement; `None`: no such program.
    async fn patch_program(&mut self, program_id: &str, patch: &ProgramPatch) -> StoreResult<Option<Program>>;
    /// Sets every setting.
    async fn update_program_settings(&mut self, program_id: &str, settings: &ProgramSettings) -> StoreResult<Program> {
        self.patch_program(program_id, &ProgramPatch::from(settings))
            .await?
            .ok_or_else(|| StoreError::Other(format!("no program {program_id}")))
    }

    // --- customers ---
    async fn customer(&mut self, program_id: &str, id: &str) -> StoreResult<Option<Customer>>;
    /// Finds a customer by e-mail, else by phone.
    async fn find_customer(&mut self, program_id: &str, contact: Contact<'_>) -> StoreResult<Option<Customer>>;
    /// Inserts unless a customer with the same e-mail or phone exists (then `None`).
    async fn insert_customer(&mut self, program_id: &str, customer: &NewCustomer) -> StoreResult<Option<Customer>>;
    /// Sets the name, and the e-mail / phone where they were empty.
    async fn update_customer(&mut self, program_id: &str, id: &str, customer: &NewCustomer) -> StoreResult<Customer>;

    // --- points ---
    /// Adds points, as a new lot of the part that is not paying back a negative
    /// balance; `None` when the balance or lifetime total would overflow.
    async fn credit(&mut self, program_id: &str, customer_id: &str, points: i64) -> StoreResult<Option<i64>>;
    /// Takes points only if the balance covers them, spending lots oldest first; `None` when it does not.
    async fn debit(&mut self, program_id: &str, customer_id: &str, points: i64) -> StoreResult<Option<i64>>;
    /// Takes points even below zero (a void under `allow_negative`); `None` only on overflow.
    async fn overdraw(&mut self, program_id: &str, customer_id: &str, points: i64) -> StoreResult<Option<i64>>;
    /// Locks the customer's row for the rest of the transaction. Every change
    /// to a customer's points and lots locks this row first, so lot updates
    /// never race and never deadlock.
    async fn lock_customer(&mut self, program_id: &str, customer_id: &str) -> StoreResult<bool>;
    async fn ledger_entry_by_key(&mut self, program_id: &str, key: &str) -> StoreResult<FoundByKey<LedgerEntry>>;

    // --- lots (for expiry) ---
    // Credits start a lot (expiring per the program's rule) and debits spend
    // lots oldest first, inside `credit` / `debit` themselves, so no operation
    // can move points without keeping its lots in step.
    /// Expires a due lot: its remaining points leave the balance. Returns the
    /// points and the balance after, or `None` if the lot was expired already
    /// (by another node) or is not due. Lock the customer first.
    async fn expire_lot(&mut self, program_id: &str, lot_id: &str) -> StoreResult<Option<(i64, i64)>>;
    async fn insert_ledger_entry(&mut self, program_id: &str, entry: &NewLedgerEntry) -> StoreResult<LedgerEntry>;

    // --- purchases ---
    /// Inserts unless the program already has a purchase with this `external_id`
    /// (then `None`: the caller answers with the first one).
    async fn insert_transaction(&mut self, program_id: &str, txn: &NewTransaction) -> StoreResult<Option<Transaction>>;
    /// The program's purchase whose `external_id` is `id`.
    async fn transaction_by_external_id(&mut self, program_id: &str, id: &str) -> StoreResult<Option<Transaction>>;
    async fn transaction_by_key(&mut self, program_id: &str, key: &str) -> StoreResult<FoundByKey<Transaction>>;
    async fn transaction(&mut self, program_id: &str, id: &str) -> StoreResult<Option<Transaction>>;
    /// Voids `void.amount_cents` more of a purchase (`None`: all that is left), only if
    /// it is not fully voided and that much is left. Returns the purchase after
    /// the void (`voided_points` not yet updated), or `None` when refused. The
    /// void's key is not kept here (its ledger entry keeps it).
    async fn void_amount(&mut self, program_id: &str, void: &Void) -> StoreResult<Option<Transaction>>;
    async fn set_voided_points(&mut self, program_id: &str, id: &str, voided_points: i64) -> StoreResult<Transaction>;

    // --- rewards ---
    async fn insert_reward(&mut self, program_id: &str, reward: &NewReward) -> StoreResult<Reward>;
    async fn update_reward(&mut self, program_id: &str, id: &str, patch: &RewardPatch) -> StoreResult<Option<Reward>>;
    async fn reward(&mut self, program_id: &str, id: &str) -> StoreResult<Option<Reward>>;
    /// Takes `quantity` units if the reward has them (or is unlimited); `false` when it does not.
    async fn take_stock(&mut self, program_id: &str, reward_id: &str, quantity: i64) -> StoreResult<bool>;

    // --- redemptions ---
    async fn insert_redemption(&mut self, program_id: &str, redemption: &NewRedemption) -> StoreResult<Redemption>;
    async fn redemption_by_key(&mut self, program_id: &str, key: &str) -> StoreResult<FoundByKey<Redemption>>;
    async fn redemption(&mut self, program_id: &str, id: &str) -> StoreResult<Option<Redemption>>;
    /// Moves a redemption from `m.from` to `m.to` in one conditional update; `None`
    /// when it is not in `m.from` (the caller reads why). Also keeps `m.key`, the key
    /// of the request that made the move, so a retry after its stored response
    /// expired finds that it happened (see [`StoreTx::redemption_moved_by`]).
    async fn move_redemption(&mut self, program_id: &str, m: RedemptionMove<'_>) -> StoreResult<Option<Redemption>>;
    /// The key (and request fingerprint) that moved the redemption out of `pending`, if a keyed request did.
    async fn redemption_moved_by(&mut self, program_id: &str, id: &str) -> StoreResult<Option<ResourceKey>>;
    /// Puts units back into a finite stock (a cancelled redemption).
    async fn return_stock(&mut self, program_id: &str, reward_id: &str, quantity: i64) -> StoreResult<()>;

    // --- coupons ---
    async fn insert_coupon(&mut self, program_id: &str, coupon: &NewCoupon) -> StoreResult<Coupon>;
    async fn coupon(&mut self, program_id: &str, code: &str) -> StoreResult<Option<Coupon>>;
    /// Moves a coupon (`m.id` is its code) from `m.from` to `m.to` in one conditional
    /// update; `None` when it is not in `m.from`. Also keeps `m.key`, the key of the
    /// request that made the move.
    async fn move_coupon(&mut self, program_id: &str, m: CouponMove<'_>) -> StoreResult<Option<Coupon>>;
    /// The key (and request fingerprint) that moved the coupon out of `active`, if a keyed request did.
    async fn coupon_moved_by(&mut self, program_id: &str, code: &str) -> StoreResult<Option<ResourceKey>>;
}

/// A snapshot of a backend's connection pool(s); SQLite adds its writer and
/// reader pools together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// The most connections the pool(s) may open.
    pub max: u32,
    /// Connections open now, busy or idle.
    pub open: u32,
    /// Open connections waiting for work.
    pub idle: u32,
}
