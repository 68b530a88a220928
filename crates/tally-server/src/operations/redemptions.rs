use tally_core::model::{CouponStatus, LedgerOperation, Redemption, RedemptionStatus};
use tally_core::points::PointsError;
use tally_store::{KeyedResource, NewLedgerEntry, Redeem, RedeemRefusal, Redeemed, ResourceKey, StoreTx};

use super::Outcome;
use crate::error::{ApiError, ApiResult};

pub const MAX_QUANTITY: i64 = 1000;

/// A redemption request, validated.
pub struct RedeemRequest {
    pub customer_id: String,
    pub reward_id: String,
    pub quantity: i64,
    /// The price the client expects to pay (v2 route); refused if it differs.
    pub expected_points: Option<i64>,
}

impl RedeemRequest {
    pub fn validate(self) -> ApiResult<Self> {
        if !(1..=MAX_QUANTITY).contains(&self.quantity) {
            return Err(ApiError::invalid_field("quantity", format!("must be between 1 and {MAX_QUANTITY}")));
        }
        Ok(self)
    }
}

/// Spends a customer's points on a reward, in one call on the store
/// (`tally_store::writes::redeem` says how, and why it is one call).
pub async fn redeem(
    tx: &mut dyn StoreTx,
    program_id: &str,
    request: RedeemRequest,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<Redemption>> {
    let redeem = Redeem {
        customer_id: request.customer_id,
        reward_id: request.reward_id,
        quantity: request.quantity,
        expected_points: request.expected_points,
        coupon_code: super::coupons::new_code(),
        idempotency: key,
    };
    match tx.redeem(program_id, &redeem).await? {
        Redeemed::Created(redemption) => Ok(Outcome::Created(redemption)),
        Redeemed::Replayed(found) => Ok(Outcome::Replayed(found)),
        Redeemed::Refused(refusal) => Err(refused(refusal)),
    }
}

/// A refused redemption, as the client hears it.
fn refused(refusal: RedeemRefusal) -> ApiError {
    match refusal {
        RedeemRefusal::RewardNotFound => ApiError::not_found("reward_not_found", "reward"),
        RedeemRefusal::CustomerNotFound => ApiError::not_found("customer_not_found", "customer"),
        RedeemRefusal::RewardInactive => {
            ApiError::unprocessable("reward_inactive", "this reward is not available for redemption")
        }
        RedeemRefusal::CostOverflow => ApiError::unprocessable("points_overflow", PointsError::Overflow.to_string()),
        RedeemRefusal::PriceMismatch { expected, cost } => ApiError::unprocessable(
            "points_amount_mismatch",
            format!("points_amount is {expected} but the reward costs {cost}; nothing was charged"),
        ),
        RedeemRefusal::OutOfStock => {
            ApiError::unprocessable("out_of_stock", "the reward does not have enough stock left")
        }
        RedeemRefusal::InsufficientPoints { cost } => {
            ApiError::unprocessable("insufficient_points", format!("the customer has fewer than {cost} points"))
        }
    }
}

/// Explains why a redemption could not leave `pending` — or, when `key` is
/// the key that moved it, answers as a replay: a fulfil or cancel retried
/// after its stored response expired did happen, and is not refused.
async fn not_pending(
    tx: &mut dyn StoreTx,
    program_id: &str,
    id: &str,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<Redemption>> {
    let Some(redemption) = tx.redemption(program_id, id).await? else {
        return Err(ApiError::not_found("redemption_not_found", "redemption"));
    };
    if let Some(key) = key
        && let Some(moved_by) = tx.redemption_moved_by(program_id, id).await?
        && moved_by.key == key.key
    {
        return Ok(Outcome::Replayed(KeyedResource { resource: redemption, fingerprint: moved_by.fingerprint }));
    }
    Err(match redemption.status {
        RedemptionStatus::Fulfilled => ApiError::unprocessable("already_fulfilled", "this redemption was fulfilled"),
        RedemptionStatus::Cancelled => ApiError::unprocessable("already_cancelled", "this redemption was cancelled"),
        RedemptionStatus::Pending => ApiError::internal(),
    })
}

/// `pending` → `fulfilled`, decided by one conditional update.
pub async fn fulfil(
    tx: &mut dyn StoreTx,
    program_id: &str,
    id: &str,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<Redemption>> {
    let (from, to) = (RedemptionStatus::Pending, RedemptionStatus::Fulfilled);
    match tx.transition_redemption_keyed(program_id, id, from, to, key.as_ref()).await? {
        Some(redemption) => Ok(Outcome::Changed(redemption)),
        None => not_pending(tx, program_id, id, key).await,
    }
}

/// `pending` → `cancelled`, refunding points and stock and voiding the coupon
/// in the same transaction: all of it happens, or none.
pub async fn cancel(
    tx: &mut dyn StoreTx,
    program_id: &str,
    id: &str,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<Redemption>> {
    let (from, to) = (RedemptionStatus::Pending, RedemptionStatus::Cancelled);
    let Some(redemption) = tx.transition_redemption_keyed(program_id, id, from, to, key.as_ref()).await? else {
        return not_pending(tx, program_id, id, key).await;
    };
    tx.return_stock(program_id, &redemption.reward_id, redemption.quantity).await?;
    if let Some(code) = &redemption.coupon_code
        && tx.transition_coupon(program_id, code, CouponStatus::Active, CouponStatus::Void).await?.is_none()
    {
        // Redeeming a coupon fulfils its redemption, so a pending one's coupon is active.
        return Err(ApiError::unprocessable("already_redeemed", "the redemption's coupon was redeemed already"));
    }
    let balance_after = tx
        .credit(program_id, &redemption.customer_id, redemption.points_spent)
        .await?
        .ok_or_else(|| ApiError::unprocessable("points_overflow", "the refund would exceed the points range"))?;
    tx.insert_ledger_entry(
        program_id,
        &NewLedgerEntry {
            redemption_id: Some(redemption.id.clone()),
            ..NewLedgerEntry::new(
                &redemption.customer_id,
                redemption.points_spent,
                balance_after,
                LedgerOperation::Refund,
            )
        },
    )
    .await?;
    Ok(Outcome::Changed(redemption))
}
