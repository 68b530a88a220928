//! The one suite every storage backend must pass.
//!
//! A backend runs it from one integration test file:
//!
//! ```text
//! tally_store::conformance_suite!(fresh_store);
//!
//! async fn fresh_store() -> MyStore { /* a migrated, empty store */ }
//! ```
//!
//! The macro expands to one `#[tokio::test]` per case, so the backend's test
//! crate needs `tokio` (with `macros` and `rt-multi-thread`) as a dev-dependency,
//! and `tally-store` with its `conformance` feature: production builds leave the
//! cases out.
//!
//! Every case makes its own programs with random names and only looks at those,
//! so cases may share one database. The exceptions are [`idempotency_records`]
//! (it counts what the global sweeper deletes and expires every record through
//! [`Harness`]) and [`point_lots`] / [`expiry_race`] (they make every lot due
//! through [`Harness`]): they need a store no other test is using at the same
//! time — which `fresh_store` gives each case anyway.
//!
//! The cases use only the public [`Store`] / [`StoreTx`] methods plus
//! [`Harness`]: they assert what callers rely on, not how a backend does it.

// Only the `Harness` trait is in every build: the backends implement it in
// their library (the API and SDK tests move time with it too). The cases, and
// the `tokio` and `futures` they run on, only come with the `conformance`
// feature, which the backends enable for their tests.
#[cfg(feature = "conformance")]
mod accounts;
#[cfg(feature = "conformance")]
mod broken;
#[cfg(feature = "conformance")]
mod idempotency;
#[cfg(feature = "conformance")]
mod pending;
#[cfg(feature = "conformance")]
mod points;
#[cfg(feature = "conformance")]
mod redemptions;
#[cfg(feature = "conformance")]
mod support;
#[cfg(feature = "conformance")]
mod transactions;
#[cfg(feature = "conformance")]
mod writes;

#[cfg(feature = "conformance")]
pub use accounts::{credit_and_debit, customers, pool_stats, programs_and_tokens, stock};
#[cfg(feature = "conformance")]
pub use broken::broken_invariants;
#[cfg(feature = "conformance")]
pub use idempotency::{exactly_once_race, idempotency_records, key_lock};
#[cfg(feature = "conformance")]
pub use pending::{pending_points, release_race};
#[cfg(feature = "conformance")]
pub use points::{expiry_race, keyed_adjustments, negative_balances, point_lots};
#[cfg(feature = "conformance")]
pub use redemptions::{coupon_race, coupons, redemption_lifecycle, stock_race};
#[cfg(feature = "conformance")]
pub use transactions::{keyed_resources_under_a_claim, pagination, transactions_and_redemptions, verify, voids};
#[cfg(feature = "conformance")]
pub use writes::{receipt_race, whole_adjustments, whole_purchases, whole_redemptions, whole_settles, whole_voids};

use async_trait::async_trait;

use crate::Store;

/// What the suite needs from a backend beyond [`Store`]: ways to move the
/// database's clock forward for one table, because the retention window is at
/// least an hour, lots last days, and a test cannot wait for either.
#[async_trait]
pub trait Harness: Store {
    /// Makes every stored idempotency record expired, as if its retention had passed (by the database clock).
    async fn expire_idempotency_records(&self);
    /// Makes every lot that has an expiry date due, as if that date had passed
    /// (by the database clock). Lots without a date stay as they are.
    async fn make_lots_due(&self);
    /// Ends every holding period that has not been released, as if its days
    /// had passed (by the database clock).
    async fn make_holds_due(&self);
    /// Makes every customer reviewed once due for the tier review again.
    async fn make_tier_reviews_due(&self);
    /// Moves every ledger entry `days` into the past, as if the time had
    /// passed (qualifying points leave the tier period).
    async fn age_ledger(&self, days: i32);
    /// Runs one statement behind the domain's back, to break an invariant on
    /// purpose (the test that every `tally verify` check finds its breakage).
    async fn tamper(&self, sql: &str);
}

/// Generates one test per case for the store made by `$make` (an `async fn`
/// returning a fresh, migrated store that implements [`Harness`]).
#[cfg(feature = "conformance")]
#[macro_export]
macro_rules! conformance_suite {
    ($make:path) => {
        $crate::__conformance_cases!(
            $make;
            programs_and_tokens,
            pool_stats,
            customers,
            credit_and_debit,
            stock,
            idempotency_records,
            key_lock,
            exactly_once_race,
            stock_race,
            transactions_and_redemptions,
            keyed_resources_under_a_claim,
            pagination,
            verify,
            voids,
            point_lots,
            expiry_race,
            negative_balances,
            keyed_adjustments,
            redemption_lifecycle,
            coupons,
            coupon_race,
            whole_redemptions,
            whole_purchases,
            receipt_race,
            whole_adjustments,
            whole_voids,
            whole_settles,
            pending_points,
            release_race,
            broken_invariants,
        );
    };
}

/// The list of cases lives in one place ([`conformance_suite!`]); this macro
/// only turns each name into a test.
#[cfg(feature = "conformance")]
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($make:path; $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let store = ::std::sync::Arc::new($make().await);
                $crate::conformance::within_time_limit(stringify!($case), $crate::conformance::$case(store)).await;
            }
        )+
    };
}

/// A backend bug in this area tends to show as a transaction waiting for
/// itself; failing after a generous limit names the case instead of hanging CI.
#[cfg(feature = "conformance")]
#[doc(hidden)]
pub async fn within_time_limit(case: &str, run: impl std::future::Future<Output = ()>) {
    if tokio::time::timeout(std::time::Duration::from_secs(120), run).await.is_err() {
        panic!("conformance case `{case}` did not finish in 120 s: a transaction is probably waiting for another");
    }
}
