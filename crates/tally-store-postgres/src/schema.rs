//! The schema: the migrations, then the functions.
//!
//! The migrations (`migrations/`) hold the tables, columns, indexes,
//! constraints, and the triggers with their trigger functions. Every other
//! function lives once, in its current form, in `functions/` (see its
//! README.md), and is installed here after the migrations: a change to a write
//! is an edit of its file, not a copy of the whole function into a new
//! migration.
//!
//! Databases made before the functions moved out of the migrations must be
//! recreated: migrations 0002 to 0013 were edited in place (nothing had been
//! released), so their checksums changed and sqlx refuses a database that
//! applied the old ones.

use sha2::{Digest, Sha256};
use sqlx::Executor;
use sqlx::postgres::PgPool;
use tally_store::{StoreError, StoreResult};

use crate::{BEGIN, map_err};

/// Every file of `functions/`, in the order it runs. PL/pgSQL bodies are
/// checked when they run, so they may call functions of later files; a
/// `LANGUAGE sql` body is checked at creation and must follow whatever it names
/// (`tally_fold_counters` names tables only).
const FUNCTIONS: &[(&str, &str)] = &[
    ("claim_key.sql", include_str!("../functions/claim_key.sql")),
    ("debit_credit.sql", include_str!("../functions/debit_credit.sql")),
    ("pending.sql", include_str!("../functions/pending.sql")),
    ("redeem.sql", include_str!("../functions/redeem.sql")),
    ("purchase.sql", include_str!("../functions/purchase.sql")),
    ("adjust.sql", include_str!("../functions/adjust.sql")),
    ("void.sql", include_str!("../functions/void.sql")),
    ("settle.sql", include_str!("../functions/settle.sql")),
    ("expiry.sql", include_str!("../functions/expiry.sql")),
    ("save_record.sql", include_str!("../functions/save_record.sql")),
    ("events.sql", include_str!("../functions/events.sql")),
    ("stats.sql", include_str!("../functions/stats.sql")),
];

/// The advisory lock that installs wait on: "tall", "func" in ASCII. The
/// two-integer form, whose keys PostgreSQL keeps apart from the one-bigint form
/// that idempotency keys and sqlx's migrator use, so it can never be mistaken
/// for either.
const INSTALL_LOCK: (i32, i32) = (0x7461_6c6c, 0x6675_6e63);

/// Runs the migrations, then installs the functions unless the database has
/// this set already.
pub(crate) async fn apply(pool: &PgPool) -> StoreResult<()> {
    // Concurrent nodes starting together is safe: sqlx serialises
    // migrations with an advisory lock of its own.
    sqlx::migrate!("./migrations").run(pool).await.map_err(|e| match e {
        sqlx::migrate::MigrateError::Execute(e) => map_err(e),
        e => StoreError::Other(e.to_string()),
    })?;
    install_functions(pool).await
}

/// Names the set of functions: a digest of the files' text, in their order.
fn digest() -> String {
    let mut hasher = Sha256::new();
    for (_, text) in FUNCTIONS {
        hasher.update(text.as_bytes());
    }
    format!("{:x}", hasher.finalize())
}

/// Replaces the schema's functions with this build's, unless the digest
/// recorded in `tally_function_set` says they are this build's already.
///
/// The digest is why a normal start costs one lock and one read: no DDL, so no
/// lock on the functions (and no catalog churn) at every start of every node.
/// When the set differs, it is dropped and created again rather than replaced
/// (`CREATE OR REPLACE`): a function whose argument list changed would be a new
/// overload beside the stale one, and one whose result type changed cannot be
/// replaced at all. Dropping every non-trigger `tally_*` function leaves
/// exactly what `functions/` defines.
///
/// All of it is one transaction, so no session ever sees the set half made,
/// under an advisory lock: nodes starting together queue, and each after the
/// first finds the digest written and has nothing to do. The digest is read in
/// a statement of its own after the lock is granted (READ COMMITTED takes its
/// snapshot per statement), so it sees the previous holder's commit.
///
/// A node of another build that starts later installs its own set: during a
/// rolling upgrade the functions are those of the node that started last.
/// Weighed and accepted: an older build cannot start on a database that a
/// newer one migrated further (sqlx refuses a database with a migration it
/// does not know), so the two sets it can swap between serve the same schema,
/// as two builds' nodes serving at once do in any rolling upgrade.
async fn install_functions(pool: &PgPool) -> StoreResult<()> {
    let digest = digest();
    let mut tx = pool.begin_with(BEGIN).await.map_err(map_err)?;
    sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind(INSTALL_LOCK.0)
        .bind(INSTALL_LOCK.1)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    let installed: Option<String> =
        sqlx::query_scalar("SELECT digest FROM tally_function_set").fetch_optional(&mut *tx).await.map_err(map_err)?;
    if installed.as_deref() == Some(digest.as_str()) {
        return tx.commit().await.map_err(map_err);
    }

    let stale: Vec<String> = sqlx::query_scalar(
        "SELECT p.oid::regprocedure::text FROM pg_proc p \
         WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) \
           AND p.proname LIKE 'tally\\_%' AND p.prokind = 'f' AND p.prorettype <> 'trigger'::regtype",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(map_err)?;
    tracing::info!(
        installed = installed.as_deref().unwrap_or("none"),
        digest = %digest,
        dropped = stale.len(),
        "installing the schema's functions"
    );
    // `Executor::execute` with a bare string rather than `sqlx::raw_sql`: awaited
    // in these loops, raw_sql's future keeps rustc from proving `PgStore::connect`
    // `Send` ("not general enough"), which it was and must stay for callers that
    // spawn it (tests/functions.rs does).
    for function in &stale {
        // `regprocedure` prints the name with its argument types, quoted (and
        // schema-qualified) wherever needed: a valid DROP target as it is.
        (&mut *tx).execute(format!("DROP FUNCTION {function}").as_str()).await.map_err(map_err)?;
    }
    for &(name, text) in FUNCTIONS {
        // A bare string goes as a simple query: a file may hold several statements.
        (&mut *tx).execute(text).await.map_err(|e| match map_err(e) {
            StoreError::Other(message) => StoreError::Other(format!("functions/{name}: {message}")),
            e => e,
        })?;
    }
    sqlx::query(
        "INSERT INTO tally_function_set (digest) VALUES ($1) \
         ON CONFLICT (only_row) DO UPDATE SET digest = excluded.digest",
    )
    .bind(digest)
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    tx.commit().await.map_err(map_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file added to `functions/` but not to `FUNCTIONS` would never be installed.
    #[test]
    fn every_file_of_functions_is_installed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("functions");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .expect("read functions/")
            .map(|entry| entry.expect("entry").file_name().into_string().expect("utf-8 name"))
            .filter(|name| name.ends_with(".sql"))
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = FUNCTIONS.iter().map(|(name, _)| (*name).to_owned()).collect();
        listed.sort();
        assert_eq!(on_disk, listed);
    }
}
