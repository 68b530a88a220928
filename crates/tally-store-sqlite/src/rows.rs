//! Row shapes as SQLite returns them, and their conversion to domain types.
//! Each shape decodes from sqlx (the readers) and, where the writer reads it,
//! from rusqlite (`from_rusqlite`); the conversions to domain types are shared.
//! Timestamps are stored as integer milliseconds (see the migration).

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use tally_core::model::{
    Coupon, CouponStatus, Customer, IdempotencyRecord, LedgerEntry, LedgerOperation, PointLot, Program,
    ProgramSettings, Redemption, RedemptionStatus, Reward, RewardKind, Transaction, TransactionStatus, VoidPolicy,
};
use tally_store::{KeyedResource, StoreError};

pub(crate) fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

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
    created_at: i64,
}

impl ProgramRow {
    /// Decodes a row read on the writer (rusqlite), by column name.
    pub(crate) fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            name: row.get("name")?,
            points_per_currency_unit: row.get("points_per_currency_unit")?,
            void_policy: row.get("void_policy")?,
            points_expire_after_days: row.get("points_expire_after_days")?,
            idempotency_retention_hours: row.get("idempotency_retention_hours")?,
            require_idempotency_key: row.get("require_idempotency_key")?,
            rate_limit_per_minute: row.get("rate_limit_per_minute")?,
            created_at: row.get("created_at")?,
        })
    }
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
            created_at: time(r.created_at),
        })
    }
}

#[derive(FromRow)]
pub(crate) struct TokenProgramRow {
    #[sqlx(flatten)]
    pub(crate) program: ProgramRow,
    pub(crate) token_id: String,
}

pub(crate) const CUSTOMER_COLUMNS: &str = "id, email, phone, name, created_at";

#[derive(FromRow)]
pub(crate) struct CustomerRow {
    id: String,
    email: Option<String>,
    phone: Option<String>,
    name: Option<String>,
    created_at: i64,
}

impl CustomerRow {
    /// Decodes a row read on the writer (rusqlite), by column name.
    pub(crate) fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            email: row.get("email")?,
            phone: row.get("phone")?,
            name: row.get("name")?,
            created_at: row.get("created_at")?,
        })
    }
}

impl From<CustomerRow> for Customer {
    fn from(r: CustomerRow) -> Self {
        Customer { id: r.id, email: r.email, phone: r.phone, name: r.name, created_at: time(r.created_at) }
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
    created_at: i64,
}

impl TransactionRow {
    /// Decodes a row read on the writer (rusqlite), by column name.
    pub(crate) fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            customer_id: row.get("customer_id")?,
            spend_amount_cents: row.get("spend_amount_cents")?,
            currency: row.get("currency")?,
            points: row.get("points")?,
            external_id: row.get("external_id")?,
            status: row.get("status")?,
            voided_amount_cents: row.get("voided_amount_cents")?,
            voided_points: row.get("voided_points")?,
            idempotency_fingerprint: row.get("idempotency_fingerprint")?,
            created_at: row.get("created_at")?,
        })
    }
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
            created_at: time(r.created_at),
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
    created_at: i64,
    updated_at: i64,
}

impl RewardRow {
    /// Decodes a row read on the writer (rusqlite), by column name.
    pub(crate) fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            name: row.get("name")?,
            cost_points: row.get("cost_points")?,
            kind: row.get("kind")?,
            stock: row.get("stock")?,
            active: row.get("active")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
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
            created_at: time(r.created_at),
            updated_at: time(r.updated_at),
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
    created_at: i64,
}

impl RedemptionRow {
    /// Decodes a row read on the writer (rusqlite), by column name.
    pub(crate) fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            customer_id: row.get("customer_id")?,
            reward_id: row.get("reward_id")?,
            quantity: row.get("quantity")?,
            points_spent: row.get("points_spent")?,
            status: row.get("status")?,
            coupon_code: row.get("coupon_code")?,
            idempotency_fingerprint: row.get("idempotency_fingerprint")?,
            created_at: row.get("created_at")?,
        })
    }
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
            created_at: time(r.created_at),
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
    created_at: i64,
}

impl LedgerRow {
    /// Decodes a row read on the writer (rusqlite), by column name.
    pub(crate) fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            customer_id: row.get("customer_id")?,
            points: row.get("points")?,
            balance_after: row.get("balance_after")?,
            operation: row.get("operation")?,
            transaction_id: row.get("transaction_id")?,
            redemption_id: row.get("redemption_id")?,
            reason: row.get("reason")?,
            token_id: row.get("token_id")?,
            idempotency_fingerprint: row.get("idempotency_fingerprint")?,
            created_at: row.get("created_at")?,
        })
    }
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
            created_at: time(r.created_at),
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
    created_at: i64,
    redeemed_at: Option<i64>,
}

impl CouponRow {
    /// Decodes a row read on the writer (rusqlite), by column name.
    pub(crate) fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            code: row.get("code")?,
            redemption_id: row.get("redemption_id")?,
            customer_id: row.get("customer_id")?,
            reward_id: row.get("reward_id")?,
            status: row.get("status")?,
            created_at: row.get("created_at")?,
            redeemed_at: row.get("redeemed_at")?,
        })
    }
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
            created_at: time(r.created_at),
            redeemed_at: r.redeemed_at.map(time),
        })
    }
}

#[derive(FromRow)]
pub(crate) struct LotRow {
    pub(crate) program_id: String,
    id: String,
    customer_id: String,
    remaining: i64,
    expires_at: Option<i64>,
}

impl From<LotRow> for PointLot {
    fn from(r: LotRow) -> Self {
        PointLot { id: r.id, customer_id: r.customer_id, remaining: r.remaining, expires_at: r.expires_at.map(time) }
    }
}

pub(crate) const RECORD_COLUMNS: &str =
    "key, method, path, fingerprint, status, headers, body, resource_id, created_at, expires_at";

#[derive(FromRow)]
pub(crate) struct RecordRow {
    key: String,
    method: String,
    path: String,
    fingerprint: String,
    status: i64,
    headers: String,
    body: Vec<u8>,
    resource_id: Option<String>,
    created_at: i64,
    expires_at: i64,
}

impl RecordRow {
    /// Decodes a row read on the writer (rusqlite), by column name.
    pub(crate) fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            key: row.get("key")?,
            method: row.get("method")?,
            path: row.get("path")?,
            fingerprint: row.get("fingerprint")?,
            status: row.get("status")?,
            headers: row.get("headers")?,
            body: bytes(row, "body")?,
            resource_id: row.get("resource_id")?,
            created_at: row.get("created_at")?,
            expires_at: row.get("expires_at")?,
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
            created_at: time(r.created_at),
            expires_at: time(r.expires_at),
        })
    }
}

/// A BLOB column as bytes; TEXT is taken as its bytes too, as sqlx decodes it.
fn bytes(row: &rusqlite::Row<'_>, column: &str) -> rusqlite::Result<Vec<u8>> {
    use rusqlite::types::ValueRef;
    match row.get_ref(column)? {
        ValueRef::Blob(bytes) | ValueRef::Text(bytes) => Ok(bytes.to_vec()),
        other => Err(rusqlite::Error::InvalidColumnType(
            row.as_ref().column_index(column)?,
            column.to_owned(),
            other.data_type(),
        )),
    }
}

/// Converts every row of a list, stopping at the first corrupt one.
pub(crate) fn convert_all<R, T>(rows: Vec<R>) -> Result<Vec<T>, StoreError>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}
