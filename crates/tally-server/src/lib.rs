//! Tally's HTTP API.
//!
//! Data flows one way: HTTP → handler (`routes`) → domain operation
//! (`operations`) → one store transaction → response, with the idempotency
//! record written by `idempotency` inside that same transaction.

pub mod app;
pub mod auth;
pub mod console;
pub mod counters;
pub mod demo;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod openapi;
pub mod operations;
pub mod prefer;
pub mod ratelimit;
pub mod replay_cache;
pub mod routes;
pub mod shutdown;
pub mod sweeper;
pub mod telemetry;
pub mod webhooks;

pub use app::{AppState, Application, Database, NodeSettings, Settings};
