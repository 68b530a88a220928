//! The background jobs, each item exactly once: expiry (a lot past its date
//! leaves the balance), release (a purchase's pending points become
//! available when the holding period ends) and the tier review (a customer
//! whose qualifying points left the period goes down a tier).
//!
//! All are the same loop: read what is due, then one transaction per item
//! that locks its customer and lets a conditional update (or the review's
//! date) decide, so exactly one node takes it, with its event in the same
//! transaction. Several nodes may run them at once, and a run that dies
//! half-way leaves the rest for the next.

use std::sync::Arc;
use std::time::Duration;

use tally_core::events::EventType;
use tally_store::events::NewEvent;
use tally_store::{Store, StoreResult, StoreTx, TierReview};

use crate::webhooks;

const BATCH: u32 = 500;

/// One of the jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Expiry,
    Release,
    TierReview,
}

/// A due item: its program, customer and lot (none for a tier review).
struct Due {
    program_id: String,
    customer_id: String,
    lot_id: String,
}

impl Job {
    fn name(self) -> &'static str {
        match self {
            Job::Expiry => "points expiry",
            Job::Release => "pending points release",
            Job::TierReview => "tier review",
        }
    }

    async fn due(self, store: &dyn Store) -> StoreResult<Vec<Due>> {
        Ok(match self {
            Job::Expiry => store
                .due_lots(BATCH)
                .await?
                .into_iter()
                .map(|(program_id, lot)| Due { program_id, customer_id: lot.customer_id, lot_id: lot.id })
                .collect(),
            Job::Release => store
                .due_releases(BATCH)
                .await?
                .into_iter()
                .map(|(program_id, lot)| Due { program_id, customer_id: lot.customer_id, lot_id: lot.id })
                .collect(),
            Job::TierReview => store
                .due_tier_reviews(BATCH)
                .await?
                .into_iter()
                .map(|(program_id, customer_id)| Due { program_id, customer_id, lot_id: String::new() })
                .collect(),
        })
    }

    /// One call of the store (`tally_store::writes::expire` / `release` /
    /// `review_tier`) and the event of what it did; `None`: another node
    /// took the item first, or (a review) there was nothing to change.
    async fn apply(self, tx: &mut dyn StoreTx, due: &Due) -> StoreResult<Option<NewEvent>> {
        let (p, c) = (due.program_id.as_str(), due.customer_id.as_str());
        let event = match self {
            Job::Expiry => tx.expire(p, c, &due.lot_id).await?.map(|e| event(EventType::PointsExpired, c, &e)),
            Job::Release => tx.release(p, c, &due.lot_id).await?.map(|e| event(EventType::PointsReleased, c, &e)),
            Job::TierReview => {
                let change = tx.review_tier(p, c, &TierReview::Downgrade).await?;
                change.map(|change| event(EventType::TierChanged, c, &change))
            }
        };
        event.transpose()
    }

    /// Takes every due lot, one transaction per lot, and returns how many
    /// this call took.
    pub async fn run_once(self, store: &dyn Store) -> StoreResult<u64> {
        let mut taken = 0;
        loop {
            let due = self.due(store).await?;
            let (mut taken_now, mut progressed) = (0, 0);
            for item in &due {
                let mut tx = store.begin(None).await?;
                let Some(event) = self.apply(tx.as_mut(), item).await? else {
                    // A review that changed nothing still keeps its count and date.
                    match self {
                        Job::TierReview => {
                            tx.commit().await?;
                            progressed += 1;
                        }
                        _ => tx.rollback().await?,
                    }
                    continue;
                };
                // The event commits with the change, or neither happens.
                tx.emit(&item.program_id, event).await?;
                tx.commit().await?;
                taken_now += 1;
                progressed += 1;
            }
            taken += taken_now;
            // A short batch is the last; a batch wholly taken by other nodes
            // (or, for reviews, that changed nobody) also ends this run, so
            // an item stuck in some error cannot spin us forever.
            if due.len() < BATCH as usize || progressed == 0 {
                return Ok(taken);
            }
        }
    }

    pub fn spawn(self, store: Arc<dyn Store>, interval: Duration) {
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                match self.run_once(store.as_ref()).await {
                    Ok(0) => {}
                    Ok(items) => tracing::info!(items, job = self.name(), "job changed items"),
                    Err(err) => tracing::warn!(%err, job = self.name(), "lot job failed; will retry"),
                }
            }
        });
    }
}

/// Points expiry: lots past their date leave the balance.
pub mod expiry {
    use super::*;

    /// Expires every due lot; how many this call expired.
    pub async fn run_once(store: &dyn Store) -> StoreResult<u64> {
        Job::Expiry.run_once(store).await
    }
}

/// Pending points: a purchase's points become available when its holding
/// period (`points_pending_days`) ends.
pub mod release {
    use super::*;

    /// Releases every due pending lot; how many this call released.
    pub async fn run_once(store: &dyn Store) -> StoreResult<u64> {
        Job::Release.run_once(store).await
    }
}

/// Tier downgrades: once a day a customer's qualifying points are counted
/// again, and a customer below their tier's threshold moves to the tier
/// they reach (one change per review).
pub mod tier_review {
    use super::*;

    /// Reviews every due customer; how many changed tier.
    pub async fn run_once(store: &dyn Store) -> StoreResult<u64> {
        Job::TierReview.run_once(store).await
    }
}

/// An event of a job's change (a job's effect has no idempotency key).
fn event<T: serde::Serialize>(event_type: EventType, customer_id: &str, resource: &T) -> StoreResult<NewEvent> {
    webhooks::event_of(event_type, Some(customer_id), None, resource)
        .map_err(|_| tally_store::StoreError::Other(format!("a {} event failed to serialise", event_type.as_str())))
}
