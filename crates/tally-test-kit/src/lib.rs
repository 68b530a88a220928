//! What Tally's test suites share, in one dev-only crate.
//!
//! - [`Backend`] and [`backend_tests!`]: one test per backend for each case;
//! - [`app::spawn_app`]: a node inside the test process over a fresh database,
//!   with a program and its token;
//! - [`free_port`] and [`wait_until_ready`]: for servers started as processes;
//! - [`ProcessGuard`]: a child process killed when the test ends, pass or panic;
//! - [`ServeProcess`]: a `tally serve` process with its logs in a file;
//! - [`TestDatabase`], [`scratch_postgres_url`]: a database of one's own;
//! - [`TestStore`]: the concrete store, for what only tests may do — move the
//!   database's clock through the backends' [`Harness`].
//!
//! - [`receiver::Receiver`]: a real HTTP receiver of webhooks that records what it gets.
//! - [`seed`]: large data sets written straight with SQL (a million ledger entries).
//!
//! Never a normal dependency of a crate that ships: nothing here belongs in
//! such a build (the chaos harness, a binary that never ships, uses its
//! readiness wait).

pub mod app;
mod process;
pub mod receiver;
pub mod seed;
mod store;

pub use process::{ProcessGuard, ServeProcess, free_port, wait_until_ready};
pub use store::{TestDatabase, TestStore, scratch_postgres_url};
pub use tally_store::conformance::Harness;

/// The two storage backends every suite runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates, for each listed `async fn(Backend)`, one test on SQLite (in a
/// module `sqlite`) and one on PostgreSQL (in `postgres`): the same suite for
/// both backends. `worker_threads = N;` first sets the runtime's threads
/// (default 4).
#[macro_export]
macro_rules! backend_tests {
    (worker_threads = $threads:literal; $($case:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
                async fn $case() {
                    super::$case($crate::Backend::Sqlite).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
                async fn $case() {
                    super::$case($crate::Backend::Postgres).await
                }
            )+
        }
    };
    ($($case:ident),+ $(,)?) => {
        $crate::backend_tests!(worker_threads = 4; $($case),+);
    };
}
