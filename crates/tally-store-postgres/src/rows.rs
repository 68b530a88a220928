//! Row shapes as PostgreSQL returns them, and their conversion to domain types.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use tally_core::model::{
    Coupon, CouponStatus, Customer, IdempotencyRecord, LedgerEntry, LedgerOperation, PointLot, Program,
    ProgramSettings, Redemption, RedemptionStatus, Reward, RewardKind, Transaction, TransactionStatus, VoidPolicy,
};
use tally_store::{KeyedResource, StoreError};

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Other(format!("unexpected {what} in storage: {value:?}"))
}

pub(crate) const PROGRAM_COLUMNS: &str = "id, name, points_per_currency_unit, void_policy, points_expire_after_days, \
     idempotency_retention_hours, require_idempotency_key, rate_limit_per_minute, created_at";

#[derive(FromRow)]
pub(crate) struct ProgramRow {
    id: String,
    name: String,
    points_per_currency_unit: i64,
    void_policy: String,
    points_expire_after_days: Option<i32>,
    idempotency_retention_hours: i32,
    require_idempotency_key: bool,
    rate_limit_per_minute: i32,
    created_at: DateTime<Utc>,
}

impl TryFrom<ProgramRow> for Program {
    type Error = StoreError;
    fn try_from(r: ProgramRow) -> Result<Self, StoreError> {
        Ok(Program {
            id: r.id,
            name: r.name,
            settings: ProgramSettings {
                points_per_currency_unit: r.points_per_currency_unit,
                void_policy: VoidPolicy::parse(&r.void_policy).ok_or_else(|| corrupt("void policy", &r.void_policy))?,
                points_expire_after_days: r.points_expire_after_days,
                idempotency_retention_hours: r.idempotency_retention_hours,
                require_idempotency_key: r.require_idempotency_key,
                rate_limit_per_minute: r.rate_limit_per_minute,
            },
            created_at: r.created_at,
        })
    }
}

pub(crate) const CUSTOMER_COLUMNS: &str = "id, email, phone, name, created_at";

#[derive(FromRow)]
pub(crate) struct CustomerRow {
    id: String,
    email: Option<String>,
    phone: Option<String>,
    name: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<CustomerRow> for Customer {
    fn from(r: CustomerRow) -> Self {
        Customer { id: r.id, email: r.email, phone: r.phone, name: r.name, created_at: r.created_at }
    }
}

pub(crate) const TRANSACTION_COLUMNS: &str = "id, customer_id, spend_amount_cents, currency, points, external_id, \
     status, voided_amount_cents, voided_points, idempotency_fingerprint, created_at";

#[derive(FromRow)]
pub(crate) struct TransactionRow {
    id: String,
    customer_id: String,
    spend_amount_cents: i64,
    currency: String,
    points: i64,
    external_id: Option<String>,
    status: String,
    voided_amount_cents: i64,
    voided_points: i64,
    idempotency_fingerprint: Option<String>,
    created_at: DateTime<Utc>,
}

impl TransactionRow {
    pub(crate) fn keyed(self) -> Result<KeyedResource<Transaction>, StoreError> {
        let fingerprint = self.idempotency_fingerprint.clone().unwrap_or_default();
        Ok(KeyedResource { resource: self.try_into()?, fingerprint })
    }
}

impl TryFrom<TransactionRow> for Transaction {
    type Error = StoreError;
    fn try_from(r: TransactionRow) -> Result<Self, StoreError> {
        Ok(Transaction {
            status: TransactionStatus::parse(&r.status).ok_or_else(|| corrupt("transaction status", &r.status))?,
            voided_amount_cents: r.voided_amount_cents,
            voided_points: r.voided_points,
            id: r.id,
            customer_id: r.customer_id,
            spend_amount_cents: r.spend_amount_cents,
            currency: r.currency,
            points: r.points,
            external_id: r.external_id,
            created_at: r.created_at,
        })
    }
}

pub(crate) const REWARD_COLUMNS: &str = "id, name, cost_points, kind, stock, active, created_at, updated_at";

#[derive(FromRow)]
pub(crate) struct RewardRow {
    id: String,
    name: String,
    cost_points: i64,
    kind: String,
    stock: Option<i64>,
    active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<RewardRow> for Reward {
    type Error = StoreError;
    fn try_from(r: RewardRow) -> Result<Self, StoreError> {
        Ok(Reward {
            kind: RewardKind::parse(&r.kind).ok_or_else(|| corrupt("reward kind", &r.kind))?,
            id: r.id,
            name: r.name,
            cost_points: r.cost_points,
            stock: r.stock,
            active: r.active,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub(crate) const REDEMPTION_COLUMNS: &str =
    "id, customer_id, reward_id, quantity, points_spent, status, coupon_code, idempotency_fingerprint, created_at";

#[derive(FromRow)]
pub(crate) struct RedemptionRow {
    id: String,
    customer_id: String,
    reward_id: String,
    quantity: i64,
    points_spent: i64,
    status: String,
    coupon_code: Option<String>,
    idempotency_fingerprint: Option<String>,
    created_at: DateTime<Utc>,
}

impl RedemptionRow {
    pub(crate) fn keyed(self) -> Result<KeyedResource<Redemption>, StoreError> {
        let fingerprint = self.idempotency_fingerprint.clone().unwrap_or_default();
        Ok(KeyedResource { resource: self.try_into()?, fingerprint })
    }
}

impl TryFrom<RedemptionRow> for Redemption {
    type Error = StoreError;
    fn try_from(r: RedemptionRow) -> Result<Self, StoreError> {
        Ok(Redemption {
            status: RedemptionStatus::parse(&r.status).ok_or_else(|| corrupt("redemption status", &r.status))?,
            id: r.id,
            customer_id: r.customer_id,
            reward_id: r.reward_id,
            quantity: r.quantity,
            points_spent: r.points_spent,
            coupon_code: r.coupon_code,
            created_at: r.created_at,
        })
    }
}

pub(crate) const LEDGER_COLUMNS: &str = "id, customer_id, points, balance_after, operation, transaction_id, \
     redemption_id, reason, token_id, idempotency_fingerprint, created_at";

#[derive(FromRow)]
pub(crate) struct LedgerRow {
    id: String,
    customer_id: String,
    points: i64,
    balance_after: i64,
    operation: String,
    transaction_id: Option<String>,
    redemption_id: Option<String>,
    reason: Option<String>,
    token_id: Option<String>,
    idempotency_fingerprint: Option<String>,
    created_at: DateTime<Utc>,
}

impl LedgerRow {
    pub(crate) fn keyed(self) -> Result<KeyedResource<LedgerEntry>, StoreError> {
        let fingerprint = self.idempotency_fingerprint.clone().unwrap_or_default();
        Ok(KeyedResource { resource: self.try_into()?, fingerprint })
    }
}

impl TryFrom<LedgerRow> for LedgerEntry {
    type Error = StoreError;
    fn try_from(r: LedgerRow) -> Result<Self, StoreError> {
        Ok(LedgerEntry {
            operation: LedgerOperation::parse(&r.operation).ok_or_else(|| corrupt("ledger operation", &r.operation))?,
            id: r.id,
            customer_id: r.customer_id,
            points: r.points,
            balance_after: r.balance_after,
            transaction_id: r.transaction_id,
            redemption_id: r.redemption_id,
            reason: r.reason,
            token_id: r.token_id,
            created_at: r.created_at,
        })
    }
}

pub(crate) const COUPON_COLUMNS: &str =
    "id, code, redemption_id, customer_id, reward_id, status, created_at, redeemed_at";

#[derive(FromRow)]
pub(crate) struct CouponRow {
    id: String,
    code: String,
    redemption_id: String,
    customer_id: String,
    reward_id: String,
    status: String,
    created_at: DateTime<Utc>,
    redeemed_at: Option<DateTime<Utc>>,
}

impl TryFrom<CouponRow> for Coupon {
    type Error = StoreError;
    fn try_from(r: CouponRow) -> Result<Self, StoreError> {
        Ok(Coupon {
            status: CouponStatus::parse(&r.status).ok_or_else(|| corrupt("coupon status", &r.status))?,
            id: r.id,
            code: r.code,
            redemption_id: r.redemption_id,
            customer_id: r.customer_id,
            reward_id: r.reward_id,
            created_at: r.created_at,
            redeemed_at: r.redeemed_at,
        })
    }
}

#[derive(FromRow)]
pub(crate) struct LotRow {
    pub(crate) program_id: String,
    id: String,
    customer_id: String,
    remaining: i64,
    expires_at: Option<DateTime<Utc>>,
}

impl From<LotRow> for PointLot {
    fn from(r: LotRow) -> Self {
        PointLot { id: r.id, customer_id: r.customer_id, remaining: r.remaining, expires_at: r.expires_at }
    }
}

#[derive(FromRow)]
pub(crate) struct TokenProgramRow {
    #[sqlx(flatten)]
    pub(crate) program: ProgramRow,
    pub(crate) token_id: String,
}

// `headers` is JSONB; read back as text and parsed here, so sqlx needs no json feature.
pub(crate) const RECORD_COLUMNS: &str =
    "key, method, path, fingerprint, status, headers::text AS headers, body, resource_id, created_at, expires_at";

#[derive(FromRow)]
pub(crate) struct RecordRow {
    key: String,
    method: String,
    path: String,
    fingerprint: String,
    status: i32,
    headers: String,
    body: Vec<u8>,
    resource_id: Option<String>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

/// What `tally_claim_key` answers: whether the key was claimed, and its live
/// record's columns (all NULL when there is none).
#[derive(FromRow)]
pub(crate) struct ClaimRow {
    pub(crate) claimed: bool,
    key: Option<String>,
    method: Option<String>,
    path: Option<String>,
    fingerprint: Option<String>,
    status: Option<i32>,
    headers: Option<String>,
    body: Option<Vec<u8>>,
    resource_id: Option<String>,
    created_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
}

impl ClaimRow {
    /// The record, if the key has one (its NOT NULL columns are all set then).
    pub(crate) fn record(self) -> Option<RecordRow> {
        Some(RecordRow {
            key: self.key?,
            method: self.method?,
            path: self.path?,
            fingerprint: self.fingerprint?,
            status: self.status?,
            headers: self.headers?,
            body: self.body?,
            resource_id: self.resource_id,
            created_at: self.created_at?,
            expires_at: self.expires_at?,
        })
    }
}

impl TryFrom<RecordRow> for IdempotencyRecord {
    type Error = StoreError;
    fn try_from(r: RecordRow) -> Result<Self, StoreError> {
        Ok(IdempotencyRecord {
            headers: serde_json::from_str(&r.headers).map_err(|_| corrupt("stored headers", &r.headers))?,
            status: u16::try_from(r.status).map_err(|_| corrupt("stored status", &r.status.to_string()))?,
            key: r.key,
            method: r.method,
            path: r.path,
            fingerprint: r.fingerprint,
            body: r.body,
            resource_id: r.resource_id,
            created_at: r.created_at,
            expires_at: r.expires_at,
        })
    }
}

/// Converts every row of a list, stopping at the first corrupt one.
pub(crate) fn convert_all<R, T>(rows: Vec<R>) -> Result<Vec<T>, StoreError>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}
