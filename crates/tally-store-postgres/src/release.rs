//! Rollbacks of dropped keyed transactions that are still on their way to the server.
//!
//! A transaction dropped without commit (a refused request, an error, a
//! cancelled handler) can only queue its ROLLBACK: there is no async drop. Until
//! a task sends it, the session still holds the key's advisory lock, and a
//! retry arriving in that moment would be refused as a duplicate of a request
//! that no longer runs. So each node remembers which of its locks are being
//! released, and a `begin` that finds one of them taken waits for the rollback
//! instead of answering `KeyInUse`. Another node's dropped transaction is not
//! covered, but a retry through another node cannot arrive before the
//! response of the first attempt, which is written after the drop.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{Mutex as Gate, OwnedMutexGuard};

#[derive(Default)]
pub(crate) struct Releases {
    /// Each gate is held by the task rolling back that lock's transaction.
    gates: Mutex<HashMap<i64, Arc<Gate<()>>>>,
}

impl Releases {
    /// Marks `lock_id` as being released until the returned guard drops.
    pub(crate) fn start(self: &Arc<Self>, lock_id: i64) -> ReleaseGuard {
        let gate = Arc::new(Gate::new(()));
        let held = gate.clone().try_lock_owned().expect("a new gate is free");
        self.map().insert(lock_id, gate.clone());
        ReleaseGuard { releases: self.clone(), lock_id, gate, _held: held }
    }

    /// Waits for a release of `lock_id` in progress on this node; `false` when there is none.
    pub(crate) async fn wait(&self, lock_id: i64) -> bool {
        let gate = self.map().get(&lock_id).cloned();
        match gate {
            Some(gate) => {
                let _ = gate.lock().await;
                true
            }
            None => false,
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<Gate<()>>>> {
        self.gates.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub(crate) struct ReleaseGuard {
    releases: Arc<Releases>,
    lock_id: i64,
    gate: Arc<Gate<()>>,
    /// Dropped after the map entry is gone (fields drop after `Drop::drop`),
    /// so whoever found the gate wakes to a released lock.
    _held: OwnedMutexGuard<()>,
}

impl Drop for ReleaseGuard {
    fn drop(&mut self) {
        let mut map = self.releases.map();
        // A later transaction may have taken the lock, been dropped and
        // registered its own gate since; that one is not ours to remove.
        if map.get(&self.lock_id).is_some_and(|gate| Arc::ptr_eq(gate, &self.gate)) {
            map.remove(&self.lock_id);
        }
    }
}
