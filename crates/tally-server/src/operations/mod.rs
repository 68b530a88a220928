//! Domain operations: each composes store primitives inside the caller's
//! transaction, so the effect and its idempotency record commit together.
//! Races are decided by the store's conditional statements, never by a read
//! followed by a write here.

pub mod adjustments;
pub mod coupons;
pub mod customers;
pub mod jobs;
pub mod purchases;
pub mod redemptions;
pub mod tiers;

pub use jobs::{expiry, release, tier_review};

use tally_store::{KeyedResource, StoreResult};

use crate::error::{ApiError, ApiResult};

/// What a write found or did.
pub enum Outcome<T> {
    /// Made now.
    Created(T),
    /// Already existed under a natural key (e-mail, phone, `external_id`).
    Existing(T),
    /// An existing resource, changed now (a void, a fulfilment, a setting).
    Changed(T),
    /// Already made by this idempotency key, whose stored response expired.
    Replayed(KeyedResource<T>),
}

impl<T> Outcome<T> {
    /// A change the store made in one statement (`Some`: the resource as it
    /// now is), or the refusal `missing` when there was nothing to change.
    pub fn changed_or(changed: StoreResult<Option<T>>, missing: impl FnOnce() -> ApiError) -> ApiResult<Self> {
        changed?.map(Outcome::Changed).ok_or_else(missing)
    }

    /// Changes the shape of what was found or made (e.g. for the v2 routes).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Outcome<U> {
        match self {
            Outcome::Created(t) => Outcome::Created(f(t)),
            Outcome::Existing(t) => Outcome::Existing(f(t)),
            Outcome::Changed(t) => Outcome::Changed(f(t)),
            Outcome::Replayed(k) => {
                Outcome::Replayed(KeyedResource { resource: f(k.resource), fingerprint: k.fingerprint })
            }
        }
    }
}
