//! Black-box HTTP tests: a real server on port 0 over a real database, run
//! once on SQLite and once on PostgreSQL (`backend_tests!`).

mod helpers;

mod concurrency;
mod customers;
mod documented_limits;
mod errors;
mod events;
mod exactly_once;
mod exports;
mod idempotency;
mod observability;
mod openapi;
mod purchases;
mod ratelimit;
mod redemptions;
mod rewards;
mod waiting;

mod adjustments;
mod console;
mod coupons;
mod expiry;
mod lifecycle;
mod pending;
mod tiers;
mod voids;
mod webhooks;
