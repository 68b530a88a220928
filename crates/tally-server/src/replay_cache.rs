//! Stored responses this node has read lately, kept in memory so that a burst
//! of retries of one key (a client's retry loop, a load balancer replaying
//! into every node) is answered without a database round trip.
//!
//! Safe because a stored response never changes while it is unexpired: it is
//! written once, with its effect, and only replaced after it expires. An entry
//! is trusted for at most [`CACHE_TTL`], and never closer than [`SKEW_MARGIN`]
//! to the record's expiry as this node's clock sees it, so a node whose clock
//! runs behind the database's by less than that margin never replays a
//! response the database already considers expired.
//!
//! The one thing it cannot see is a record expired by hand in the database
//! (tests do that to move time): such a change reaches the node within
//! [`CACHE_TTL`], or at once with [`ReplayCache::forget_all`].
//!
//! Each node's `AppState` owns one, so servers sharing a process (tests)
//! share nothing through it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tally_core::model::IdempotencyRecord;

pub const CACHE_TTL: Duration = Duration::from_secs(30);
pub const SKEW_MARGIN: Duration = Duration::from_secs(60);
/// Beyond this many records the cache starts over rather than growing: at a
/// few hundred bytes each, a few MiB at most.
const MAX_ENTRIES: usize = 4096;

struct Entry {
    record: Arc<IdempotencyRecord>,
    valid_until: Instant,
}

#[derive(Default)]
struct Cache {
    /// program id → key → record; nested so a lookup borrows instead of allocating.
    programs: HashMap<String, HashMap<String, Entry>>,
    len: usize,
}

/// The stored responses one node read lately.
#[derive(Default)]
pub struct ReplayCache {
    cache: Mutex<Cache>,
}

impl ReplayCache {
    fn cache(&self) -> MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The stored response of a key, if this node read it recently and it is still valid.
    pub fn get(&self, program_id: &str, key: &str) -> Option<Arc<IdempotencyRecord>> {
        let cache = self.cache();
        let entry = cache.programs.get(program_id)?.get(key)?;
        (Instant::now() < entry.valid_until).then(|| entry.record.clone())
    }

    /// Keeps a record just read from the database (unless it expires too soon).
    pub fn remember(&self, program_id: &str, record: IdempotencyRecord) -> Arc<IdempotencyRecord> {
        let record = Arc::new(record);
        let left = (record.expires_at - chrono::Utc::now()).to_std().unwrap_or_default();
        let Some(trusted) = left.checked_sub(SKEW_MARGIN) else {
            return record;
        };
        let valid_until = Instant::now() + trusted.min(CACHE_TTL);
        let mut cache = self.cache();
        if cache.len >= MAX_ENTRIES {
            *cache = Cache::default();
        }
        let entry = Entry { record: record.clone(), valid_until };
        let previous = cache.programs.entry(program_id.to_owned()).or_default().insert(record.key.clone(), entry);
        if previous.is_none() {
            cache.len += 1;
        }
        record
    }

    /// Forgets every cached response: after a sweep, or for whoever moves the database's clock by hand.
    pub fn forget_all(&self) {
        *self.cache() = Cache::default();
    }
}
