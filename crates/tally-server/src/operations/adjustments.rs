use tally_core::model::{LedgerEntry, Program};
use tally_store::{Adjust, AdjustRefusal, Adjusted, ResourceKey, StoreTx};

use super::Outcome;
use crate::error::{ApiError, ApiResult};

pub const MAX_REASON_LEN: usize = 500;

/// A manual correction, validated.
pub struct Adjustment {
    pub points: i64,
    pub reason: String,
    /// Counts towards the customer's tier, like a purchase's points.
    pub qualifying: bool,
}

impl Adjustment {
    pub fn validate(points: i64, reason: &str, qualifying: bool) -> ApiResult<Self> {
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
        Ok(Self { points, reason: reason.to_owned(), qualifying })
    }
}

/// Credits or debits a customer by hand, in one call on the store
/// (`tally_store::writes::adjust`); a qualifying credit may then lift the
/// customer's tier, in the same transaction.
pub async fn adjust(
    tx: &mut dyn StoreTx,
    program: &Program,
    customer_id: &str,
    adjustment: Adjustment,
    token_id: &str,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<LedgerEntry>> {
    let adjust = Adjust {
        customer_id: customer_id.to_owned(),
        points: adjustment.points,
        reason: adjustment.reason,
        token_id: token_id.to_owned(),
        qualifying: adjustment.qualifying,
        idempotency: key,
    };
    match tx.adjust(&program.id, &adjust).await? {
        Adjusted::Created(entry) => {
            if adjust.qualifying && adjust.points > 0 {
                let key = adjust.idempotency.as_ref().map(|k| k.key.as_str());
                super::tiers::after_earning(tx, program, customer_id, None, key).await?;
            }
            Ok(Outcome::Created(entry))
        }
        Adjusted::Replayed(found) => Ok(Outcome::Replayed(found)),
        Adjusted::Refused(AdjustRefusal::CustomerNotFound) => {
            Err(ApiError::not_found("customer_not_found", "customer"))
        }
        Adjusted::Refused(AdjustRefusal::BalanceOverflow) => {
            Err(ApiError::unprocessable("points_overflow", "the balance would exceed the points range"))
        }
        Adjusted::Refused(AdjustRefusal::InsufficientPoints) => Err(ApiError::unprocessable(
            "insufficient_points",
            format!("the customer has fewer than {} points", -adjust.points),
        )),
    }
}
