//! The tier review: a customer's tier evaluated against their qualifying
//! points, upgraded in a purchase's transaction, downgraded by the job.

use tally_core::model::{TierChange, TierChangeReason};

use crate::{NewTierChange, StoreTx, TierUpdate};
use crate::{StoreError, StoreResult};

/// Why a customer's tier is evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TierReview {
    /// After a purchase (or a qualifying adjustment) in its transaction: the
    /// tier may only go up.
    Upgrade { transaction_id: Option<String> },
    /// The periodic review: the tier may only go down, once per review
    /// interval (a customer another node reviewed a moment ago is skipped).
    Downgrade,
}

/// Evaluates a customer's tier: counts the qualifying points in the
/// program's period (by the database clock), moves the tier if `review`
/// allows that direction, and keeps the count. The customer's row is locked
/// first, so two evaluations of one customer run one after the other and
/// the second sees what the first did. Returns the change, if one was made.
pub async fn review_tier<T: StoreTx + ?Sized>(
    tx: &mut T,
    program_id: &str,
    customer_id: &str,
    review: &TierReview,
) -> StoreResult<Option<TierChange>> {
    if !tx.lock_customer(program_id, customer_id).await? {
        return Ok(None);
    }
    let Some(state) = tx.tier_state(program_id, customer_id).await? else {
        return Ok(None);
    };
    if *review == TierReview::Downgrade && state.reviewed_recently {
        return Ok(None);
    }
    let program = tx.program(program_id).await?.ok_or_else(|| StoreError::Other(format!("no program {program_id}")))?;
    let settings = &program.settings;
    let qualifying = tx.qualifying_points(program_id, customer_id, settings.tier_period).await?;
    // A tier the program no longer has ranks below every tier it has.
    let rank = |name: Option<&str>| name.and_then(|n| settings.tier_named(n)).map(|(rank, _)| rank);
    let held = rank(state.tier.as_deref());
    let reached = settings.tier_reached(qualifying);
    let deserved = reached.map(|(rank, _)| rank);
    let vanished = state.tier.is_some() && held.is_none();
    let change = match review {
        TierReview::Upgrade { transaction_id } if deserved > held => {
            Some((TierChangeReason::Upgrade, transaction_id.clone()))
        }
        // A tier the program no longer has is replaced by the one deserved.
        TierReview::Downgrade if deserved < held || vanished => Some((TierChangeReason::Downgrade, None)),
        _ => None,
    };
    // Only the review marks the customer reviewed: purchases must not
    // postpone the review of a customer who buys every day.
    let reviewed = *review == TierReview::Downgrade;
    let Some((reason, transaction_id)) = change else {
        let kept = TierUpdate { tier: state.tier.as_deref(), qualifying_points: qualifying, changed: false, reviewed };
        tx.set_tier(program_id, customer_id, &kept).await?;
        return Ok(None);
    };
    let to_tier = reached.map(|(_, tier)| tier.name.clone());
    let moved = TierUpdate { tier: to_tier.as_deref(), qualifying_points: qualifying, changed: true, reviewed };
    tx.set_tier(program_id, customer_id, &moved).await?;
    let change = NewTierChange {
        customer_id: customer_id.to_owned(),
        from_tier: state.tier,
        to_tier,
        reason,
        qualifying_points: qualifying,
        transaction_id,
    };
    Ok(Some(tx.insert_tier_change(program_id, &change).await?))
}
