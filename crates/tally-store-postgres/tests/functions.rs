//! The functions of `functions/`, installed at start (src/schema.rs): once
//! each, by whichever of several starting nodes gets there first, and again
//! whenever the database's set is not this build's.

use sqlx::PgPool;
use tally_store_postgres::PgStore;
use tally_store_postgres::scratch::scratch_database_url;

/// Every non-trigger function the store calls.
const FUNCTIONS: &[&str] = &[
    "tally_adjust",
    "tally_claim_key",
    "tally_credit",
    "tally_debit",
    "tally_emit_event",
    "tally_expire_lot",
    "tally_fold_counters",
    "tally_hold",
    "tally_lock_customer",
    "tally_record_purchase",
    "tally_redeem",
    "tally_release",
    "tally_release_lot",
    "tally_save_record",
    "tally_settle",
    "tally_take_held",
    "tally_use_coupon",
    "tally_void",
];

/// Each non-trigger `tally_*` function with its number of overloads, by name.
async fn installed(pool: &PgPool) -> Vec<(String, i64)> {
    let mut found: Vec<(String, i64)> = sqlx::query_as(
        "SELECT proname::text, count(*) FROM pg_proc \
         WHERE proname LIKE 'tally\\_%' AND prorettype <> 'trigger'::regtype GROUP BY proname",
    )
    .fetch_all(pool)
    .await
    .expect("list the functions");
    found.sort();
    found
}

fn once_each() -> Vec<(String, i64)> {
    FUNCTIONS.iter().map(|name| ((*name).to_owned(), 1)).collect()
}

/// The functions' oids: a function dropped and made again gets a new one.
async fn oids(pool: &PgPool) -> Vec<(String, i64)> {
    let mut found: Vec<(String, i64)> =
        sqlx::query_as("SELECT oid::regprocedure::text, oid::bigint FROM pg_proc WHERE proname LIKE 'tally\\_%'")
            .fetch_all(pool)
            .await
            .expect("list the oids");
    found.sort();
    found
}

/// Spawned, on four threads: the starts overlap (and `connect` must be `Send`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nodes_starting_together_install_the_functions_once() {
    let url = scratch_database_url().await;
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { PgStore::connect(&url, 2).await })
        })
        .collect();
    let mut stores = Vec::new();
    for start in starts {
        stores.push(start.await.expect("the start task").expect("every node starts"));
    }
    let pool = stores[0].pool();
    assert_eq!(installed(pool).await, once_each());
    let digests: i64 = sqlx::query_scalar("SELECT count(*) FROM tally_function_set").fetch_one(pool).await.unwrap();
    assert_eq!(digests, 1);

    // A start that finds its own set changes nothing.
    let before = oids(pool).await;
    PgStore::connect(&url, 2).await.expect("a later start");
    assert_eq!(oids(pool).await, before);
}

#[tokio::test]
async fn a_stale_set_is_installed_again() {
    let url = scratch_database_url().await;
    let store = PgStore::connect(&url, 2).await.expect("first start");
    store.execute_raw("DROP FUNCTION tally_void(text, text, bigint, text, text, text)").await.expect("drop one");
    store.execute_raw("UPDATE tally_function_set SET digest = 'stale'").await.expect("make the set stale");
    assert!(!installed(store.pool()).await.iter().any(|(name, _)| name == "tally_void"));

    PgStore::connect(&url, 2).await.expect("the next start");
    assert_eq!(installed(store.pool()).await, once_each());
    let digest: String =
        sqlx::query_scalar("SELECT digest FROM tally_function_set").fetch_one(store.pool()).await.unwrap();
    assert_ne!(digest, "stale");
}

#[tokio::test]
async fn a_stale_overload_is_dropped() {
    let url = scratch_database_url().await;
    let store = PgStore::connect(&url, 2).await.expect("first start");
    store
        .execute_raw("CREATE FUNCTION tally_void(integer) RETURNS integer LANGUAGE sql AS 'SELECT $1'")
        .await
        .expect("add an overload");
    store.execute_raw("UPDATE tally_function_set SET digest = 'stale'").await.expect("make the set stale");
    assert!(installed(store.pool()).await.contains(&("tally_void".to_owned(), 2)));

    PgStore::connect(&url, 2).await.expect("the next start");
    assert_eq!(installed(store.pool()).await, once_each());
    let args: String = sqlx::query_scalar("SELECT pg_get_function_identity_arguments('tally_void'::regproc)")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(args.starts_with("for_program text"), "{args}");
}
