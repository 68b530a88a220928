//! Throwaway databases for tests, here and in other crates' suites.
//!
//! Each call creates a fresh database on the server named by `TALLY_TEST_PG_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`), so tests can run in
//! parallel processes and never see one another's rows or migrations.
//!
//! The databases are not dropped: a test that panics would skip the drop
//! anyway, and a left-behind database is what one wants to inspect after a
//! failure. They are all named `tally_test_<hex>`; clear them out with e.g.
//! `psql -Atc "SELECT 'DROP DATABASE ' || datname || ';' FROM pg_database
//! WHERE datname LIKE 'tally\_test\_%'" | psql`.

use std::time::Duration;

use sqlx::Executor;
use sqlx::postgres::PgPoolOptions;

pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Creates an empty database and returns its URL (migrations run on
/// [`crate::PgStore::connect`]).
///
/// # Panics
///
/// When PostgreSQL cannot be reached or refuses: a PostgreSQL suite that
/// quietly skipped would report green while testing nothing.
pub async fn scratch_database_url() -> String {
    let base = std::env::var("TALLY_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    let name = format!("tally_test_{:016x}", rand::random::<u64>());
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&base)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "the PostgreSQL tests need a server: could not connect to {} ({e}). \
                 Start PostgreSQL or point TALLY_TEST_PG_URL at one.",
                redacted(&base)
            )
        });
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap_or_else(|e| panic!("could not create the scratch database {name} on {}: {e}", redacted(&base)));
    admin.close().await;
    with_database(&base, &name)
}

/// `base` with its database replaced by `database`, everything else kept.
fn with_database(base: &str, database: &str) -> String {
    let mut url =
        url::Url::parse(base).unwrap_or_else(|e| panic!("TALLY_TEST_PG_URL is not a URL ({e}): {}", redacted(base)));
    url.set_path(database);
    url.into()
}

/// The URL without its password, for panic messages that end up in CI logs.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.into()
        }
        Ok(url) => url.into(),
        Err(_) => "<unparseable URL>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_only_the_database() {
        assert_eq!(with_database(DEFAULT_URL, "tally_test_ab"), "postgres://postgres@127.0.0.1:5432/tally_test_ab");
        assert_eq!(
            with_database("postgres://u:p@db:5433/app?sslmode=disable", "x"),
            "postgres://u:p@db:5433/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@db", "x"), "postgres://u@db/x");
    }

    #[test]
    fn hides_passwords() {
        assert_eq!(redacted("postgres://u:secret@db/app"), "postgres://u:***@db/app");
        assert_eq!(redacted(DEFAULT_URL), DEFAULT_URL);
    }
}
