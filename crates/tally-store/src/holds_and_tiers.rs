//! The primitives of pending points and tiers, inside a write transaction: a
//! part of [`crate::StoreTx`] of their own, as [`crate::OutboxTx`] is, so each
//! backend keeps them in a file of their own. The rules that compose them are
//! in [`crate::writes`].

use async_trait::async_trait;
use tally_core::model::{TierChange, TierPeriod};

use crate::{Hold, NewTierChange, StoreResult, TierState, TierUpdate};

#[async_trait]
pub trait HoldsAndTiersTx: Send {
    // --- pending points (a holding period) ---
    /// Adds `hold.points` to the customer's pending points, held for the purchase
    /// until the program's `points_pending_days` have passed (a pending lot);
    /// returns the available balance (unchanged), or `None` when the pending
    /// total would overflow.
    async fn hold(&mut self, program_id: &str, hold: &Hold<'_>) -> StoreResult<Option<i64>>;
    /// Takes up to `points` back from the purchase's pending lot (a void in
    /// the holding period); returns how many it took (0 once released). Lock
    /// the customer first.
    async fn take_held(&mut self, program_id: &str, transaction_id: &str, points: i64) -> StoreResult<i64>;
    /// Ends a due pending lot: its remaining points leave the pending total.
    /// Returns its purchase and those points for the caller to credit, or
    /// `None` if it was released already, is not due or holds nothing. Lock
    /// the customer first.
    async fn release_lot(&mut self, program_id: &str, lot_id: &str) -> StoreResult<Option<(String, i64)>>;

    // --- tiers ---
    /// The customer's tier as kept; `None`: no such customer.
    async fn tier_state(&mut self, program_id: &str, customer_id: &str) -> StoreResult<Option<TierState>>;
    /// The customer's qualifying points in `period`, by the database clock.
    async fn qualifying_points(&mut self, program_id: &str, customer_id: &str, period: TierPeriod) -> StoreResult<i64>;
    /// Keeps the tier and the count just evaluated.
    async fn set_tier(&mut self, program_id: &str, customer_id: &str, update: &TierUpdate<'_>) -> StoreResult<()>;
    async fn insert_tier_change(&mut self, program_id: &str, change: &NewTierChange) -> StoreResult<TierChange>;
}
