//! The row shapes both backends read, their column lists and their
//! conversion to domain types: written once here, decoded by each backend
//! (sqlx's `FromRow`, with the `sqlx` feature; SQLite's writer decodes the
//! same shapes from rusqlite). Only the timestamp differs between the two,
//! so it is the type parameter: PostgreSQL reads `TIMESTAMPTZ` as
//! `DateTime<Utc>`, SQLite keeps integer milliseconds (`i64`).

use chrono::{DateTime, Utc};
use tally_core::model::{
    Coupon, CouponStatus, Customer, CustomerTier, IdempotencyRecord, LedgerEntry, LedgerOperation, PendingLot,
    PointLot, Program, ProgramSettings, Redemption, RedemptionStatus, Reward, RewardKind, TierChange, TierChangeReason,
    TierPeriod, Transaction, TransactionStatus, VoidPolicy,
};

use crate::{KeyedResource, StoreError};

/// A timestamp as a backend stores it.
pub trait Stamp {
    fn utc(self) -> DateTime<Utc>;
}

impl Stamp for DateTime<Utc> {
    fn utc(self) -> DateTime<Utc> {
        self
    }
}

/// Milliseconds since the Unix epoch (SQLite's columns).
impl Stamp for i64 {
    fn utc(self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self).unwrap_or_default()
    }
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Other(format!("unexpected {what} in storage: {value:?}"))
}

pub const PROGRAM_COLUMNS: &str = "id, name, points_per_currency_unit, void_policy, points_expire_after_days, \
     points_pending_days, tiers, tier_period, idempotency_retention_hours, require_idempotency_key, rate_limit_per_minute, created_at";

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone)]
pub struct ProgramRow<T> {
    pub id: String,
    pub name: String,
    pub points_per_currency_unit: i64,
    pub void_policy: String,
    pub points_expire_after_days: Option<i32>,
    pub points_pending_days: i32,
    /// The tiers as a JSON array (written by the API, which checked them).
    pub tiers: String,
    pub tier_period: String,
    pub idempotency_retention_hours: i32,
    pub require_idempotency_key: bool,
    pub rate_limit_per_minute: i32,
    pub created_at: T,
}

impl<T: Stamp> TryFrom<ProgramRow<T>> for Program {
    type Error = StoreError;
    fn try_from(r: ProgramRow<T>) -> Result<Self, StoreError> {
        Ok(Program {
            id: r.id,
            name: r.name,
            settings: ProgramSettings {
                points_per_currency_unit: r.points_per_currency_unit,
                void_policy: VoidPolicy::parse(&r.void_policy).ok_or_else(|| corrupt("void policy", &r.void_policy))?,
                points_expire_after_days: r.points_expire_after_days,
                points_pending_days: r.points_pending_days,
                tiers: serde_json::from_str(&r.tiers).map_err(|_| corrupt("tiers", &r.tiers))?,
                tier_period: TierPeriod::parse(&r.tier_period).ok_or_else(|| corrupt("tier period", &r.tier_period))?,
                idempotency_retention_hours: r.idempotency_retention_hours,
                require_idempotency_key: r.require_idempotency_key,
                rate_limit_per_minute: r.rate_limit_per_minute,
            },
            created_at: r.created_at.utc(),
        })
    }
}

/// The tiers as the `tiers` column keeps them (see [`ProgramRow`]).
pub fn tiers_json(tiers: &[tally_core::model::Tier]) -> Result<String, StoreError> {
    serde_json::to_string(tiers).map_err(|e| StoreError::Other(e.to_string()))
}

pub const CUSTOMER_COLUMNS: &str = "id, email, phone, name, created_at, tier, tier_since, qualifying_points";

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone)]
pub struct CustomerRow<T> {
    pub id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub name: Option<String>,
    pub created_at: T,
    pub tier: Option<String>,
    pub tier_since: Option<T>,
    pub qualifying_points: i64,
}

/// The tier as the store keeps it; the API shows it against the program's
/// tiers (`ProgramSettings::tier_status`), which the row does not know.
pub fn tier_held<T: Stamp>(tier: Option<String>, since: Option<T>, qualifying_points: i64) -> CustomerTier {
    CustomerTier { name: tier, since: since.map(Stamp::utc), qualifying_points, next: None }
}

impl<T: Stamp> From<CustomerRow<T>> for Customer {
    fn from(r: CustomerRow<T>) -> Self {
        Customer {
            id: r.id,
            email: r.email,
            phone: r.phone,
            name: r.name,
            created_at: r.created_at.utc(),
            tier: Some(tier_held(r.tier, r.tier_since, r.qualifying_points)),
        }
    }
}

pub const TRANSACTION_COLUMNS: &str = "id, customer_id, spend_amount_cents, currency, points, external_id, \
     status, voided_amount_cents, voided_points, tier, earn_multiplier_percent, idempotency_fingerprint, created_at";

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone)]
pub struct TransactionRow<T> {
    pub id: String,
    pub customer_id: String,
    pub spend_amount_cents: i64,
    pub currency: String,
    pub points: i64,
    pub external_id: Option<String>,
    pub status: String,
    pub voided_amount_cents: i64,
    pub voided_points: i64,
    pub tier: Option<String>,
    pub earn_multiplier_percent: i32,
    pub idempotency_fingerprint: Option<String>,
    pub created_at: T,
}

impl<T: Stamp> TryFrom<TransactionRow<T>> for Transaction {
    type Error = StoreError;
    fn try_from(r: TransactionRow<T>) -> Result<Self, StoreError> {
        Ok(Transaction {
            status: TransactionStatus::parse(&r.status).ok_or_else(|| corrupt("transaction status", &r.status))?,
            voided_amount_cents: r.voided_amount_cents,
            voided_points: r.voided_points,
            tier: r.tier,
            earn_multiplier_percent: r.earn_multiplier_percent,
            id: r.id,
            customer_id: r.customer_id,
            spend_amount_cents: r.spend_amount_cents,
            currency: r.currency,
            points: r.points,
            external_id: r.external_id,
            created_at: r.created_at.utc(),
        })
    }
}

pub const REWARD_COLUMNS: &str = "id, name, cost_points, kind, stock, active, created_at, updated_at";

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone)]
pub struct RewardRow<T> {
    pub id: String,
    pub name: String,
    pub cost_points: i64,
    pub kind: String,
    pub stock: Option<i64>,
    pub active: bool,
    pub created_at: T,
    pub updated_at: T,
}

impl<T: Stamp> TryFrom<RewardRow<T>> for Reward {
    type Error = StoreError;
    fn try_from(r: RewardRow<T>) -> Result<Self, StoreError> {
        Ok(Reward {
            kind: RewardKind::parse(&r.kind).ok_or_else(|| corrupt("reward kind", &r.kind))?,
            id: r.id,
            name: r.name,
            cost_points: r.cost_points,
            stock: r.stock,
            active: r.active,
            created_at: r.created_at.utc(),
            updated_at: r.updated_at.utc(),
        })
    }
}

pub const REDEMPTION_COLUMNS: &str =
    "id, customer_id, reward_id, quantity, points_spent, status, coupon_code, idempotency_fingerprint, created_at";

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone)]
pub struct RedemptionRow<T> {
    pub id: String,
    pub customer_id: String,
    pub reward_id: String,
    pub quantity: i64,
    pub points_spent: i64,
    pub status: String,
    pub coupon_code: Option<String>,
    pub idempotency_fingerprint: Option<String>,
    pub created_at: T,
}

impl<T: Stamp> TryFrom<RedemptionRow<T>> for Redemption {
    type Error = StoreError;
    fn try_from(r: RedemptionRow<T>) -> Result<Self, StoreError> {
        Ok(Redemption {
            status: RedemptionStatus::parse(&r.status).ok_or_else(|| corrupt("redemption status", &r.status))?,
            id: r.id,
            customer_id: r.customer_id,
            reward_id: r.reward_id,
            quantity: r.quantity,
            points_spent: r.points_spent,
            coupon_code: r.coupon_code,
            created_at: r.created_at.utc(),
        })
    }
}

pub const LEDGER_COLUMNS: &str = "id, customer_id, points, pending_points, qualifying_points, balance_after, \
     operation, transaction_id, redemption_id, reason, token_id, idempotency_fingerprint, created_at";

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone)]
pub struct LedgerRow<T> {
    pub id: String,
    pub customer_id: String,
    pub points: i64,
    pub pending_points: i64,
    pub qualifying_points: i64,
    pub balance_after: i64,
    pub operation: String,
    pub transaction_id: Option<String>,
    pub redemption_id: Option<String>,
    pub reason: Option<String>,
    pub token_id: Option<String>,
    pub idempotency_fingerprint: Option<String>,
    pub created_at: T,
}

impl<T: Stamp> TryFrom<LedgerRow<T>> for LedgerEntry {
    type Error = StoreError;
    fn try_from(r: LedgerRow<T>) -> Result<Self, StoreError> {
        Ok(LedgerEntry {
            operation: LedgerOperation::parse(&r.operation).ok_or_else(|| corrupt("ledger operation", &r.operation))?,
            id: r.id,
            customer_id: r.customer_id,
            points: r.points,
            pending_points: r.pending_points,
            qualifying_points: r.qualifying_points,
            balance_after: r.balance_after,
            transaction_id: r.transaction_id,
            redemption_id: r.redemption_id,
            reason: r.reason,
            token_id: r.token_id,
            created_at: r.created_at.utc(),
        })
    }
}

/// `keyed` (the resource, with the fingerprint of the request whose key made
/// it) for the rows of the resources a key can make, also as a `TryFrom`.
macro_rules! keyed {
    ($($row:ident => $resource:ty),+) => {$(
        impl<T: Stamp> $row<T> {
            pub fn keyed(self) -> Result<KeyedResource<$resource>, StoreError> {
                let fingerprint = self.idempotency_fingerprint.clone().unwrap_or_default();
                Ok(KeyedResource { resource: self.try_into()?, fingerprint })
            }
        }

        impl<T: Stamp> TryFrom<$row<T>> for KeyedResource<$resource> {
            type Error = StoreError;
            fn try_from(r: $row<T>) -> Result<Self, StoreError> {
                r.keyed()
            }
        }
    )+};
}

keyed!(TransactionRow => Transaction, RedemptionRow => Redemption, LedgerRow => LedgerEntry);

pub const COUPON_COLUMNS: &str = "id, code, redemption_id, customer_id, reward_id, status, created_at, redeemed_at";

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone)]
pub struct CouponRow<T> {
    pub id: String,
    pub code: String,
    pub redemption_id: String,
    pub customer_id: String,
    pub reward_id: String,
    pub status: String,
    pub created_at: T,
    pub redeemed_at: Option<T>,
}

impl<T: Stamp> TryFrom<CouponRow<T>> for Coupon {
    type Error = StoreError;
    fn try_from(r: CouponRow<T>) -> Result<Self, StoreError> {
        Ok(Coupon {
            status: CouponStatus::parse(&r.status).ok_or_else(|| corrupt("coupon status", &r.status))?,
            id: r.id,
            code: r.code,
            redemption_id: r.redemption_id,
            customer_id: r.customer_id,
            reward_id: r.reward_id,
            created_at: r.created_at.utc(),
            redeemed_at: r.redeemed_at.map(Stamp::utc),
        })
    }
}

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone)]
pub struct LotRow<T> {
    pub program_id: String,
    pub id: String,
    pub customer_id: String,
    pub remaining: i64,
    pub expires_at: Option<T>,
}

impl<T: Stamp> From<LotRow<T>> for PointLot {
    fn from(r: LotRow<T>) -> Self {
        PointLot {
            id: r.id,
            customer_id: r.customer_id,
            remaining: r.remaining,
            expires_at: r.expires_at.map(Stamp::utc),
        }
    }
}

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone)]
pub struct PendingLotRow<T> {
    pub program_id: String,
    pub id: String,
    pub customer_id: String,
    pub transaction_id: String,
    pub remaining: i64,
    pub releases_at: T,
}

impl<T: Stamp> From<PendingLotRow<T>> for PendingLot {
    fn from(r: PendingLotRow<T>) -> Self {
        PendingLot {
            id: r.id,
            customer_id: r.customer_id,
            transaction_id: r.transaction_id,
            remaining: r.remaining,
            releases_at: r.releases_at.utc(),
        }
    }
}

pub const TIER_CHANGE_COLUMNS: &str =
    "id, customer_id, from_tier, to_tier, reason, qualifying_points, transaction_id, created_at";

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone)]
pub struct TierChangeRow<T> {
    pub id: String,
    pub customer_id: String,
    pub from_tier: Option<String>,
    pub to_tier: Option<String>,
    pub reason: String,
    pub qualifying_points: i64,
    pub transaction_id: Option<String>,
    pub created_at: T,
}

impl<T: Stamp> TryFrom<TierChangeRow<T>> for TierChange {
    type Error = StoreError;
    fn try_from(r: TierChangeRow<T>) -> Result<Self, StoreError> {
        Ok(TierChange {
            reason: TierChangeReason::parse(&r.reason).ok_or_else(|| corrupt("tier change reason", &r.reason))?,
            id: r.id,
            customer_id: r.customer_id,
            from_tier: r.from_tier,
            to_tier: r.to_tier,
            qualifying_points: r.qualifying_points,
            transaction_id: r.transaction_id,
            created_at: r.created_at.utc(),
        })
    }
}

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone)]
pub struct TokenProgramRow<T> {
    #[cfg_attr(feature = "sqlx", sqlx(flatten))]
    pub program: ProgramRow<T>,
    pub token_id: String,
}

/// A stored idempotency record. Its column list is each backend's own:
/// PostgreSQL keeps `headers` as JSONB and reads it back as text.
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone)]
pub struct RecordRow<T> {
    pub key: String,
    pub method: String,
    pub path: String,
    pub fingerprint: String,
    pub status: i32,
    pub headers: String,
    pub body: Vec<u8>,
    pub resource_id: Option<String>,
    pub created_at: T,
    pub expires_at: T,
}

impl<T: Stamp> TryFrom<RecordRow<T>> for IdempotencyRecord {
    type Error = StoreError;
    fn try_from(r: RecordRow<T>) -> Result<Self, StoreError> {
        Ok(IdempotencyRecord {
            headers: serde_json::from_str(&r.headers).map_err(|_| corrupt("stored headers", &r.headers))?,
            status: u16::try_from(r.status).map_err(|_| corrupt("stored status", &r.status.to_string()))?,
            key: r.key,
            method: r.method,
            path: r.path,
            fingerprint: r.fingerprint,
            body: r.body,
            resource_id: r.resource_id,
            created_at: r.created_at.utc(),
            expires_at: r.expires_at.utc(),
        })
    }
}

/// Converts every row of a list, stopping at the first corrupt one.
pub fn convert_all<R, T>(rows: Vec<R>) -> Result<Vec<T>, StoreError>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}

#[cfg(feature = "sqlx")]
pub mod fetch;
