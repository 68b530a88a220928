//! The shared storage conformance suite, on a fresh SQLite file per case.

use tally_store_sqlite::SqliteStore;

tally_store::conformance_suite!(fresh_store);

/// A new database in its own directory under the target's scratch space.
///
/// The directory is kept rather than deleted on drop: the store's pools open
/// connections (and SQLite its `-wal`/`-shm` files) for as long as the case
/// runs, which the suite, not this function, decides. Living under
/// `CARGO_TARGET_TMPDIR`, leftovers go with `cargo clean` instead of piling up in `/tmp`.
async fn fresh_store() -> SqliteStore {
    let dir = tempfile::Builder::new()
        .prefix("conformance-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("create a scratch directory")
        .keep();
    SqliteStore::open(dir.join("tally.db")).await.expect("open a fresh SQLite store")
}
