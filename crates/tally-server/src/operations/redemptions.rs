use tally_core::ids::IdKind;
use tally_core::model::{CouponStatus, LedgerOperation, Redemption, RedemptionStatus, RewardKind};
use tally_core::points::total_cost;
use tally_store::{KeyedResource, NewCoupon, NewLedgerEntry, NewRedemption, ResourceKey, StoreTx};

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

/// Spends a customer's points on a reward: stock first, then points, each a
/// conditional update that refuses to go below zero; then the redemption row and
/// its ledger entry. Stock before points keeps the lock order the same in every
/// transaction (reward row, then customer row), so two redemptions never deadlock.
///
/// Round trips are the cost of a redemption, so the success path makes only the
/// ones it needs: an unlimited reward's stock is not touched (an update that
/// changes nothing would still lock the reward's row, making every redemption
/// of a popular reward wait for the one before it), and the customer's
/// existence is proven by the debit itself. A refusal looks the customer up
/// before answering, so a missing customer is still reported first.
pub async fn redeem(
    tx: &mut dyn StoreTx,
    program_id: &str,
    request: RedeemRequest,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<Redemption>> {
    if let Some(key) = &key
        && let Some(found) = tx.redemption_by_key(program_id, &key.key).await?
    {
        return Ok(Outcome::Replayed(found));
    }
    // Ids are checked for shape before they reach a query: a malformed one is
    // as unknown as a missing one, and PostgreSQL refuses some strings (a NUL)
    // outright, which would otherwise be a 500.
    let reward = match IdKind::Reward.matches(&request.reward_id) {
        true => tx.reward(program_id, &request.reward_id).await?,
        false => None,
    }
    .ok_or_else(|| ApiError::not_found("reward_not_found", "reward"))?;
    if !reward.active {
        return Err(ApiError::unprocessable("reward_inactive", "this reward is not available for redemption"));
    }
    let customer_id = request.customer_id.as_str();
    if !IdKind::Customer.matches(customer_id) {
        return Err(ApiError::not_found("customer_not_found", "customer"));
    }
    let cost = match total_cost(reward.cost_points, request.quantity) {
        Ok(cost) => cost,
        Err(e) => {
            let overflow = ApiError::unprocessable("points_overflow", e.to_string());
            return Err(refuse(tx, program_id, customer_id, overflow).await);
        }
    };
    if let Some(expected) = request.expected_points
        && expected != cost
    {
        let mismatch = ApiError::unprocessable(
            "points_amount_mismatch",
            format!("points_amount is {expected} but the reward costs {cost}; nothing was charged"),
        );
        return Err(refuse(tx, program_id, customer_id, mismatch).await);
    }
    // Stock can only change from unlimited to finite (or back) by a reward
    // update, which sets it outright: a redemption that read "unlimited" is
    // ordered before such an update, and needs no write here.
    if reward.stock.is_some() && !tx.take_stock(program_id, &reward.id, request.quantity).await? {
        let refusal = ApiError::unprocessable("out_of_stock", "the reward does not have enough stock left");
        return Err(refuse(tx, program_id, customer_id, refusal).await);
    }
    let Some(balance_after) = tx.debit(program_id, customer_id, cost).await? else {
        let refusal =
            ApiError::unprocessable("insufficient_points", format!("the customer has fewer than {cost} points"));
        return Err(refuse(tx, program_id, customer_id, refusal).await);
    };
    let coupon_code = (reward.kind == RewardKind::Voucher).then(super::coupons::new_code);
    let redemption = tx
        .insert_redemption(
            program_id,
            &NewRedemption {
                customer_id: request.customer_id.clone(),
                reward_id: reward.id.clone(),
                quantity: request.quantity,
                points_spent: cost,
                coupon_code: coupon_code.clone(),
                idempotency: key,
            },
        )
        .await?;
    if let Some(code) = coupon_code {
        let coupon = NewCoupon {
            code,
            redemption_id: redemption.id.clone(),
            customer_id: redemption.customer_id.clone(),
            reward_id: reward.id.clone(),
        };
        tx.insert_coupon(program_id, &coupon).await?;
    }
    tx.insert_ledger_entry(
        program_id,
        &NewLedgerEntry {
            redemption_id: Some(redemption.id.clone()),
            ..NewLedgerEntry::new(&request.customer_id, -cost, balance_after, LedgerOperation::Redeem)
        },
    )
    .await?;
    Ok(Outcome::Created(redemption))
}

/// The answer to a refused redemption: `customer_not_found` if there is no
/// such customer, whatever else was wrong, else `refusal`.
async fn refuse(tx: &mut dyn StoreTx, program_id: &str, customer_id: &str, refusal: ApiError) -> ApiError {
    match tx.customer(program_id, customer_id).await {
        Ok(Some(_)) => refusal,
        Ok(None) => ApiError::not_found("customer_not_found", "customer"),
        Err(e) => e.into(),
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
