use tally_core::ids::IdKind;
use tally_core::model::{Redemption, RedemptionStatus};
use tally_core::points::PointsError;
use tally_store::{Redeem, RedeemRefusal, Redeemed, ResourceKey, Settle, SettleRefusal, Settled, StoreTx};

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
    // Ids are checked for shape before they reach a query: a malformed one is
    // as unknown as a missing one, and PostgreSQL refuses some strings (a NUL)
    // outright, which would otherwise be a 500. (A replay's body had
    // well-formed ids the first time, so checking first changes no replay.)
    if !IdKind::Reward.matches(&request.reward_id) {
        return Err(ApiError::not_found("reward_not_found", "reward"));
    }
    if !IdKind::Customer.matches(&request.customer_id) {
        return Err(ApiError::not_found("customer_not_found", "customer"));
    }
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

/// `pending` → `fulfilled`, in one call on the store (`tally_store::writes::settle`).
pub async fn fulfil(
    tx: &mut dyn StoreTx,
    program_id: &str,
    id: &str,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<Redemption>> {
    settle(tx, program_id, id, RedemptionStatus::Fulfilled, key).await
}

/// `pending` → `cancelled`, refunding points and stock and voiding the coupon
/// in the same transaction: all of it happens, or none.
pub async fn cancel(
    tx: &mut dyn StoreTx,
    program_id: &str,
    id: &str,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<Redemption>> {
    settle(tx, program_id, id, RedemptionStatus::Cancelled, key).await
}

async fn settle(
    tx: &mut dyn StoreTx,
    program_id: &str,
    id: &str,
    to: RedemptionStatus,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<Redemption>> {
    let settle = Settle { redemption_id: id.to_owned(), to, idempotency: key };
    settled(tx.settle(program_id, &settle).await?)
}

/// A settled redemption or used coupon, as the client hears it.
pub fn settled<T>(outcome: Settled<T>) -> ApiResult<Outcome<T>> {
    let refusal = match outcome {
        Settled::Changed(changed) => return Ok(Outcome::Changed(changed)),
        Settled::Replayed(found) => return Ok(Outcome::Replayed(found)),
        Settled::Refused(refusal) => refusal,
    };
    Err(match refusal {
        SettleRefusal::RedemptionNotFound => ApiError::not_found("redemption_not_found", "redemption"),
        SettleRefusal::AlreadyFulfilled => {
            ApiError::unprocessable("already_fulfilled", "this redemption was fulfilled")
        }
        SettleRefusal::AlreadyCancelled => {
            ApiError::unprocessable("already_cancelled", "this redemption was cancelled")
        }
        SettleRefusal::CouponNotFound => ApiError::not_found("coupon_not_found", "coupon"),
        SettleRefusal::CouponRedeemed => ApiError::unprocessable("already_redeemed", "the coupon was redeemed already"),
        SettleRefusal::CouponVoid => {
            ApiError::unprocessable("coupon_void", "this coupon's redemption was cancelled; it can no longer be used")
        }
        SettleRefusal::BalanceOverflow => {
            ApiError::unprocessable("points_overflow", "the refund would exceed the points range")
        }
    })
}
