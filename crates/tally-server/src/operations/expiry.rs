//! Points expiry: lots past their date leave the balance, each exactly once.

use std::sync::Arc;
use std::time::Duration;

use tally_core::events::EventType;
use tally_store::{Store, StoreError, StoreResult};

use crate::webhooks;

const BATCH: u32 = 500;

/// Expires every due lot, one transaction per lot, and returns how many lots
/// this call expired. Several nodes may run it at once: each lot's conditional
/// update lets exactly one of them take it, and a run that dies half-way
/// leaves the rest for the next.
pub async fn run_once(store: &dyn Store) -> StoreResult<u64> {
    let mut expired = 0;
    loop {
        let due = store.due_lots(BATCH).await?;
        let mut taken_now = 0;
        for (program_id, lot) in &due {
            let mut tx = store.begin(None).await?;
            // One call (`tally_store::writes::expire`); `None`: another node expired it first.
            let Some(entry) = tx.expire(program_id, &lot.customer_id, &lot.id).await? else {
                tx.rollback().await?;
                continue;
            };
            // The event commits with the expiry, or neither happens.
            let event = webhooks::event_of(EventType::PointsExpired, Some(&entry.customer_id), None, &entry)
                .map_err(|_| StoreError::Other("an expiry's event failed to serialise".to_owned()))?;
            tx.emit(program_id, event).await?;
            tx.commit().await?;
            taken_now += 1;
        }
        expired += taken_now;
        // A short batch is the last; a batch wholly taken by other nodes also
        // ends this run, so a lot stuck in some error cannot spin us forever.
        if due.len() < BATCH as usize || taken_now == 0 {
            return Ok(expired);
        }
    }
}

pub fn spawn(store: Arc<dyn Store>, interval: Duration) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match run_once(store.as_ref()).await {
                Ok(0) => {}
                Ok(lots) => tracing::info!(lots, "expired point lots"),
                Err(err) => tracing::warn!(%err, "points expiry failed; will retry"),
            }
        }
    });
}
