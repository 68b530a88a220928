//! The shared storage conformance suite, on a fresh PostgreSQL database per case.

use tally_store_postgres::PgStore;
use tally_store_postgres::scratch::scratch_database_url;

tally_store::conformance_suite!(fresh_store);

/// A migrated store on a database of its own (left behind; see `scratch`).
async fn fresh_store() -> PgStore {
    PgStore::connect(&scratch_database_url().await, 10).await.expect("connect to a fresh PostgreSQL database")
}
