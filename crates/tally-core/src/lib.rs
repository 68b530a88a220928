//! Tally's domain: the types and rules every other crate agrees on.
//!
//! Nothing in here performs I/O, so every rule can be unit-tested on its own.

pub mod contact;
pub mod fingerprint;
pub mod idempotency_key;
pub mod ids;
pub mod model;
pub mod points;
pub mod webhook_signature;

pub use idempotency_key::IdempotencyKey;
