//! The reads both a write transaction and the store outside one make: one
//! function each, run on whichever executor the caller has (the pool, or the
//! transaction's session).

use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgExecutor};
use tally_core::model::{Coupon, Customer, IdempotencyRecord, Redemption, Reward, Transaction};
use tally_store::{StoreError, StoreResult};

use crate::map_err;
use crate::rows::*;

pub(crate) async fn found<'c, R, T>(
    exec: impl PgExecutor<'c>,
    sql: &str,
    program_id: &str,
    value: &str,
) -> StoreResult<Option<T>>
where
    R: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    T: TryFrom<R>,
    StoreError: From<T::Error>,
{
    tally_store::rows::fetch::found::<_, R, T>(exec, sql, program_id, value, map_err).await
}

pub(crate) async fn customer<'c>(
    exec: impl PgExecutor<'c>,
    program_id: &str,
    id: &str,
) -> StoreResult<Option<Customer>> {
    let sql = format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE program_id = $1 AND id = $2");
    found::<CustomerRow, _>(exec, &sql, program_id, id).await
}

pub(crate) async fn transaction<'c>(
    exec: impl PgExecutor<'c>,
    program_id: &str,
    id: &str,
) -> StoreResult<Option<Transaction>> {
    let sql = format!("SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE program_id = $1 AND id = $2");
    found::<TransactionRow, _>(exec, &sql, program_id, id).await
}

pub(crate) async fn reward<'c>(exec: impl PgExecutor<'c>, program_id: &str, id: &str) -> StoreResult<Option<Reward>> {
    let sql = format!("SELECT {REWARD_COLUMNS} FROM rewards WHERE program_id = $1 AND id = $2");
    found::<RewardRow, _>(exec, &sql, program_id, id).await
}

pub(crate) async fn redemption<'c>(
    exec: impl PgExecutor<'c>,
    program_id: &str,
    id: &str,
) -> StoreResult<Option<Redemption>> {
    let sql = format!("SELECT {REDEMPTION_COLUMNS} FROM redemptions WHERE program_id = $1 AND id = $2");
    found::<RedemptionRow, _>(exec, &sql, program_id, id).await
}

pub(crate) async fn coupon<'c>(exec: impl PgExecutor<'c>, program_id: &str, code: &str) -> StoreResult<Option<Coupon>> {
    let sql = format!("SELECT {COUPON_COLUMNS} FROM coupons WHERE program_id = $1 AND code = $2");
    found::<CouponRow, _>(exec, &sql, program_id, code).await
}

/// The key's unexpired record (expiry judged by the database clock).
pub(crate) async fn record<'c>(
    exec: impl PgExecutor<'c>,
    program_id: &str,
    key: &str,
) -> StoreResult<Option<IdempotencyRecord>> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM idempotency_records WHERE program_id = $1 AND key = $2 AND expires_at > now()"
    );
    found::<RecordRow, _>(exec, &sql, program_id, key).await
}
