//! Inputs to the store, already validated by the domain layer.

use tally_core::model::{
    CouponStatus, LedgerOperation, ProgramSettings, RedemptionStatus, RewardKind, Tier, TierChangeReason, TierPeriod,
    VoidPolicy,
};

/// The lock of one idempotency key within one program.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyLock {
    pub program_id: String,
    pub key: String,
}

impl KeyLock {
    /// A 64-bit name for the lock (PostgreSQL advisory locks take a bigint).
    /// Two different keys colliding here would only make one of them wait or
    /// answer 409 spuriously, never execute twice: the record's primary key
    /// still decides.
    pub fn lock_id(&self) -> i64 {
        // std's DefaultHasher may change between Rust releases, and nodes built
        // by different compilers must agree on the lock, so this is a fixed FNV-1a.
        let mut h: u64 = 0xcbf29ce484222325;
        for b in self.program_id.bytes().chain([0u8]).chain(self.key.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
        h as i64
    }
}

/// Cursor pagination, newest first.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Page size; the store returns up to `limit + 1` rows so the caller can tell `has_more`.
    pub limit: u32,
    /// Return only items older than the one with this id.
    pub starting_after: Option<String>,
}

/// A page of a program's redemptions in one status, newest first.
#[derive(Debug, Clone)]
pub struct StatusPage {
    pub status: RedemptionStatus,
    pub page: Page,
}

#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NewCustomer {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub name: Option<String>,
}

impl NewCustomer {
    /// The e-mail and phone the new customer would clash on.
    pub fn contact(&self) -> Contact<'_> {
        Contact { email: self.email.as_deref(), phone: self.phone.as_deref() }
    }
}

/// How a customer is reached: each of the two, when given, names at most one
/// customer of a program.
#[derive(Debug, Clone, Copy, Default)]
pub struct Contact<'a> {
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct NewTransaction {
    pub customer_id: String,
    pub spend_amount_cents: i64,
    pub currency: String,
    pub points: i64,
    pub external_id: Option<String>,
    pub idempotency: Option<ResourceKey>,
    /// The tier the customer held, and the multiplier it applied.
    pub tier: Option<String>,
    pub earn_multiplier_percent: i32,
}

/// The key and fingerprint kept on a points-moving resource, so a retry that
/// arrives after the stored response expired still finds what it made.
#[derive(Debug, Clone)]
pub struct ResourceKey {
    pub key: String,
    pub fingerprint: String,
}

/// A resource found by the idempotency key that created it.
#[derive(Debug, Clone)]
pub struct KeyedResource<T> {
    pub resource: T,
    pub fingerprint: String,
}

/// What a lookup by idempotency key finds: the resource the key made, if it made one.
pub type FoundByKey<T> = Option<KeyedResource<T>>;

/// What a read or a conditional change of one row answers: the row, or `None`
/// when there is no such row (or it did not match).
pub type Found<T> = crate::StoreResult<Option<T>>;

/// A status change of one redemption or coupon, made by one conditional
/// update only if it is in `from` now.
#[derive(Debug, Clone, Copy)]
pub struct Move<'a, S> {
    /// The redemption's id, or the coupon's code.
    pub id: &'a str,
    pub from: S,
    pub to: S,
    /// The key of the request that makes the move, kept on the row so that a
    /// retry after its stored response expired finds that the move happened.
    pub key: Option<&'a ResourceKey>,
}

impl<'a, S> Move<'a, S> {
    /// A move that keeps no key.
    pub fn new(id: &'a str, from: S, to: S) -> Self {
        Self { id, from, to, key: None }
    }
}

/// A move of a redemption's status.
pub type RedemptionMove<'a> = Move<'a, RedemptionStatus>;
/// A move of a coupon's status.
pub type CouponMove<'a> = Move<'a, CouponStatus>;

#[derive(Debug, Clone)]
pub struct NewReward {
    pub name: String,
    pub cost_points: i64,
    pub kind: RewardKind,
    pub stock: Option<i64>,
    pub active: bool,
}

/// A partial update; `stock: Some(None)` makes a reward unlimited.
#[derive(Debug, Clone, Default)]
pub struct RewardPatch {
    pub name: Option<String>,
    pub cost_points: Option<i64>,
    pub stock: Option<Option<i64>>,
    pub active: Option<bool>,
}

/// A partial update of a program's settings: only the fields that are `Some`
/// change, in one statement against the row as the database has it, so two
/// updates of different fields never undo each other.
/// `points_expire_after_days: Some(None)` turns expiry off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgramPatch {
    pub points_per_currency_unit: Option<i64>,
    pub void_policy: Option<VoidPolicy>,
    pub points_expire_after_days: Option<Option<i32>>,
    pub points_pending_days: Option<i32>,
    pub tiers: Option<Vec<Tier>>,
    pub tier_period: Option<TierPeriod>,
    pub idempotency_retention_hours: Option<i32>,
    pub require_idempotency_key: Option<bool>,
    pub rate_limit_per_minute: Option<i32>,
}

impl From<&ProgramSettings> for ProgramPatch {
    /// Every field set: the program gets exactly these settings.
    fn from(s: &ProgramSettings) -> Self {
        Self {
            points_per_currency_unit: Some(s.points_per_currency_unit),
            void_policy: Some(s.void_policy),
            points_expire_after_days: Some(s.points_expire_after_days),
            points_pending_days: Some(s.points_pending_days),
            tiers: Some(s.tiers.clone()),
            tier_period: Some(s.tier_period),
            idempotency_retention_hours: Some(s.idempotency_retention_hours),
            require_idempotency_key: Some(s.require_idempotency_key),
            rate_limit_per_minute: Some(s.rate_limit_per_minute),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewRedemption {
    pub customer_id: String,
    pub reward_id: String,
    pub quantity: i64,
    pub points_spent: i64,
    pub coupon_code: Option<String>,
    pub idempotency: Option<ResourceKey>,
}

#[derive(Debug, Clone)]
pub struct NewCoupon {
    pub code: String,
    pub redemption_id: String,
    pub customer_id: String,
    pub reward_id: String,
}

#[derive(Debug, Clone)]
pub struct NewLedgerEntry {
    pub customer_id: String,
    pub points: i64,
    /// The change of the customer's pending points (see `LedgerEntry::pending_points`).
    pub pending_points: i64,
    /// What the entry counts towards the customer's tier (see `LedgerEntry::qualifying_points`).
    pub qualifying_points: i64,
    pub balance_after: i64,
    pub operation: LedgerOperation,
    pub transaction_id: Option<String>,
    pub redemption_id: Option<String>,
    pub reason: Option<String>,
    pub token_id: Option<String>,
    /// Kept on manual adjustments, whose resource is the entry itself.
    pub idempotency: Option<ResourceKey>,
}

impl NewLedgerEntry {
    /// An entry naming no purchase, redemption, reason or key; set those with struct update syntax.
    pub fn new(customer_id: &str, points: i64, balance_after: i64, operation: LedgerOperation) -> Self {
        Self {
            customer_id: customer_id.to_owned(),
            points,
            pending_points: 0,
            qualifying_points: 0,
            balance_after,
            operation,
            transaction_id: None,
            redemption_id: None,
            reason: None,
            token_id: None,
            idempotency: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewIdempotencyRecord {
    pub key: String,
    pub method: String,
    pub path: String,
    pub fingerprint: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub resource_id: Option<String>,
    /// How long the record is kept: it expires this many hours after it is
    /// saved, by the database clock.
    pub retention_hours: i32,
}

impl NewIdempotencyRecord {
    /// The headers as the JSON array both backends store (and `RecordRow` reads back).
    pub fn headers_json(&self) -> crate::StoreResult<String> {
        serde_json::to_string(&self.headers).map_err(|e| crate::StoreError::Other(e.to_string()))
    }

    /// What saving a record answers, from the rows its conditional insert
    /// changed: none means a live record holds the key, which only a bypassed
    /// lock allows.
    pub fn saved(rows_changed: u64) -> crate::StoreResult<()> {
        if rows_changed == 0 {
            return Err(crate::StoreError::RecordExists);
        }
        Ok(())
    }
}

/// A change of a customer's tier, to record.
#[derive(Debug, Clone)]
pub struct NewTierChange {
    pub customer_id: String,
    pub from_tier: Option<String>,
    pub to_tier: Option<String>,
    pub reason: TierChangeReason,
    pub qualifying_points: i64,
    pub transaction_id: Option<String>,
}

/// Points held for a purchase until its holding period ends (a pending lot).
#[derive(Debug, Clone, Copy)]
pub struct Hold<'a> {
    pub customer_id: &'a str,
    /// The purchase that earned the points.
    pub transaction_id: &'a str,
    pub points: i64,
}

/// What an evaluation keeps of a customer's tier.
#[derive(Debug, Clone, Copy)]
pub struct TierUpdate<'a> {
    pub tier: Option<&'a str>,
    pub qualifying_points: i64,
    /// The tier is new: its `since` is now.
    pub changed: bool,
    /// The periodic review made it: the customer is not due again for a day.
    pub reviewed: bool,
}

/// A customer's tier as kept, read under the customer's lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierState {
    pub tier: Option<String>,
    pub qualifying_points: i64,
    /// Reviewed within the last day (by the database clock).
    pub reviewed_recently: bool,
}

/// One broken invariant, as `tally verify` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub program_id: String,
    pub subject: String,
    pub problem: String,
}
