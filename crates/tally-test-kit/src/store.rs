//! A database of one's own for each test, and the concrete store over it.

use std::sync::Arc;

use tally_store::Store;
use tally_store::conformance::Harness;
use tally_store_postgres::PgStore;
use tally_store_sqlite::SqliteStore;

use crate::Backend;

/// A database no other test uses: a SQLite file in a temporary directory, or a
/// scratch PostgreSQL database (see `tally_store_postgres::scratch`). The
/// directory exists for both backends, for whatever else the test keeps
/// (journals, CSV files), and is removed when this is dropped.
pub struct TestDatabase {
    pub backend: Backend,
    /// What `tally --database-url` takes: the SQLite file's path, or a `postgres://` URL.
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl TestDatabase {
    pub async fn new(backend: Backend) -> TestDatabase {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = match backend {
            Backend::Sqlite => dir.path().join("tally.db").to_str().expect("a UTF-8 temp path").to_owned(),
            Backend::Postgres => scratch_postgres_url().await,
        };
        TestDatabase { backend, url, dir }
    }

    /// Opens (and migrates) the store; PostgreSQL with `pg_max_connections`.
    pub async fn open(&self, pg_max_connections: u32) -> TestStore {
        match self.backend {
            Backend::Sqlite => TestStore::Sqlite(SqliteStore::open(&self.url).await.expect("open sqlite")),
            Backend::Postgres => {
                TestStore::Postgres(PgStore::connect(&self.url, pg_max_connections).await.expect("connect postgres"))
            }
        }
    }
}

/// A fresh, empty PostgreSQL database on the test server, and its URL.
pub async fn scratch_postgres_url() -> String {
    tally_store_postgres::scratch::scratch_database_url().await
}

/// The concrete store behind a test's `Arc<dyn Store>`, for what only tests
/// may do: move the database's clock, run a statement, cut the connections.
#[derive(Clone)]
pub enum TestStore {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl TestStore {
    /// The same store, as the server and the domain code see it.
    pub fn shared(&self) -> Arc<dyn Store> {
        match self {
            TestStore::Sqlite(s) => Arc::new(s.clone()),
            TestStore::Postgres(s) => Arc::new(s.clone()),
        }
    }

    /// Makes every stored idempotency record expired, by the database's clock.
    pub async fn expire_idempotency_records(&self) {
        match self {
            TestStore::Sqlite(s) => s.expire_idempotency_records().await,
            TestStore::Postgres(s) => s.expire_idempotency_records().await,
        }
    }

    /// Makes every lot with an expiry date due, by the database's clock.
    pub async fn make_lots_due(&self) {
        match self {
            TestStore::Sqlite(s) => s.make_lots_due().await,
            TestStore::Postgres(s) => s.make_lots_due().await,
        }
    }

    /// Ends every holding period not yet released, by the database's clock.
    pub async fn make_holds_due(&self) {
        match self {
            TestStore::Sqlite(s) => s.make_holds_due().await,
            TestStore::Postgres(s) => s.make_holds_due().await,
        }
    }

    /// Makes every customer reviewed once due for the tier review again.
    pub async fn make_tier_reviews_due(&self) {
        match self {
            TestStore::Sqlite(s) => s.make_tier_reviews_due().await,
            TestStore::Postgres(s) => s.make_tier_reviews_due().await,
        }
    }

    /// Moves every ledger entry `days` into the past.
    pub async fn age_ledger(&self, days: i32) {
        match self {
            TestStore::Sqlite(s) => s.age_ledger(days).await,
            TestStore::Postgres(s) => s.age_ledger(days).await,
        }
    }

    /// Runs one statement, written for each backend's dialect; the rows it changed.
    pub async fn execute_on_backend(&self, sqlite: &str, postgres: &str) -> u64 {
        match self {
            TestStore::Sqlite(s) => s.execute_raw(sqlite).await.expect("sqlite statement"),
            TestStore::Postgres(s) => s.execute_raw(postgres).await.expect("postgres statement"),
        }
    }

    /// Closes the store's connections: storage becomes unreachable for whoever uses it.
    pub async fn close(&self) {
        match self {
            TestStore::Sqlite(s) => s.close().await,
            TestStore::Postgres(s) => s.pool().close().await,
        }
    }
}
