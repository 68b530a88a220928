//! Tally's Rust SDK: typed calls for every route, a retry policy, and a local
//! journal of intents, so that every write happens exactly once across
//! retries, crashes and restarts — without retry code in the application.
//!
//! ```no_run
//! use tally_client::{Client, NewRedemption};
//!
//! # async fn run() -> Result<(), tally_client::Error> {
//! let client = Client::builder("http://127.0.0.1:8080", std::env::var("TALLY_TOKEN").unwrap_or_default())
//!     .journal("tally-journal.db") // every write is on disk, with its key, before it is sent
//!     .build()
//!     .await?;
//!
//! // Finish whatever a previous run left without a final answer (same keys: no doubles).
//! client.resume().await?;
//!
//! match client.redeem(&NewRedemption::new("cus_…", "rwd_…")).await {
//!     Ok(done) => println!("redeemed {} (replayed: {})", done.value.id, done.replayed),
//!     Err(e) if e.code() == Some("insufficient_points") => println!("not enough points"),
//!     Err(e) if e.is_pending() => println!("no answer yet; resume() will finish it: {e}"),
//!     Err(e) => return Err(e),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! How a write is sent (see `docs/idempotency.md`, "The client side"):
//! - it gets one key (UUID v4) for all its attempts, recorded with the request
//!   in the journal before the first send;
//! - connection errors, timeouts, 5xx, 429 and 409 `idempotency_key_in_use` are
//!   retried with that key, backing off 1 s, 2 s, 4 s, 8 s (±20 %), at least as
//!   long as `Retry-After` asks; 422 and every other 4xx are final answers;
//! - a final answer marks the intent done; after the last retry it stays
//!   pending, and [`Client::resume`] sends it again with the same key.
//!
//! A receiver of Tally's webhooks checks each delivery with [`webhooks::verify`].

mod api;
mod client;
mod error;
pub mod journal;
pub mod retry;
mod types;
pub mod webhooks;

pub use api::ops;
pub use client::{Client, ClientBuilder, ResumeOutcome, ResumeReport, Resumed, WriteRequest, survives_retention};
pub use error::{Error, Failure, Problem, Result};
pub use journal::{Intent, IntentState, Journal};
pub use retry::{RetryPolicy, Verdict};
pub use types::*;

/// The resources, as `tally-core` defines them for the server.
pub use tally_core::model;
