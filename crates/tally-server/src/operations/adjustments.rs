use tally_core::model::{LedgerEntry, LedgerOperation};
use tally_store::{NewLedgerEntry, ResourceKey, StoreTx};

use super::Outcome;
use crate::error::{ApiError, ApiResult};

pub const MAX_REASON_LEN: usize = 500;

/// A manual correction, validated.
pub struct Adjustment {
    pub points: i64,
    pub reason: String,
}

impl Adjustment {
    pub fn validate(points: i64, reason: &str) -> ApiResult<Self> {
        if points == 0 {
            return Err(ApiError::invalid_field("points", "must not be zero: positive credits, negative debits"));
        }
        if points == i64::MIN {
            return Err(ApiError::unprocessable("points_overflow", "points is outside the points range"));
        }
        // The length counts what was sent, as the OpenAPI document's `maxLength` does.
        let too_long = reason.chars().count() > MAX_REASON_LEN;
        let reason = reason.trim();
        if reason.is_empty() || too_long || reason.chars().any(char::is_control) {
            return Err(ApiError::invalid_field("reason", format!("1 to {MAX_REASON_LEN} printable characters")));
        }
        Ok(Self { points, reason: reason.to_owned() })
    }
}

/// Credits or debits a customer by hand. A debit never takes the balance below
/// zero: the void policy is about purchases, not about corrections.
pub async fn adjust(
    tx: &mut dyn StoreTx,
    program_id: &str,
    customer_id: &str,
    adjustment: Adjustment,
    token_id: &str,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<LedgerEntry>> {
    if let Some(key) = &key
        && let Some(found) = tx.ledger_entry_by_key(program_id, &key.key).await?
    {
        return Ok(Outcome::Replayed(found));
    }
    if !tx.lock_customer(program_id, customer_id).await? {
        return Err(ApiError::not_found("customer_not_found", "customer"));
    }
    let balance_after = if adjustment.points > 0 {
        tx.credit(program_id, customer_id, adjustment.points)
            .await?
            .ok_or_else(|| ApiError::unprocessable("points_overflow", "the balance would exceed the points range"))?
    } else {
        let debit = -adjustment.points;
        tx.debit(program_id, customer_id, debit).await?.ok_or_else(|| {
            ApiError::unprocessable("insufficient_points", format!("the customer has fewer than {debit} points"))
        })?
    };
    let entry = NewLedgerEntry {
        reason: Some(adjustment.reason),
        token_id: Some(token_id.to_owned()),
        idempotency: key,
        ..NewLedgerEntry::new(customer_id, adjustment.points, balance_after, LedgerOperation::Adjustment)
    };
    Ok(Outcome::Created(tx.insert_ledger_entry(program_id, &entry).await?))
}
