//! The shared row shapes (`tally_store::rows`) with SQLite's timestamps
//! (integer milliseconds, see the migration), decoded by sqlx on the readers
//! and, where the writer reads them, from rusqlite (`FromRusqlite`).

pub(crate) use tally_store::rows::{
    COUPON_COLUMNS, CUSTOMER_COLUMNS, LEDGER_COLUMNS, PROGRAM_COLUMNS, REDEMPTION_COLUMNS, REWARD_COLUMNS,
    TIER_CHANGE_COLUMNS, TRANSACTION_COLUMNS,
};

/// How this backend's rows hold a timestamp: milliseconds since the epoch.
pub(crate) type Stamp = i64;
pub(crate) type ProgramRow = tally_store::rows::ProgramRow<i64>;
pub(crate) type TokenProgramRow = tally_store::rows::TokenProgramRow<i64>;
pub(crate) type CustomerRow = tally_store::rows::CustomerRow<i64>;
pub(crate) type TransactionRow = tally_store::rows::TransactionRow<i64>;
pub(crate) type RewardRow = tally_store::rows::RewardRow<i64>;
pub(crate) type RedemptionRow = tally_store::rows::RedemptionRow<i64>;
pub(crate) type LedgerRow = tally_store::rows::LedgerRow<i64>;
pub(crate) type CouponRow = tally_store::rows::CouponRow<i64>;
pub(crate) type RecordRow = tally_store::rows::RecordRow<i64>;
pub(crate) type TierChangeRow = tally_store::rows::TierChangeRow<i64>;

pub(crate) const RECORD_COLUMNS: &str =
    "key, method, path, fingerprint, status, headers, body, resource_id, created_at, expires_at";

/// Decodes a row read on the writer (rusqlite), by column name.
pub(crate) trait FromRusqlite: Sized {
    fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

impl FromRusqlite for ProgramRow {
    fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(ProgramRow {
            id: row.get("id")?,
            name: row.get("name")?,
            points_per_currency_unit: row.get("points_per_currency_unit")?,
            void_policy: row.get("void_policy")?,
            points_expire_after_days: row.get("points_expire_after_days")?,
            points_pending_days: row.get("points_pending_days")?,
            tiers: row.get("tiers")?,
            tier_period: row.get("tier_period")?,
            idempotency_retention_hours: row.get("idempotency_retention_hours")?,
            require_idempotency_key: row.get("require_idempotency_key")?,
            rate_limit_per_minute: row.get("rate_limit_per_minute")?,
            created_at: row.get("created_at")?,
        })
    }
}

impl FromRusqlite for CustomerRow {
    fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(CustomerRow {
            id: row.get("id")?,
            email: row.get("email")?,
            phone: row.get("phone")?,
            name: row.get("name")?,
            created_at: row.get("created_at")?,
            tier: row.get("tier")?,
            tier_since: row.get("tier_since")?,
            qualifying_points: row.get("qualifying_points")?,
        })
    }
}

impl FromRusqlite for TransactionRow {
    fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(TransactionRow {
            id: row.get("id")?,
            customer_id: row.get("customer_id")?,
            spend_amount_cents: row.get("spend_amount_cents")?,
            currency: row.get("currency")?,
            points: row.get("points")?,
            external_id: row.get("external_id")?,
            status: row.get("status")?,
            voided_amount_cents: row.get("voided_amount_cents")?,
            voided_points: row.get("voided_points")?,
            tier: row.get("tier")?,
            earn_multiplier_percent: row.get("earn_multiplier_percent")?,
            idempotency_fingerprint: row.get("idempotency_fingerprint")?,
            created_at: row.get("created_at")?,
        })
    }
}

impl FromRusqlite for RewardRow {
    fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(RewardRow {
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

impl FromRusqlite for RedemptionRow {
    fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(RedemptionRow {
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

impl FromRusqlite for LedgerRow {
    fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(LedgerRow {
            id: row.get("id")?,
            customer_id: row.get("customer_id")?,
            points: row.get("points")?,
            pending_points: row.get("pending_points")?,
            qualifying_points: row.get("qualifying_points")?,
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

impl FromRusqlite for TierChangeRow {
    fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(TierChangeRow {
            id: row.get("id")?,
            customer_id: row.get("customer_id")?,
            from_tier: row.get("from_tier")?,
            to_tier: row.get("to_tier")?,
            reason: row.get("reason")?,
            qualifying_points: row.get("qualifying_points")?,
            transaction_id: row.get("transaction_id")?,
            created_at: row.get("created_at")?,
        })
    }
}

impl FromRusqlite for CouponRow {
    fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(CouponRow {
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

impl FromRusqlite for RecordRow {
    fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(RecordRow {
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

/// Where the shared reads (`tally_store::reads`) run, with this backend's rows.
impl tally_store::reads::ReadSource for crate::SqliteStore {
    type Db = sqlx::Sqlite;
    type Stamp = i64;
    type Types = Option<String>;
    fn read_pool(&self) -> &sqlx::Pool<sqlx::Sqlite> {
        &self.reader
    }
    fn read_error(e: sqlx::Error) -> tally_store::StoreError {
        crate::map_err(e)
    }
    const OWN_CHECKS: &'static [(&'static str, &'static str)] = &crate::stats::COUNTER_CHECKS;
}
