//! Deletes expired idempotency records in small batches, so storage stays
//! bounded under constant load without one long delete blocking writers.

use std::sync::Arc;
use std::time::Duration;

use tally_store::Store;

use crate::replay_cache::ReplayCache;

const BATCH: u32 = 500;

pub fn spawn(store: Arc<dyn Store>, replays: Arc<ReplayCache>, interval: Duration) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if sweep_all(store.as_ref()).await > 0 {
                // What the database no longer holds, this node no longer
                // replays from memory either (the cache could only outlive a
                // record whose expiry was moved by hand, but a sweep is the
                // moment to be sure).
                replays.forget_all();
            }
        }
    });
}

/// Sweeps until a batch comes back short. Errors are logged and left for the
/// next tick: expiry is judged at read time, so a late sweep is only late.
pub async fn sweep_all(store: &dyn Store) -> u64 {
    let mut total = 0;
    loop {
        match store.sweep_expired_keys(BATCH).await {
            Ok(n) => {
                total += n;
                if n < u64::from(BATCH) {
                    break;
                }
            }
            Err(err) => {
                tracing::warn!(%err, "idempotency sweep failed; will retry");
                break;
            }
        }
    }
    if total > 0 {
        crate::telemetry::records_swept(total);
        tracing::info!(swept = total, "expired idempotency records deleted");
    }
    total
}
