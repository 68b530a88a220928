//! Tiers: what a customer's tier looks like against the program's tiers, and
//! the upgrade a purchase (or a qualifying adjustment) may make in its own
//! transaction. Downgrades are the tier review's (`jobs`).

use tally_core::events::EventType;
use tally_core::model::{Balance, Customer, CustomerTier, Program, ProgramSettings, TierChange};
use tally_store::{StoreTx, TierReview};

use crate::error::ApiResult;
use crate::webhooks;

/// The tier as the API shows it: `null` when the program has no tiers, and
/// with the next tier's name and distance otherwise.
pub fn present(settings: &ProgramSettings, tier: Option<CustomerTier>) -> Option<CustomerTier> {
    settings.tier_status(tier?)
}

/// The customer as the API shows it (see [`present`]).
pub fn customer(settings: &ProgramSettings, mut customer: Customer) -> Customer {
    customer.tier = present(settings, customer.tier.take());
    customer
}

/// The balance as the API shows it (see [`present`]).
pub fn balance(settings: &ProgramSettings, mut balance: Balance) -> Balance {
    balance.tier = present(settings, balance.tier.take());
    balance
}

/// Evaluates the customer's tier after points that qualify were earned, in
/// the same transaction: an upgrade commits with the purchase, or neither
/// does, and its `tier.changed` event with it. A program without tiers (as
/// this node last read it, at most seconds old) costs nothing here.
pub async fn after_earning(
    tx: &mut dyn StoreTx,
    program: &Program,
    customer_id: &str,
    transaction_id: Option<&str>,
    idempotency_key: Option<&str>,
) -> ApiResult<Option<TierChange>> {
    if program.settings.tiers.is_empty() {
        return Ok(None);
    }
    let review = TierReview::Upgrade { transaction_id: transaction_id.map(str::to_owned) };
    let Some(change) = tx.review_tier(&program.id, customer_id, &review).await? else {
        return Ok(None);
    };
    let event = webhooks::event_of(EventType::TierChanged, Some(customer_id), idempotency_key, &change)?;
    tx.emit(&program.id, event).await?;
    Ok(Some(change))
}
