use tally_core::model::{LedgerOperation, Redemption};
use tally_core::points::total_cost;
use tally_store::{NewLedgerEntry, NewRedemption, ResourceKey, StoreTx};

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
    let reward = tx
        .reward(program_id, &request.reward_id)
        .await?
        .ok_or_else(|| ApiError::not_found("reward_not_found", "reward"))?;
    if !reward.active {
        return Err(ApiError::unprocessable("reward_inactive", "this reward is not available for redemption"));
    }
    if tx.customer(program_id, &request.customer_id).await?.is_none() {
        return Err(ApiError::not_found("customer_not_found", "customer"));
    }
    let cost = total_cost(reward.cost_points, request.quantity)
        .map_err(|e| ApiError::unprocessable("points_overflow", e.to_string()))?;
    if let Some(expected) = request.expected_points
        && expected != cost
    {
        return Err(ApiError::unprocessable(
            "points_amount_mismatch",
            format!("points_amount is {expected} but the reward costs {cost}; nothing was charged"),
        ));
    }
    if !tx.take_stock(program_id, &reward.id, request.quantity).await? {
        return Err(ApiError::unprocessable("out_of_stock", "the reward does not have enough stock left"));
    }
    let balance_after = tx.debit(program_id, &request.customer_id, cost).await?.ok_or_else(|| {
        ApiError::unprocessable("insufficient_points", format!("the customer has fewer than {cost} points"))
    })?;
    let redemption = tx
        .insert_redemption(
            program_id,
            &NewRedemption {
                customer_id: request.customer_id.clone(),
                reward_id: reward.id.clone(),
                quantity: request.quantity,
                points_spent: cost,
                idempotency: key,
            },
        )
        .await?;
    tx.insert_ledger_entry(
        program_id,
        &NewLedgerEntry {
            customer_id: request.customer_id,
            points: -cost,
            balance_after,
            operation: LedgerOperation::Redeem,
            transaction_id: None,
            redemption_id: Some(redemption.id.clone()),
        },
    )
    .await?;
    Ok(Outcome::Created(redemption))
}
