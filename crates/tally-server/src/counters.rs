//! Folds the overview's counted changes into its counters (`GET /api/v1/stats`),
//! for the stores that count by appending changes rather than by updating a
//! counter row in every write (PostgreSQL; see its `0006_program_stats.sql`).
//! A store that keeps its counters in place (SQLite) has nothing to fold.

use std::sync::Arc;
use std::time::Duration;

use tally_store::Store;

const BATCH: u32 = 5_000;
/// A read of the overview adds the changes not folded yet: at most this long's worth.
pub const EVERY: Duration = Duration::from_secs(5);

pub fn spawn(store: Arc<dyn Store>) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            fold_all(store.as_ref()).await;
        }
    });
}

/// Folds until a batch comes back short. An error is logged and left for the
/// next tick: reads add the unfolded changes, so a late fold is only slower.
pub async fn fold_all(store: &dyn Store) -> u64 {
    let mut total = 0;
    loop {
        match store.fold_counters(BATCH).await {
            Ok(n) => {
                total += n;
                if n < u64::from(BATCH) {
                    break;
                }
            }
            Err(err) => {
                tracing::warn!(%err, "folding the overview's counters failed; will retry");
                break;
            }
        }
    }
    total
}
