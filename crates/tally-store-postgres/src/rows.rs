//! The shared row shapes (`tally_store::rows`) with PostgreSQL's timestamps,
//! and what only this backend reads: the claim's row, the record's columns.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
pub(crate) use tally_store::rows::{
    COUPON_COLUMNS, CUSTOMER_COLUMNS, LEDGER_COLUMNS, PROGRAM_COLUMNS, REDEMPTION_COLUMNS, REWARD_COLUMNS,
    TIER_CHANGE_COLUMNS, TRANSACTION_COLUMNS,
};

/// How this backend's rows hold a timestamp.
pub(crate) type Stamp = DateTime<Utc>;
pub(crate) type ProgramRow = tally_store::rows::ProgramRow<Stamp>;
pub(crate) type TokenProgramRow = tally_store::rows::TokenProgramRow<Stamp>;
pub(crate) type CustomerRow = tally_store::rows::CustomerRow<Stamp>;
pub(crate) type TransactionRow = tally_store::rows::TransactionRow<Stamp>;
pub(crate) type RewardRow = tally_store::rows::RewardRow<Stamp>;
pub(crate) type RedemptionRow = tally_store::rows::RedemptionRow<Stamp>;
pub(crate) type LedgerRow = tally_store::rows::LedgerRow<Stamp>;
pub(crate) type CouponRow = tally_store::rows::CouponRow<Stamp>;
pub(crate) type RecordRow = tally_store::rows::RecordRow<Stamp>;
pub(crate) type TierChangeRow = tally_store::rows::TierChangeRow<Stamp>;

// `headers` is JSONB; read back as text and parsed here, so sqlx needs no json feature.
pub(crate) const RECORD_COLUMNS: &str =
    "key, method, path, fingerprint, status, headers::text AS headers, body, resource_id, created_at, expires_at";

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

/// Where the shared reads (`tally_store::reads`) run, with this backend's rows.
impl tally_store::reads::ReadSource for crate::PgStore {
    type Db = sqlx::Postgres;
    type Stamp = Stamp;
    type Types = Option<Vec<String>>;
    fn read_pool(&self) -> &sqlx::Pool<sqlx::Postgres> {
        &self.pool
    }
    fn read_error(e: sqlx::Error) -> tally_store::StoreError {
        crate::map_err(e)
    }
    const OWN_CHECKS: &'static [(&'static str, &'static str)] = &crate::stats::COUNTER_CHECKS;
}
